/// The alerts of a policy pack: what the register should look at now, derived from the
/// state and the ledger at a given time. Never stored and never dismissed by hand: an alert
/// ends when the state changes (a count, a receipt, a return, a recovery) or while an
/// `alert-waiver` in force names it.
public enum AlertRule: String, Sendable, CaseIterable {
    case manpadsLoss = "manpads-loss"
    case lossCluster = "loss-cluster"
    case overdueReturn = "overdue-return"
    case longTransit = "long-transit"
    case lotShortfall = "lot-shortfall"
    case notCounted = "not-counted"
    case closedHolder = "closed-holder"
}

public enum AlertSeverity: String, Sendable, CaseIterable, Comparable {
    case critical, warning, notice

    public static func < (a: AlertSeverity, b: AlertSeverity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One alert: its rule and severity, what it is about, where (for the reader's scope), since
/// when, and what ends it.
public struct Alert: Sendable, Equatable {
    public var rule: AlertRule
    public var severity: AlertSeverity
    /// What a waiver names: an item's label, a dispatch's document, or a holder's code.
    public var subject: String
    /// The item, for an item's alert.
    public var item: ItemRecord?
    /// The holders it concerns (holder, account, or a dispatch's ends): a reader sees it when
    /// one of them is inside their scope.
    public var holders: [String]
    /// Since when (RFC 3339 or a date).
    public var since: String
    /// What the alert says, in English (interfaces word it from `rule` and `details`).
    public var message: String
    /// What ends it.
    public var endsWhen: String
    public var details: [String: String]
}

/// An `alert-waiver`: the alert of `rule` about `subject` is not raised until the end of
/// `until` (a date, UTC). The event's `reason` says why.
public struct AlertWaiver: Sendable, Equatable {
    public var rule: AlertRule
    public var subject: String
    public var until: String

    public init(rule: AlertRule, subject: String, until: String) {
        self.rule = rule
        self.subject = subject
        self.until = until
    }

    static let fields = ["rule", "subject", "until"]

    public var jsonValue: JSONValue {
        .object([("rule", .string(rule.rawValue)), ("subject", .string(subject)), ("until", .string(until))])
    }

    public init(json value: JSONValue) throws(FieldError) {
        guard let object = value.objectValue else { throw FieldError("waiver", "expected an object") }
        var found: [String: String] = [:]
        for (key, v) in object {
            guard Self.fields.contains(key) else {
                throw FieldError("waiver.\(key)", "not a field of a waiver; it has rule, subject and until")
            }
            guard let s = v.stringValue, !s.isEmpty else { throw FieldError("waiver.\(key)", "expected a non-empty string") }
            found[key] = s
        }
        for key in Self.fields where found[key] == nil {
            throw FieldError("waiver.\(key)", "missing; a waiver names the rule, the alert's subject and the last day it holds")
        }
        guard let rule = AlertRule(rawValue: found["rule"]!) else {
            throw FieldError(
                "waiver.rule", "unknown alert rule; use one of \(AlertRule.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard Timestamp.isDate(found["until"]!) else { throw FieldError("waiver.until", "not a date; write YYYY-MM-DD") }
        self.init(rule: rule, subject: found["subject"]!, until: found["until"]!)
    }
}

/// An item the alerts look at, with the times its alerts start from.
public struct AlertItem: Sendable, Equatable {
    public var record: ItemRecord
    /// When it was registered (the occurredAt of its register event).
    public var registeredAt: String
    /// When the last event that touched it happened.
    public var lastEventAt: String

    public init(record: ItemRecord, registeredAt: String, lastEventAt: String) {
        self.record = record
        self.registeredAt = registeredAt
        self.lastEventAt = lastEventAt
    }
}

/// What the alerts are computed from (the store gathers it; see `AlertQuery`).
public struct AlertInputs: Sendable {
    /// The items that may be alerted: held and not counted since a category's cutoff, held
    /// past their due date, missing MANPADS components, and items at closed holders.
    public var items: [AlertItem]
    /// The open dispatches, each with the time of its last receipt.
    public var dispatches: [DispatchView]
    /// Losses and thefts recorded in the loss window: the holder they left and when.
    public var losses: [(from: String, at: String)]
    public var waivers: [AlertWaiver]
    public var holders: [String: Holder]
    /// When each closed holder was closed (its `holder-close`): an item there is alerted
    /// from then, or from its arrival if later.
    public var closedAt: [String: String] = [:]
    /// The position of each item in `items`, by id (kept by `fold`).
    var itemIndex: [Int64: Int] = [:]

    public init(
        items: [AlertItem] = [], dispatches: [DispatchView] = [],
        losses: [(from: String, at: String)] = [], waivers: [AlertWaiver] = [], holders: [String: Holder] = [:]
    ) {
        self.items = items
        self.dispatches = dispatches
        self.losses = losses
        self.waivers = waivers
        self.holders = holders
    }
}

extension AlertInputs {
    /// What folding recorded events into the inputs gave.
    public enum Fold: Sendable, Equatable {
        /// Folded; `dispatches` when a dispatch or receive means the open dispatches must be
        /// read again.
        case folded(dispatches: Bool)
        /// An event the inputs cannot follow (a pack, a waiver, a change of the holder tree, a
        /// correction): compute them again from the store.
        case rebuild
    }

    /// Folds events just recorded (with their seqs, in order) and the items they left (in
    /// their state after them) into the inputs, so that the alerts follow every write without
    /// reading the register again: each item takes its new state and the time of its last
    /// event, an item these events registered its registration time, and losses and thefts
    /// join the loss window. An item the inputs did not hold and these events did not
    /// register is kept out of the not-counted rule until the next computation (it was
    /// counted or registered recently enough when the inputs were gathered).
    public mutating func fold(_ events: [(seq: Int64, event: Event)], items changed: [ItemRecord]) -> Fold {
        var dispatches = false
        var times: [Int64: String] = [:]
        for (seq, event) in events {
            switch event.kind {
            case .policySet, .alertWaiver, .holderAdd, .holderRename, .holderMove, .holderClose, .correction:
                return .rebuild
            case .dispatch, .receive: dispatches = true
            case .loss, .theft: if let from = event.from { losses.append((from, event.occurredAt)) }
            default: break
            }
            times[seq] = event.occurredAt
        }
        if itemIndex.count != items.count {
            itemIndex = Dictionary(items.enumerated().map { ($0.element.record.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
        }
        for record in changed {
            let last = times[record.state.lastSeq]
            if let i = itemIndex[record.id] {
                items[i].record = record
                if let last { items[i].lastEventAt = last }
            } else {
                let registered = times[record.registeredSeq] ?? "9999"
                itemIndex[record.id] = items.count
                items.append(AlertItem(record: record, registeredAt: registered, lastEventAt: last ?? registered))
            }
        }
        return .folded(dispatches: dispatches)
    }
}

/// What the store must gather for `Alerts.evaluate` at a time under a pack.
public struct AlertQuery: Sendable, Equatable {
    /// Per category, held items last counted (or never counted and registered) before this
    /// time are wanted.
    public var countCutoffs: [Category: String]
    /// Held items due back before this day are wanted (nil: none).
    public var dueBefore: String?
    /// Missing items of these categories are wanted.
    public var missingCategories: [Category]
    /// Items held by or on the books of these holders are wanted.
    public var closedHolders: [String]
    /// Losses and thefts from this time on are wanted (nil: none).
    public var lossesSince: String?

    public init(pack: PolicyPack, holders: [String: Holder], at time: String) {
        let seconds = Timestamp.seconds(time) ?? 0
        func before(_ days: Int) -> String { Timestamp.rfc3339(seconds: seconds - Int64(days) * 86_400) }
        var cutoffs: [Category: String] = [:]
        for rule in pack.rules { if let d = rule.countWithinDays { for c in rule.categories { cutoffs[c] = before(d) } } }
        countCutoffs = cutoffs
        dueBefore = pack.alerts.overdueReturn ? Timestamp.day(of: time) : nil
        missingCategories = pack.alerts.manpadsLoss ? Category.allCases.filter(\.isMANPADS) : []
        closedHolders = pack.alerts.closedHolder ? holders.values.filter(\.closed).map(\.code).sorted() : []
        lossesSince = pack.alerts.losses.map { before($0.days) }
    }
}

public enum Alerts {
    /// Every alert of `pack` at `time`, most severe first, then oldest first.
    public static func evaluate(_ pack: PolicyPack, _ inputs: AlertInputs, at time: String) -> [Alert] {
        let day = Timestamp.day(of: time)
        let seconds = Timestamp.seconds(time) ?? 0
        func before(_ days: Int) -> String { Timestamp.rfc3339(seconds: seconds - Int64(days) * 86_400) }
        let query = AlertQuery(pack: pack, holders: inputs.holders, at: time)
        let closed = Set(query.closedHolders)
        var out: [Alert] = []

        for entry in inputs.items {
            let r = entry.record
            let s = r.state
            let label = r.marking.label
            let place = [s.holder, s.account].compactMap { $0 }
            if s.status == .missing, query.missingCategories.contains(r.marking.category) {
                let state = r.marking.importCountry ?? r.marking.country
                out.append(
                    Alert(
                        rule: .manpadsLoss, severity: .critical, subject: label, item: r, holders: place, since: entry.lastEventAt,
                        message: "\(label), a MANPADS component, is missing; a report is due to the exporting state (\(state))",
                        endsWhen: "a recovery or surrender of the item", details: ["item": label, "state": state]))
            }
            guard s.status == .held else { continue }
            if let due = s.dueBack, let before = query.dueBefore, Timestamp.day(of: due) < before {
                out.append(
                    Alert(
                        rule: .overdueReturn, severity: .warning, subject: label, item: r, holders: place, since: due,
                        message: "\(label) was due back on \(Timestamp.day(of: due)) and is still held by \(s.holder ?? "")",
                        endsWhen: "a return of the item", details: ["item": label, "due": due, "holder": s.holder ?? ""]))
            }
            if let cutoff = query.countCutoffs[r.marking.category] {
                let last = s.lastCounted ?? entry.registeredAt
                if last < cutoff {
                    let days = pack.rule(for: r.marking.category)?.countWithinDays ?? 0
                    out.append(
                        Alert(
                            rule: .notCounted, severity: r.marking.category.isMANPADS ? .warning : .notice, subject: label, item: r,
                            holders: place, since: last,
                            message: "\(label) was \(s.lastCounted == nil ? "never counted since it was registered on" : "last counted on") \(Timestamp.day(of: last)); it is counted by serial every \(days) days",
                            endsWhen: "a count of the item", details: ["item": label, "last": last, "days": String(days)]))
                }
            }
            if let where_ = place.first(where: closed.contains) {
                out.append(
                    Alert(
                        rule: .closedHolder, severity: .warning, subject: label, item: r, holders: place,
                        since: max(entry.lastEventAt, inputs.closedAt[where_] ?? ""),
                        message: "\(label) is at \(where_), which is closed",
                        endsWhen: "a move of the item to an open holder", details: ["item": label, "holder": where_]))
            }
        }

        if let days = pack.alerts.transitDays {
            let cutoff = before(days)
            for d in inputs.dispatches where d.itemsInTransit > 0 || !d.lotsInTransit.isEmpty {
                guard let sent = d.occurredAt, sent < cutoff, d.lastReceivedAt == nil || d.itemsInTransit > 0
                else { continue }
                out.append(
                    Alert(
                        rule: .longTransit, severity: .warning, subject: d.document, item: nil, holders: [d.from, d.to], since: sent,
                        message: "dispatch \(d.document) from \(d.from) to \(d.to) left on \(Timestamp.day(of: sent)) and has not arrived (more than \(days) days)",
                        endsWhen: "the receipt of what is in transit",
                        details: ["document": d.document, "from": d.from, "to": d.to, "days": String(days)]))
            }
        }
        if let days = pack.alerts.shortfallDays {
            let cutoff = before(days)
            for d in inputs.dispatches where !d.lotsInTransit.isEmpty {
                guard let received = d.lastReceivedAt, received < cutoff else { continue }
                // Quantity and lot number, in no language: interfaces word the message around it.
                let short = d.lotsInTransit.map { "\($0.quantity) × \($0.marking.lot)" }.joined(separator: ", ")
                out.append(
                    Alert(
                        rule: .lotShortfall, severity: .warning, subject: d.document, item: nil, holders: [d.from, d.to],
                        since: received,
                        message: "dispatch \(d.document) to \(d.to) was received short on \(Timestamp.day(of: received)): \(short) (quantity × lot) still unaccounted for",
                        endsWhen: "the receipt of the rest, or a loss report for it",
                        details: ["document": d.document, "to": d.to, "short": short]))
            }
        }
        if let threshold = pack.alerts.losses {
            out += lossClusters(threshold, inputs, since: query.lossesSince ?? "")
        }

        let waived = Set(inputs.waivers.filter { day <= $0.until }.map { "\($0.rule.rawValue) \($0.subject)" })
        if !waived.isEmpty { out.removeAll { waived.contains("\($0.rule.rawValue) \($0.subject)") } }
        // Sorted by keys taken once: an alert is a large value, costly to move about.
        let keys = out.map { (AlertSeverity.allCases.firstIndex(of: $0.severity)!, $0.since, $0.subject) }
        return out.indices.sorted { keys[$0] < keys[$1] }.map { out[$0] }
    }

    /// The holders (not people) under which at least `count` losses or thefts happened in
    /// the window, the lowest such holder on each branch only.
    static func lossClusters(_ threshold: LossThreshold, _ inputs: AlertInputs, since: String) -> [Alert] {
        var counts: [String: Int] = [:]
        var first: [String: String] = [:]
        // The window is judged here too: losses folded in while a server runs age out of it.
        for loss in inputs.losses where loss.at >= since {
            for c in HolderTree.lineage(of: loss.from, in: inputs.holders) where inputs.holders[c]?.kind != .person {
                counts[c, default: 0] += 1
                first[c] = min(first[c] ?? loss.at, loss.at)
            }
        }
        let over = Set(counts.filter { $0.value >= threshold.count }.keys)
        var out: [Alert] = []
        for code in over.sorted() {
            // A child over the threshold says it more precisely.
            let childOver = over.contains { $0 != code && inputs.holders[$0]?.parent == code }
            if childOver { continue }
            out.append(
                Alert(
                    rule: .lossCluster, severity: .critical, subject: code, item: nil, holders: [code], since: first[code] ?? "",
                    message: "\(counts[code] ?? 0) losses or thefts under \(code) in \(threshold.days) days (the pack alerts from \(threshold.count))",
                    endsWhen: "the window passing without more",
                    details: ["holder": code, "count": String(counts[code] ?? 0), "days": String(threshold.days)]))
        }
        return out
    }
}

extension Alert {
    /// The alert as the CLI and the API give it (`itemId` for an item's alert).
    public var jsonValue: JSONValue {
        var m: [(String, JSONValue)] = [
            ("rule", .string(rule.rawValue)), ("severity", .string(severity.rawValue)), ("subject", .string(subject)),
            ("since", .string(since)), ("message", .string(message)), ("endsWhen", .string(endsWhen)),
            ("holders", .array(holders.map { .string($0) })),
        ]
        if let item { m.append(("itemId", .int(item.id))) }
        return .object(m)
    }
}
