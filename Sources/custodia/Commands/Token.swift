import ArgumentParser
import CustodiaCore
import CustodiaStore

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke API tokens.",
        discussion: """
            A token acts for its owner, with the owner's role and scope. Its id is a ledger entry; \
            the token itself is printed once and Custodia keeps only its SHA-256 hash.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token for a user; prints it once.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The code of the user the token acts for.") var name: String

        func validate() throws { try checkUserCode(name) }

        func run() async throws {
            let (id, token) = APIToken.generate()
            let opened = try await store.openForWriting()
            let report = try await opened.createToken(
                TokenRecord(id: id, user: name), secretHash: APIToken.secretHash(token),
                options: try await recording.appendOptions(now: Clock.now(), store: opened))
            try reportUserChange(report, dryRun: recording.dryRun, "token-create \(id) for \(name)")
            if !recording.dryRun {
                print(token)
                print("(shown once: store it now; Custodia keeps only its hash. Revoke with: custodia token revoke \(id))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a user's API tokens (ids only).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's code.") var name: String

        func run() async throws {
            let opened = try await store.openForReading()
            guard try await opened.user(code: name) != nil else {
                throw UserError("unknown user \(name); see custodia user list")
            }
            let tokens = try await opened.tokens(user: name)
            if tokens.isEmpty { print("\(name) has no API tokens") }
            for t in tokens { print("\(t.id)  \(t.active ? "active" : "revoked")") }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API token at once.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The token's id (the part after cust_, or the whole token).") var id: String

        func run() async throws {
            let tokenID = APIToken.parse(id) ?? id
            let opened = try await store.openForWriting()
            let report = try await opened.revokeToken(id: tokenID, options: try await recording.appendOptions(now: Clock.now(), store: opened))
            try reportUserChange(report, dryRun: recording.dryRun, "token-revoke \(tokenID)")
        }
    }
}
