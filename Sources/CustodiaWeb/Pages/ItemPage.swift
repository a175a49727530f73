import CustodiaCore

/// The item page: marking, state and the whole custody chain.
public struct ItemPage: Sendable {
    public var item: ItemRecord
    /// Every event that touched the item, oldest first.
    public var history: [EventEntry]
    /// Names of the holders the page mentions, by code (where the server has them).
    public var holderNames: [String: String]
    /// The current time (RFC 3339), for "overdue" notices.
    public var now: String
    /// Items of the same manufacturer and model whose serials look like this one's (the
    /// reader may see), registered as distinct: the page shows how they differ.
    public var lookAlikes: [ItemRecord]
    /// A past day asked for: when shown, `item` holds the state then and `now` that moment.
    public var asOf = AsOf()
    /// Entries of the item's chain left out because they name no holder inside the reader's
    /// scope, and that scope's top holder.
    public var hiddenEntries = 0
    public var scopeRoot: String?

    public init(
        item: ItemRecord, history: [EventEntry], holderNames: [String: String] = [:], now: String,
        lookAlikes: [ItemRecord] = []
    ) {
        self.item = item
        self.history = history
        self.holderNames = holderNames
        self.now = now
        self.lookAlikes = lookAlikes
    }
}

/// The kinds that apply to an item in a given status, and how the form is prefilled.
enum ItemActions {
    static func kinds(for status: ItemStatus) -> [EventKind] {
        switch status {
        case .held: [.issue, .return, .dispatch, .condition, .loss, .theft, .surrender, .destroy, .export]
        case .inTransit: [.receive]
        case .missing: [.recovery, .surrender]
        case .expended, .destroyed, .exported, .deactivated: []
        }
    }

    /// The form line that names exactly this item.
    static func line(_ m: ItemMarking) -> String { "\(m.serial) | \(m.manufacturer) | \(m.model)" }
}

struct ItemDisplay {
    struct Action {
        let label: String
        let url: String
    }

    let heading: String
    let subtitle: String
    let status: String
    let statusClass: String
    let holder: [HolderRef]
    let account: [HolderRef]
    let overdue: [String]
    let stateFacts: [Fact]
    let marking: [Fact]
    let actions: [Action]
    let hasActions: Bool
    let timeline: [TimelineRow]
    let eventCount: String
    /// How many entries scope hides, and why (none: empty).
    let hidden: [String]
    let registeredURL: String
    /// One line per look-alike: a link to it and where the serials differ.
    let lookAlikes: [LookAlike]
    let hasLookAlikes: Bool
    let asOf: AsOfDisplay
    let stateHeading: String

    struct LookAlike {
        let url: String
        let serial: String
        let text: String
    }

    init(_ page: ItemPage, session: SessionInfo?, messages: Messages) {
        let m = page.item.marking
        let s = page.item.state
        let format = LocalFormat(messages.language)
        heading = m.serial
        subtitle = "\(messages.label(m.category)) · \(m.manufacturer) \(m.model)"
        status = messages.label(s.status)
        statusClass = s.status.rawValue
        holder = s.holder.map { [HolderRef($0, names: page.holderNames)] } ?? []
        account = s.account.map { [HolderRef($0, names: page.holderNames)] } ?? []
        if let due = s.dueBack, let late = LocalFormat.days(from: due, to: page.now), late > 0 {
            overdue = [messages(Message("item.overdueSince", ["date": .date(due), "days": .number(Int64(late))]))]
        } else {
            overdue = []
        }
        var state: [Fact] = [Fact(label: messages["field.condition"], value: messages.label(s.condition))]
        if let due = s.dueBack { state.append(Fact(label: messages["field.dueBack"], value: format.date(due))) }
        if let transit = s.transit { state.append(Fact(label: messages["item.transit"], value: transit)) }
        state.append(
            Fact(label: messages["item.lastCounted"], value: s.lastCounted.map(format.dateTime) ?? messages["item.never"]))
        stateFacts = state
        var marking: [Fact] = [
            Fact(label: messages["marking.category"], value: messages.label(m.category)),
            Fact(label: messages["marking.manufacturer"], value: m.manufacturer),
            Fact(label: messages["marking.country"], value: m.country),
            Fact(label: messages["marking.model"], value: m.model),
            Fact(label: messages["marking.calibre"], value: m.calibre),
            Fact(label: messages["marking.serial"], value: m.serial),
        ]
        if let year = m.year { marking.append(Fact(label: messages["marking.year"], value: String(year))) }
        if m.importCountry != nil || m.importYear != nil {
            let value = [m.importCountry, m.importYear.map(String.init)].compactMap { $0 }.joined(separator: " ")
            marking.append(Fact(label: messages["marking.import"], value: value))
        }
        if let marks = m.marks, !marks.isEmpty { marking.append(Fact(label: messages["marking.marks"], value: marks)) }
        if m.assignedMark { marking.append(Fact(label: messages["marking.assigned"], value: messages["common.yes"])) }
        self.marking = marking
        // Nothing is recorded on the past: the actions are for the item as it stands.
        let allowed = page.asOf.shown == nil ? Set(session?.recordableKinds ?? []) : []
        actions = ItemActions.kinds(for: s.status).filter(allowed.contains).map { kind in
            var prefill = [QueryItem("items", ItemActions.line(m))]
            if let h = s.holder, RecordingForm.definition(for: kind).has(.from) { prefill.append(QueryItem("from", h)) }
            if kind == .receive, let doc = s.transit { prefill.append(QueryItem("document", doc)) }
            return Action(label: messages["action.\(kind.rawValue)"], url: WebPaths.recordForm(kind, prefill: prefill))
        }
        timeline = page.history.map { TimelineRow($0, names: page.holderNames, messages: messages) }
        eventCount = messages(Message("item.eventCount", ["count": .number(Int64(page.history.count))]))
        hidden =
            page.hiddenEntries > 0
            ? [
                messages(
                    Message(
                        "item.hiddenEntries",
                        ["count": .number(Int64(page.hiddenEntries)), "total": .number(Int64(page.hiddenEntries + page.history.count)),
                         "scope": .text(page.scopeRoot ?? "")]))
            ]
            : []
        registeredURL = WebPaths.proof(page.item.registeredSeq)
        hasActions = !actions.isEmpty
        lookAlikes = page.lookAlikes.compactMap { other in
            guard let d = Identifier.firstDifference(m.serial, other.marking.serial) else { return nil }
            let text = messages(
                Message(
                    "item.lookAlikeDifference",
                    [
                        "position": .number(Int64(d.position)), "here": .text(Identifier.show(d.mine)),
                        "there": .text(Identifier.show(d.theirs)),
                    ]))
            return LookAlike(url: WebPaths.item(other.id), serial: other.marking.serial, text: text)
        }
        hasLookAlikes = !lookAlikes.isEmpty
        asOf = AsOfDisplay(page.asOf, url: WebPaths.item(page.item.id), messages: messages)
        stateHeading = messages[page.asOf.shown == nil ? "item.state" : "asOf.state"]
    }
}

extension WebRenderer {
    /// The item page: marking, status, holder and account, condition, due date, and the
    /// custody chain with each entry's ledger position and a link to its inclusion proof.
    public func item(_ page: ItemPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = ItemDisplay(page, session: context.session, messages: messages)
        return render("item", title: display.heading, section: .search, body: display, context: context)
    }
}
