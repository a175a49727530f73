import ArgumentParser
import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import HummingbirdBcrypt

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Add, list, change and disable users.",
        discussion: """
            Every user has one role (\(Role.allCases.map(\.rawValue).joined(separator: ", "))) and one scope: \
            a holder and its subtree, or the whole register (auditor and admin only). Users are ledger \
            entries (code, role, scope); passwords are kept beside the ledger, hashed with bcrypt.
            """,
        subcommands: [Add.self, List.self, Change.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user.",
            discussion: """
                The password is read from standard input when it is not a terminal \
                (echo "$PASSWORD" | custodia user add …); otherwise, or with --generate-password, \
                one is generated and printed once. Passwords have at least 12 characters.
                """)
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The user's code (1–40 letters, digits, - _ . /), e.g. ana.perez.") var name: String
        @Option(help: "viewer, clerk, custodian, inspector, auditor or admin.") var role: RoleArgument
        @Option(help: "The holder at the root of the user's scope (omit for the whole register: auditor, admin).")
        var scope: String?
        @Flag(help: "Generate the password (printed once) even when standard input is not a terminal.")
        var generatePassword = false
        @OptionGroup var bcrypt: BcryptOptions

        func validate() throws {
            try checkUserCode(name)
            if let scope { try checkHolderCode(scope) }
        }

        func run() async throws {
            let cost = try bcrypt.cost()
            let generated = generatePassword || isatty(STDIN_FILENO) == 1
            let password = generated ? Password.generate() : try Password.readStandardInput()
            try Password.check(password)
            let now = Clock.now()
            let opened = try await store.openForWriting()
            let report = try await opened.addUser(
                UserAccount(code: name, role: role.role, scope: scope), passwordHash: Bcrypt.hash(password, cost: cost),
                options: try await recording.appendOptions(now: now, store: opened))
            try reportUserChange(report, dryRun: recording.dryRun, "user-add \(name) (\(role.role.rawValue), \(describe(scope)))")
            if generated, !recording.dryRun {
                print("password: \(password)")
                print("(shown once: hand it to the user now; Custodia keeps only its bcrypt hash)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users: code, role, scope, active.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print JSON: an array of {code, role, scope, active}.") var json = false

        func run() async throws {
            let users = try await store.openForReading().users()
            if json {
                printJSON(
                    .array(
                        users.map {
                            .object([
                                ("code", .string($0.code)), ("role", .string($0.role.rawValue)),
                                ("scope", $0.scope.map { .string($0) } ?? .null), ("active", .bool($0.active)),
                            ])
                        }))
                return
            }
            guard !users.isEmpty else {
                print("no users yet; add one with custodia user add NAME --role ROLE [--scope HOLDER]")
                return
            }
            let width = max(4, users.map(\.code.count).max() ?? 0)
            func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
            print("\(pad("code", width))  \(pad("role", 9))  \(pad("scope", 16))  state")
            for u in users {
                print(
                    "\(pad(u.code, width))  \(pad(u.role.rawValue, 9))  \(pad(u.scope ?? "(everything)", 16))  \(u.active ? "active" : "disabled")"
                )
            }
        }
    }

    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a user's role and/or scope.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The user's code.") var name: String
        @Option(help: "The new role.") var role: RoleArgument?
        @Option(help: "The holder at the root of the new scope.") var scope: String?
        @Flag(help: "Make the scope the whole register (auditor and admin only).") var unscoped = false

        func validate() throws {
            try checkUserCode(name)
            if let scope { try checkHolderCode(scope) }
            guard role != nil || scope != nil || unscoped else {
                throw ValidationError("nothing to change: give --role, --scope or --unscoped")
            }
            guard scope == nil || !unscoped else {
                throw ValidationError("--scope and --unscoped contradict each other; give one")
            }
        }

        func run() async throws {
            let newScope: String?? = unscoped ? .some(nil) : scope.map { .some($0) }
            let opened = try await store.openForWriting()
            let report = try await opened.changeUser(
                code: name, role: role?.role, scope: newScope, options: try await recording.appendOptions(now: Clock.now(), store: opened))
            var parts: [String] = []
            if let role { parts.append(role.role.rawValue) }
            if let newScope { parts.append(describe(newScope)) }
            try reportUserChange(report, dryRun: recording.dryRun, "user-change \(name) (\(parts.joined(separator: ", ")))")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a user at once: no more logins, and the user's API tokens stop working.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The user's code.") var name: String

        func validate() throws { try checkUserCode(name) }

        func run() async throws {
            let opened = try await store.openForWriting()
            let report = try await opened.disableUser(code: name, options: try await recording.appendOptions(now: Clock.now(), store: opened))
            try reportUserChange(report, dryRun: recording.dryRun, "user-disable \(name)")
        }
    }
}

/// A role on the command line; an unknown one is refused with the list of the six.
struct RoleArgument: ExpressibleByArgument {
    let role: Role
    init?(argument: String) {
        guard let r = Role(rawValue: argument) else { return nil }
        role = r
    }
    static var allValueStrings: [String] { Role.allCases.map(\.rawValue) }
}

/// The bcrypt cost: 12 unless `--bcrypt-cost` or `CUSTODIA_BCRYPT_COST` says otherwise
/// (tests use the minimum, 4, for speed).
struct BcryptOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The bcrypt cost (4–31).", visibility: .hidden)) var bcryptCost: Int?

    static let defaultCost = 12

    func cost() throws -> UInt8 {
        let environment = ProcessInfo.processInfo.environment["CUSTODIA_BCRYPT_COST"]
        let given = bcryptCost ?? environment.map { Int($0) ?? -1 } ?? Self.defaultCost
        guard (4...31).contains(given) else {
            throw UserError(
                "the bcrypt cost must be a whole number from 4 to 31 (\(bcryptCost != nil ? "--bcrypt-cost" : "CUSTODIA_BCRYPT_COST") is \(bcryptCost.map(String.init) ?? environment ?? ""))"
            )
        }
        return UInt8(given)
    }
}

/// Passwords: read, generated and checked. Never printed except a generated one, once.
enum Password {
    static let minimumLength = 12
    /// bcrypt reads at most 72 bytes; a longer password would be cut silently.
    static let maximumBytes = 72
    /// Letters and digits without the look-alikes 0 O 1 l I.
    static let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    static let generatedLength = 24

    /// A random password from the system's cryptographic random source.
    static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<generatedLength).map { _ in alphabet.randomElement(using: &rng)! })
    }

    /// The password piped on standard input, without its final line break.
    static func readStandardInput() throws -> String {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: data, encoding: .utf8) else {
            throw UserError("the password on standard input is not UTF-8 text")
        }
        var password = Substring(text)
        if password.hasSuffix("\n") { password = password.dropLast() }
        if password.hasSuffix("\r") { password = password.dropLast() }
        guard !password.isEmpty else {
            throw UserError(
                "no password on standard input; pipe one (echo \"$PASSWORD\" | custodia user add …) or pass --generate-password")
        }
        return String(password)
    }

    static func check(_ password: String) throws {
        guard password.count >= minimumLength else {
            throw UserError(
                "the password is too short (\(password.count) characters); use at least \(minimumLength), or pass --generate-password"
            )
        }
        guard password.utf8.count <= maximumBytes else {
            throw UserError("the password is too long (\(password.utf8.count) bytes); bcrypt uses at most \(maximumBytes)")
        }
        guard !password.contains(where: \.isNewline) else {
            throw UserError("the password has a line break in it; give it on one line")
        }
    }
}

func describe(_ scope: String?) -> String { scope.map { "scope \($0)" } ?? "the whole register" }

func checkUserCode(_ code: String) throws {
    guard HolderTree.isValidCode(code) else {
        throw ValidationError("\"\(code)\" is not a user code: use 1–40 letters, digits, - _ . /")
    }
}

func checkHolderCode(_ code: String) throws {
    guard HolderTree.isValidCode(code) else {
        throw ValidationError("\"\(code)\" is not a holder code: use 1–40 letters, digits, - _ . /")
    }
}

/// Prints what a user or token change did, or throws its refusal (`field: reason`).
func reportUserChange(_ report: AppendReport, dryRun: Bool, _ what: String) throws {
    if let e = report.errors.first {
        let field = e.field.hasPrefix("user.") ? String(e.field.dropFirst(5)) : e.field
        throw UserError(field.isEmpty ? e.message : "\(field): \(e.message)")
    }
    print(dryRun ? "dry run: \(what) is valid; nothing was written" : "\(what) recorded as event \(report.firstSeq)")
}
