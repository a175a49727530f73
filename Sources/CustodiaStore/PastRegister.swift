import CustodiaCore

/// The register at a past moment (`RegisterMoment`), for both backends from the reads every
/// store has. One item or one holder is folded from its own events, which is quick; the
/// summary and the alerts replay the whole ledger through the custody engine
/// (`RegisterReplay`). Both rest on the same transitions, and the tests check that they agree.
extension Store {
    /// The whole register at `moment`, replayed from entry 0.
    public func replay(to moment: RegisterMoment, eachApplied: ((Int64, Event) -> Void)? = nil) async throws -> RegisterReplay {
        let size = try await ledgerSize()
        try checkEntry(moment, size: size)
        var replay = RegisterReplay(to: moment)
        var end = size
        if case .entry(let n) = moment { end = n + 1 }
        var next: Int64 = 0
        while next < end {
            let page = try await entries(from: next, to: min(next + 2000, end))
            for r in page {
                let event = try r.decoded()
                if replay.add(seq: r.seq, event: event) { eachApplied?(r.seq, event) }
            }
            guard let last = page.last else { break }
            next = last.seq + 1
        }
        if case .time(let t) = moment, let first = replay.earliestTime, Timestamp.seconds(t) ?? 0 < Timestamp.seconds(first) ?? 0 {
            throw StoreError(
                .invalidRequest, "--at \(t) is before the first event of the register (\(first)); give a later time")
        }
        return replay
    }

    /// An entry past the end of the ledger is refused with what the ledger holds.
    func checkEntry(_ moment: RegisterMoment, size: Int64) throws {
        guard case .entry(let n) = moment, n >= size else { return }
        throw StoreError(
            .invalidRequest,
            size == 0
                ? "--at \(n): the ledger has no entries yet"
                : "--at \(n) is after the last entry of the ledger (\(size - 1)); give an entry from 0 to \(size - 1), or leave out --at for the register as it stands")
    }

    /// The state of item `id` at `moment`, folded from its own events: nil when it was not
    /// registered by then.
    public func item(_ id: Int64, at moment: RegisterMoment) async throws -> ItemRecord? {
        try checkEntry(moment, size: try await ledgerSize())
        guard let now = try await item(id: id) else { return nil }
        return try await fold([now], at: moment, cache: DecodedEvents())[id] ?? nil
    }

    /// The state at `moment` of each of `items` (given as they are now), folded from its own
    /// events, by id (nil: not registered by then). The events are read in one go, and each
    /// only as far as its head (`LeafHead`), once across the items.
    func fold(_ items: [ItemRecord], at moment: RegisterMoment, cache: DecodedEvents) async throws -> [Int64: ItemRecord?] {
        let included = moment.filter
        let histories = try await historySeqs(itemIDs: items.map(\.id))
        var needed: [Int64] = []
        for r in items {
            for (seq, at) in histories[r.id] ?? [] where included(seq, at) && !cache.has(seq) { needed.append(seq) }
        }
        for r in try await events(seqs: needed) { cache.keep(r.seq, try LeafHead.event(r.leaf) ?? r.decoded()) }
        var out: [Int64: ItemRecord?] = [:]
        for r in items {
            var events: [(seq: Int64, event: Event)] = []
            for (seq, at) in histories[r.id] ?? [] where included(seq, at) {
                if let e = cache.event(seq) { events.append((seq, e)) }
            }
            out[r.id] = PastState.item(r.marking, events: events).map {
                ItemRecord(id: r.id, marking: r.marking, state: $0, registeredSeq: r.registeredSeq)
            }
        }
        return out
    }

    /// The holder tree at `moment`: the holders now, with the parents their moves gave them
    /// by then and closed only if closed by then. (A holder added later holds nothing then;
    /// it stays in the tree, empty.) Names are those of now.
    public func holderTree(at moment: RegisterMoment) async throws -> [String: Holder] {
        var tree = try await holderTree()
        var changes: [(seq: Int64, event: Event)] = []
        for kind in [EventKind.holderClose, .holderMove] { try await eachRecorded(of: kind) { changes.append(($0, $1)) } }
        try await past(&tree, changes: changes, at: moment)
        return tree
    }

    /// `holder` at `moment`: its parent then and whether it was closed by then.
    func pastHolder(_ holder: Holder, at moment: RegisterMoment) async throws -> Holder {
        var tree = [holder.code: holder]
        var changes: [(seq: Int64, event: Event)] = []
        for kind in [EventKind.holderClose, .holderMove] {
            for r in try await searchEvents(EventQuery(kind: kind, holder: holder.code, limit: 1000)).elements {
                changes.append((r.seq, try r.decoded()))
            }
        }
        try await past(&tree, changes: changes, at: moment)
        return tree[holder.code]!
    }

    /// Sets the holders of `tree` as `changes` (closes and moves, any holders') left them at
    /// `moment`: closed only if closed by then; a moved holder under the parent its add gave
    /// it, then its moves by then.
    private func past(_ tree: inout [String: Holder], changes: [(seq: Int64, event: Event)], at moment: RegisterMoment) async throws {
        let included = moment.filter
        for code in tree.keys { tree[code]!.closed = false }
        var parents: [String: String?] = [:]
        for (seq, e) in changes.sorted(by: { $0.seq < $1.seq }) {
            guard let code = e.holder?.code, tree[code] != nil else { continue }
            if e.kind == .holderClose {
                if included(seq, e.occurredAt) { tree[code]!.closed = true }
                continue
            }
            if parents[code] == nil {
                let add = try await searchEvents(EventQuery(kind: .holderAdd, holder: code, limit: 1)).elements.first
                parents[code] = .some(try add.flatMap { try $0.decoded().holder?.parent })
            }
            if included(seq, e.occurredAt) { parents[code] = .some(e.holder?.parent) }
        }
        for (code, parent) in parents { tree[code]!.parent = parent }
    }

    /// What `code` (and, when `recursive`, everything below it then) physically had at
    /// `moment`: nil when there is no such holder. The items there now and those moved by
    /// the events after the moment that name these holders are folded from their own
    /// events; the lot balances are those of now less what those events changed.
    public func holdings(of code: String, recursive: Bool, at moment: RegisterMoment) async throws -> Holdings? {
        try checkEntry(moment, size: try await ledgerSize())
        let tree: [String: Holder]
        if recursive {
            tree = try await holderTree(at: moment)
        } else {
            guard let now = try await holder(code: code) else { return nil }
            tree = [code: try await pastHolder(now, at: moment)]
        }
        guard let holder = tree[code] else { return nil }
        if let add = try await searchEvents(EventQuery(kind: .holderAdd, holder: code, limit: 1)).elements.first {
            let e = try add.decoded()
            guard moment.includes(seq: add.seq, occurredAt: e.occurredAt) else {
                throw StoreError(
                    .invalidRequest,
                    "holder \(code) was added at \(e.occurredAt) (entry \(add.seq)), after \(moment); give a later moment")
            }
        }
        let codes = RegisterCounts.holdingsOrder(of: code, in: tree, recursive: recursive)
        let inSet = Set(codes)
        // What these holders have now, holder by holder.
        var itemsNow: [Holdings.Item] = []
        var lotsNow: [Holdings.Lot] = []
        for c in codes {
            var offset = 0
            while true {
                let page = try await items(heldBy: c, limit: 1000, offset: offset)
                itemsNow += page.map {
                    Holdings.Item(
                        id: $0.id, holder: c, marking: $0.marking, status: $0.state.status, condition: $0.state.condition,
                        dueBack: $0.state.dueBack)
                }
                guard page.count == 1000 else { break }
                offset += 1000
            }
            lotsNow += try await lots(heldBy: c).map { Holdings.Lot(holder: c, marking: $0.marking, quantity: $0.quantity) }
        }
        // The events after the moment that name these holders: what they moved.
        let included = moment.filter
        let cache = DecodedEvents()
        var after: [(seq: Int64, event: Event)] = []
        var seen: Set<Int64> = []
        var lotChange: [LotHolderKey: Int64] = [:]
        var from: Int64?
        if case .entry(let n) = moment { from = n + 1 }
        for c in codes {
            var cursor: String?
            repeat {
                let page = try await searchEvents(EventQuery(holder: c, fromSeq: from, limit: 1000, cursor: cursor))
                for r in page.elements where seen.insert(r.seq).inserted {
                    // Its head says whether it is after the moment; only those are read whole.
                    if let head = LeafHead.event(r.leaf), included(r.seq, head.occurredAt) {
                        cache.keep(r.seq, head)
                        continue
                    }
                    let e = try r.decoded()
                    cache.keep(r.seq, e)
                    guard !included(r.seq, e.occurredAt), EventKind.custodyKinds.contains(e.kind), e.kind != .correction else { continue }
                    after.append((r.seq, e))
                    for change in PastState.lotChanges(e) where inSet.contains(change.holder) {
                        lotChange[LotHolderKey(lot: change.lot, holder: change.holder), default: 0] += change.change
                    }
                }
                cursor = page.nextCursor
            } while cursor != nil
        }
        // An item they moved was theirs at the moment only if the first of these events to
        // move it took it from one of them: an item held there leaves by an event that names
        // its holder as `from`, and one that arrives later names them as `to`.
        after.sort { $0.seq < $1.seq }
        var touched: Set<ItemIdentity> = []
        var candidates: [ItemIdentity] = []
        for (_, e) in after {
            let identities = e.items.compactMap(\.identity) + e.registrations.map(\.identity)
            for identity in identities where touched.insert(identity).inserted {
                if let f = e.from, inSet.contains(f) { candidates.append(identity) }
            }
        }
        // Items: those untouched keep their state of now; the candidates are folded.
        var items: [Holdings.Item] = itemsNow.filter { !touched.contains($0.marking.identity) }
        let wanted = Set(candidates)
        let records = try await self.items(serials: candidates.map(\.serial)).filter { wanted.contains($0.marking.identity) }
        for case let past? in try await fold(records, at: moment, cache: cache).values {
            guard let h = past.state.holder, inSet.contains(h) else { continue }
            items.append(
                Holdings.Item(
                    id: past.id, holder: h, marking: past.marking, status: past.state.status, condition: past.state.condition,
                    dueBack: past.state.dueBack))
        }
        // Lots: the balances of now less what happened since.
        var balances: [LotHolderKey: Int64] = [:]
        var markings: [Reconciliation.LotKey: LotMarking] = [:]
        for l in lotsNow {
            let key = Reconciliation.LotKey(manufacturer: l.marking.manufacturer, lot: l.marking.lot)
            balances[LotHolderKey(lot: key, holder: l.holder), default: 0] += l.quantity
            markings[key] = l.marking
        }
        for (key, change) in lotChange { balances[key, default: 0] -= change }
        let unknown = Set(balances.keys.map(\.lot).filter { markings[$0] == nil })
        if !unknown.isEmpty {
            for l in try await lots(numbers: Array(Set(unknown.map(\.lot))).sorted()) {
                markings[Reconciliation.LotKey(manufacturer: l.marking.manufacturer, lot: l.marking.lot)] = l.marking
            }
        }
        let lots = balances.compactMap { key, q -> Holdings.Lot? in
            guard q > 0, let m = markings[key.lot] else { return nil }
            return Holdings.Lot(holder: key.holder, marking: m, quantity: q)
        }
        return RegisterCounts.holdings(holder: holder, order: codes, items: items, lots: lots)
    }

    /// What `code` (and below it) held in a replayed register: the same shape as `holdings`
    /// (holder names are those of now: a person's name is kept beside the ledger, not in it).
    public func holdings(of code: String, recursive: Bool, in replay: RegisterReplay) async throws -> Holdings? {
        let tree = replay.holders
        guard var holder = tree[code] else { return nil }
        if let now = try await self.holder(code: code) { holder.name = now.name }
        let codes = RegisterCounts.holdingsOrder(of: code, in: tree, recursive: recursive)
        let inSet = Set(codes)
        let items = replay.items.compactMap { r -> Holdings.Item? in
            guard let h = r.state.holder, inSet.contains(h) else { return nil }
            return Holdings.Item(
                id: r.id, holder: h, marking: r.marking, status: r.state.status, condition: r.state.condition, dueBack: r.state.dueBack)
        }
        let lots = replay.lotBalances.filter { inSet.contains($0.holder) }.map {
            Holdings.Lot(holder: $0.holder, marking: $0.lot.marking, quantity: $0.quantity)
        }
        return RegisterCounts.holdings(holder: holder, order: codes, items: items, lots: lots)
    }

    /// Counts at `moment`, inside `scope`, from a replay of the ledger.
    public func summary(scope: HolderScope, at moment: RegisterMoment) async throws -> (summary: Summary, replay: RegisterReplay) {
        var events: Int64 = 0
        let replay = try await replay(to: moment) { _, e in
            if scope.isEverything {
                events += 1
            } else if [e.from, e.to, e.holder?.code, e.holder?.parent].contains(where: { $0.map(scope.contains) == true }) {
                events += 1
            }
        }
        let holders = replay.holders
        var tally = RegisterCounts.ItemTally(holders: holders, scope: scope)
        for r in replay.items {
            tally.add(
                category: r.marking.category.rawValue, status: r.state.status.rawValue, condition: r.state.condition.rawValue,
                holder: r.state.holder, account: r.state.account, count: 1)
        }
        var s = tally.summary
        s.events = events
        if scope.isEverything {
            s.lots = Int64(replay.lotCount)
        } else {
            s.holders = Int64(holders.keys.filter(scope.contains).count)
            s.lots = Int64(Set(replay.lotBalances.filter { scope.contains($0.holder) }.map(\.lot.id)).count)
        }
        return (s, replay)
    }

    /// The alerts at `moment` of the pack in force then, judged against the register as it
    /// was then (from a replay); those a reader of `scope` may see. An entry is judged at the
    /// time of the latest event by then.
    public func alerts(at moment: RegisterMoment, scope: HolderScope) async throws -> (alerts: [Alert], time: String, replay: RegisterReplay) {
        var replay = try await replay(to: moment)
        let time = moment.time ?? replay.latestTime ?? "1970-01-01T00:00:00Z"
        let pack = replay.pack
        var inputs = AlertInputs(holders: replay.holders)
        inputs.items = replay.items.map {
            AlertItem(
                record: $0, registeredAt: replay.registeredAt[$0.id] ?? time, lastEventAt: replay.lastEventAt[$0.id] ?? time)
        }
        inputs.dispatches = replay.openDispatches
        inputs.losses = replay.losses
        inputs.waivers = replay.waivers
        inputs.closedAt = replay.closedAt
        let all = Alerts.evaluate(pack, inputs, at: time)
        guard !scope.isEverything else { return (all, time, replay) }
        return (all.filter { $0.holders.contains(where: scope.codes.contains) }, time, replay)
    }
}

/// Events read once for one answer, by sequence number: whole, or only their heads
/// (`LeafHead`: what they do to any one item they name) for folding items.
final class DecodedEvents {
    private var heads: [Int64: Event] = [:]

    /// Keeps an event read whole or its head (a whole event serves as its head).
    func keep(_ seq: Int64, _ event: Event) { heads[seq] = event }
    func has(_ seq: Int64) -> Bool { heads[seq] != nil }
    func event(_ seq: Int64) -> Event? { heads[seq] }
}

extension RegisterCounts {
    /// A holding in the order `holdings` gives: holder by holder in `order`, items by
    /// category, manufacturer, model and serial, lots by number and manufacturer.
    package static func holdings(holder: Holder, order: [String], items: [Holdings.Item], lots: [Holdings.Lot]) -> Holdings {
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($0.element, $0.offset) })
        let sortedItems = items.sorted {
            let a = $0.marking
            let b = $1.marking
            return (rank[$0.holder] ?? 0, a.category.rawValue, a.manufacturer, a.model, a.serial)
                < (rank[$1.holder] ?? 0, b.category.rawValue, b.manufacturer, b.model, b.serial)
        }
        let sortedLots = lots.sorted {
            (rank[$0.holder] ?? 0, $0.marking.lot, $0.marking.manufacturer) < (rank[$1.holder] ?? 0, $1.marking.lot, $1.marking.manufacturer)
        }
        return Holdings(holder: holder, items: sortedItems, lots: sortedLots)
    }
}
