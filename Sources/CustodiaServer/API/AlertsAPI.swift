import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Hummingbird
import Synchronization

/// The alerts of the pack in force, computed from the register and shared by every reader,
/// the dashboard and `/metrics`, then filtered per reader's scope. They are computed again
/// once the ledger has grown or the minute has changed, but not more often than every
/// `alertRefresh` seconds: on a large register a computation takes about a second, which a
/// busy server does not pay on every page.
final class AlertBoard: Sendable {
    private struct Computed: Sendable {
        let size: Int64
        let minute: String
        let alerts: [Alert]
        let at: ContinuousClock.Instant
    }

    private let last = Mutex<Computed?>(nil)

    /// Every alert now, whatever the scope.
    func all(_ app: AppState) async throws -> [Alert] {
        let size = try await app.store.ledgerSize()
        let time = app.timestamp()
        let minute = String(time.prefix(16))
        if let cached = last.withLock({ $0 }),
            (cached.size == size && cached.minute == minute)
                || ContinuousClock.now - cached.at < .seconds(app.configuration.alertRefresh)
        {
            return cached.alerts
        }
        let alerts = try await app.store.alerts(at: time, scope: .everything)
        last.withLock { $0 = Computed(size: size, minute: minute, alerts: alerts, at: ContinuousClock.now) }
        return alerts
    }

    /// The alerts a reader of `scope` may see.
    func visible(_ app: AppState, scope: HolderScope) async throws -> [Alert] {
        let all = try await all(app)
        guard !scope.isEverything else { return all }
        return all.filter { $0.holders.contains(where: scope.codes.contains) }
    }
}

/// `GET /api/v1/alerts`: the alerts inside the reader's scope, most severe first, paginated;
/// `rule` and `holder` (a subtree) narrow them. A holder outside the scope finds none, as one
/// that does not exist.
enum AlertsAPI {
    @Sendable static func list(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        let q = try QueryParameters(request, allowed: ["rule", "holder", "limit", "cursor"])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let rule = try q.choice("rule", AlertRule.self)
        let holder = try q.code("holder")
        let limit = try q.limit()
        let offset = try app.cursors.open(q.string("cursor"), listing: "alerts", user: principal.code).flatMap { Int($0) } ?? 0
        var alerts = try await app.alertBoard.visible(app, scope: principal.scope)
        if let rule { alerts.removeAll { $0.rule != rule } }
        if let holder {
            let subtree = HolderScope(root: holder, holders: try await app.store.holders())
            alerts.removeAll { !$0.holders.contains(where: subtree.codes.contains) }
        }
        let page = alerts.dropFirst(offset).prefix(limit)
        let next = offset + page.count < alerts.count ? String(offset + page.count) : nil
        return JSONOut.object([
            ("alerts", .array(page.map { .raw(CanonicalJSON.encode($0.jsonValue)) })),
            ("total", .int(Int64(alerts.count))),
            ("nextCursor", .optional(app.cursors.sign(next, listing: "alerts", user: principal.code))),
        ]).response()
    }
}
