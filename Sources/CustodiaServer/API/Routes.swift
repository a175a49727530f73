import Hummingbird

/// One route of the API: method, path (Hummingbird's `{name}` captures, as in the OpenAPI
/// document) and handler. `APIRoutes.all` is every route the server registers; the
/// contract test compares it with `openapi.yaml`.
struct RouteSpec: Sendable {
    let method: HTTPRequest.Method
    let path: String
    let handler: @Sendable (Request, CustodiaRequestContext, AppState) async throws -> Response

    init(
        _ method: HTTPRequest.Method, _ path: String,
        _ handler: @escaping @Sendable (Request, CustodiaRequestContext, AppState) async throws -> Response
    ) {
        self.method = method
        self.path = path
        self.handler = handler
    }
}

enum APIRoutes {
    /// The methods the API serves at a concrete path (none when no route matches it), for
    /// 405 answers with `Allow`.
    static func methods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        var methods: [HTTPRequest.Method] = []
        for (route, parts) in zip(all, split) {
            let matches: Bool
            if parts.last == "**" {
                matches =
                    segments.count >= parts.count
                    && zip(parts.dropLast(), segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
            } else {
                matches = parts.count == segments.count && zip(parts, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
            }
            if matches, !methods.contains(route.method) { methods.append(route.method) }
        }
        return methods
    }

    /// Each route's path segments, split once.
    private static let split: [[Substring]] = all.map { $0.path.split(separator: "/") }

    static let all: [RouteSpec] = [
        RouteSpec(.get, "/healthz", SystemAPI.health),
        RouteSpec(.get, "/metrics", SystemAPI.metrics),
        RouteSpec(.get, "/api/openapi.yaml", SystemAPI.openAPI),

        RouteSpec(.post, "/api/v1/session", SessionAPI.signIn),
        RouteSpec(.get, "/api/v1/session", SessionAPI.current),
        RouteSpec(.delete, "/api/v1/session", SessionAPI.signOut),
        RouteSpec(.get, "/api/v1/users", UsersAPI.list),
        RouteSpec(.post, "/api/v1/users/{code}/disable", UsersAPI.disable),

        RouteSpec(.get, "/api/v1/items", ItemsAPI.search),
        RouteSpec(.get, "/api/v1/items/search", ItemsAPI.marks),
        RouteSpec(.get, "/api/v1/items/{id}", ItemsAPI.one),
        RouteSpec(.get, "/api/v1/items/{id}/history", ItemsAPI.history),
        RouteSpec(.get, "/api/v1/holders", HoldersAPI.list),
        RouteSpec(.get, "/api/v1/holders/{code}", HoldersAPI.one),
        RouteSpec(.get, "/api/v1/holders/{code}/holdings", HoldersAPI.holdings),
        RouteSpec(.get, "/api/v1/lots", LotsAPI.search),
        RouteSpec(.get, "/api/v1/lots/{id}", LotsAPI.one),
        RouteSpec(.get, "/api/v1/events", EventsAPI.search),
        RouteSpec(.get, "/api/v1/events/{seq}", EventsAPI.one),
        RouteSpec(.post, "/api/v1/events", EventsAPI.record),
        RouteSpec(.post, "/api/v1/confirmations", ConfirmationsAPI.confirm),
        RouteSpec(.get, "/api/v1/summary", SummaryAPI.summary),
        RouteSpec(.get, "/api/v1/policy", PolicyAPI.policy),
        RouteSpec(.get, "/api/v1/alerts", AlertsAPI.list),
        RouteSpec(.get, "/api/v1/stocktakes", StocktakesAPI.list),
        RouteSpec(.post, "/api/v1/stocktakes", StocktakesAPI.open),
        RouteSpec(.get, "/api/v1/stocktakes/{id}", StocktakesAPI.one),
        RouteSpec(.get, "/api/v1/stocktakes/{id}/reconciliation.csv", StocktakesAPI.csv),
        RouteSpec(.post, "/api/v1/stocktakes/{id}/counts", StocktakesAPI.count),
        RouteSpec(.post, "/api/v1/stocktakes/{id}/close", StocktakesAPI.close),
        RouteSpec(.post, "/api/v1/stocktakes/{id}/resolutions", StocktakesAPI.resolve),
        RouteSpec(.get, "/api/v1/discrepancies", StocktakesAPI.discrepancies),
        RouteSpec(.get, "/api/v1/samples", SamplesAPI.list),
        RouteSpec(.post, "/api/v1/samples", SamplesAPI.plan),
        RouteSpec(.get, "/api/v1/samples/{id}/draw", SamplesAPI.draw),
        RouteSpec(.post, "/api/v1/samples/{id}/findings", SamplesAPI.findings),
        RouteSpec(.get, "/api/v1/samples/{id}/report", SamplesAPI.report),

        RouteSpec(.get, "/api/v1/ledger/checkpoint", LedgerAPI.checkpoint),
        RouteSpec(.get, "/api/v1/ledger/key", LedgerAPI.key),
        RouteSpec(.get, "/api/v1/ledger/entries", LedgerAPI.entries),
        RouteSpec(.get, "/api/v1/ledger/proofs/inclusion", LedgerAPI.inclusion),
        RouteSpec(.get, "/api/v1/ledger/proofs/consistency", LedgerAPI.consistency),

        RouteSpec(.get, "/tlog/checkpoint", TlogAPI.checkpoint),
        RouteSpec(.get, "/tlog/tile/**", TlogAPI.tile),
    ]
}
