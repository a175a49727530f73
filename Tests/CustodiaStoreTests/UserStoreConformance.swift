import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import Testing

/// Makes an empty store that keeps users too, in `dir`.
typealias UserStoreFactory = @Sendable (_ dir: URL) async throws -> any Store & UserStore

/// One behaviour every `UserStore` must have, run against a backend by its factory.
struct UserConformanceCheck: Sendable, CustomTestStringConvertible {
    let name: String
    let body: @Sendable (UserStoreFactory) async throws -> Void
    init(_ name: String, _ body: @escaping @Sendable (UserStoreFactory) async throws -> Void) {
        self.name = name
        self.body = body
    }
    var testDescription: String { name }
}

/// Stand-ins for what the server and the CLI store: the stores never look inside them.
let anaHash = "$2b$04$anaanaanaanaanaanaanaOu6bYjVZo1mYq3oP1vJ0Qb1nC8Wm3J2e"
let adaHash = "$2b$04$adaadaadaadaadaadaadaOq8mT3pX0yZk5rW7sV2uN4lH6jG9fD1c"
let asAdmin = AppendOptions(recordedBy: "admin-1", recordedAt: recordedAt)

/// The user conformance suite: what any `UserStore` implementation must do.
enum UserStoreConformance {
    static let all: [UserConformanceCheck] = [
        UserConformanceCheck("users are added, listed and found by code", usersAreAddedAndListed),
        UserConformanceCheck("a refused or dry-run user-add writes neither the entry nor the password", refusedAddWritesNothing),
        UserConformanceCheck("listings and the ledger never include hashes or secrets", listingsNeverIncludeHashes),
        UserConformanceCheck("the latest password hash wins; unknown and disabled users have none", latestPasswordHashWins),
        UserConformanceCheck("roles and scopes change, and a disabled user stays disabled", changesAndDisables),
        UserConformanceCheck("a token resolves by its secret hash until it is revoked", tokensResolveUntilRevoked),
        UserConformanceCheck("a disabled user's tokens no longer resolve", disabledUsersTokensNoLongerResolve),
        UserConformanceCheck("verify replays users and tokens", verifyReplaysUsersAndTokens),
        UserConformanceCheck("user entries recorded as JSON lines give the same state", userEntriesFromJSONLines),
    ]

    /// A store with the fixture holder tree, ana (clerk, S1) and ada (admin, everything).
    static func seeded(_ make: UserStoreFactory, _ dir: URL) async throws -> any Store & UserStore {
        let store = try await make(dir)
        try await store.recordValid(Fixture.holderTree)
        try #require(
            try await store.addUser(UserAccount(code: "ana", role: .clerk, scope: "S1"), passwordHash: anaHash, options: asAdmin)
                .written)
        try #require(
            try await store.addUser(UserAccount(code: "ada", role: .admin, scope: nil), passwordHash: adaHash, options: asAdmin)
                .written)
        return store
    }

    static func usersAreAddedAndListed(_ make: UserStoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            #expect(try await store.users() == [])
            try await store.recordValid(Fixture.holderTree)
            let report = try await store.addUser(
                UserAccount(code: "ana", role: .clerk, scope: "S1"), passwordHash: anaHash, options: asAdmin)
            #expect(report.errors == [])
            #expect(report.written)
            #expect(report.firstSeq == 8)
            #expect(report.size == 9)
            let note = try #require(report.checkpoint, "a user-add is signed like every append")
            #expect(try await store.signedCheckpoint(note).size == 9)
            _ = try await store.addUser(
                UserAccount(code: "ada", role: .admin, scope: nil), passwordHash: adaHash, options: asAdmin)

            #expect(
                try await store.users() == [
                    UserAccount(code: "ada", role: .admin, scope: nil), UserAccount(code: "ana", role: .clerk, scope: "S1"),
                ])
            #expect(try await store.user(code: "ana") == UserAccount(code: "ana", role: .clerk, scope: "S1"))
            #expect(try await store.user(code: "nobody") == nil)
            let leaf = try leafObject(try #require(try await store.entries(from: 8, to: 9).first).leaf)
            #expect(leaf["kind"] as? String == "user-add")
            #expect(leaf["recordedBy"] as? String == "admin-1")
            let user = try #require(leaf["user"] as? [String: Any])
            #expect(user.keys.sorted() == ["code", "role", "scope"])
            #expect(user["code"] as? String == "ana" && user["role"] as? String == "clerk" && user["scope"] as? String == "S1")
        }
    }

    static func refusedAddWritesNothing(_ make: UserStoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await seeded(make, dir)
            let size = try await store.ledgerSize()
            let checkpoint = try await store.checkpoint(size: nil)
            let cases: [(UserAccount, String, String)] = [
                (UserAccount(code: "bob", role: .clerk, scope: "NOWHERE"), "user.scope", "unknown holder NOWHERE"),
                (UserAccount(code: "bob", role: .viewer, scope: nil), "user.scope", "only auditor and admin"),
                (UserAccount(code: "ana", role: .viewer, scope: "S1"), "user.code", "user ana already exists"),
                (UserAccount(code: "bob perez", role: .viewer, scope: "S1"), "user.code", "not a user code"),
            ]
            for (account, field, phrase) in cases {
                let report = try await store.addUser(account, passwordHash: "$2b$04$bob", options: asAdmin)
                #expect(!report.written)
                #expect(report.errors.count == 1)
                #expect(report.errors.first?.field == field, "\(report.errors)")
                #expect(report.errors.first?.message.contains(phrase) == true, "\(report.errors)")
            }
            #expect(try await store.passwordHash(user: "bob") == nil)
            #expect(try await store.passwordHash(user: "ana") == anaHash, "a refused re-add leaves ana's password alone")

            var dry = asAdmin
            dry.dryRun = true
            let report = try await store.addUser(
                UserAccount(code: "bob", role: .viewer, scope: "S2"), passwordHash: "$2b$04$bob", options: dry)
            #expect(report.errors == [] && report.accepted == 1 && !report.written)
            #expect(try await store.user(code: "bob") == nil)
            #expect(try await store.passwordHash(user: "bob") == nil)

            await #expect(throws: StoreError.self) {
                try await store.addUser(UserAccount(code: "bob", role: .viewer, scope: "S2"), passwordHash: "", options: asAdmin)
            }
            await #expect(throws: StoreError.self) {
                try await store.addUser(
                    UserAccount(code: "bob", role: .viewer, scope: "S2", active: false), passwordHash: "$2b$04$bob",
                    options: asAdmin)
            }
            #expect(try await store.ledgerSize() == size)
            #expect(try await store.checkpoint(size: nil) == checkpoint)
            #expect(try await store.users().map(\.code) == ["ada", "ana"])
        }
    }

    static func listingsNeverIncludeHashes(_ make: UserStoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await seeded(make, dir)
            let (id, token) = APIToken.generate()
            let secretHash = APIToken.secretHash(token)
            try #require(
                try await store.createToken(TokenRecord(id: id, user: "ana"), secretHash: secretHash, options: asAdmin).written)
            try await store.setPasswordHash(user: "ana", hash: "$2b$04$second-hash-of-ana")

            let secrets = [anaHash, adaHash, "$2b$04$second-hash-of-ana", token, secretHash, String(token.suffix(64))]
            let users = try await store.users()
            let ana = try await store.user(code: "ana")
            let found = try await store.token(secretHash: secretHash)
            let listed = "\(users) \(String(describing: ana)) \(String(describing: found))"
            #expect(found?.id == id)
            let entries = try await store.entries(from: 0, to: try await store.ledgerSize()).map(\.json).joined(separator: "\n")
            for secret in secrets {
                #expect(!listed.contains(secret), "a listing shows a secret")
                #expect(!entries.contains(secret), "the ledger holds a secret")
            }
            #expect(entries.contains(#""token":"\#(id)""#), "the ledger names the token by its id")
        }
    }

    static func latestPasswordHashWins(_ make: UserStoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await seeded(make, dir)
            let size = try await store.ledgerSize()
            #expect(try await store.passwordHash(user: "ana") == anaHash)
            try await store.setPasswordHash(user: "ana", hash: "$2b$04$second")
            try await store.setPasswordHash(user: "ana", hash: "$2b$04$third")
            #expect(try await store.passwordHash(user: "ana") == "$2b$04$third")
            #expect(try await store.passwordHash(user: "ada") == adaHash)
            #expect(try await store.ledgerSize() == size, "passwords are not ledger entries")
            #expect(try await store.passwordHash(user: "nobody") == nil)

            let unknown = await #expect(throws: StoreError.self) {
                try await store.setPasswordHash(user: "nobody", hash: "$2b$04$x")
            }
            #expect(unknown?.code == .notFound)
            #expect(unknown?.message.contains("unknown user nobody") == true)
            await #expect(throws: StoreError.self) { try await store.setPasswordHash(user: "ana", hash: "") }

            try #require(try await store.disableUser(code: "ana", options: asAdmin).written)
            #expect(try await store.passwordHash(user: "ana") == nil, "a disabled user cannot log in")
            let disabled = await #expect(throws: StoreError.self) {
                try await store.setPasswordHash(user: "ana", hash: "$2b$04$fourth")
            }
            #expect(disabled?.message.contains("user ana is disabled") == true)
        }
    }

    static func changesAndDisables(_ make: UserStoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await seeded(make, dir)
            var report = try await store.changeUser(code: "ana", role: .inspector, scope: nil, options: asAdmin)
            #expect(report.written)
            #expect(try await store.user(code: "ana") == UserAccount(code: "ana", role: .inspector, scope: "S1"))
            report = try await store.changeUser(code: "ana", role: nil, scope: .some("Z1"), options: asAdmin)
            #expect(report.written)
            #expect(try await store.user(code: "ana") == UserAccount(code: "ana", role: .inspector, scope: "Z1"))
            report = try await store.changeUser(code: "ana", role: .auditor, scope: .some(nil), options: asAdmin)
            #expect(report.written)
            #expect(try await store.user(code: "ana") == UserAccount(code: "ana", role: .auditor, scope: nil))
            let leaf = try leafObject(try #require(try await store.entries(from: report.firstSeq, to: report.size).first).leaf)
            let user = try #require(leaf["user"] as? [String: Any])
            #expect(user["scope"] is NSNull, "the whole register is recorded as scope null")

            let size = try await store.ledgerSize()
            report = try await store.changeUser(code: "ana", role: .clerk, scope: nil, options: asAdmin)
            #expect(report.errors.map(\.field) == ["user.scope"])
            report = try await store.changeUser(code: "ada", role: nil, scope: .some("NOWHERE"), options: asAdmin)
            #expect(report.errors.first?.message.contains("unknown holder NOWHERE") == true)
            report = try await store.changeUser(code: "zed", role: .viewer, scope: .some("S1"), options: asAdmin)
            #expect(report.errors.first?.message.contains("unknown user zed") == true)
            #expect(try await store.ledgerSize() == size)

            report = try await store.disableUser(code: "ana", options: asAdmin)
            #expect(report.written)
            #expect(try await store.user(code: "ana")?.active == false)
            report = try await store.disableUser(code: "ana", options: asAdmin)
            #expect(report.errors.first?.message.contains("user ana is disabled") == true)
            report = try await store.changeUser(code: "ana", role: .viewer, scope: .some("S1"), options: asAdmin)
            #expect(report.errors.first?.message.contains("user ana is disabled") == true)
            #expect(try await store.users().map { "\($0.code):\($0.active)" } == ["ada:true", "ana:false"])
        }
    }

    static func tokensResolveUntilRevoked(_ make: UserStoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await seeded(make, dir)
            let (id, token) = APIToken.generate()
            #expect(APIToken.parse(token) == id)
            let report = try await store.createToken(
                TokenRecord(id: id, user: "ana"), secretHash: APIToken.secretHash(token), options: asAdmin)
            #expect(report.written)
            #expect(report.checkpoint != nil)
            #expect(try await store.token(secretHash: APIToken.secretHash(token)) == TokenRecord(id: id, user: "ana"))
            let (_, other) = APIToken.generate()
            #expect(try await store.token(secretHash: APIToken.secretHash(other)) == nil)
            #expect(try await store.token(secretHash: APIToken.secretHash(token + "x")) == nil)

            // The same id again, a token for an unknown user, a malformed hash.
            var refused = try await store.createToken(
                TokenRecord(id: id, user: "ada"), secretHash: APIToken.secretHash(other), options: asAdmin)
            #expect(refused.errors.first?.message.contains("token \(id) already exists") == true, "\(refused.errors)")
            refused = try await store.createToken(
                TokenRecord(id: "0000000000000000", user: "zed"), secretHash: APIToken.secretHash(other), options: asAdmin)
            #expect(refused.errors.first?.message.contains("unknown user zed") == true)
            #expect(try await store.token(secretHash: APIToken.secretHash(other)) == nil, "no secret row for a refused token")
            await #expect(throws: StoreError.self) {
                try await store.createToken(TokenRecord(id: "0000000000000001", user: "ana"), secretHash: other, options: asAdmin)
            }

            let revoked = try await store.revokeToken(id: id, options: asAdmin)
            #expect(revoked.written)
            #expect(try await store.token(secretHash: APIToken.secretHash(token)) == nil)
            let leaf = try leafObject(try #require(try await store.entries(from: revoked.firstSeq, to: revoked.size).first).leaf)
            #expect(leaf["kind"] as? String == "token-revoke")
            #expect((leaf["user"] as? [String: Any])?["code"] as? String == "ana", "the revocation names the owner")

            refused = try await store.revokeToken(id: id, options: asAdmin)
            #expect(refused.errors.first?.message.contains("already revoked") == true, "\(refused.errors)")
            refused = try await store.revokeToken(id: "ffffffffffffffff", options: asAdmin)
            #expect(refused.errors.first?.message.contains("unknown token ffffffffffffffff") == true)
            #expect(!refused.written)
        }
    }

    static func disabledUsersTokensNoLongerResolve(_ make: UserStoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await seeded(make, dir)
            var hashes: [String] = []
            for owner in ["ana", "ana", "ada"] {
                let (id, token) = APIToken.generate()
                hashes.append(APIToken.secretHash(token))
                try #require(
                    try await store.createToken(TokenRecord(id: id, user: owner), secretHash: hashes.last!, options: asAdmin)
                        .written)
            }
            for h in hashes { #expect(try await store.token(secretHash: h) != nil) }
            try #require(try await store.disableUser(code: "ana", options: asAdmin).written)
            #expect(try await store.token(secretHash: hashes[0]) == nil)
            #expect(try await store.token(secretHash: hashes[1]) == nil)
            #expect(try await store.token(secretHash: hashes[2])?.user == "ada", "other users' tokens still work")
            let refused = try await store.createToken(
                TokenRecord(id: "0123456789abcdef", user: "ana"), secretHash: String(repeating: "a", count: 64), options: asAdmin)
            #expect(refused.errors.first?.message.contains("user ana is disabled") == true)
        }
    }

    static func verifyReplaysUsersAndTokens(_ make: UserStoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await seeded(make, dir)
            let (id, token) = APIToken.generate()
            try #require(
                try await store.createToken(
                    TokenRecord(id: id, user: "ana"), secretHash: APIToken.secretHash(token), options: asAdmin
                )
                .written)
            try #require(try await store.changeUser(code: "ana", role: .inspector, scope: .some("Z1"), options: asAdmin).written)
            try #require(try await store.revokeToken(id: id, options: asAdmin).written)
            try #require(try await store.disableUser(code: "ada", options: asAdmin).written)
            try await store.setPasswordHash(user: "ana", hash: "$2b$04$again")
            let report = try await store.verify()
            #expect(report.divergence == nil)
            #expect(report.users == 2)
            #expect(report.tokens == 1)
            #expect(report.events == 14)
        }
    }

    static func userEntriesFromJSONLines(_ make: UserStoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            let lines = [
                #"{"kind":"user-add","occurredAt":"2026-03-01T08:00:00Z","user":{"code":"ana","role":"clerk","scope":"S1"}}"#,
                #"{"kind":"user-change","occurredAt":"2026-03-01T08:00:00Z","user":{"code":"ana","scope":"U1"}}"#,
                #"{"kind":"token-create","occurredAt":"2026-03-01T08:00:00Z","user":{"code":"ana","token":"T-1"}}"#,
            ]
            let events = try lines.map { try Event(json: try JSONParser.parse($0)) }
            try await store.recordValid(events)
            #expect(try await store.user(code: "ana") == UserAccount(code: "ana", role: .clerk, scope: "U1"))
            #expect(try await store.passwordHash(user: "ana") == nil, "a user recorded as a ledger entry has no password yet")
            #expect(try await store.verify().divergence == nil)
        }
    }
}
