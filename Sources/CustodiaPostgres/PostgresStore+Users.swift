import CustodiaCore
import CustodiaStore
import Foundation
import PostgresNIO

/// Users and API tokens in the PostgreSQL store, as in the SQLite one: `users` and `tokens`
/// are state derived from the ledger's entries; password hashes and token secret hashes live
/// beside the ledger, insert-only, and commit in the same transaction as their entry.
extension PostgresStore: UserStore {
    static let userColumns = "code, role, scope, active, added_seq"

    static func account(_ row: PostgresRow) throws -> UserAccount {
        let c = Cells(row)
        return UserAccount(
            code: try c(0), role: Role(rawValue: try c(1)) ?? .viewer, scope: try c(2, String?.self), active: try c(3))
    }

    public func users() async throws -> [UserAccount] {
        try await reader.rowsAsync("SELECT \(unescaped: Self.userColumns) FROM users ORDER BY code").map(Self.account)
    }

    public func user(code: String) async throws -> UserAccount? {
        try await reader.rowsAsync("SELECT \(unescaped: Self.userColumns) FROM users WHERE code = \(code)").first.map(
            Self.account)
    }

    public func addUser(_ account: UserAccount, passwordHash: String, options: AppendOptions) async throws -> AppendReport {
        let event = try UserStoreEntries.add(account, passwordHash: passwordHash, at: options.recordedAt)
        return try await appendOne(event, options: options) { link in
            try link.rows(
                """
                INSERT INTO password_hashes("user", hash, set_at) VALUES (\(account.code), \(passwordHash), \(options.recordedAt))
                """)
        }
    }

    public func changeUser(code: String, role: Role?, scope: String??, options: AppendOptions) async throws -> AppendReport {
        try await appendOne(UserStoreEntries.change(code: code, role: role, scope: scope, at: options.recordedAt), options: options, alongside: nil)
    }

    public func disableUser(code: String, options: AppendOptions) async throws -> AppendReport {
        try await appendOne(UserStoreEntries.disable(code: code, at: options.recordedAt), options: options, alongside: nil)
    }

    /// The latest password hash of an active user; nil when the user is unknown, disabled
    /// or has no password.
    public func passwordHash(user: String) async throws -> String? {
        try await reader.rowsAsync(
            """
            SELECT p.hash FROM password_hashes p JOIN users u ON u.code = p."user"
            WHERE p."user" = \(user) AND u.active ORDER BY p.id DESC LIMIT 1
            """
        ).first.map { try Cells($0)(0) }
    }

    public func setPasswordHash(user: String, hash: String) async throws {
        try UserStoreEntries.requirePasswordHash(hash)
        let now = Self.now()
        // One statement: the user is checked and the hash inserted atomically.
        let rows = try await reader.rowsAsync(
            """
            WITH u AS (SELECT code, active FROM users WHERE code = \(user)),
            ins AS (INSERT INTO password_hashes("user", hash, set_at)
                SELECT code, \(hash), \(now) FROM u WHERE active RETURNING 1)
            SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM ins)
            """)
        let c = Cells(rows[0])
        let (found, inserted): (Int64, Int64) = (try c(0), try c(1))
        guard found > 0 else { throw StoreError(.notFound, "unknown user \(user); add it first (custodia user add)") }
        guard inserted > 0 else {
            throw StoreError(.invalidRequest, "user \(user) is disabled; a disabled user gets no new password")
        }
    }

    public func createToken(_ token: TokenRecord, secretHash: String, options: AppendOptions) async throws -> AppendReport {
        let event = try UserStoreEntries.createToken(token, secretHash: secretHash, at: options.recordedAt)
        return try await appendOne(event, options: options) { link in
            try link.rows("INSERT INTO token_secrets(token_id, secret_hash) VALUES (\(token.id), \(secretHash))")
        }
    }

    public func revokeToken(id: String, options: AppendOptions) async throws -> AppendReport {
        // The entry names the owner; the rules check again, inside the append, that the
        // token still belongs to it and is active.
        guard
            let owner = try await reader.rowsAsync("SELECT \"user\" FROM tokens WHERE id = \(id)").first.map({
                try Cells($0)(0, String.self)
            })
        else {
            return UserStoreEntries.unknownToken(id, size: try await ledgerSize(), dryRun: options.dryRun)
        }
        return try await appendOne(
            UserStoreEntries.revokeToken(id: id, owner: owner, at: options.recordedAt), options: options, alongside: nil)
    }

    public func token(secretHash: String) async throws -> TokenRecord? {
        try await tokenOwner(secretHash: secretHash)?.token
    }

    /// One read for the server's every token request: token, owner and the owner's role and
    /// scope, only when both are active. Not cached: another server may revoke at any time.
    public func tokenOwner(secretHash: String) async throws -> (token: TokenRecord, account: UserAccount)? {
        guard
            let row = try await reader.rowsAsync(
                """
                SELECT t.id, u.code, u.role, u.scope FROM token_secrets s
                JOIN tokens t ON t.id = s.token_id JOIN users u ON u.code = t."user"
                WHERE s.secret_hash = \(secretHash) AND t.active AND u.active
                """
            ).first
        else { return nil }
        let c = Cells(row)
        let account = UserAccount(
            code: try c(1), role: Role(rawValue: try c(2)) ?? .viewer, scope: try c(3, String?.self), active: true)
        return (TokenRecord(id: try c(0), user: account.code, active: true), account)
    }

    /// The tokens of a user, active and revoked, oldest first (ids only, never secrets).
    public func tokens(user: String) async throws -> [TokenRecord] {
        try await reader.rowsAsync("SELECT id, \"user\", active FROM tokens WHERE \"user\" = \(user) ORDER BY created_seq").map
        {
            let c = Cells($0)
            return TokenRecord(id: try c(0), user: try c(1), active: try c(2))
        }
    }

    private func appendOne(_ event: Event, options: AppendOptions, alongside: (@Sendable (PostgresLink) throws -> Void)?)
        async throws -> AppendReport
    {
        try await Self.run(on: appendQueue) { [self] in
            var source = ArrayEventSource([event])
            return try appendSync(&source, options: options, alongside: alongside)
        }
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }
}
