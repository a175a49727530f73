import CustodiaCore
import CustodiaStore
import Hummingbird

/// Signing in and out with a password (browser sessions).
enum SessionAPI {
    static func describe(_ principal: Principal, csrf: String?) -> JSONOut {
        var fields: [(String, JSONOut)] = [
            ("user", .string(principal.code)), ("role", .string(principal.role.rawValue)),
            ("scope", .optional(principal.scope.root)),
        ]
        if let csrf { fields.append(("csrfToken", .string(csrf))) }
        return .object(fields)
    }

    /// `POST /api/v1/session` with `{"user", "password"}`: a session cookie and the CSRF token.
    @Sendable static func signIn(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        try AppState.requireSameOrigin(request)
        let body = try await RequestBody.json(request, limit: app.configuration.maxBodyBytes)
        let fields = try RequestBody.stringFields(body, required: ["user", "password"])
        let user = fields["user"]!, password = fields["password"]!
        guard !user.isEmpty, user.utf8.count <= 64 else {
            throw Problem.badRequest("user must be a user code of 1–64 bytes")
        }
        guard !password.isEmpty else { throw Problem.badRequest("password is empty") }
        let (session, principal) = try await app.signIn(
            user: user, password: password, clientAddress: app.clientAddress(request.headers, socket: context.clientAddress))
        context.log(.info, "signed in")
        return describe(principal, csrf: session.csrfToken).response(
            status: .ok, headers: [.setCookie: app.sessionCookie(for: session)])
    }

    /// `GET /api/v1/session`: who is signed in (with the CSRF token for a session).
    @Sendable static func current(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        if case .session(_, let csrf) = principal.credential { return describe(principal, csrf: csrf).response() }
        return describe(principal, csrf: nil).response()
    }

    /// `DELETE /api/v1/session`: signs out and removes the cookie.
    @Sendable static func signOut(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        guard case .session(let id, _) = principal.credential else {
            throw Problem.badRequest("a bearer token has no session to end; revoke the token with `custodia token revoke`")
        }
        await app.signOut(sessionID: id)
        context.log(.info, "signed out")
        return Response(status: .noContent, headers: [.setCookie: app.clearedSessionCookie(), .cacheControl: "no-store"])
    }
}

/// Users, for administrators.
enum UsersAPI {
    /// Whether `principal` may manage `account`: the account's scope lies inside theirs.
    static func manages(_ principal: Principal, _ account: UserAccount) -> Bool {
        guard !principal.scope.isEverything else { return true }
        guard let root = account.scope else { return false }
        return principal.scope.contains(root)
    }

    static func render(_ account: UserAccount) -> JSONOut {
        .object([
            ("code", .string(account.code)), ("role", .string(account.role.rawValue)), ("scope", .optional(account.scope)),
            ("active", .bool(account.active)),
        ])
    }

    /// `GET /api/v1/users`: the users an administrator manages.
    @Sendable static func list(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.manageUsers, "list users")
        let accounts = try await app.users.users().filter { manages(principal, $0) }.sorted { $0.code < $1.code }
        return JSONOut.object([("users", .array(accounts.map(render)))]).response()
    }

    /// `POST /api/v1/users/{code}/disable`: disables a user at once (a ledger entry); their
    /// sessions end and their tokens stop working.
    @Sendable static func disable(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.manageUsers, "disable users")
        let code = context.parameters.get("code") ?? ""
        guard let account = try await app.users.user(code: code), manages(principal, account) else {
            throw Problem.notFound("no user \(code.prefix(64)) that you manage")
        }
        guard account.code != principal.code else {
            throw Problem.badRequest("you cannot disable yourself; ask another administrator")
        }
        if account.active {
            let report = try await app.users.disableUser(
                code: account.code, options: AppendOptions(recordedBy: principal.code, recordedAt: app.timestamp()))
            if let error = report.errors.first {
                throw Problem.refused(error.message, errors: [.init(index: nil, field: error.field, message: error.message)])
            }
        }
        await app.sessions.removeAll(user: account.code)
        context.log(.info, "user disabled")
        var disabled = account
        disabled.active = false
        return render(disabled).response()
    }
}
