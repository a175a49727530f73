/// The register at an earlier ledger position, folded from the events themselves: what a
/// stocktake expected when it opened, for the items and lots that moved since.
public enum PastState {
    /// The state of an item just before event `seq`, from its events in ledger order (nil:
    /// it was not registered yet). Events the rules would refuse are not in a ledger; one
    /// that did not fit would leave the state as it was.
    public static func item(_ marking: ItemMarking, events: [(seq: Int64, event: Event)], before seq: Int64) -> ItemState? {
        item(marking, events: events.filter { $0.seq < seq })
    }

    /// The state of an item at `moment`, from its events in ledger order (nil: it was not
    /// registered by then).
    public static func item(_ marking: ItemMarking, events: [(seq: Int64, event: Event)], at moment: RegisterMoment) -> ItemState? {
        let included = moment.filter
        return item(marking, events: events.filter { included($0.seq, $0.event.occurredAt) })
    }

    /// The state after all of `events` (an item's, in ledger order; nil: none registered it).
    public static func item(_ marking: ItemMarking, events: [(seq: Int64, event: Event)]) -> ItemState? {
        var state: ItemState?
        for (s, e) in events {
            if e.kind == .register {
                state = ItemState(
                    status: .held, holder: e.to, account: e.to, condition: e.condition ?? .serviceable, lastSeq: s)
                continue
            }
            guard let current = state, EventKind.custodyKinds.contains(e.kind), e.kind != .correction else { continue }
            let record = ItemRecord(id: 0, marking: marking, state: current, registeredSeq: 0)
            state = (try? CustodyEngine.transition(record, event: e, field: "", seq: s)) ?? current
        }
        return state
    }

    /// What an event does to lot balances: each (holder, lot, change). A quantity in transit,
    /// missing or gone is on no holder's balance.
    public static func lotChanges(_ event: Event) -> [(holder: String, lot: Reconciliation.LotKey, change: Int64)] {
        if event.kind == .register {
            guard let to = event.to else { return [] }
            return event.lotRegistrations.map { (to, Reconciliation.LotKey(manufacturer: $0.marking.manufacturer, lot: $0.marking.lot), $0.quantity) }
        }
        var takes = false
        var gives = false
        switch event.kind {
        case .issue, .return, .maintenanceOut, .maintenanceIn: (takes, gives) = (true, true)
        case .dispatch, .loss, .theft, .expend, .destroy, .export: takes = true
        case .receive, .recovery: gives = true
        case .surrender: (takes, gives) = (event.from != nil, true)
        default: return []
        }
        var out: [(String, Reconciliation.LotKey, Int64)] = []
        for ref in event.lots {
            let key = Reconciliation.LotKey(manufacturer: ref.manufacturer ?? "", lot: ref.lot)
            if takes, let from = event.from { out.append((from, key, -ref.quantity)) }
            if gives, let to = event.to { out.append((to, key, ref.quantity)) }
        }
        return out
    }
}
