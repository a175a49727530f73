/// The rules of a stocktake, checked on every path and on replay:
///
/// - `stocktake-open`: the holder exists and is open; it has no other stocktake open.
/// - a stocktake's `count`: the stocktake is open and names the same holder; each item is
///   held by the holder (or, recursive, anywhere under it) and not counted before in this
///   stocktake; each unlisted mark is listed once.
/// - `stocktake-close`: the stocktake is open.
/// - `stocktake-resolve`: the stocktake is closed; `resolvedBy` names an earlier event.
///
/// On new input under a pack with `independent-counters` (the standard pack): a count is not
/// recorded by a user whose scope is the counted holder or lies under it
/// (`stocktake.counter-scope`), nor by a counter of the holder's previous stocktake
/// (`stocktake.counter-repeat`).
///
/// On new input, a `stocktake-resolve` settles only discrepancies its stocktake's closing
/// recorded and nobody resolved, and its `resolvedBy` event names what it settles
/// (`Reconciliation.checkResolution`; `stocktake.resolution`).
extension CustodyEngine {
    /// The stable codes of the stocktake refusals (`CustodyViolation.rule`).
    public enum StocktakeRule: String, Sendable, CaseIterable {
        case unknown = "stocktake.unknown"
        case closed = "stocktake.closed"
        case open = "stocktake.open"
        case outside = "stocktake.outside"
        case twice = "stocktake.twice"
        case counterScope = "stocktake.counter-scope"
        case counterRepeat = "stocktake.counter-repeat"
        case resolution = "stocktake.resolution"
    }

    /// Every stocktake recorded, read on first need and kept current by the events applied.
    /// A closed one's closing and resolutions are read only as far as their heads (which
    /// stocktake they name); its lines and counters are read when a rule needs them
    /// (`closedDetails`).
    mutating func stocktakeStates() throws -> [Int64: StocktakeState] {
        if let stocktakes { return stocktakes }
        var found: [Int64: StocktakeState] = [:]
        for seq in try loader.seqs(ofKind: .stocktakeOpen) {
            guard let e = try loader.event(seq: seq), let holder = e.from, let opening = e.opening else { continue }
            found[seq] = StocktakeState(id: seq, holder: holder, opening: opening)
        }
        for seq in try loader.seqs(ofKind: .stocktakeClose) {
            guard let e = try loader.eventHead(seq: seq), let id = e.stocktake, found[id] != nil else { continue }
            found[id]?.closed = true
            found[id]?.closing = seq
        }
        for seq in try loader.seqs(ofKind: .stocktakeResolve) {
            guard let e = try loader.eventHead(seq: seq), let id = e.stocktake, found[id] != nil else { continue }
            found[id]?.resolutions.append(seq)
        }
        stocktakes = found
        return found
    }

    /// A closed stocktake with its lines, its counters and the keys resolved since, as its
    /// closing and its resolutions record them.
    mutating func closedDetails(_ state: StocktakeState) throws -> StocktakeState {
        guard state.closed, !state.detailsLoaded else { return state }
        var out = state
        if let seq = state.closing, let e = try loader.event(seq: seq) {
            out.counters = Set(e.reconciliation?.counters ?? [])
            out.lines = e.reconciliation?.lines ?? []
        }
        let found = Reconciliation(lines: out.lines, counters: [])
        for seq in state.resolutions {
            if let e = try loader.event(seq: seq) { out.resolved.formUnion(found.keys(resolvedBy: e)) }
        }
        out.detailsLoaded = true
        stocktakes?[state.id] = out
        return out
    }

    /// The stocktake `id`; with `counts`, with what its counts found so far (read on first
    /// need).
    mutating func stocktake(_ id: Int64, field: String = "stocktake", counts: Bool = false) throws -> StocktakeState {
        guard var state = try stocktakeStates()[id] else {
            throw CustodyViolation(
                field, "no stocktake has id \(id); a stocktake's id is the number `custodia stocktake open` printed",
                rule: StocktakeRule.unknown.rawValue)
        }
        if admission?.authority.isScoped == true, !inScope(state.holder) {
            throw CustodyViolation(field, "no stocktake has id \(id); a stocktake's id is the number `custodia stocktake open` printed",
                rule: StocktakeRule.unknown.rawValue)
        }
        if counts, !state.countsLoaded, !state.closed {
            for seq in try loader.seqs(ofKind: .count) where seq > id {
                guard try loader.eventHead(seq: seq)?.stocktake == id, let e = try loader.event(seq: seq) else { continue }
                for ref in e.items {
                    if let identity = ref.identity { state.counted.insert(identity) }
                }
                state.countedMarks.formUnion(e.unlisted)
                if let by = e.recordedBy { state.counters.insert(by) }
            }
            state.countsLoaded = true
            stocktakes?[id] = state
        }
        return state
    }

    /// A `stocktake-open`, `stocktake-close` or `stocktake-resolve`.
    mutating func applyStocktakeFrame(_ event: inout Event, seq: Int64) throws -> [Int64] {
        try checkShape(event)
        guard let code = event.from else { throw CustodyViolation("from", "missing; name the holder counted") }
        let h = try holder(code, field: "from", receiving: false)
        switch event.kind {
        case .stocktakeOpen:
            if h.closed { throw CustodyViolation("from", "holder \(code) is closed; a closed holder is not counted") }
            if let open = try stocktakeStates().values.first(where: { $0.holder == code && !$0.closed }) {
                throw CustodyViolation(
                    "from", "\(code) has stocktake \(open.id) open; close it (custodia stocktake close \(open.id)) before opening another",
                    rule: StocktakeRule.open.rawValue)
            }
            stocktakes?[seq] = StocktakeState(id: seq, holder: code, opening: event.opening!, countsLoaded: true)
            return []
        case .stocktakeClose:
            let state = try openStocktake(event)
            stocktakes?[state.id]?.closed = true
            stocktakes?[state.id]?.closing = seq
            stocktakes?[state.id]?.counters = Set(event.reconciliation?.counters ?? [])
            stocktakes?[state.id]?.lines = event.reconciliation?.lines ?? []
            stocktakes?[state.id]?.detailsLoaded = true
            return []
        default:
            let id = event.stocktake!
            let state = try closedDetails(try stocktake(id))
            guard state.holder == code else {
                throw CustodyViolation("from", "stocktake \(id) counts \(state.holder), not \(code)")
            }
            guard state.closed else {
                throw CustodyViolation(
                    "stocktake", "stocktake \(id) is still open; its discrepancies are known when it is closed",
                    rule: StocktakeRule.open.rawValue)
            }
            if let by = event.resolvedBy, by >= seq || by <= id {
                throw CustodyViolation(
                    "resolvedBy", "event \(by) is not a recorded event after stocktake \(id) opened; name the event that resolves it")
            }
            let ids = try resolveNamedItems(&event)
            for (n, ref) in event.lots.enumerated() {
                event.lots[n].manufacturer = try resolveLot(ref, field: "lots[\(n)]").marking.manufacturer
            }
            let found = Reconciliation(lines: state.lines, counters: [])
            if admission != nil {
                let linked = try event.resolvedBy.map { by in
                    guard let e = try loader.event(seq: by) else {
                        throw CustodyViolation("resolvedBy", "event \(by) is not recorded yet; record it first, then resolve")
                    }
                    return e
                }
                do {
                    try found.checkResolution(event, alreadyResolved: state.resolved, linked: linked)
                } catch {
                    throw CustodyViolation(error.field, error.message, rule: StocktakeRule.resolution.rawValue)
                }
            }
            stocktakes?[id]?.resolved.formUnion(found.keys(resolvedBy: event))
            stocktakes?[id]?.resolutions.append(seq)
            return ids
        }
    }

    /// The items an event that moves nothing names (a resolution, a sample's finding): each
    /// registered and named once; the event then names them by full identity.
    mutating func resolveNamedItems(_ event: inout Event) throws -> [Int64] {
        var ids: [Int64] = []
        for (n, ref) in event.items.enumerated() {
            let record = try resolve(ref, field: "items[\(n)]", scopedFor: nil)
            guard !ids.contains(record.id) else {
                throw CustodyViolation("items[\(n)]", "\(record.marking.label) is listed twice in this event")
            }
            ids.append(record.id)
        }
        event.items = ids.map { id in
            let m = items[id]!.marking
            return .marking(manufacturer: m.manufacturer, serial: m.serial, model: m.model)
        }
        return ids
    }

    /// The shape of an event made by code rather than read (the stocktake paths build theirs).
    func checkShape(_ event: Event) throws {
        do { try event.checkShape() } catch { throw CustodyViolation(error.field, error.message) }
    }

    /// The open stocktake a count or a close names, for the same holder (`counts`: with what
    /// its counts found so far).
    mutating func openStocktake(_ event: Event, counts: Bool = false) throws -> StocktakeState {
        let id = event.stocktake!
        let state = try stocktake(id, counts: counts)
        guard state.holder == event.from else {
            throw CustodyViolation("from", "stocktake \(id) counts \(state.holder), not \(event.from ?? "")")
        }
        guard !state.closed else {
            throw CustodyViolation(
                "stocktake", "stocktake \(id) is closed; open a new stocktake to count \(state.holder) again",
                rule: StocktakeRule.closed.rawValue)
        }
        return state
    }

    /// Checks a stocktake's count before its items: the stocktake, the counter, the marks.
    mutating func admitStocktakeCount(_ event: Event) throws -> StocktakeState {
        try checkShape(event)
        let state = try openStocktake(event, counts: true)
        if admission != nil, try policyInForce().independentCounters {
            if case .user(let user, _, let root?) = admission!.authority, root == state.holder || isUnder(root, root: state.holder) {
                throw CustodyViolation(
                    "recordedBy",
                    "\(user)'s scope is \(root), inside the holder counted (\(state.holder)); a stocktake is counted by someone from outside it",
                    rule: StocktakeRule.counterScope.rawValue)
            }
            if let by = event.recordedBy, let previous = try previousStocktake(of: state), previous.counters.contains(by) {
                throw CustodyViolation(
                    "recordedBy",
                    "\(by) counted the previous stocktake of \(state.holder) (\(previous.id)); another counter records this one",
                    rule: StocktakeRule.counterRepeat.rawValue)
            }
        }
        var marks: Set<UnlistedMark> = []
        for (n, mark) in event.unlisted.enumerated() {
            guard marks.insert(mark).inserted, !state.countedMarks.contains(mark) else {
                throw CustodyViolation(
                    "unlisted[\(n)]", "\(mark.label) is counted twice in stocktake \(state.id)", rule: StocktakeRule.twice.rawValue)
            }
        }
        return state
    }

    /// Checks one item of a stocktake's count: held inside the stocktake, not counted before.
    func checkCounted(_ record: ItemRecord, in state: StocktakeState, field: String) throws {
        let held = record.state.status == .held ? record.state.holder : nil
        guard let held, held == state.holder || (state.opening.recursive && isUnder(held, root: state.holder)) else {
            let whose = held.map { "held by \($0)" } ?? record.state.status.rawValue
            throw CustodyViolation(
                field,
                "\(record.marking.label) is \(whose), not on the books of \(state.holder)\(state.opening.recursive ? " or under it" : ""); count it as unlisted (found here, on another holder's books)",
                rule: StocktakeRule.outside.rawValue)
        }
        if state.counted.contains(record.marking.identity) {
            throw CustodyViolation(
                field, "\(record.marking.label) is already counted in stocktake \(state.id)", rule: StocktakeRule.twice.rawValue)
        }
    }

    /// Notes a count's items, marks and counter against its stocktake.
    mutating func noteCount(_ event: Event, items counted: [ItemRecord]) {
        guard let id = event.stocktake else { return }
        for r in counted { stocktakes?[id]?.counted.insert(r.marking.identity) }
        stocktakes?[id]?.countedMarks.formUnion(event.unlisted)
        if let by = event.recordedBy { stocktakes?[id]?.counters.insert(by) }
    }

    /// The holder's last closed stocktake before `state`, if any.
    mutating func previousStocktake(of state: StocktakeState) throws -> StocktakeState? {
        guard let previous = try stocktakeStates().values.filter({ $0.holder == state.holder && $0.id < state.id && $0.closed })
            .max(by: { $0.id < $1.id })
        else { return nil }
        return try closedDetails(previous)
    }
}

/// A stocktake as the rules see it.
struct StocktakeState: Sendable {
    let id: Int64
    let holder: String
    let opening: StocktakeOpening
    var closed = false
    /// The seq of its closing, and of the resolutions of its discrepancies, in ledger order.
    var closing: Int64?
    var resolutions: [Int64] = []
    /// Whether `counters`, `lines` and `resolved` of a closed one are read
    /// (`CustodyEngine.closedDetails`).
    var detailsLoaded = false
    /// Whether `counted`, `countedMarks` and `counters` hold every count recorded (an open
    /// stocktake's are read on first need).
    var countsLoaded = false
    var counted: Set<ItemIdentity> = []
    var countedMarks: Set<UnlistedMark> = []
    /// Who recorded its counts (of a closed one: as its closing records them).
    var counters: Set<String> = []
    /// A closed one's lines other than `found`, as its closing records them, and the keys
    /// of those resolved since.
    var lines: [Reconciliation.Line] = []
    var resolved: Set<String> = []
}
