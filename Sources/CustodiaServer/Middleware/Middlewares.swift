import CustodiaCore
import CustodiaStore
import CustodiaWeb
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Records every request's count and latency by route, method and status.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = CustodiaRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.request(
                route: context.endpointPath ?? "NotFound", method: request.method.rawValue, status: status,
                duration: ContinuousClock.now - start)
            throw error
        }
        metrics.request(
            route: context.endpointPath ?? "NotFound", method: request.method.rawValue, status: response.status.code,
            duration: ContinuousClock.now - start)
        return response
    }
}

/// Gives every request an id: the client's `X-Request-ID` when it is a short token of
/// letters, digits, `-`, `_` and `.`, else a new random one. The id is in every log line of
/// the request, in the response header and in problem details.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = CustodiaRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let id: String
        if let given = request.headers[.requestID], Self.isValid(given) {
            id = given
        } else {
            id = Self.next()
        }
        context.requestID = id
        var response = try await next(request, context)
        response.headers[.requestID] = id
        return response
    }

    /// A random prefix for this process and a counter: unique, and cheap enough for every
    /// request (ids need not be secret).
    private static let prefix = Secrets.token(bytes: 6)
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return prefix + "-" + String(n, radix: 16)
    }

    static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128
            && id.utf8.allSatisfy { Secrets.isBase64URL($0) || $0 == UInt8(ascii: ".") }
    }
}

/// Turns every error into RFC 9457 problem details. Problems pass as they are; HTTP errors
/// from routing and body limits get a problem of their status; anything else is a 500,
/// logged with the request id (and no request data).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = CustodiaRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            if problem.status.code >= 500 {
                context.log(.error, "request failed", ["problem": "\(problem.slug)"])
            }
            return problem.response(requestID: context.requestID)
        } catch let error as StoreError {
            return Self.problem(for: error).response(requestID: context.requestID)
        } catch let error as any HTTPResponseError {
            if context.endpointPath == nil || context.endpointPath == "NotFound", error.status == .notFound {
                let allowed = APIRoutes.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    let list = (allowed.contains(.get) ? allowed + [.head] : allowed).map(\.rawValue).joined(separator: ", ")
                    return Problem(
                        status: .methodNotAllowed, slug: "method-not-allowed", title: "Method not allowed",
                        detail: "\(request.uri.path) takes \(list), not \(request.method.rawValue)", headers: [.allow: list]
                    ).response(requestID: context.requestID)
                }
                return Problem(
                    status: .notFound, slug: "no-such-route", title: "No such route",
                    detail:
                        "nothing is served at \(request.method.rawValue) \(request.uri.path); see /api/openapi.yaml for the API"
                ).response(requestID: context.requestID)
            }
            return Problem.http(error.status).response(requestID: context.requestID)
        } catch {
            context.log(
                .error, "request failed", ["route": "\(context.endpointPath ?? "?")", "error.type": "\(type(of: error))"])
            return Problem.internalError().response(requestID: context.requestID)
        }
    }

    static func problem(for error: StoreError) -> Problem {
        switch error.code {
        case .invalidCursor: .invalidCursor(error.message)
        case .invalidRequest: .badRequest(error.message)
        case .notFound: .notFound(error.message)
        case .locked: .unavailable(error.message)
        default: .internalError()
        }
    }
}

/// Finds who is asking: a bearer token (`Authorization: Bearer …`) or the session cookie.
///
/// It does not require either — routes do, with `requirePrincipal()`, which then answers 401
/// with why the credentials were not accepted; routes without an account ignore them. A
/// request made with the session cookie that changes something (any method but GET, HEAD,
/// OPTIONS) must carry the session's CSRF token, in the `X-CSRF-Token` header or, for an
/// HTML form, in a field named `csrf`.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = CustodiaRequestContext
    let app: AppState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        var request = request
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                // The operator's monitoring token is no user's: the monitoring routes check it.
                if let token = app.configuration.operatorToken, Secrets.equal(String(parts[1]), token) {
                    return try await next(request, context)
                }
                do {
                    context.principal = try await app.principal(token: String(parts[1]))
                } catch let problem as Problem {
                    context.credentialProblem = problem.detail
                }
            } else {
                context.credentialProblem = "send the API token as `Authorization: Bearer <token>`"
            }
        } else if let sessionID = request.cookies[AppState.sessionCookie]?.value, !sessionID.isEmpty {
            switch try await app.principal(sessionID: sessionID) {
            case .success(let principal):
                if !Self.isSafe(request.method), case .session(_, let csrf) = principal.credential {
                    try await Self.checkCSRF(&request, expected: csrf, limit: app.configuration.maxBodyBytes)
                }
                context.principal = principal
            case .failure(let end):
                context.credentialProblem = end.message
            }
        }
        return try await next(request, context)
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head || method == .options
    }

    static func checkCSRF(_ request: inout Request, expected: String, limit: Int) async throws {
        if let header = request.headers[.csrfToken] {
            guard Secrets.equal(header, expected) else {
                throw Problem.csrf("the X-CSRF-Token header does not match this session; use the csrfToken given at sign-in")
            }
            return
        }
        if request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            let body = try await request.collectBody(upTo: limit)
            if let field = FormData.parse(body.readableBytesView)[WebPaths.csrfField], Secrets.equal(field, expected) {
                return
            }
            throw Problem.csrf(
                "the form's csrf field is missing or does not match this session; reload the page and submit again")
        }
        throw Problem.csrf(
            "a request made with the session cookie that changes something needs the X-CSRF-Token header (the csrfToken given at sign-in)"
        )
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-ID")!
    static let csrfToken = Self("X-CSRF-Token")!
    static let confirmation = Self("Custodia-Confirmation")!
}
