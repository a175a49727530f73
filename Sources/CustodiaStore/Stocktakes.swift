import Crypto
import CustodiaCore
import CustodiaLedger

/// A stocktake as recorded: its opening, and its closing once closed.
public struct StocktakeView: Sendable, Equatable {
    public var id: Int64
    public var holder: String
    public var opening: StocktakeOpening
    public var openedAt: String
    public var openedBy: String
    public var closing: Closing?

    public struct Closing: Sendable, Equatable {
        public var seq: Int64
        public var at: String
        public var by: String
        public var summary: ReconciliationSummary
    }

    public var isOpen: Bool { closing == nil }
}

/// How far a stocktake's counts have got.
public struct StocktakeProgress: Sendable, Equatable {
    public var counts: Int
    public var items: Int
    public var unlisted: Int
    public var counters: [String]
    /// The identities counted (for the duplicate check of new reads).
    public var counted: Set<ItemIdentity>
    public var countedMarks: Set<UnlistedMark>
}

/// One serial read during a count, where it was read (a line of a file, a scan).
public struct CountRead: Sendable, Equatable {
    public var serial: String
    public var manufacturer: String?
    /// The line of the input it came from (1-based), for errors.
    public var line: Int

    public init(serial: String, manufacturer: String? = nil, line: Int) {
        self.serial = serial
        self.manufacturer = manufacturer
        self.line = line
    }
}

/// A lot quantity counted, with where it was read.
public struct CountedLot: Sendable, Equatable {
    public var lot: String
    public var manufacturer: String?
    public var quantity: Int64
    public var line: Int

    public init(lot: String, manufacturer: String? = nil, quantity: Int64, line: Int) {
        self.lot = lot
        self.manufacturer = manufacturer
        self.quantity = quantity
        self.line = line
    }
}

/// One read of a count (or of a sample's findings) that cannot be recorded: its line, what
/// is wrong in English, and a stable code with the serial or lot (`subject`) and the other
/// figure it names (`other`: the earlier line, whose books), so that a page can word it in
/// its reader's language (`countProblem.<code>` in the web catalogue).
public struct CountProblem: Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        case readTwice = "read-twice"
        case ambiguous
        case alreadyCounted = "already-counted"
        case notInRegister = "not-in-register"
        case notOnTheBooks = "not-on-the-books"
        case lotTwice = "lot-twice"
        case closed
        case empty
        case notInSample = "not-in-sample"
        case alreadyFound = "already-found"
    }

    public var line: Int
    public var message: String
    public var code: Code
    public var subject: String
    public var other: String

    public init(_ line: Int, _ code: Code, _ message: String, subject: String = "", other: String = "") {
        self.line = line
        self.code = code
        self.message = message
        self.subject = subject
        self.other = other
    }
}

/// Reads of a count that cannot be recorded, each with its line; nothing was recorded.
public struct CountProblems: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [CountProblem]

    public init(problems: [CountProblem]) { self.problems = problems }

    public var description: String {
        problems.map { "line \($0.line): \($0.message)" }.joined(separator: "\n")
    }
}

/// A stocktake's reconciliation, with whether the expected list recomputed from the ledger
/// matches the opening's commitment.
public struct StocktakeResult: Sendable {
    public var stocktake: StocktakeView
    public var reconciliation: Reconciliation
    /// Nil when not checked (a closed stocktake read back: its lines are those recorded).
    public var openingMatches: Bool?
    /// Whether the CSV hashes to the closing's `list` (closed stocktakes).
    public var listMatches: Bool?
}

/// A discrepancy of a closed stocktake not yet resolved.
public struct OpenDiscrepancy: Sendable {
    public var stocktake: StocktakeView
    public var line: Reconciliation.Line
}

/// Stocktakes, written once for both backends from the reads every store has; the rules are
/// the engine's (`CustodyEngine+Stocktake`) and the judgement `Reconciliation`'s.
extension Store {
    /// Every stocktake, newest first; only those of holders inside `scope`.
    public func stocktakes(scope: HolderScope = .everything) async throws -> [StocktakeView] {
        var views: [Int64: StocktakeView] = [:]
        try await eachRecorded(of: .stocktakeOpen) { seq, e in
            guard let holder = e.from, let opening = e.opening, scope.contains(holder) else { return }
            views[seq] = StocktakeView(
                id: seq, holder: holder, opening: opening, openedAt: e.occurredAt, openedBy: e.recordedBy ?? "")
        }
        try await eachRecorded(of: .stocktakeClose) { seq, e in
            guard let id = e.stocktake, let summary = e.reconciliation, views[id] != nil else { return }
            views[id]?.closing = .init(seq: seq, at: e.occurredAt, by: e.recordedBy ?? "", summary: summary)
        }
        return views.values.sorted { $0.id > $1.id }
    }

    /// The holder's last stocktake: its id, when it opened and when it closed (nil: still
    /// open). Two reads of the events naming the holder, newest first.
    public func lastStocktake(of holder: String) async throws -> (id: Int64, openedAt: String, closedAt: String?)? {
        guard let open = try await searchEvents(EventQuery(kind: .stocktakeOpen, holder: holder, order: .descending, limit: 1)).elements.first
        else { return nil }
        let opening = try open.decoded()
        let close = try await searchEvents(EventQuery(kind: .stocktakeClose, holder: holder, fromSeq: open.seq, order: .descending, limit: 1))
            .elements.first.map { try $0.decoded() }
        return (open.seq, opening.occurredAt, close?.stocktake == open.seq ? close?.occurredAt : nil)
    }

    /// The stocktake `id`, if a reader of `scope` may see it.
    public func stocktake(id: Int64, scope: HolderScope = .everything) async throws -> StocktakeView? {
        guard let e = try await event(seq: id).map({ try $0.decoded() }), e.kind == .stocktakeOpen, let holder = e.from,
            let opening = e.opening, scope.contains(holder)
        else { return nil }
        var view = StocktakeView(id: id, holder: holder, opening: opening, openedAt: e.occurredAt, openedBy: e.recordedBy ?? "")
        try await eachRecorded(of: .stocktakeClose, from: id + 1) { seq, c in
            if c.stocktake == id, let summary = c.reconciliation {
                view.closing = .init(seq: seq, at: c.occurredAt, by: c.recordedBy ?? "", summary: summary)
            }
        }
        return view
    }

    /// What the register holds at `holder` (and under it, `recursive`) just before event
    /// `position`: the items physically held and the lot balances, from the state now and the
    /// events since, folded back (`PastState`).
    ///
    /// - Parameters:
    ///   - since: the events from `position` on, when the caller has read them already.
    ///   - tree: every holder by code, when the caller has read them already.
    public func holdingsAt(
        _ position: Int64, holder: String, recursive: Bool, admits: (ItemMarking) -> Bool = { _ in true },
        since: [(seq: Int64, event: Event)]? = nil, tree known: [String: Holder]? = nil
    ) async throws -> (items: [Reconciliation.HeldItem], lots: [Reconciliation.LotBalance]) {
        let tree: [String: Holder]
        if let known { tree = known } else { tree = try await holderTree() }
        func counted(_ code: String) -> Bool { code == holder || (recursive && HolderTree.isUnder(code, root: holder, in: tree)) }
        guard let now = try await holdings(of: holder, recursive: recursive) else { return ([], []) }
        var items: [ItemIdentity: Reconciliation.HeldItem] = [:]
        for i in now.items where i.status == .held && counted(i.holder) && admits(i.marking) {
            items[i.marking.identity] = .init(marking: i.marking, holder: i.holder)
        }
        var lots: [LotHolderKey: Int64] = [:]
        for l in now.lots where counted(l.holder) {
            lots[LotHolderKey(lot: .init(manufacturer: l.marking.manufacturer, lot: l.marking.lot), holder: l.holder), default: 0] +=
                l.quantity
        }
        // Undo what happened since `position`.
        var touched: Set<ItemIdentity> = []
        func undo(_ e: Event) {
            guard Self.moves(e) else { return }
            for ref in e.items {
                if let identity = ref.identity { touched.insert(identity) }
            }
            for r in e.registrations { touched.insert(r.identity) }
            for change in PastState.lotChanges(e) where counted(change.holder) {
                lots[LotHolderKey(lot: change.lot, holder: change.holder), default: 0] -= change.change
            }
        }
        if let since {
            for (seq, e) in since where seq >= position { undo(e) }
        } else {
            try await eachRecorded(from: position) { _, e in undo(e) }
        }
        for identity in touched {
            items[identity] = nil
            guard let view = try await self.items(serial: identity.serial, manufacturer: identity.manufacturer, model: identity.model).first
            else { continue }
            var history: [(seq: Int64, event: Event)] = []
            for r in try await self.history(itemID: view.record.id) where r.seq < position { history.append((r.seq, try r.decoded())) }
            if admits(view.record.marking), let past = PastState.item(view.record.marking, events: history, before: position), past.status == .held,
                let h = past.holder, counted(h)
            {
                items[identity] = .init(marking: view.record.marking, holder: h)
            }
        }
        return (
            items.values.sorted { ($0.marking.manufacturer, $0.marking.model, $0.marking.serial) < ($1.marking.manufacturer, $1.marking.model, $1.marking.serial) },
            lots.filter { $0.value > 0 }.map { .init(lot: $0.key.lot, holder: $0.key.holder, quantity: $0.value) }
                .sorted { ($0.lot, $0.holder) < ($1.lot, $1.holder) }
        )
    }

    /// Whether an event may change where an item is or a lot balance (a count, a condition
    /// change and a correction do not).
    static func moves(_ e: Event) -> Bool {
        EventKind.custodyKinds.contains(e.kind) && e.kind != .count && e.kind != .condition && e.kind != .correction
    }

    /// The `stocktake-open` for `holder` now: the expected list's size and SHA-256.
    public func stocktakeOpening(holder: String, blind: Bool, recursive: Bool, occurredAt: String) async throws -> Event {
        let expected = try await holdingsAt(try await ledgerSize(), holder: holder, recursive: recursive)
        var event = Event(kind: .stocktakeOpen, occurredAt: occurredAt)
        event.from = holder
        event.opening = StocktakeOpening(
            blind: blind, recursive: recursive, items: Int64(expected.items.count), lots: Int64(expected.lots.count),
            expected: Self.sha256(Reconciliation.expectedListBytes(items: expected.items, lots: expected.lots)))
        return event
    }

    /// What the counts of stocktake `id` have found so far.
    public func stocktakeProgress(_ id: Int64, before end: Int64? = nil) async throws -> StocktakeProgress {
        var p = StocktakeProgress(counts: 0, items: 0, unlisted: 0, counters: [], counted: [], countedMarks: [])
        var counters: Set<String> = []
        try await eachRecorded(of: .count, from: id + 1, to: end) { _, e in
            guard e.stocktake == id else { return }
            p.counts += 1
            for ref in e.items {
                if let identity = ref.identity { p.counted.insert(identity) }
            }
            p.countedMarks.formUnion(e.unlisted)
            if let by = e.recordedBy { counters.insert(by) }
        }
        p.items = p.counted.count
        p.unlisted = p.countedMarks.count
        p.counters = counters.sorted()
        return p
    }

    /// The `count` of stocktake `id` for these reads: each read is an item on the books of
    /// the stocktake's holder, or (with `unlisted`) a mark found here that is not. Every read
    /// that cannot be counted is reported with its line (`CountProblems`); nothing is
    /// recorded then. A reader of `scope` is told whose books an item is on only inside it.
    public func stocktakeCount(
        _ stocktake: StocktakeView, reads: [CountRead], lots: [CountedLot] = [], unlisted: Bool, occurredAt: String,
        scope: HolderScope = .everything
    ) async throws -> Event {
        guard stocktake.isOpen else {
            throw CountProblems(problems: [
                CountProblem(0, .closed, "stocktake \(stocktake.id) is closed; open a new stocktake to count \(stocktake.holder) again")
            ])
        }
        let tree = try await holderTree()
        let recursive = stocktake.opening.recursive
        func onBooks(_ r: ItemRecord) -> Bool {
            guard r.state.status == .held, let h = r.state.holder else { return false }
            return h == stocktake.holder || (recursive && HolderTree.isUnder(h, root: stocktake.holder, in: tree))
        }
        let progress = try await stocktakeProgress(stocktake.id)
        let known = try await items(serials: Array(Set(reads.map(\.serial))))
        var bySerial: [String: [ItemRecord]] = [:]
        for r in known { bySerial[r.marking.serial, default: []].append(r) }
        var problems: [CountProblem] = []
        var seen: [String: Int] = [:]
        var event = Event(kind: .count, occurredAt: occurredAt)
        event.from = stocktake.holder
        event.stocktake = stocktake.id
        let how = "count it as unlisted (found here)"
        for read in reads {
            let key = "\(read.manufacturer ?? "")/\(read.serial)"
            if let earlier = seen[read.serial] ?? seen[key] {
                problems.append(CountProblem(
                    read.line, .readTwice, "\(read.serial) is read twice (also on line \(earlier)); remove one", subject: read.serial,
                    other: String(earlier)))
                continue
            }
            seen[read.serial] = read.line
            var matches = bySerial[read.serial] ?? []
            if let m = read.manufacturer { matches.removeAll { $0.marking.manufacturer != m } }
            let mine = matches.filter(onBooks)
            if mine.count > 1 {
                problems.append(CountProblem(
                    read.line, .ambiguous,
                    "\(read.serial) is the serial of \(mine.count) items here (\(mine.map(\.marking.manufacturer).joined(separator: ", "))); give the manufacturer",
                    subject: read.serial, other: mine.map(\.marking.manufacturer).joined(separator: ", ")))
                continue
            }
            if let item = mine.first {
                if progress.counted.contains(item.marking.identity) {
                    problems.append(CountProblem(
                        read.line, .alreadyCounted, "\(item.marking.label) is already counted in stocktake \(stocktake.id)", subject: read.serial))
                    continue
                }
                event.items.append(.marking(manufacturer: item.marking.manufacturer, serial: item.marking.serial, model: item.marking.model))
                continue
            }
            let mark = UnlistedMark(serial: read.serial, manufacturer: read.manufacturer ?? (matches.count == 1 ? matches[0].marking.manufacturer : nil))
            if progress.countedMarks.contains(mark) {
                problems.append(CountProblem(
                    read.line, .alreadyCounted, "\(mark.label) is already counted in stocktake \(stocktake.id)", subject: read.serial))
                continue
            }
            guard unlisted else {
                if matches.isEmpty {
                    problems.append(CountProblem(
                        read.line, .notInRegister, "\(read.serial) is not in the register; if it is here, \(how) (unregistered)",
                        subject: read.serial))
                } else {
                    let whose = matches.count == 1 ? Self.whose(matches[0], scope: scope).map { " (\($0))" } ?? "" : ""
                    problems.append(CountProblem(
                        read.line, .notOnTheBooks,
                        "\(read.serial) is not on the books of \(stocktake.holder)\(recursive ? " or under it" : "")\(whose); if it is here, \(how) (on another holder's books)",
                        subject: read.serial, other: whose))
                }
                continue
            }
            event.unlisted.append(mark)
        }
        var lotSeen: [String: Int] = [:]
        for lot in lots {
            let key = "\(lot.manufacturer ?? "")/\(lot.lot)"
            if let earlier = lotSeen[key] {
                problems.append(CountProblem(
                    lot.line, .lotTwice, "lot \(lot.lot) is listed twice (also on line \(earlier)); add the quantities on one line",
                    subject: lot.lot, other: String(earlier)))
                continue
            }
            lotSeen[key] = lot.line
            event.lots.append(LotReference(lot: lot.lot, manufacturer: lot.manufacturer, quantity: lot.quantity))
        }
        if event.items.isEmpty, event.lots.isEmpty, event.unlisted.isEmpty, problems.isEmpty {
            problems.append(CountProblem(0, .empty, "nothing to count; give serials (one per line) or lots with quantities"))
        }
        guard problems.isEmpty else { throw CountProblems(problems: problems) }
        return event
    }

    /// Whose books an item is on, or its status, as a reader of `scope` may learn it.
    static func whose(_ r: ItemRecord, scope: HolderScope) -> String? {
        if r.state.status == .held, let h = r.state.holder { return scope.contains(h) ? "held by \(h)" : nil }
        if let a = r.state.account, !scope.contains(a) { return nil }
        return r.state.status.rawValue
    }

    /// The reconciliation of stocktake `id`: of an open one, as it would close now (checking
    /// the expected list against the opening); of a closed one, as its closing recorded it.
    public func reconciliation(of stocktake: StocktakeView, scope: HolderScope = .everything) async throws -> StocktakeResult {
        try await showingWhose(try await sealedReconciliation(of: stocktake), scope: scope)
    }

    /// The reconciliation with whose books each item read elsewhere is on, where a reader of
    /// `scope` may know it.
    public func showingWhose(_ sealed: StocktakeResult, scope: HolderScope) async throws -> StocktakeResult {
        var result = sealed
        for n in result.reconciliation.lines.indices where result.reconciliation.lines[n].finding == .elsewhere {
            guard let item = result.reconciliation.lines[n].item,
                let r = try await items(serial: item.serial, manufacturer: item.manufacturer, model: item.model).first?.record
            else { continue }
            result.reconciliation.lines[n].holder = Self.whose(r, scope: scope)
        }
        return result
    }

    /// The reconciliation as the ledger keeps it (see `Reconciliation.sealed`).
    func sealedReconciliation(of stocktake: StocktakeView) async throws -> StocktakeResult {
        if let closing = stocktake.closing {
            // The found lines follow from the counts; the others are in the closing.
            let progress = try await stocktakeProgress(stocktake.id, before: closing.seq)
            var lines = closing.summary.lines
            let found = try await markings(of: progress.counted)
            for identity in progress.counted {
                lines.append(Reconciliation.Line(finding: .found, item: identity, category: found[identity]?.category))
            }
            let r = Reconciliation(lines: lines.sorted(by: Reconciliation.order), counters: closing.summary.counters).sealed
            return StocktakeResult(
                stocktake: stocktake, reconciliation: r, openingMatches: nil,
                listMatches: Self.sha256(Array(r.csv.utf8)) == closing.summary.list)
        }
        let size = try await ledgerSize()
        // The events since the opening, read once: they undo the state now back to the
        // opening, and they hold the counts.
        var since: [(seq: Int64, event: Event)] = []
        try await eachRecorded(from: stocktake.id + 1, to: size) { seq, e in since.append((seq, e)) }
        let tree = try await holderTree()
        let expected = try await holdingsAt(
            stocktake.id + 1, holder: stocktake.holder, recursive: stocktake.opening.recursive, since: since, tree: tree)
        let openingMatches =
            Self.sha256(Reconciliation.expectedListBytes(items: expected.items, lots: expected.lots)) == stocktake.opening.expected
        func counted(_ code: String) -> Bool {
            code == stocktake.holder || (stocktake.opening.recursive && HolderTree.isUnder(code, root: stocktake.holder, in: tree))
        }
        var inputs = Reconciliation.Inputs()
        inputs.expectedItems = expected.items
        inputs.expectedLots = expected.lots
        var countedIdentities: Set<ItemIdentity> = []
        var marks: [UnlistedMark] = []
        for (_, e) in since {
            if e.kind == .count, e.stocktake == stocktake.id {
                for ref in e.items {
                    if let identity = ref.identity { countedIdentities.insert(identity) }
                }
                for l in e.lots { inputs.countedLots[.init(manufacturer: l.manufacturer ?? "", lot: l.lot), default: 0] += l.quantity }
                marks += e.unlisted
                if let by = e.recordedBy { inputs.counters.insert(by) }
                continue
            }
            guard Self.moves(e) else { continue }
            for ref in e.items {
                if let identity = ref.identity { inputs.movedItems.insert(identity) }
            }
            for r in e.registrations { inputs.movedItems.insert(r.identity) }
            for change in PastState.lotChanges(e) where counted(change.holder) { inputs.movedLots.insert(change.lot) }
        }
        if !inputs.movedLots.isEmpty {
            let now = try await holdingsAt(size, holder: stocktake.holder, recursive: stocktake.opening.recursive, tree: tree)
            inputs.lotsNow = now.lots.filter { inputs.movedLots.contains($0.lot) }
        }
        // The markings of what was counted: those expected are known; the others are looked up.
        var found: [ItemIdentity: ItemMarking] = [:]
        for e in expected.items where countedIdentities.contains(e.marking.identity) { found[e.marking.identity] = e.marking }
        let others = countedIdentities.filter { found[$0] == nil }
        if !others.isEmpty { found.merge(try await markings(of: others)) { a, _ in a } }
        inputs.counted = countedIdentities.compactMap { found[$0] }.map { .init(marking: $0, holder: stocktake.holder) }
        for mark in marks {
            var matches = try await items(serials: [mark.serial])
            if let m = mark.manufacturer { matches.removeAll { $0.marking.manufacturer != m } }
            let match = matches.first.map { Reconciliation.Match(marking: $0.marking, whose: "") }
            inputs.unlisted.append((mark, match))
        }
        return StocktakeResult(
            stocktake: stocktake, reconciliation: Reconciliation(inputs).sealed, openingMatches: openingMatches, listMatches: nil)
    }

    /// The `stocktake-close` of an open stocktake, with the reconciliation it records.
    public func stocktakeClosing(_ stocktake: StocktakeView, occurredAt: String) async throws -> (Event, StocktakeResult) {
        let result = try await sealedReconciliation(of: stocktake)
        var event = Event(kind: .stocktakeClose, occurredAt: occurredAt)
        event.from = stocktake.holder
        event.stocktake = stocktake.id
        event.reconciliation = result.reconciliation.summary(listHash: Self.sha256(Array(result.reconciliation.csv.utf8)))
        return (event, result)
    }

    /// The discrepancies of closed stocktakes inside `scope` not yet resolved, oldest
    /// stocktake first.
    public func openDiscrepancies(scope: HolderScope = .everything) async throws -> [OpenDiscrepancy] {
        let closed = try await stocktakes(scope: scope).filter { !$0.isOpen }.reversed()
        let resolved = try await resolvedKeys()
        var out: [OpenDiscrepancy] = []
        for s in closed {
            let done = resolved[s.id] ?? []
            for var line in s.closing!.summary.lines where line.finding.isDiscrepancy && !done.contains(line.key) {
                if line.finding == .elsewhere, let item = line.item,
                    let r = try await items(serial: item.serial, manufacturer: item.manufacturer, model: item.model).first?.record
                {
                    line.holder = Self.whose(r, scope: scope)
                }
                out.append(OpenDiscrepancy(stocktake: s, line: line))
            }
        }
        return out
    }

    /// The keys each stocktake's `stocktake-resolve` events settled.
    public func resolvedKeys() async throws -> [Int64: Set<String>] {
        var closings: [Int64: Reconciliation] = [:]
        try await eachRecorded(of: .stocktakeClose) { _, e in
            if let id = e.stocktake, let s = e.reconciliation { closings[id] = Reconciliation(lines: s.lines, counters: s.counters) }
        }
        var resolved: [Int64: Set<String>] = [:]
        try await eachRecorded(of: .stocktakeResolve) { _, e in
            guard let id = e.stocktake, let r = closings[id] else { return }
            resolved[id, default: []].formUnion(r.keys(resolvedBy: e))
        }
        return resolved
    }

    /// The `stocktake-resolve` of a closed stocktake for discrepancies named as read: items
    /// and unlisted marks by serial (and manufacturer), lots by number (and manufacturer).
    /// Each must be an open discrepancy of the stocktake; the engine judges the rest.
    public func stocktakeResolution(
        _ stocktake: StocktakeView, items: [(serial: String, manufacturer: String?)], marks: [UnlistedMark],
        lots: [(lot: String, manufacturer: String?)], resolvedBy: Int64?, reason: String?, occurredAt: String
    ) async throws -> Event {
        guard !stocktake.isOpen else {
            throw FieldError("stocktake", "stocktake \(stocktake.id) is still open; its discrepancies are known when it is closed")
        }
        var event = Event(kind: .stocktakeResolve, occurredAt: occurredAt)
        event.from = stocktake.holder
        event.stocktake = stocktake.id
        event.resolvedBy = resolvedBy
        event.reason = reason
        let open = try await openDiscrepancies().filter { $0.stocktake.id == stocktake.id }.map(\.line)
        let hint = "is not an open discrepancy of stocktake \(stocktake.id); the open ones are listed by custodia stocktake discrepancies and GET /api/v1/discrepancies"
        for (n, read) in items.enumerated() {
            guard let item = open.first(where: { $0.item?.serial == read.serial && (read.manufacturer == nil || $0.item?.manufacturer == read.manufacturer) })?.item
            else { throw FieldError("items[\(n)]", "\(read.serial) \(hint)") }
            event.items.append(.marking(manufacturer: item.manufacturer, serial: item.serial, model: item.model))
        }
        event.unlisted = marks
        for (n, read) in lots.enumerated() {
            guard let line = open.first(where: { $0.lot?.lot == read.lot && (read.manufacturer == nil || $0.lot?.manufacturer == read.manufacturer) }),
                let key = line.lot
            else { throw FieldError("lots[\(n)]", "lot \(read.lot) \(hint)") }
            // The quantity a resolution names: the difference it settles.
            event.lots.append(LotReference(lot: key.lot, manufacturer: key.manufacturer, quantity: max(1, abs((line.expected ?? 0) - (line.counted ?? 0)))))
        }
        return event
    }

    /// The full markings of these identities.
    func markings(of identities: Set<ItemIdentity>) async throws -> [ItemIdentity: ItemMarking] {
        var out: [ItemIdentity: ItemMarking] = [:]
        let serials = Array(Set(identities.map(\.serial)))
        var start = 0
        while start < serials.count {
            let chunk = Array(serials[start..<min(start + 5000, serials.count)])
            for r in try await items(serials: chunk) where identities.contains(r.marking.identity) { out[r.marking.identity] = r.marking }
            start += 5000
        }
        return out
    }

    /// Calls `body` with each recorded event (of `kind`) from `from` up to `to`, in ledger order.
    func eachRecorded(
        of kind: EventKind? = nil, from: Int64 = 0, to end: Int64? = nil, _ body: (Int64, Event) async throws -> Void
    ) async throws {
        if kind == nil {
            var next = from
            var last = end ?? 0
            if end == nil { last = try await ledgerSize() }
            while next < last {
                let page = try await entries(from: next, to: min(next + 1000, last))
                for r in page { try await body(r.seq, try r.decoded()) }
                guard let l = page.last else { break }
                next = l.seq + 1
            }
            return
        }
        var cursor: String?
        repeat {
            let page = try await searchEvents(EventQuery(kind: kind, fromSeq: from, toSeq: end, limit: 1000, cursor: cursor))
            for r in page.elements { try await body(r.seq, try r.decoded()) }
            cursor = page.nextCursor
        } while cursor != nil
    }

    static func sha256(_ bytes: [UInt8]) -> String { Bytes.hex(SHA256.hash(data: bytes)) }
}

/// A lot at a holder.
struct LotHolderKey: Hashable {
    var lot: Reconciliation.LotKey
    var holder: String
}
