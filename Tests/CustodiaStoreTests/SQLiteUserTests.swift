import CustodiaCore
import CustodiaLedger
import CustodiaSQLite
import CustodiaStore
import CustodiaTestSupport
import Foundation
import Testing

/// A store with users and tokens in every state, for tampering with behind Custodia's back:
/// events 0–7 the holder tree; 8 ana (clerk, S1); 9 ada (admin); 10 old (viewer, Z1);
/// 11 token A of ana; 12 token R of ana; 13 R revoked; 14 old disabled.
struct UserFixture {
    let store: SQLiteStore
    let key: LogKey
    let active: String
    let revoked: String

    static func make(in dir: URL) async throws -> UserFixture {
        let key = try LogKey.generate(name: testOrigin)
        let store = try SQLiteStore.create(
            path: dir.appendingPathComponent("custodia.db").path, origin: testOrigin, key: key, now: recordedAt)
        try await store.recordValid(Fixture.holderTree)
        for (code, role, scope) in [("ana", Role.clerk, "S1"), ("ada", .admin, nil), ("old", .viewer, "Z1")] {
            try #require(
                try await store.addUser(
                    UserAccount(code: code, role: role, scope: scope), passwordHash: "$2b$04$hash-of-\(code)", options: asAdmin
                ).written)
        }
        var ids: [String] = []
        for _ in 0..<2 {
            let (id, token) = APIToken.generate()
            ids.append(id)
            try #require(
                try await store.createToken(
                    TokenRecord(id: id, user: "ana"), secretHash: APIToken.secretHash(token), options: asAdmin
                ).written)
        }
        try #require(try await store.revokeToken(id: ids[1], options: asAdmin).written)
        try #require(try await store.disableUser(code: "old", options: asAdmin).written)
        try #require(try await store.ledgerSize() == 15)
        try #require(try await store.verify().divergence == nil, "the fixture verifies before tampering")
        return UserFixture(store: store, key: key, active: ids[0], revoked: ids[1])
    }
}

/// A change to the user tables behind Custodia's back, and what `verify` must name.
struct UserTampering: Sendable, CustomTestStringConvertible {
    let name: String
    let sql: @Sendable (UserFixture) -> String
    let expected: [String]
    var testDescription: String { name }

    static let all: [UserTampering] = [
        UserTampering(
            name: "a user's role raised", sql: { _ in "UPDATE users SET role = 'admin' WHERE code = 'ana';" },
            expected: ["users: row code=", "ana", "role is", "admin", "clerk", "changed outside Custodia"]),
        UserTampering(
            name: "a user's scope widened", sql: { _ in "UPDATE users SET scope = NULL WHERE code = 'ana';" },
            expected: ["users:", "ana", "scope is NULL", "S1"]),
        UserTampering(
            name: "a disabled user re-enabled", sql: { _ in "UPDATE users SET active = 1 WHERE code = 'old';" },
            expected: ["users:", "old", "active is 1", "the events give 0"]),
        UserTampering(
            name: "a user inserted without an event",
            sql: { _ in "INSERT INTO users(code, role, scope, active, added_seq) VALUES ('ghost', 'admin', NULL, 1, 3);" },
            expected: ["users:", "ghost", "no event produces it"]),
        UserTampering(
            name: "a user row deleted", sql: { _ in "DELETE FROM users WHERE code = 'ada';" },
            expected: ["users:", "ada", "not stored"]),
        UserTampering(
            name: "a revoked token made active again",
            sql: { f in "UPDATE tokens SET active = 1 WHERE id = '\(f.revoked)';" },
            expected: ["tokens:", "active is 1"]),
        UserTampering(
            name: "a token inserted without an event",
            sql: { _ in
                """
                INSERT INTO tokens(id, user, active, created_seq) VALUES ('feedfeedfeedfeed', 'ada', 1, 9);
                INSERT INTO token_secrets(token_id, secret_hash) VALUES ('feedfeedfeedfeed', '\(String(repeating: "b", count: 64))');
                """
            }, expected: ["tokens:", "feedfeedfeedfeed", "no event produces it"]),
        UserTampering(
            name: "a password hash for a user that does not exist",
            sql: { _ in "INSERT INTO password_hashes(user, hash, set_at) VALUES ('ghost', '$2b$04$x', 'now');" },
            expected: ["password_hashes:", "refers to a missing row of users"]),
        UserTampering(
            name: "a token secret for a token that does not exist",
            sql: { _ in
                "INSERT INTO token_secrets(token_id, secret_hash) VALUES ('0000000000000000', '\(String(repeating: "c", count: 64))');"
            }, expected: ["token_secrets:", "refers to a missing row of tokens"]),
    ]
}

/// Runs the `sqlite3` shell expecting it to fail; returns what it printed on stderr.
func sqlite3Refused(_ database: String, _ sql: String) throws -> String? {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite3-\(UUID().uuidString).err").path
    defer { try? FileManager.default.removeItem(atPath: file) }
    let process = try ChildProcess.run(sqlite3Executable.path, ["-batch", "-bail", database, sql], error: file)
    let err = FileManager.default.contents(atPath: file) ?? Data()
    return process.terminationStatus == 0 ? nil : String(decoding: err, as: UTF8.self)
}

@Suite struct SQLiteUserTests {
    @Test("verify names a change to the user tables", arguments: UserTampering.all)
    func verifyNamesAChangeToTheUserTables(_ tampering: UserTampering) async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try await UserFixture.make(in: dir)
            try sqlite3(fixture.store.path, tampering.sql(fixture))
            let report = try await SQLiteStore(path: fixture.store.path, key: fixture.key).verify()
            let divergence = try #require(report.divergence, "verify found nothing")
            for expected in tampering.expected {
                #expect(divergence.contains(expected), "\(divergence)")
            }
        }
    }

    /// A server's store keeps the owners of tokens it has seen, but only while nothing has
    /// been committed since: a token revoked or a user disabled through another connection
    /// (the command-line tool, another process) or through the server's own writer is refused
    /// at the next lookup.
    @Test func aServerStoreRefusesARevokedTokenOrADisabledUserAtOnce() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try await UserFixture.make(in: dir)
            var tokens: [(id: String, hash: String)] = []
            for user in ["ana", "ana", "ada"] {
                let (id, token) = APIToken.generate()
                try #require(
                    try await fixture.store.createToken(
                        TokenRecord(id: id, user: user), secretHash: APIToken.secretHash(token), options: asAdmin
                    ).written)
                tokens.append((id, APIToken.secretHash(token)))
            }
            let server = try SQLiteStore(path: fixture.store.path, key: fixture.key, connections: .pool(readers: 2))
            defer { try? server.close() }
            for t in tokens {
                for _ in 0..<2 { #expect(try await server.tokenOwner(secretHash: t.hash)?.token.id == t.id) }
            }

            try #require(try await fixture.store.revokeToken(id: tokens[0].id, options: asAdmin).written)
            #expect(try await server.tokenOwner(secretHash: tokens[0].hash)?.account.code == nil, "revoked elsewhere")
            #expect(try await server.tokenOwner(secretHash: tokens[1].hash)?.account.code == "ana")

            try #require(try await fixture.store.disableUser(code: "ana", options: asAdmin).written)
            #expect(try await server.tokenOwner(secretHash: tokens[1].hash)?.account.code == nil, "disabled elsewhere")

            #expect(try await server.tokenOwner(secretHash: tokens[2].hash)?.account.code == "ada")
            try #require(try await server.disableUser(code: "ada", options: asAdmin).written)
            #expect(try await server.tokenOwner(secretHash: tokens[2].hash)?.account.code == nil, "disabled by the server")
        }
    }

    @Test func aPasswordHashRowCannotBeUpdatedOrDeletedNorATokenSecret() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try await UserFixture.make(in: dir)
            let path = fixture.store.path
            let refusals: [(String, String)] = [
                ("UPDATE password_hashes SET hash = 'x' WHERE user = 'ana';", "password hashes are never changed"),
                ("DELETE FROM password_hashes WHERE user = 'ana';", "password hashes are never deleted"),
                (
                    "UPDATE token_secrets SET secret_hash = '\(String(repeating: "d", count: 64))';",
                    "token secrets are never changed"
                ),
                ("DELETE FROM token_secrets;", "token secrets are never deleted"),
                ("UPDATE users SET code = 'anna' WHERE code = 'ana';", "a user's code is never changed"),
                ("UPDATE tokens SET user = 'ada' WHERE id = '\(fixture.active)';", "a token's id and owner are never changed"),
            ]
            for (sql, message) in refusals {
                let stderr = try #require(try sqlite3Refused(path, sql), "\(sql) was allowed")
                #expect(stderr.contains(message), "\(stderr)")
            }
            #expect(try await fixture.store.passwordHash(user: "ana") == "$2b$04$hash-of-ana")
            #expect(try await fixture.store.verify().divergence == nil)
        }
    }

    @Test func aUserAddWhosePasswordCannotBeStoredWritesNothing() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try await UserFixture.make(in: dir)
            let store = fixture.store
            let checkpoint = try await store.checkpoint(size: nil)
            try sqlite3(
                store.path,
                """
                CREATE TRIGGER fail_password BEFORE INSERT ON password_hashes BEGIN SELECT RAISE(ABORT, 'disk says no'); END;
                CREATE TRIGGER fail_secret BEFORE INSERT ON token_secrets BEGIN SELECT RAISE(ABORT, 'disk says no'); END;
                """)
            await #expect(throws: (any Error).self) {
                try await store.addUser(
                    UserAccount(code: "bob", role: .viewer, scope: "S1"), passwordHash: "$2b$04$b", options: asAdmin)
            }
            let (id, token) = APIToken.generate()
            await #expect(throws: (any Error).self) {
                try await store.createToken(
                    TokenRecord(id: id, user: "ana"), secretHash: APIToken.secretHash(token), options: asAdmin)
            }
            #expect(try await store.user(code: "bob") == nil)
            #expect(try await store.ledgerSize() == 15)
            #expect(try await store.checkpoint(size: nil) == checkpoint)
            try sqlite3(store.path, "DROP TRIGGER fail_password; DROP TRIGGER fail_secret;")
            #expect(try await store.verify().divergence == nil)
        }
    }

    @Test func aStoreFromBeforeUsersGainsTheUserTablesWhenOpened() async throws {
        try await withTemporaryDirectory { dir in
            let key = try LogKey.generate(name: testOrigin)
            let path = dir.appendingPathComponent("custodia.db").path
            let created = try SQLiteStore.create(path: path, origin: testOrigin, key: key, now: recordedAt)
            try await created.recordValid(Fixture.holderTree)
            // Back to schema 1, as a store written before users existed.
            try sqlite3(
                path,
                """
                DROP TABLE token_secrets; DROP TABLE password_hashes; DROP TABLE tokens; DROP TABLE users;
                DELETE FROM grdb_migrations WHERE identifier = 'v2-users';
                UPDATE meta SET value = '1' WHERE key = 'schema';
                """)
            #expect(try sqlite3(path, "SELECT count(*) FROM sqlite_master WHERE name = 'users';").hasPrefix("0"))
            let store = try SQLiteStore(path: path, key: key)
            #expect(try sqlite3(path, "SELECT value FROM meta WHERE key = 'schema';").hasPrefix("2"))
            try #require(
                try await store.addUser(
                    UserAccount(code: "ana", role: .clerk, scope: "S1"), passwordHash: "$2b$04$a", options: asAdmin
                )
                .written)
            #expect(try await store.users() == [UserAccount(code: "ana", role: .clerk, scope: "S1")])
            #expect(try await store.verify().divergence == nil)
        }
    }

    @Test func aStoreOfANewerSchemaIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try await UserFixture.make(in: dir)
            try sqlite3(fixture.store.path, "UPDATE meta SET value = '99' WHERE key = 'schema';")
            let error = #expect(throws: StoreError.self) {
                _ = try SQLiteStore(path: fixture.store.path, key: fixture.key)
            }
            #expect(error?.code == .schemaTooNew)
        }
    }
}

@Suite struct APITokenTests {
    @Test func aGeneratedTokenParsesToItsIDAndHashesToSHA256Hex() {
        let (id, token) = APIToken.generate()
        #expect(id.count == 16)
        #expect(token.hasPrefix("cust_\(id)_"))
        #expect(token.count == 5 + 16 + 1 + 64)
        #expect(APIToken.parse(token) == id)
        let hash = APIToken.secretHash(token)
        #expect(hash.count == 64 && APIToken.isSecretHash(hash))
        #expect(hash != APIToken.secretHash(APIToken.generate().token))
    }

    @Test func tokensAreNotRepeated() {
        let tokens = (0..<200).map { _ in APIToken.generate() }
        #expect(Set(tokens.map(\.id)).count == 200)
        #expect(Set(tokens.map(\.token)).count == 200)
    }

    @Test func theSecretHashIsTheSHA256OfTheWholeTokenString() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        #expect(APIToken.secretHash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test(arguments: [
        "", "cust_", "cust_0123456789abcdef", "cust_0123456789abcdef_",
        "cust_0123456789ABCDEF_" + String(repeating: "a", count: 64),
        "tok_0123456789abcdef_" + String(repeating: "a", count: 64), "cust_0123456789abcdef-" + String(repeating: "a", count: 64),
        "cust_0123456789abcdef_" + String(repeating: "a", count: 63),
        "cust_0123456789abcdef_" + String(repeating: "g", count: 64),
        "cust_0123456789abcdef_" + String(repeating: "a", count: 65),
    ])
    func malformedTokensDoNotParse(_ token: String) {
        #expect(APIToken.parse(token) == nil)
    }
}
