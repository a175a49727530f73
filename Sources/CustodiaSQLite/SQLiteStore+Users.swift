import CustodiaCore
import CustodiaStore
import Foundation
import GRDB

/// Users and API tokens in the SQLite store.
///
/// `users` and `tokens` are state derived from the ledger's user and token entries, written
/// by the same append as every other event. Password hashes and token secret hashes live
/// in `password_hashes` and `token_secrets`, outside the ledger, insert-only; a user-add or
/// token-create and its secret row commit in one transaction.
extension SQLiteStore: UserStore {
    public func users() async throws -> [UserAccount] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(SQLiteStateLoader.userColumns) FROM users ORDER BY code").map {
                Self.account(SQLiteStateLoader.user($0))
            }
        }
    }

    public func user(code: String) async throws -> UserAccount? {
        // Read on every request the server serves: a cached statement, no loader.
        try readOne { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(SQLiteStateLoader.userColumns) FROM users WHERE code = ?"), arguments: [code]
            ).map { Self.account(SQLiteStateLoader.user($0)) }
        }
    }

    public func addUser(_ account: UserAccount, passwordHash: String, options: AppendOptions) async throws -> AppendReport {
        let event = try UserStoreEntries.add(account, passwordHash: passwordHash, at: options.recordedAt)
        return try appendOne(event, options: options) { db in
            try db.execute(
                sql: "INSERT INTO password_hashes(user, hash, set_at) VALUES (?, ?, ?)",
                arguments: [account.code, passwordHash, options.recordedAt])
        }
    }

    public func changeUser(code: String, role: Role?, scope: String??, options: AppendOptions) async throws -> AppendReport {
        try appendOne(UserStoreEntries.change(code: code, role: role, scope: scope, at: options.recordedAt), options: options, alongside: nil)
    }

    public func disableUser(code: String, options: AppendOptions) async throws -> AppendReport {
        try appendOne(UserStoreEntries.disable(code: code, at: options.recordedAt), options: options, alongside: nil)
    }

    /// The latest password hash of an active user; nil when the user is unknown, disabled
    /// or has no password.
    public func passwordHash(user: String) async throws -> String? {
        try read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT p.hash FROM password_hashes p JOIN users u ON u.code = p.user
                    WHERE p.user = ? AND u.active = 1 ORDER BY p.id DESC LIMIT 1
                    """, arguments: [user])
        }
    }

    public func setPasswordHash(user: String, hash: String) async throws {
        try UserStoreEntries.requirePasswordHash(hash)
        let now = Self.now()
        do {
            try await queue.write { db in
                guard let record = try SQLiteStateLoader(db: db).user(code: user) else {
                    throw StoreError(.notFound, "unknown user \(user); add it first (custodia user add)")
                }
                guard record.active else {
                    throw StoreError(.invalidRequest, "user \(user) is disabled; a disabled user gets no new password")
                }
                try db.execute(
                    sql: "INSERT INTO password_hashes(user, hash, set_at) VALUES (?, ?, ?)", arguments: [user, hash, now])
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw StoreError.locked(path)
        }
    }

    public func createToken(_ token: TokenRecord, secretHash: String, options: AppendOptions) async throws -> AppendReport {
        let event = try UserStoreEntries.createToken(token, secretHash: secretHash, at: options.recordedAt)
        return try appendOne(event, options: options) { db in
            try db.execute(
                sql: "INSERT INTO token_secrets(token_id, secret_hash) VALUES (?, ?)", arguments: [token.id, secretHash])
        }
    }

    public func revokeToken(id: String, options: AppendOptions) async throws -> AppendReport {
        // The entry names the owner; the rules check again, inside the append, that the
        // token still belongs to it and is active.
        guard let owner = try read({ db in try SQLiteStateLoader(db: db).token(id: id)?.user }) else {
            return UserStoreEntries.unknownToken(id, size: try await ledgerSize(), dryRun: options.dryRun)
        }
        return try appendOne(
            UserStoreEntries.revokeToken(id: id, owner: owner, at: options.recordedAt), options: options, alongside: nil)
    }

    /// The active token whose secret hashes to `secretHash`, when its owner is active too:
    /// a disabled user's tokens stop resolving at once.
    public func token(secretHash: String) async throws -> TokenRecord? {
        try await tokenOwner(secretHash: secretHash)?.token
    }

    /// One read for the server's every token request: token, owner and the owner's role
    /// and scope, only when both are active.
    public func tokenOwner(secretHash: String) async throws -> (token: TokenRecord, account: UserAccount)? {
        // The version is read before the owner, so an entry is never older than its version.
        let version = watch?.current()
        if let version, let hit = ownerCache.withLock({ $0[secretHash] }), hit.version == version {
            return (hit.token, hit.account)
        }
        let owner = try readOne { db in
            try FastStatement.fetchOne(
                db,
                """
                SELECT t.id, u.code, u.role, u.scope FROM token_secrets s
                JOIN tokens t ON t.id = s.token_id JOIN users u ON u.code = t.user
                WHERE s.secret_hash = ? AND t.active = 1 AND u.active = 1
                """, [secretHash]
            ) { s in
                let account = UserAccount(
                    code: s.string(1), role: Role(rawValue: s.string(2)) ?? .viewer, scope: s.text(3), active: true)
                return (TokenRecord(id: s.string(0), user: account.code, active: true), account)
            }
        }
        if let version, let owner {
            ownerCache.withLock { cache in
                if cache.count >= 10_000 { cache.removeAll() }
                cache[secretHash] = CachedOwner(version: version, token: owner.0, account: owner.1)
            }
        }
        return owner
    }

    /// The tokens of a user, active and revoked, oldest first (ids only, never secrets).
    public func tokens(user: String) async throws -> [TokenRecord] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(SQLiteStateLoader.tokenColumns) FROM tokens WHERE user = ? ORDER BY created_seq",
                arguments: [user]
            ).map {
                let t = SQLiteStateLoader.token($0)
                return TokenRecord(id: t.id, user: t.user, active: t.active)
            }
        }
    }

    private func appendOne(_ event: Event, options: AppendOptions, alongside: ((Database) throws -> Void)?) throws
        -> AppendReport
    {
        var source = ArrayEventSource([event])
        return try appendSync(&source, options: options, alongside: alongside)
    }

    static func account(_ record: UserRecord) -> UserAccount {
        UserAccount(code: record.code, role: record.role, scope: record.scope, active: record.active)
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }
}
