/// The custody rules: applies events one by one to the state, refusing any that does not
/// fit, and collects the state rows that changed.
///
/// Pure: it reads state through a `StateLoader` and keeps what it changed in memory until
/// the store takes it with `takeChanges()`. A refused event changes nothing.
///
/// Not generic over its loader: the store calls it from another module, where a generic
/// engine would run unspecialised, paying for metadata lookups on every dictionary access.
public struct CustodyEngine {
    public private(set) var nextSeq: Int64
    public private(set) var nextItemID: Int64
    public private(set) var nextLotID: Int64
    public private(set) var holders: [String: Holder]
    let loader: any StateLoader

    var items: [Int64: ItemRecord] = [:]
    /// The state the store holds for each item changed since the last `takeChanges`, taken
    /// before its first change: what the store must update (see `ItemStateColumns`).
    var storedStates: [Int64: ItemState] = [:]
    /// Items held per holder and category, for the holders the separation rule asked about:
    /// read from the store once, then kept by every change applied (see `heldCount`).
    var heldCounts: [HeldKey: Int] = [:]
    var serialIndex: [SerialKey: [Int64]] = [:]
    /// Items from this id on were registered since the last `takeChanges`: the store does
    /// not hold them yet.
    var firstUnwrittenItemID: Int64
    /// True when the store held no item when the engine was made (ids start at 1 and are
    /// never deleted): an item then exists only if this engine registered it, and
    /// `registeredKeys` answers a look-up of any other marking without the store.
    let storeHadNoItems: Bool
    /// The hash of the serial key of every item this engine registered, while
    /// `storeHadNoItems`: a compact record that outlives the dropped cache. A hash shared by
    /// two keys only costs a read from the store.
    var registeredKeys: Set<Int> = []
    var lotsByNumber: [String: [LotRecord]] = [:]
    var balances: [LotHolder: Int64] = [:]
    var missing: [Int64: Int64] = [:]
    var dispatches: [String: DispatchRecord?] = [:]

    var newItemIDs: [Int64] = []
    var dirtyItems: Set<Int64> = []
    var newLots: [LotRecord] = []
    var dirtyBalances: Set<LotHolder> = []
    var dirtyMissing: Set<Int64> = []
    var newDispatches: [String] = []
    var dirtyDispatches: Set<String> = []
    var newHolders: [String] = []
    var newHolderSeqs: [String: Int64] = [:]
    var dirtyHolders: Set<String> = []
    var users: [String: UserRecord?] = [:]
    var tokens: [String: APITokenRecord?] = [:]
    var newUsers: [String] = []
    var dirtyUsers: Set<String> = []
    var newTokens: [String] = []
    var dirtyTokens: Set<String> = []

    /// The rules of new input; nil while a ledger is replayed (see `Admission`). The store
    /// sets it per append, or per request of a group commit.
    public var admission: Admission? {
        didSet { lastTimeAdmitted = nil }
    }
    /// The look-alike key of each item registered since the last `takeChanges`, in the order
    /// of `newItemIDs`.
    var newItemKeys: [String] = []
    /// The hash of the look-alike key of every item registered by this engine: a key not in
    /// it was not registered here (a hash shared by two keys costs only a scan of the
    /// unwritten ones).
    var registeredSerialKeys: Set<Int> = []
    /// The last `occurredAt` found within the admission's time window (a bulk import gives
    /// every row the same).
    var lastTimeAdmitted: String?
    /// Confirmations consumed since the last `takeChanges`.
    var newConfirmations: [UsedConfirmation] = []
    var usedConfirmationIDs: Set<String> = []
    /// Events a scoped recorder wrote since the last `takeChanges`, for corrections of
    /// events not yet written (see `remember`).
    var recentEvents: [Int64: Event] = [:]
    /// The look-alike keys of holder codes (`Identifier.codeKeys`) and of user codes, built
    /// on first need and kept current.
    var holderCodeKeys: [String: String]?
    var userCodeKeys: [String: String]?
    /// Holder codes by their lower-case form, built on first need: new input may name a
    /// holder in any case.
    var holderCodesByCase: [String: String]?
    /// The policy pack in force and the authorisations recorded, read on first need and
    /// kept current by the control events this engine applies.
    var pack: PolicyPack?
    var grants: [Authorisation]?
    /// The children of each holder, built on first need (the separation rule counts what a
    /// site's subtree holds); dropped when the tree changes.
    var childrenIndex: [String: [String]]?
    /// Every stocktake, read on first need and kept current (see `CustodyEngine+Stocktake`).
    var stocktakes: [Int64: StocktakeState]?
    /// The sample plans applied by this engine, by sequence number: their holder (nil: the
    /// whole register). Those recorded before are read from the ledger.
    var samplePlans: [Int64: String?] = [:]

    /// - Parameters:
    ///   - holders: every holder, by code.
    ///   - nextSeq: the sequence number the next event will get (the ledger's size).
    public init(loader: any StateLoader, holders: [String: Holder], nextSeq: Int64, nextItemID: Int64, nextLotID: Int64) {
        self.loader = loader
        self.holders = holders
        self.nextSeq = nextSeq
        self.nextItemID = nextItemID
        self.nextLotID = nextLotID
        firstUnwrittenItemID = nextItemID
        storeHadNoItems = nextItemID == 1
    }

    /// Passes over the next ledger entry without applying it (a replay of the register at a
    /// past moment leaves out what had not happened yet): its sequence number is used, and
    /// so are the item ids its registrations took in the ledger.
    mutating func passOver(registering items: Int) {
        nextSeq += 1
        nextItemID += Int64(items)
    }

    /// How many records the engine holds in memory (items, lots, balances, dispatches, users,
    /// tokens): those read since the cache was last dropped, and those created since the
    /// last `takeChanges`. The store drops the cache (`takeChanges(dropCache: true)`) past a
    /// limit of its own.
    public var cachedRecords: Int {
        items.count + lotsByNumber.count + balances.count + missing.count + dispatches.count + users.count + tokens.count
    }

    /// Applies one event, or refuses it and changes nothing.
    ///
    /// With an `admission` (new input), the event is first authorised against the state as
    /// it stands before it (see `CustodyEngine+Admission.swift`): anything outside the
    /// recorder's scope is refused exactly as if it did not exist.
    ///
    /// - Parameters:
    ///   - normalized: `input` is already `normalizedText()` (prepared ahead).
    ///   - confirmations: the second people's proven consents to this event.
    public mutating func apply(_ input: Event, normalized: Bool = false, confirmations: [Confirmation] = []) throws
        -> AppliedEvent
    {
        var event = normalized ? input : input.normalizedText()
        let seq = nextSeq
        if let admission { try admit(&event, admission) }
        if event.kind.isHolderChange {
            if admission != nil { try authorizeHolderChange(event) }
            let name = try applyHolderChange(&event)
            remember(event, seq: seq)
            nextSeq += 1
            return AppliedEvent(seq: seq, event: event, itemIDs: [], lotIDs: [], privateName: name)
        }
        if event.kind.isControl {
            try applyControl(event)
            remember(event, seq: seq)
            nextSeq += 1
            return AppliedEvent(seq: seq, event: event, itemIDs: [], lotIDs: [], privateName: nil)
        }
        if event.kind.isUserChange {
            if admission != nil { try authorizeUserChange(event) }
            try applyUserChange(&event)
            remember(event, seq: seq)
            nextSeq += 1
            return AppliedEvent(seq: seq, event: event, itemIDs: [], lotIDs: [], privateName: nil)
        }
        if event.kind == .correction {
            if admission?.authority.isScoped == true {
                try authorizeCorrection(event, seq: seq)
            } else if event.corrects.map({ $0 >= seq }) ?? true {
                throw CustodyViolation(
                    "corrects", "no event \(event.corrects ?? -1) exists yet; the ledger has \(seq) events (0–\(seq - 1))")
            }
            remember(event, seq: seq)
            nextSeq += 1
            return AppliedEvent(seq: seq, event: event, itemIDs: [], lotIDs: [], privateName: nil)
        }
        if event.kind.isStocktake || event.kind.isSampling {
            let ids = event.kind.isSampling ? try applySampling(&event, seq: seq) : try applyStocktakeFrame(&event, seq: seq)
            remember(event, seq: seq)
            nextSeq += 1
            return AppliedEvent(seq: seq, event: event, itemIDs: ids, lotIDs: [], privateName: nil)
        }
        let scoped = admission?.authority.isScoped == true
        let stocktake = event.kind == .count && event.stocktake != nil ? try admitStocktakeCount(event) : nil
        // A scoped receive may name a sender outside the scope: it is compared with the
        // dispatch below, which says the same whether or not that holder exists.
        if let from = event.from, !(scoped && event.kind == .receive && !inScope(from)) {
            _ = try holder(from, field: "from", receiving: false)
        }
        let to = try event.to.map { try holder($0, field: "to", receiving: true) }
        if event.kind == .export, to?.kind != .external {
            throw CustodyViolation(
                "to",
                "\(event.to ?? "") is \(article((to?.kind.rawValue ?? "holder"))) \(to?.kind.rawValue ?? "holder"); an export goes to an external holder"
            )
        }
        if admission?.requiresProof != true {
            for (n, code) in event.confirmedBy.enumerated() where holders[code] == nil {
                throw CustodyViolation("confirmedBy[\(n)]", "unknown code \(code)")
            }
        }
        for (n, code) in event.witnesses.enumerated() where holders[code] == nil {
            throw CustodyViolation("witnesses[\(n)]", "unknown code \(code)")
        }

        var dispatch: DispatchRecord?
        if event.kind == .dispatch, let doc = event.document {
            if let existing = try lookupDispatch(doc) {
                if scoped, !inScope(existing.from), !inScope(existing.to) {
                    throw CustodyViolation(
                        "document", "a dispatch with document \(doc) already exists; each dispatch needs its own document number")
                }
                throw CustodyViolation(
                    "document",
                    "dispatch \(doc) already exists (event \(existing.seq)); each dispatch needs its own document number")
            }
            dispatch = DispatchRecord(
                document: doc, seq: seq, from: event.from!, to: event.to!, itemsInTransit: 0, lotsInTransit: [:])
        } else if event.kind == .receive, let doc = event.document {
            guard let open = try lookupDispatch(doc), !scoped || inScope(open.to) else { throw Self.unknownDispatch(doc) }
            guard open.to == event.to else {
                throw CustodyViolation("to", "dispatch \(doc) was sent to \(open.to), not \(event.to ?? "")")
            }
            if let f = event.from, f != open.from {
                throw CustodyViolation("from", "dispatch \(doc) was sent from \(open.from), not \(f)")
            }
            dispatch = open
        }

        // Items: compute every new state first; commit only when all fit.
        var updated: [ItemRecord] = []
        var created: [ItemRecord] = []
        var createdKeys: [String] = []
        if event.kind == .register {
            var seen: Set<ItemIdentity> = []
            for (n, marking) in event.registrations.enumerated() {
                let existing = try candidates(SerialKey(manufacturer: marking.manufacturer, serial: marking.serial))
                if let twin = existing.first(where: { $0.marking.model == marking.model }) {
                    let state = scoped && !visible(twin, event: event) ? "" : " (\(twin.state.status.rawValue))"
                    throw CustodyViolation(
                        "items[\(n)]", "\(marking.label) is already registered\(state); an item is registered once")
                }
                guard seen.insert(marking.identity).inserted else {
                    throw CustodyViolation("items[\(n)]", "\(marking.label) is listed twice in this event")
                }
                let key = Identifier.serialKey(marking.serial)
                if admission != nil, !event.distinct {
                    try refuseLookAlike(marking, key: key, field: "items[\(n)]", event: event, alsoAgainst: created)
                }
                let state = ItemState(
                    status: .held, holder: event.to, account: event.to, condition: event.condition ?? .serviceable, lastSeq: seq)
                created.append(
                    ItemRecord(id: nextItemID + Int64(created.count), marking: marking, state: state, registeredSeq: seq))
                createdKeys.append(key)
            }
        } else {
            for (n, ref) in event.items.enumerated() {
                var record = try resolve(ref, field: "items[\(n)]", scopedFor: scoped ? event : nil)
                if updated.contains(where: { $0.id == record.id }) {
                    throw CustodyViolation("items[\(n)]", "\(record.marking.label) is listed twice in this event")
                }
                if let stocktake { try checkCounted(record, in: stocktake, field: "items[\(n)]") }
                record.state = try Self.transition(record, event: event, field: "items[\(n)]", seq: seq)
                updated.append(record)
            }
        }

        // Lots.
        var lotDeltas: [LotHolder: Int64] = [:]
        var missingDeltas: [Int64: Int64] = [:]
        var transitDeltas: [Int64: Int64] = [:]
        var createdLots: [LotRecord] = []
        var lotIDs: [Int64] = []
        if event.kind == .register {
            for (n, registration) in event.lotRegistrations.enumerated() {
                let field = "lots[\(n)]"
                let known = try lotCandidates(registration.marking.lot).filter {
                    $0.marking.manufacturer == registration.marking.manufacturer
                }
                let lot: LotRecord
                if let existing = known.first {
                    guard existing.marking == registration.marking else {
                        throw CustodyViolation(
                            field,
                            "lot \(registration.marking.lot) of \(registration.marking.manufacturer) is registered with other details (\(existing.marking.calibre), \(existing.marking.type)); check the lot's calibre, type and year"
                        )
                    }
                    lot = existing
                } else if let pending = createdLots.first(where: {
                    $0.marking.lot == registration.marking.lot && $0.marking.manufacturer == registration.marking.manufacturer
                }) {
                    guard pending.marking == registration.marking else {
                        throw CustodyViolation(
                            field,
                            "lot \(registration.marking.lot) of \(registration.marking.manufacturer) is listed earlier in this event with other details; one lot has one calibre, type and year"
                        )
                    }
                    lot = pending
                } else {
                    lot = LotRecord(id: nextLotID + Int64(createdLots.count), marking: registration.marking, registeredSeq: seq)
                    createdLots.append(lot)
                }
                lotDeltas[LotHolder(lot: lot.id, holder: event.to!), default: 0] += registration.quantity
                lotIDs.append(lot.id)
            }
        } else {
            for (n, ref) in event.lots.enumerated() {
                let field = "lots[\(n)]"
                if event.kind == .condition || event.kind == .deactivate {
                    throw CustodyViolation(
                        field, "\(article(event.kind.rawValue)) \(event.kind.rawValue) applies to items, not to lots")
                }
                let lot = try scoped ? resolveScopedLot(ref, field: field, event: event, dispatch: dispatch) : resolveLot(ref, field: field)
                lotIDs.append(lot.id)
                let name = "lot \(lot.marking.lot)"
                func take(from holder: String) throws {
                    let key = LotHolder(lot: lot.id, holder: holder)
                    let available = try balance(key) + (lotDeltas[key] ?? 0)
                    guard available >= ref.quantity else {
                        throw CustodyViolation(
                            "\(field).quantity",
                            "\(holder) holds \(available) of \(name), fewer than \(ref.quantity); a balance never goes negative",
                            rule: CustodyRule.balance.rawValue)
                    }
                    lotDeltas[key, default: 0] -= ref.quantity
                }
                func give(to holder: String) { lotDeltas[LotHolder(lot: lot.id, holder: holder), default: 0] += ref.quantity }
                switch event.kind {
                case .issue, .return, .maintenanceOut, .maintenanceIn:
                    try take(from: event.from!)
                    give(to: event.to!)
                case .dispatch:
                    try take(from: event.from!)
                    transitDeltas[lot.id, default: 0] += ref.quantity
                case .receive:
                    let inTransit = (dispatch?.lotsInTransit[lot.id] ?? 0) + (transitDeltas[lot.id] ?? 0)
                    guard inTransit >= ref.quantity else {
                        throw CustodyViolation(
                            "\(field).quantity",
                            "dispatch \(event.document!) has \(inTransit) of \(name) in transit, fewer than \(ref.quantity) received"
                        )
                    }
                    transitDeltas[lot.id, default: 0] -= ref.quantity
                    give(to: event.to!)
                case .loss, .theft:
                    try take(from: event.from!)
                    missingDeltas[lot.id, default: 0] += ref.quantity
                case .recovery, .surrender:
                    // A recovery brings back missing quantities; a surrender takes them from
                    // `from` when named (handed in by a holder), else from the missing ones.
                    if event.kind == .surrender, let f = event.from {
                        try take(from: f)
                    } else {
                        let lost = try missingQuantity(lot.id) + (missingDeltas[lot.id] ?? 0)
                        guard lost >= ref.quantity else {
                            throw CustodyViolation(
                                "\(field).quantity",
                                "only \(lost) of \(name) are reported missing, fewer than \(ref.quantity); \(article(event.kind.rawValue)) \(event.kind.rawValue) without from brings back missing quantities"
                            )
                        }
                        missingDeltas[lot.id, default: 0] -= ref.quantity
                    }
                    give(to: event.to!)
                case .expend, .destroy:
                    // Expended and destroyed quantities leave the books; a named `to` (the
                    // destruction facility) records where, not a new balance.
                    try take(from: event.from!)
                case .export:
                    try take(from: event.from!)
                case .count:
                    break  // a count records what was found; it moves nothing
                case .condition, .deactivate, .register, .correction, .holderAdd, .holderRename, .holderMove, .holderClose,
                    .userAdd, .userChange, .userDisable, .tokenCreate, .tokenRevoke, .policySet, .authorisation, .alertWaiver,
                    .stocktakeOpen, .stocktakeClose, .stocktakeResolve, .samplePlan, .sampleFinding:
                    break
                }
            }
        }

        // The controls of the policy pack in force, on new input.
        if admission != nil, !(created.isEmpty && updated.isEmpty) {
            try checkPolicy(event, moved: event.kind == .register ? created : updated)
        }

        // The second person, where the event names one or needs one.
        var consumed: [UsedConfirmation] = []
        if let admission, admission.requiresProof {
            consumed = try checkConfirmations(
                event, confirmations, categories: (event.kind == .register ? created : updated).map(\.marking.category),
                admission: admission, seq: seq)
        }

        // Everything fits: commit.
        for use in consumed {
            usedConfirmationIDs.insert(use.id)
            newConfirmations.append(use)
        }
        for (var record, lookAlikeKey) in zip(created, createdKeys) {
            newItemKeys.append(lookAlikeKey)
            registeredSerialKeys.insert(lookAlikeKey.hashValue)
            record.state.lastSeq = seq
            countHeld(record.marking.category, from: nil, to: record.state)
            items[record.id] = record
            let key = SerialKey(manufacturer: record.marking.manufacturer, serial: record.marking.serial)
            serialIndex[key, default: []].append(record.id)
            if storeHadNoItems { registeredKeys.insert(key.hashValue) }
            newItemIDs.append(record.id)
        }
        nextItemID += Int64(created.count)
        for record in updated {
            if record.id < firstUnwrittenItemID, storedStates[record.id] == nil {
                storedStates[record.id] = items[record.id]!.state
            }
            countHeld(record.marking.category, from: items[record.id]?.state, to: record.state)
            items[record.id] = record
            dirtyItems.insert(record.id)
        }
        for lot in createdLots {
            lotsByNumber[lot.marking.lot, default: []].append(lot)
            newLots.append(lot)
        }
        nextLotID += Int64(createdLots.count)
        for (key, delta) in lotDeltas where delta != 0 {
            balances[key] = try balance(key) + delta
            dirtyBalances.insert(key)
        }
        for (lot, delta) in missingDeltas where delta != 0 {
            missing[lot] = try missingQuantity(lot) + delta
            dirtyMissing.insert(lot)
        }
        if var d = dispatch {
            if event.kind == .dispatch {
                d.itemsInTransit = Int64(updated.count)
                d.lotsInTransit = transitDeltas
                dispatches[d.document] = d
                newDispatches.append(d.document)
            } else {
                d.itemsInTransit -= Int64(updated.count)
                for (lot, delta) in transitDeltas { d.lotsInTransit[lot, default: 0] += delta }
                if event.kind == .receive { d.lastReceivedAt = max(d.lastReceivedAt ?? "", event.occurredAt) }
                dispatches[d.document] = d
                if !newDispatches.contains(d.document) { dirtyDispatches.insert(d.document) }
            }
        }

        // The recorded form names items by full identity.
        if event.kind != .register {
            event.items = updated.map {
                .marking(manufacturer: $0.marking.manufacturer, serial: $0.marking.serial, model: $0.marking.model)
            }
            event.lots = zip(event.lots, lotIDs).map { ref, id in
                let lot = lotRecord(id)
                return LotReference(
                    lot: ref.lot, manufacturer: lot?.marking.manufacturer ?? ref.manufacturer, quantity: ref.quantity)
            }
        }
        if stocktake != nil { noteCount(event, items: updated) }
        remember(event, seq: seq)
        nextSeq += 1
        let ids = event.kind == .register ? created.map(\.id) : updated.map(\.id)
        return AppliedEvent(seq: seq, event: event, itemIDs: ids, lotIDs: lotIDs, privateName: nil)
    }

    /// The new state of one item under an event, or the rule it breaks (each refusal with its
    /// `CustodyRule` code). Pure: the web form asks it about every item it lists.
    public static func transition(_ record: ItemRecord, event: Event, field: String, seq: Int64) throws -> ItemState {
        var s = record.state
        let label = record.marking.label
        let kind = event.kind.rawValue
        func describe() -> String {
            switch s.status {
            case .held: "held by \(s.holder ?? "?")"
            case .inTransit: "in transit on dispatch \(s.transit ?? "?")"
            case .missing: "missing"
            default: s.status.rawValue
            }
        }
        if s.status.isTerminal {
            throw CustodyViolation(
                field,
                "\(label) is \(describe()); \(article(s.status.rawValue)) \(s.status.rawValue) item accepts no further events",
                rule: CustodyRule.terminal.rawValue)
        }
        func requireHeld(by holder: String?) throws {
            guard s.status == .held else {
                throw CustodyViolation(
                    field, "\(label) is \(describe()); \(article(kind)) \(kind) needs it held\(holder.map { " by \($0)" } ?? "")",
                    rule: CustodyRule.notHeld.rawValue)
            }
            if let holder, s.holder != holder {
                throw CustodyViolation(
                    field, "\(label) is \(describe()), not by \(holder); \(article(kind)) \(kind) moves only what from holds",
                    rule: CustodyRule.heldByAnother.rawValue)
            }
        }
        switch event.kind {
        case .issue, .maintenanceOut:
            try requireHeld(by: event.from)
            s.holder = event.to
            s.dueBack = event.dueBack
        case .return, .maintenanceIn:
            try requireHeld(by: event.from)
            s.holder = event.to
            s.dueBack = nil
        case .dispatch:
            try requireHeld(by: event.from)
            s.status = .inTransit
            s.holder = nil
            s.dueBack = nil
            s.transit = event.document
        case .receive:
            guard s.status == .inTransit, s.transit == event.document else {
                throw CustodyViolation(
                    field, "\(label) is \(describe()); a receive takes only items in transit on dispatch \(event.document ?? "")",
                    rule: CustodyRule.notInTransit.rawValue)
            }
            s.status = .held
            s.holder = event.to
            s.account = event.to
            s.transit = nil
        case .condition:
            try requireHeld(by: event.from)
            guard let condition = event.condition else { throw CustodyViolation("condition", "missing; give the new condition") }
            s.condition = condition
        case .count:
            // A stocktake's count finds items anywhere under its holder (the engine checks
            // where); any other count, at the holder it names.
            try requireHeld(by: event.stocktake == nil ? event.from : nil)
            s.lastCounted = event.occurredAt
        case .loss, .theft:
            try requireHeld(by: event.from)
            s.status = .missing
            s.holder = nil
            s.dueBack = nil
        case .recovery:
            guard s.status == .missing else {
                throw CustodyViolation(
                    field, "\(label) is \(describe()); a recovery brings back only missing items", rule: CustodyRule.notMissing.rawValue)
            }
            s.status = .held
            s.holder = event.to
        case .surrender:
            if s.status == .missing {
                s.status = .held
                s.holder = event.to
            } else {
                guard s.status == .held else {
                    throw CustodyViolation(
                        field, "\(label) is \(describe()); a surrender takes items that are missing, or held by from",
                        rule: CustodyRule.notHeld.rawValue)
                }
                guard let from = event.from, s.holder == from else {
                    throw CustodyViolation(
                        field,
                        "\(label) is \(describe()); a surrender takes items that are missing, or held by from"
                            + (event.from == nil ? " (name from)" : ""), rule: CustodyRule.heldByAnother.rawValue)
                }
                s.holder = event.to
                s.dueBack = nil
            }
        case .expend:
            try requireHeld(by: event.from)
            s.status = .expended
            s.holder = nil
            s.dueBack = nil
        case .destroy:
            try requireHeld(by: event.from)
            s.status = .destroyed
            s.holder = nil
            s.dueBack = nil
        case .export:
            try requireHeld(by: event.from)
            s.status = .exported
            s.holder = nil
            s.dueBack = nil
        case .deactivate:
            try requireHeld(by: event.from)
            s.status = .deactivated
            s.dueBack = nil
        case .register, .correction, .holderAdd, .holderRename, .holderMove, .holderClose, .userAdd, .userChange,
            .userDisable, .tokenCreate, .tokenRevoke, .policySet, .authorisation, .alertWaiver, .stocktakeOpen, .stocktakeClose, .stocktakeResolve,
            .samplePlan, .sampleFinding:
            throw CustodyViolation(field, "\(article(kind)) \(kind) does not move items")
        }
        s.lastSeq = seq
        return s
    }

    // MARK: Holder tree

    mutating func applyHolderChange(_ event: inout Event) throws -> String? {
        guard var change = event.holder else { throw CustodyViolation("holder", "missing") }
        let code = change.code
        var privateName: String?
        switch event.kind {
        case .holderAdd:
            if holders[code] != nil { throw CustodyViolation("holder.code", "holder \(code) already exists; codes are unique") }
            let kind = change.kind!
            let name = change.name ?? ""
            // A person's name never enters the ledger, so a replayed holder-add has none.
            guard kind == .person || !name.allSatisfy(\.isWhitespace) else {
                throw CustodyViolation("holder.name", "missing; give the holder a name")
            }
            try checkParent(change.parent, for: kind, code: code)
            holders[code] = Holder(code: code, kind: kind, name: name, parent: change.parent)
            noteHolderAdded(code)
            childrenIndex = nil
            newHolders.append(code)
            newHolderSeqs[code] = nextSeq
            if kind == .person {
                privateName = name
                change.name = nil
            }
        case .holderRename:
            guard var h = holders[code] else { throw Self.unknownHolder(code, field: "holder.code") }
            let name = change.name ?? ""
            guard h.kind == .person || !name.allSatisfy(\.isWhitespace) else {
                throw CustodyViolation("holder.name", "missing; give the new name")
            }
            h.name = name
            holders[code] = h
            markDirty(code)
            if h.kind == .person {
                privateName = name
                change.name = nil
            }
        case .holderMove:
            guard var h = holders[code] else { throw Self.unknownHolder(code, field: "holder.code") }
            try checkParent(change.parent, for: h.kind, code: code)
            var cursor = change.parent
            while let c = cursor {
                if c == code {
                    throw CustodyViolation("holder.parent", "moving \(code) under \(change.parent!) would make a cycle")
                }
                cursor = holders[c]?.parent
            }
            h.parent = change.parent
            holders[code] = h
            markDirty(code)
        case .holderClose:
            guard var h = holders[code] else { throw Self.unknownHolder(code, field: "holder.code") }
            if h.closed { throw CustodyViolation("holder.code", "holder \(code) is already closed") }
            h.closed = true
            holders[code] = h
            markDirty(code)
        default:
            break
        }
        event.holder = change
        return privateName
    }

    mutating func markDirty(_ code: String) {
        childrenIndex = nil
        if !newHolders.contains(code) { dirtyHolders.insert(code) }
    }

    func checkParent(_ parent: String?, for kind: HolderKind, code: String) throws {
        guard let parent else {
            guard HolderTree.mayBeRoot(kind) else {
                throw CustodyViolation(
                    "holder.parent", "missing; \(article(kind.rawValue)) \(kind.rawValue) sits under a parent holder")
            }
            return
        }
        guard let p = holders[parent] else { throw Self.unknownHolder(parent, field: "holder.parent") }
        guard !p.closed else { throw CustodyViolation("holder.parent", "holder \(parent) is closed") }
        let allowed = HolderTree.allowedParents(of: kind)
        guard allowed.contains(p.kind) else {
            throw CustodyViolation(
                "holder.parent",
                "\(article(kind.rawValue)) \(kind.rawValue) cannot sit under \(article(p.kind.rawValue)) \(p.kind.rawValue) (\(parent)); allowed: \(allowed.map(\.rawValue).sorted().joined(separator: ", "))"
            )
        }
    }

    // MARK: Users and tokens

    /// Applies a user or token kind. The recorded form of a `user-add` always states its
    /// scope (absent: the whole register).
    mutating func applyUserChange(_ event: inout Event) throws {
        // Events built in code (not parsed) get the same shape checks as parsed input.
        do { try event.checkShape() } catch { throw CustodyViolation(error.field, error.message) }
        guard var change = event.user else { throw CustodyViolation("user", "missing") }
        let code = change.code
        let kind = event.kind.rawValue
        switch event.kind {
        case .userAdd:
            if let existing = try lookupUser(code) {
                throw CustodyViolation(
                    "user.code",
                    "user \(code) already exists (\(existing.active ? "active" : "disabled")); a user code is never reused")
            }
            guard let role = change.role else { throw CustodyViolation("user.role", "missing; give the user's role") }
            try checkScope(change.scope, role: role, user: code)
            change.setsScope = true
            users[code] = UserRecord(code: code, role: role, scope: change.scope, addedSeq: nextSeq)
            noteUserAdded(code)
            newUsers.append(code)
        case .userChange:
            var user = try activeUser(code, kind: kind)
            let role = change.role ?? user.role
            let scope = change.setsScope ? change.scope : user.scope
            if role == user.role, scope == user.scope {
                throw CustodyViolation(
                    "user",
                    "user \(code) already has role \(role.rawValue) and \(Self.describe(scope: scope)); a user-change must change the role or the scope"
                )
            }
            try checkScope(scope, role: role, user: code)
            user.role = role
            user.scope = scope
            users[code] = user
            markUserDirty(code)
        case .userDisable:
            var user = try activeUser(code, kind: kind)
            user.active = false
            users[code] = user
            markUserDirty(code)
        case .tokenCreate:
            let id = change.token ?? ""
            if let existing = try lookupToken(id) {
                throw CustodyViolation(
                    "user.token",
                    "token \(id) already exists (\(existing.active ? "active" : "revoked"), of user \(existing.user)); a token id is never reused"
                )
            }
            _ = try activeUser(code, kind: kind)
            tokens[id] = APITokenRecord(id: id, user: code, createdSeq: nextSeq)
            newTokens.append(id)
        case .tokenRevoke:
            let id = change.token ?? ""
            guard var token = try lookupToken(id) else {
                throw CustodyViolation("user.token", "unknown token \(id); a token-revoke names a token that was created")
            }
            guard token.user == code else {
                throw CustodyViolation("user.code", "token \(id) belongs to user \(token.user), not \(code)")
            }
            guard token.active else {
                throw CustodyViolation("user.token", "token \(id) of user \(code) is already revoked; a token is revoked once")
            }
            token.active = false
            tokens[id] = token
            if !newTokens.contains(id) { dirtyTokens.insert(id) }
        default:
            break
        }
        event.user = change
    }

    static func describe(scope: String?) -> String { scope.map { "scope \($0)" } ?? "the whole register as scope" }

    /// A scope must be an open holder; only roles that may be unscoped go without one.
    func checkScope(_ scope: String?, role: Role, user: String) throws {
        guard let scope else {
            guard role.mayBeUnscoped else {
                throw CustodyViolation(
                    "user.scope",
                    "missing; user \(user) is \(article(role.rawValue)) \(role.rawValue), scoped to a holder subtree (only auditor and admin may have the whole register)"
                )
            }
            return
        }
        guard let holder = holders[scope] else { throw Self.unknownHolder(scope, field: "user.scope") }
        guard !holder.closed else {
            throw CustodyViolation("user.scope", "holder \(scope) is closed; user \(user)'s scope must be an open holder")
        }
    }

    /// The user, which must exist and be active for `kind`.
    mutating func activeUser(_ code: String, kind: String) throws -> UserRecord {
        guard let user = try lookupUser(code) else { throw Self.unknownUser(code) }
        guard user.active else {
            throw CustodyViolation("user.code", "user \(code) is disabled; \(article(kind)) \(kind) needs an active user")
        }
        return user
    }

    mutating func markUserDirty(_ code: String) {
        if !newUsers.contains(code) { dirtyUsers.insert(code) }
    }

    mutating func lookupUser(_ code: String) throws -> UserRecord? {
        if let cached = users[code] { return cached }
        let loaded = try loader.user(code: code)
        users[code] = loaded
        return loaded
    }

    mutating func lookupToken(_ id: String) throws -> APITokenRecord? {
        if let cached = tokens[id] { return cached }
        let loaded = try loader.token(id: id)
        tokens[id] = loaded
        return loaded
    }

    // MARK: Lookups through the cache

    func holder(_ code: String, field: String, receiving: Bool) throws -> Holder {
        guard let h = holders[code] else { throw Self.unknownHolder(code, field: field) }
        if receiving, h.closed { throw CustodyViolation(field, "holder \(code) is closed and cannot receive custody") }
        return h
    }

    mutating func candidates(_ key: SerialKey) throws -> [ItemRecord] {
        if let ids = serialIndex[key] { return ids.compactMap { items[$0] } }
        // Not remembered, so not registered here since the cache was dropped: when the
        // store held no item before, only a key registered here may exist.
        if storeHadNoItems, !registeredKeys.contains(key.hashValue) { return [] }
        let loaded = try loader.items(manufacturer: key.manufacturer, serial: key.serial)
        for record in loaded where items[record.id] == nil { items[record.id] = record }
        serialIndex[key] = loaded.map(\.id)
        return loaded.map { items[$0.id]! }
    }

    /// The item `ref` names. For a scoped recorder (`scopedFor` is the event), only items
    /// they may see are candidates: any other is refused as if it did not exist; one they
    /// see but may not move is refused as outside their scope.
    mutating func resolve(_ ref: ItemReference, field: String, scopedFor event: Event? = nil) throws -> ItemRecord {
        let record: ItemRecord
        switch ref {
        case .id(let id):
            var found = items[id]
            if found == nil {
                found = try loader.item(id: id)
                if let found { items[id] = found }
            }
            guard let found, event.map({ visible(found, event: $0) }) ?? true else { throw Self.unknownItem(ref, field: field) }
            record = found
        case .marking(let manufacturer, let serial, let model):
            var all = try candidates(SerialKey(manufacturer: manufacturer, serial: serial))
            if let event { all = all.filter { visible($0, event: event) } }
            let matching = model.map { m in all.filter { $0.marking.model == m } } ?? all
            if matching.isEmpty { throw Self.unknownItem(ref, field: field) }
            if matching.count > 1 {
                let models = matching.map(\.marking.model).sorted().joined(separator: ", ")
                throw CustodyViolation(
                    field, "\(serial) of \(manufacturer) is ambiguous (models \(models)); add \"model\" to name the item")
            }
            record = matching[0]
        }
        if let event { try requireWritable(record, event: event, field: field) }
        return record
    }

    mutating func lotCandidates(_ number: String) throws -> [LotRecord] {
        if let cached = lotsByNumber[number] { return cached }
        let loaded = try loader.lots(number: number)
        lotsByNumber[number] = loaded
        return loaded
    }

    mutating func resolveLot(_ ref: LotReference, field: String) throws -> LotRecord {
        let all = try lotCandidates(ref.lot)
        let matching = ref.manufacturer.map { m in all.filter { $0.marking.manufacturer == m } } ?? all
        if matching.isEmpty { throw CustodyViolation("\(field).lot", "no lot \(ref.lot) is registered; register it first") }
        if matching.count > 1 {
            throw CustodyViolation(
                "\(field).lot", "lot \(ref.lot) is ambiguous (several manufacturers); add \"manufacturer\" to name the lot")
        }
        return matching[0]
    }

    func lotRecord(_ id: Int64) -> LotRecord? {
        for lots in lotsByNumber.values { if let l = lots.first(where: { $0.id == id }) { return l } }
        return nil
    }

    mutating func balance(_ key: LotHolder) throws -> Int64 {
        if let cached = balances[key] { return cached }
        let loaded = try loader.balance(key)
        balances[key] = loaded
        return loaded
    }

    mutating func missingQuantity(_ lot: Int64) throws -> Int64 {
        if let cached = missing[lot] { return cached }
        let loaded = try loader.missingQuantity(lot: lot)
        missing[lot] = loaded
        return loaded
    }

    mutating func lookupDispatch(_ document: String) throws -> DispatchRecord? {
        if let cached = dispatches[document] { return cached }
        let loaded = try loader.dispatch(document: document)
        dispatches[document] = loaded
        return loaded
    }

    // MARK: Handing changes to the store

    /// The state rows changed since the last call, which the store then writes. With
    /// `dropCache`, the engine forgets what it read too (it reads it back on demand), so
    /// memory stays flat however long the batch. Without, it keeps what it read, which then
    /// holds what the store holds, and saves the store's reads of items touched again; it
    /// forgets the items registered since the last call all the same (a register of many
    /// items rarely touches them again).
    public mutating func takeChanges(dropCache: Bool = true) -> StateChanges {
        var c = StateChanges()
        c.newItems = newItemIDs.map { items[$0]! }
        c.newItemSerialKeys = newItemKeys
        c.usedConfirmations = newConfirmations
        newItemKeys = []
        newConfirmations = []
        usedConfirmationIDs = []
        recentEvents = [:]
        let newSet = Set(newItemIDs)
        c.changedItems = dirtyItems.filter { !newSet.contains($0) }.sorted().map { items[$0]! }
        c.changedItemColumns = c.changedItems.map { r in r.state.columns(differingFrom: storedStates[r.id]!) }
        c.newLots = newLots
        c.balances = dirtyBalances.map { ($0, balances[$0]!) }
        c.missingLots = dirtyMissing.map { ($0, missing[$0]!) }
        c.newDispatches = newDispatches.map { dispatches[$0]!! }
        c.changedDispatches = dirtyDispatches.map { dispatches[$0]!! }
        c.newHolders = newHolders.map { holders[$0]! }
        c.holderAddedSeq = newHolderSeqs
        c.changedHolders = dirtyHolders.sorted().map { holders[$0]! }
        c.newUsers = newUsers.map { users[$0]!! }
        c.changedUsers = dirtyUsers.sorted().map { users[$0]!! }
        c.newTokens = newTokens.map { tokens[$0]!! }
        c.changedTokens = dirtyTokens.sorted().map { tokens[$0]!! }
        storedStates = [:]
        firstUnwrittenItemID = nextItemID
        newItemIDs = []
        dirtyItems = []
        newLots = []
        dirtyBalances = []
        dirtyMissing = []
        newDispatches = []
        dirtyDispatches = []
        newHolders = []
        newHolderSeqs = [:]
        dirtyHolders = []
        newUsers = []
        dirtyUsers = []
        newTokens = []
        dirtyTokens = []
        if !dropCache {
            for r in c.newItems {
                items[r.id] = nil
                serialIndex[SerialKey(manufacturer: r.marking.manufacturer, serial: r.marking.serial)] = nil
            }
        }
        if dropCache {
            items = [:]
            serialIndex = [:]
            lotsByNumber = [:]
            balances = [:]
            missing = [:]
            dispatches = [:]
            users = [:]
            tokens = [:]
        }
        return c
    }
}

/// A holder and a category, for the counts the separation rule keeps.
struct HeldKey: Hashable, Sendable {
    let holder: String
    let category: Category
}

/// The stable codes of the custody rules' refusals that interfaces may tell apart
/// (`CustodyViolation.rule`); any other custody refusal has the code `custody`.
public enum CustodyRule: String, Sendable, CaseIterable {
    /// The item is expended, destroyed, exported or deactivated.
    case terminal = "custody.terminal"
    /// The event needs the item held, and it is not (in transit, missing).
    case notHeld = "custody.not-held"
    /// The item is held, by another holder than `from`.
    case heldByAnother = "custody.held-by-another"
    /// A receive of an item not in transit on that dispatch.
    case notInTransit = "custody.not-in-transit"
    /// A recovery of an item that is not missing.
    case notMissing = "custody.not-missing"
    /// A lot balance would go negative.
    case balance = "custody.balance"
}

/// "a" or "an" before a kind or status name, for messages ("a user-add", "a unit", but
/// "an unserviceable").
func article(_ word: String) -> String {
    guard let first = word.first else { return "a" }
    if word.hasPrefix("us") || word.hasPrefix("uni") { return "a" }
    return "aeiou".contains(first) ? "an" : "a"
}
