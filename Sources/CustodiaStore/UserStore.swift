import CustodiaCore

/// A user account as the server sees it. Users are known by a short code; changes to
/// users (added, role or scope changed, disabled) and to their API tokens are ledger
/// entries, without secrets and without personal data beyond the code.
public struct UserAccount: Sendable, Equatable {
    public var code: String
    public var role: Role
    /// The holder code at the root of the user's scope; nil for the whole register.
    public var scope: String?
    public var active: Bool

    public init(code: String, role: Role, scope: String?, active: Bool = true) {
        self.code = code
        self.role = role
        self.scope = scope
        self.active = active
    }
}

/// An API token as stored: its public id, its owner and the SHA-256 of its secret.
public struct TokenRecord: Sendable, Equatable {
    public var id: String
    public var user: String
    public var active: Bool

    public init(id: String, user: String, active: Bool = true) {
        self.id = id
        self.user = user
        self.active = active
    }
}

/// Users, their password hashes and API tokens.
///
/// Implemented beside `Store` by every backend and covered by the same conformance suite.
/// Password hashes (bcrypt) and token hashes (SHA-256) are stored outside the ledger and
/// are never returned by any listing.
public protocol UserStore: Sendable {
    func users() async throws -> [UserAccount]
    func user(code: String) async throws -> UserAccount?

    /// Adds a user (a `user-add` ledger entry) and its password hash in one transaction.
    func addUser(_ account: UserAccount, passwordHash: String, options: AppendOptions) async throws -> AppendReport
    /// Changes a user's role and/or scope (a `user-change` ledger entry).
    func changeUser(code: String, role: Role?, scope: String??, options: AppendOptions) async throws -> AppendReport
    /// Disables a user at once (a `user-disable` ledger entry); their tokens stop working.
    func disableUser(code: String, options: AppendOptions) async throws -> AppendReport

    /// The bcrypt hash of the user's current password, nil when the user has none.
    func passwordHash(user: String) async throws -> String?
    /// Replaces the user's password hash (kept outside the ledger; older hashes are kept).
    func setPasswordHash(user: String, hash: String) async throws

    /// Records a new API token (a `token-create` ledger entry naming its id and owner) and
    /// stores the SHA-256 hex digest of its secret.
    func createToken(_ token: TokenRecord, secretHash: String, options: AppendOptions) async throws -> AppendReport
    /// Revokes a token (a `token-revoke` ledger entry).
    func revokeToken(id: String, options: AppendOptions) async throws -> AppendReport
    /// The active token whose secret hashes to `secretHash`, if any.
    func token(secretHash: String) async throws -> TokenRecord?
    /// The active token whose secret hashes to `secretHash` and its owner's account, when
    /// the owner is active: what the server reads on every request made with a token.
    func tokenOwner(secretHash: String) async throws -> (token: TokenRecord, account: UserAccount)?
}

extension UserStore {
    /// `token(secretHash:)` then `user(code:)`; a backend may answer in one read.
    public func tokenOwner(secretHash: String) async throws -> (token: TokenRecord, account: UserAccount)? {
        guard let token = try await token(secretHash: secretHash), token.active,
            let account = try await user(code: token.user), account.active
        else { return nil }
        return (token, account)
    }
}
