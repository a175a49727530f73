import ArgumentParser
import Foundation
import Testing

@testable import custodia

/// The user and token commands' arguments, checked by parsing alone.
@Suite struct UserCommandParsingTests {
    @Test func userAddTakesARoleAScopeAndAHiddenCost() throws {
        let add = try UserCommand.Add.parse(["ana", "--role", "custodian", "--scope", "U1", "--bcrypt-cost", "4"])
        #expect(add.name == "ana")
        #expect(add.role.role == .custodian)
        #expect(add.scope == "U1")
        #expect(try add.bcrypt.cost() == 4)
        #expect(!add.generatePassword)
    }

    @Test(arguments: [
        (["ana"], "--role"),
        (["ana", "--role", "root"], "viewer"),
        (["ana b", "--role", "clerk"], "not a user code"),
        (["ana", "--role", "clerk", "--scope", "S 1"], "not a holder code"),
    ])
    func userAddRefusesBadArguments(arguments: [String], phrase: String) {
        do {
            _ = try UserCommand.Add.parse(arguments)
            Issue.record("\(arguments) parsed")
        } catch {
            let message = UserCommand.Add.message(for: error)
            #expect(message.contains(phrase), "\(message)")
        }
    }

    @Test func userChangeNeedsSomethingToChangeAndOneScope() throws {
        #expect(throws: (any Error).self) { try UserCommand.Change.parse(["ana"]) }
        #expect(throws: (any Error).self) { try UserCommand.Change.parse(["ana", "--scope", "S1", "--unscoped"]) }
        let change = try UserCommand.Change.parse(["ana", "--unscoped"])
        #expect(change.unscoped && change.role == nil && change.scope == nil)
    }

    @Test func theDefaultBcryptCostIsTwelve() throws {
        if ProcessInfo.processInfo.environment["CUSTODIA_BCRYPT_COST"] == nil {
            #expect(try BcryptOptions.parse([]).cost() == 12)
        }
        #expect(throws: (any Error).self) { try BcryptOptions.parse(["--bcrypt-cost", "3"]).cost() }
        #expect(Password.generate().count >= 20)
        #expect(Password.generate() != Password.generate())
        #expect(throws: (any Error).self) { try Password.check("eleven char") }
        #expect(throws: Never.self) { try Password.check("twelve chars") }
    }
}
