/// The whole register at a past moment, replayed from the ledger's events by the custody
/// engine itself, in memory: the same rules that built the state now build the state then.
///
/// Feed it every entry in ledger order (`add`); those the moment leaves out are passed over.
/// For `RegisterMoment.entry` this is a prefix of the ledger and every event fits. For
/// `RegisterMoment.time`, an event that happened by then but was recorded after one that
/// happened later may not fit the state without it: it is left out too and counted in
/// `leftOut`, so a reader is told.
public struct RegisterReplay {
    public let moment: RegisterMoment
    var engine: CustodyEngine
    let included: @Sendable (Int64, String) -> Bool
    /// Entries applied.
    public private(set) var applied = 0
    /// Entries of the moment that did not fit the state replayed so far, by sequence number.
    public private(set) var leftOut: [Int64] = []
    /// The latest `occurredAt` among the entries applied (nil: none).
    public private(set) var latestTime: String?
    /// The earliest `occurredAt` of any entry fed (nil: none).
    public private(set) var earliestTime: String?
    /// When each item was registered and when its last applied event happened, by item id.
    public private(set) var registeredAt: [Int64: String] = [:]
    public private(set) var lastEventAt: [Int64: String] = [:]
    /// Losses and thefts applied: the holder each left and when.
    public private(set) var losses: [(from: String, at: String)] = []
    public private(set) var waivers: [AlertWaiver] = []
    /// When each holder closed by then was closed.
    public private(set) var closedAt: [String: String] = [:]
    /// When each dispatch applied happened, by its sequence number.
    var dispatchedAt: [Int64: String] = [:]

    public init(to moment: RegisterMoment) {
        self.moment = moment
        engine = CustodyEngine(loader: EmptyStateLoader(), holders: [:], nextSeq: 0, nextItemID: 1, nextLotID: 1)
        included = moment.filter
    }

    /// The sequence number `add` expects next.
    public var nextSeq: Int64 { engine.nextSeq }

    /// Takes the ledger's next entry; true when it was applied (part of the moment, and fits).
    @discardableResult
    public mutating func add(seq: Int64, event: Event) -> Bool {
        precondition(seq == engine.nextSeq, "entries are fed in ledger order")
        if earliestTime.map({ event.occurredAt < $0 }) ?? true { earliestTime = event.occurredAt }
        guard included(seq, event.occurredAt) else {
            engine.passOver(registering: event.kind == .register ? event.registrations.count : 0)
            return false
        }
        let result: AppliedEvent
        do {
            result = try engine.apply(event)
        } catch {
            leftOut.append(seq)
            engine.passOver(registering: event.kind == .register ? event.registrations.count : 0)
            return false
        }
        applied += 1
        let at = event.occurredAt
        if latestTime.map({ at > $0 }) ?? true { latestTime = at }
        for id in result.itemIDs {
            lastEventAt[id] = at
            if event.kind == .register, registeredAt[id] == nil { registeredAt[id] = at }
        }
        switch event.kind {
        case .loss, .theft: if let from = event.from { losses.append((from, at)) }
        case .alertWaiver: if let w = event.waiver { waivers.append(w) }
        case .holderClose: if let code = event.holder?.code { closedAt[code] = at }
        case .dispatch: dispatchedAt[seq] = at
        default: break
        }
        return true
    }

    // MARK: What the register held then

    public var holders: [String: Holder] { engine.holders }

    /// Every item registered by then, in its state then, by id.
    public var items: [ItemRecord] { engine.items.values.sorted { $0.id < $1.id } }

    /// Every positive lot balance then: the lot, the holder and the quantity.
    public var lotBalances: [(lot: LotRecord, holder: String, quantity: Int64)] {
        var lots: [Int64: LotRecord] = [:]
        for list in engine.lotsByNumber.values { for l in list { lots[l.id] = l } }
        return engine.balances.compactMap { key, quantity in
            guard quantity > 0, let lot = lots[key.lot] else { return nil }
            return (lot, key.holder, quantity)
        }
    }

    /// How many lots were registered by then.
    public var lotCount: Int { engine.lotsByNumber.values.reduce(0) { $0 + $1.count } }

    /// The dispatches open then, with what was still in transit on each.
    public var openDispatches: [DispatchView] {
        var lots: [Int64: LotMarking] = [:]
        for list in engine.lotsByNumber.values { for l in list { lots[l.id] = l.marking } }
        return engine.dispatches.values.compactMap { $0 }.filter(\.isOpen).sorted { $0.seq < $1.seq }.map { d in
            DispatchView(
                document: d.document, seq: d.seq, from: d.from, to: d.to, occurredAt: dispatchedAt[d.seq],
                itemsInTransit: d.itemsInTransit,
                lotsInTransit: d.lotsInTransit.compactMap { id, q in
                    guard q > 0, let m = lots[id] else { return nil }
                    return LotQuantity(marking: m, quantity: q)
                }.sorted { ($0.marking.lot, $0.marking.manufacturer) < ($1.marking.lot, $1.marking.manufacturer) },
                lastReceivedAt: d.lastReceivedAt)
        }
    }

    /// The pack in force then.
    public var pack: PolicyPack {
        mutating get { (try? engine.policyInForce()) ?? .standard }
    }
}
