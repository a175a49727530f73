import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Hummingbird
import Synchronization

/// The alerts of the pack in force, shared by every reader, the dashboard and `/metrics`,
/// then filtered per reader's scope.
///
/// What they are computed from (`AlertInputs`) is gathered from the store once, then kept
/// current as this server writes: every group commit is folded in (`AlertInputs.fold`: the
/// items it changed, its losses; the open dispatches are read again after a dispatch or a
/// receive), so that an alert appears or ends with the write that causes it, at a cost per
/// event measured in `custodia_alert_update_seconds`. The inputs are gathered again from the
/// store when an event cannot be folded (a pack, a waiver, a holder change, a correction),
/// when another process wrote to the register, or when the minute has changed (time moves
/// items past their cutoffs), but not more often than every `alertRefresh` seconds: on a large
/// register a gathering takes a few tenths of a second.
final class AlertBoard: Sendable {
    private struct State: Sendable {
        var pack: PolicyPack
        var inputs: AlertInputs
        /// The ledger size the inputs reflect.
        var size: Int64
        var builtAt: ContinuousClock.Instant
        var builtMinute: String
        /// A change the inputs could not follow: gather them again.
        var stale = false
        var dispatchesChanged = false
        /// The alerts evaluated from the inputs at `evaluatedAt`, until the inputs change.
        var alerts: [Alert]?
        var evaluatedAt = ""
    }

    /// A group commit heard: its events with their seqs, and the items it left.
    private struct Heard: Sendable {
        let events: [(seq: Int64, event: Event)]
        let items: [ItemRecord]
        let size: Int64
    }

    private let state = Mutex<State?>(nil)
    /// The last group commits heard, for a gathering under way to fold in what was written
    /// after it read the ledger's size.
    private let heard = Mutex<[Heard]>([])
    private let metrics: ServerMetrics?

    init(metrics: ServerMetrics? = nil) { self.metrics = metrics }

    /// Folds a group commit of this server into the inputs (see `AlertInputs.fold`).
    func appended(_ requests: [AppendRequest], _ report: GroupAppendReport) {
        let started = ContinuousClock.now
        var events: [(seq: Int64, event: Event)] = []
        for (request, r) in zip(requests, report.reports) where r.written {
            for (k, event) in request.events.enumerated() { events.append((r.firstSeq + Int64(k), event)) }
        }
        guard let first = events.first?.seq else { return }
        let group = Heard(events: events, items: report.items, size: report.size)
        heard.withLock {
            $0.append(group)
            if $0.count > 256 { $0.removeFirst($0.count - 256) }
        }
        state.withLock { s in
            guard var current = s, current.size <= first else { return }
            Self.fold(group, into: &current, first: first)
            s = current
        }
        metrics?.alertUpdate(seconds: Self.seconds(since: started), events: events.count)
    }

    private static func fold(_ group: Heard, into s: inout State, first: Int64) {
        guard !s.stale else { return }
        // Something written in between that this server did not hear of: gather again.
        guard s.size == first else {
            s.stale = true
            return
        }
        switch s.inputs.fold(group.events, items: group.items) {
        case .rebuild: s.stale = true
        case .folded(let dispatches): if dispatches { s.dispatchesChanged = true }
        }
        s.size = group.size
        s.alerts = nil
    }

    /// Every alert now, whatever the scope.
    func all(_ app: AppState) async throws -> [Alert] {
        let size = try await app.store.ledgerSize()
        let time = app.timestamp()
        let minute = String(time.prefix(16))
        let now = ContinuousClock.now
        var current = state.withLock { $0 }
        let due = current.map { now - $0.builtAt >= .seconds(app.configuration.alertRefresh) } ?? true
        if current == nil
            || (due && (current!.stale || current!.size != size || current!.builtMinute != minute))
        {
            current = try await gather(app, size: size, time: time, minute: minute)
        }
        guard var s = current else { return [] }
        if s.dispatchesChanged, !s.stale {
            s.inputs.dispatches = try await app.store.openDispatches(to: .everything, limit: 1000)
            s.dispatchesChanged = false
            s.alerts = nil
        }
        if let alerts = s.alerts, s.evaluatedAt == minute { return alerts }
        let alerts = Alerts.evaluate(s.pack, s.inputs, at: time)
        s.alerts = alerts
        s.evaluatedAt = minute
        let evaluated = s
        state.withLock { stored in
            // Keep what a write folded in meanwhile; otherwise keep this evaluation.
            if stored == nil || stored!.size == evaluated.size && stored!.builtAt == evaluated.builtAt { stored = evaluated }
        }
        return alerts
    }

    /// Gathers the inputs from the store, then folds in what this server wrote after it read
    /// the ledger's size.
    private func gather(_ app: AppState, size: Int64, time: String, minute: String) async throws -> State {
        let pack = try await app.store.policyInForce().pack
        let inputs = try await app.store.alertInputs(pack: pack, at: time)
        let built = State(pack: pack, inputs: inputs, size: size, builtAt: ContinuousClock.now, builtMinute: minute)
        // Under the state's lock: a group heard from here on waits for it, then folds into
        // what is installed; one heard before is folded here.
        return state.withLock { stored in
            var s = built
            for group in heard.withLock({ $0.filter { $0.size > size } }) {
                guard let first = group.events.first?.seq else { continue }
                if first >= s.size { Self.fold(group, into: &s, first: first) }
            }
            stored = s
            return s
        }
    }

    /// The alerts a reader of `scope` may see.
    func visible(_ app: AppState, scope: HolderScope) async throws -> [Alert] {
        let all = try await all(app)
        guard !scope.isEverything else { return all }
        return all.filter { $0.holders.contains(where: scope.codes.contains) }
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// `GET /api/v1/alerts`: the alerts inside the reader's scope, most severe first, paginated;
/// `rule` and `holder` (a subtree) narrow them. A holder outside the scope finds none, as one
/// that does not exist.
enum AlertsAPI {
    @Sendable static func list(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        let q = try QueryParameters(request, allowed: ["rule", "holder", "at", "limit", "cursor"])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let rule = try q.choice("rule", AlertRule.self)
        let holder = try q.code("holder")
        let limit = try q.limit()
        let moment = try q.moment(now: app.timestamp())
        let listing = moment.map { "alerts@\($0)" } ?? "alerts"
        let offset = try app.cursors.open(q.string("cursor"), listing: listing, user: principal.code).flatMap { Int($0) } ?? 0
        var alerts: [Alert]
        var time: String?
        if let moment {
            (alerts, time, _) = try await app.store.alerts(at: moment, scope: principal.scope)
        } else {
            alerts = try await app.alertBoard.visible(app, scope: principal.scope)
        }
        if let rule { alerts.removeAll { $0.rule != rule } }
        if let holder {
            let subtree = HolderScope(root: holder, holders: try await app.store.holders())
            alerts.removeAll { !$0.holders.contains(where: subtree.codes.contains) }
        }
        let page = alerts.dropFirst(offset).prefix(limit)
        let next = offset + page.count < alerts.count ? String(offset + page.count) : nil
        var fields: [(String, JSONOut)] = [
            ("alerts", .array(page.map { .raw(CanonicalJSON.encode($0.jsonValue)) })),
            ("total", .int(Int64(alerts.count))),
            ("nextCursor", .optional(app.cursors.sign(next, listing: listing, user: principal.code))),
        ]
        if let moment, let time { fields += [("at", Render.moment(moment)), ("judgedAt", .string(time))] }
        return JSONOut.object(fields).response()
    }
}
