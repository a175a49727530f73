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
        guard account.active else {
            throw StoreError(.invalidRequest, "a new user is always active; add the user, then disable it")
        }
        guard !passwordHash.isEmpty else {
            throw StoreError(.invalidRequest, "the password hash is empty; hash the user's password (bcrypt) first")
        }
        var event = Event(kind: .userAdd, occurredAt: options.recordedAt)
        event.user = .add(code: account.code, role: account.role, scope: account.scope)
        return try appendOne(event, options: options) { db in
            try db.execute(
                sql: "INSERT INTO password_hashes(user, hash, set_at) VALUES (?, ?, ?)",
                arguments: [account.code, passwordHash, options.recordedAt])
        }
    }

    public func changeUser(code: String, role: Role?, scope: String??, options: AppendOptions) async throws -> AppendReport {
        var event = Event(kind: .userChange, occurredAt: options.recordedAt)
        event.user = .change(code: code, role: role, scope: scope)
        return try appendOne(event, options: options, alongside: nil)
    }

    public func disableUser(code: String, options: AppendOptions) async throws -> AppendReport {
        var event = Event(kind: .userDisable, occurredAt: options.recordedAt)
        event.user = .disable(code: code)
        return try appendOne(event, options: options, alongside: nil)
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
        guard !hash.isEmpty else {
            throw StoreError(.invalidRequest, "the password hash is empty; hash the user's password (bcrypt) first")
        }
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
        guard token.active else {
            throw StoreError(.invalidRequest, "a new token is always active; create it, then revoke it")
        }
        guard APIToken.isSecretHash(secretHash) else {
            throw StoreError(
                .invalidRequest, "the token's secret hash must be 64 lowercase hex digits (APIToken.secretHash of the token)")
        }
        var event = Event(kind: .tokenCreate, occurredAt: options.recordedAt)
        event.user = .token(token.id, owner: token.user)
        return try appendOne(event, options: options) { db in
            try db.execute(
                sql: "INSERT INTO token_secrets(token_id, secret_hash) VALUES (?, ?)", arguments: [token.id, secretHash])
        }
    }

    public func revokeToken(id: String, options: AppendOptions) async throws -> AppendReport {
        // The entry names the owner; the rules check again, inside the append, that the
        // token still belongs to it and is active.
        guard let owner = try read({ db in try SQLiteStateLoader(db: db).token(id: id)?.user }) else {
            let size = try await ledgerSize()
            return AppendReport(
                accepted: 0,
                errors: [
                    LineError(
                        line: 1, field: "user.token",
                        message: "unknown token \(id); a token-revoke names a token that was created")
                ], size: size, firstSeq: size, checkpoint: nil, dryRun: options.dryRun)
        }
        var event = Event(kind: .tokenRevoke, occurredAt: options.recordedAt)
        event.user = .token(id, owner: owner)
        return try appendOne(event, options: options, alongside: nil)
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
