import CustodiaStore
import Foundation
import Hummingbird
import Logging

/// Routes added beside the API (the web UI). They are registered on the same router after
/// the API, behind the same middleware: request ids, metrics, problem details, and
/// authentication with session cookies and CSRF checks, so `context.principal` and
/// `context.requirePrincipal()` work the same there. The paths under `/` that the API does
/// not use (everything but `/api`, `/tlog`, `/healthz`, `/metrics`) are theirs.
public protocol RouteProvider: Sendable {
    func addRoutes(to router: Router<CustodiaRequestContext>, app: AppState)
    /// Middleware that sees every request after request ids and problem details but before
    /// authentication, so that it also sees authentication's refusals (a web page answers a
    /// stale CSRF token with an HTML page, not a problem document). It must pass requests it
    /// does not serve through unchanged. None by default.
    func outerMiddleware(app: AppState) -> [any MiddlewareProtocol<Request, Response, CustodiaRequestContext>]
}

extension RouteProvider {
    public func outerMiddleware(app: AppState) -> [any MiddlewareProtocol<Request, Response, CustodiaRequestContext>] {
        []
    }
}

/// The Custodia server: the JSON API under `/api/v1`, its OpenAPI document at
/// `/api/openapi.yaml`, the ledger's tiles under `/tlog/`, `/healthz` and `/metrics`, and
/// whatever `routes` add.
///
/// The writer that commits events runs as a service of the application: it starts and
/// stops with it and finishes queued writes on graceful shutdown. Another service runs the
/// tasks routes register with `AppState.onStart` (the web pages load their counts). The caller owns `store`
/// and closes it after the application has stopped.
///
/// - Parameters:
///   - store: reads should run concurrently with the writer (for SQLite, open it with
///     `connections: .pool(readers:)`).
///   - now: the clock for sessions, confirmations and `recordedAt`.
public func buildApplication(
    configuration: ServerConfiguration, store: any Store, users: any UserStore, routes: [any RouteProvider] = [],
    logger: Logger? = nil, now: @escaping @Sendable () -> Date = { Date() }
) -> some ApplicationProtocol {
    let logger =
        logger
        ?? {
            var made = Logger(label: "custodia.server")
            made.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
            return made
        }()
    let app = AppState(configuration: configuration, store: store, users: users, logger: logger, now: now)
    let router = buildRouter(app: app, routes: routes)
    return Application(
        router: router,
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: [app.writer, app.witnesses, StartupService(app: app)], logger: logger)
}

func buildRouter(app: AppState, routes: [any RouteProvider]) -> Router<CustodiaRequestContext> {
    // HEAD is answered for every GET (RFC 9110 §9.3.2): same status and headers, no body.
    let router = Router(context: CustodiaRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: MetricsMiddleware(metrics: app.metrics))
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: ProblemMiddleware())
    for provider in routes {
        for middleware in provider.outerMiddleware(app: app) { router.add(middleware: middleware) }
    }
    router.add(middleware: AuthenticationMiddleware(app: app))
    for spec in APIRoutes.all {
        let handler = spec.handler
        router.on(RouterPath(spec.path), method: spec.method) { request, context in
            try await handler(request, context, app)
        }
    }
    for provider in routes { provider.addRoutes(to: router, app: app) }
    return router
}
