import CustodiaCore
import Hummingbird
import Logging

/// The request context of every route, API and web alike: the request id, the client's
/// address and who is signed in.
public struct CustodiaRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request id: the client's `X-Request-ID` when it is a sensible token, else a new one.
    public var requestID: String = ""
    /// The signed-in user, set by `AuthenticationMiddleware` when the request carries valid
    /// credentials.
    public var principal: Principal?
    /// Why the credentials the request carried were not accepted, for the 401 message.
    var credentialProblem: String?
    /// The peer's IP address, for rate limits (nil in router tests).
    public let clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Logs with the request id and the user's code. They are passed with each message
    /// rather than set on the logger: the few lines the server logs are cheaper than
    /// changing the logger's metadata on every request.
    public func log(_ level: Logger.Level, _ message: Logger.Message, _ metadata: Logger.Metadata = [:]) {
        var metadata = metadata
        metadata["request.id"] = .string(requestID)
        if let principal { metadata["user"] = .string(principal.code) }
        logger.log(level: level, message, metadata: metadata)
    }

    /// The signed-in user, or a 401 problem saying how to sign in.
    public func requirePrincipal() throws -> Principal {
        guard let principal else {
            throw Problem.unauthenticated(
                credentialProblem
                    ?? "this needs an account: send `Authorization: Bearer <token>` or sign in with POST /api/v1/session")
        }
        return principal
    }
}

/// A signed-in user as a request sees them: code, role and scope, re-read on every request.
public struct Principal: Sendable {
    public enum Credential: Sendable, Equatable {
        /// A browser session; state-changing requests need its CSRF token.
        case session(id: String, csrf: String)
        /// An API token (its public id).
        case token(id: String)
    }

    public let code: String
    public let role: Role
    public let scope: HolderScope
    public let credential: Credential

    public init(code: String, role: Role, scope: HolderScope, credential: Credential) {
        self.code = code
        self.role = role
        self.scope = scope
        self.credential = credential
    }

    /// Whether this user may read the ledger's contents (every leaf): an auditor or an
    /// administrator of the whole register. Everyone else reads leaves only through the
    /// scoped listings, and hashes and proofs of their own events.
    public var readsWholeLedger: Bool { scope.isEverything && (role == .auditor || role == .admin) }

    /// Refuses unless the user reads the whole ledger: 403 for a user who may not.
    func requireWholeLedger() throws {
        guard readsWholeLedger else {
            throw Problem.forbidden(
                "the ledger's entries are for auditors and administrators of the whole register; read your events through /api/v1/events, and their proofs through /api/v1/ledger/proofs/inclusion"
            )
        }
    }

    /// The principal as the custody rules know a recorder.
    public var authority: Authority { .user(code: code, role: role, scope: scope.root) }

    /// Refuses with 403 unless the role allows `action`.
    func require(_ action: Action, _ what: String) throws {
        guard role.may(action) else {
            throw Problem.forbidden("the role \(role.rawValue) may not \(what); ask an administrator for a role that may")
        }
    }
}
