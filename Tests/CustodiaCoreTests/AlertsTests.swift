import Testing

@testable import CustodiaCore

/// Every alert rule of the standard pack raised from its inputs, and ended by what ends it
/// (the state changing, or a waiver in force).
@Suite struct AlertsTests {
    static let now = "2026-06-30T12:00:00Z"
    static let holders: [String: Holder] = [
        "R1": Holder(code: "R1", kind: .region, name: "R", parent: nil),
        "Z1": Holder(code: "Z1", kind: .zone, name: "Z", parent: "R1"),
        "S1": Holder(code: "S1", kind: .site, name: "S", parent: "Z1"),
        "S2": Holder(code: "S2", kind: .site, name: "S", parent: "Z1"),
        "U1": Holder(code: "U1", kind: .unit, name: "U", parent: "S1"),
        "U2": Holder(code: "U2", kind: .unit, name: "U", parent: "S1"),
        "P1": Holder(code: "P1", kind: .person, name: "", parent: "U1"),
        "OLD": Holder(code: "OLD", kind: .site, name: "Old", parent: "Z1", closed: true),
    ]

    static func item(
        _ serial: String, _ category: Category = .assaultRifle, status: ItemStatus = .held, holder: String? = "S1",
        account: String? = "S1", dueBack: String? = nil, counted: String? = "2026-06-01T00:00:00Z",
        registered: String = "2026-01-01T00:00:00Z"
    ) -> AlertItem {
        AlertItem(
            record: ItemRecord(
                id: Int64(serial.hashValue & 0xFFFF), marking: ItemMarking(
                    category: category, manufacturer: "M", country: "RU", model: "X", calibre: "c", serial: serial,
                    importCountry: category.isMANPADS ? "BY" : nil),
                state: ItemState(
                    status: status, holder: holder, account: account, condition: .serviceable, dueBack: dueBack,
                    lastCounted: counted, lastSeq: 9),
                registeredSeq: 1),
            registeredAt: registered, lastEventAt: "2026-06-20T08:00:00Z")
    }

    static func dispatch(
        _ doc: String, sent: String, items: Int64 = 1, lots: [LotQuantity] = [], received: String? = nil
    ) -> DispatchView {
        DispatchView(
            document: doc, seq: 5, from: "S1", to: "S2", occurredAt: sent, itemsInTransit: items, lotsInTransit: lots,
            lastReceivedAt: received)
    }

    /// (rule, inputs that raise exactly that alert, severity, subject)
    static let cases: [(AlertRule, AlertInputs, AlertSeverity, String)] = [
        (.manpadsLoss, AlertInputs(items: [item("MS-1", .manpadsMissile, status: .missing, holder: nil)], holders: holders),
         .critical, "MS-1 (M X)"),
        (.overdueReturn, AlertInputs(items: [item("AK-1", holder: "U1", dueBack: "2026-06-29")], holders: holders), .warning,
         "AK-1 (M X)"),
        (.notCounted, AlertInputs(items: [item("AK-2", counted: "2025-06-29T00:00:00Z")], holders: holders), .notice,
         "AK-2 (M X)"),
        (.notCounted, AlertInputs(items: [item("MS-2", .manpadsMissile, counted: nil, registered: "2026-05-30T00:00:00Z")], holders: holders),
         .warning, "MS-2 (M X)"),
        (.closedHolder, AlertInputs(items: [item("AK-3", holder: "OLD", account: "OLD")], holders: holders), .warning, "AK-3 (M X)"),
        (.longTransit, AlertInputs(dispatches: [dispatch("TR-1", sent: "2026-06-15T00:00:00Z")], holders: holders), .warning, "TR-1"),
        (.lotShortfall,
         AlertInputs(
            dispatches: [dispatch("TR-2", sent: "2026-05-01T00:00:00Z", items: 0, lots: [LotQuantity(marking: LotMarking(lot: "L1", manufacturer: "M", calibre: "c", type: "ball", year: nil), quantity: 40)], received: "2026-05-20T00:00:00Z")],
            holders: holders), .warning, "TR-2"),
        (.lossCluster,
         AlertInputs(losses: [("U1", "2026-06-01T00:00:00Z"), ("P1", "2026-06-10T00:00:00Z"), ("U1", "2026-06-20T00:00:00Z")], holders: holders),
         .critical, "U1"),
    ]

    @Test(arguments: 0..<cases.count)
    func eachRuleRaisesItsAlert(_ n: Int) {
        let (rule, inputs, severity, subject) = Self.cases[n]
        let alerts = Alerts.evaluate(.standard, inputs, at: Self.now)
        #expect(alerts.map(\.rule) == [rule], "\(alerts)")
        #expect(alerts.first?.severity == severity)
        #expect(alerts.first?.subject == subject)
        // A waiver in force ends it; one that has lapsed does not.
        var waived = inputs
        waived.waivers = [AlertWaiver(rule: rule, subject: subject, until: "2026-06-30")]
        #expect(Alerts.evaluate(.standard, waived, at: Self.now).isEmpty)
        waived.waivers = [AlertWaiver(rule: rule, subject: subject, until: "2026-06-29")]
        #expect(Alerts.evaluate(.standard, waived, at: Self.now).count == 1)
        // The empty pack raises nothing.
        #expect(Alerts.evaluate(.empty, inputs, at: Self.now).isEmpty)
    }

    @Test func whatIsWithinItsThresholdRaisesNothing() {
        let inputs = AlertInputs(
            items: [
                Self.item("AK-1", holder: "U1", dueBack: "2026-06-30"),  // due today
                Self.item("AK-2", counted: "2025-07-01T00:00:00Z"),  // counted 364 days ago
                Self.item("MS-1", .manpadsMissile, counted: "2026-06-01T00:00:00Z"),  // 29 days
                Self.item("MS-2", .manpadsMissile, status: .held),
            ],
            dispatches: [Self.dispatch("TR-1", sent: "2026-06-17T00:00:00Z")],  // 13 days
            losses: [("U1", "2026-06-01T00:00:00Z"), ("U2", "2026-06-10T00:00:00Z")],  // two, then only under S1
            holders: Self.holders)
        let alerts = Alerts.evaluate(.standard, inputs, at: Self.now)
        #expect(alerts.isEmpty, "two losses under S1 are below the threshold of three: \(alerts)")
    }

    @Test func aLossClusterIsReportedAtTheLowestHolderOverTheThreshold() {
        let inputs = AlertInputs(
            losses: [("U1", "2026-06-01T00:00:00Z"), ("U2", "2026-06-02T00:00:00Z"), ("U2", "2026-06-03T00:00:00Z")],
            holders: Self.holders)
        let alerts = Alerts.evaluate(.standard, inputs, at: Self.now)
        #expect(alerts.map(\.subject) == ["S1"], "U1 and U2 are each under three; S1 holds all three: \(alerts)")
        #expect(alerts.first?.since == "2026-06-01T00:00:00Z")
    }

    @Test func theMostSevereComeFirst() {
        let inputs = AlertInputs(
            items: [Self.item("AK-2", counted: "2024-01-01T00:00:00Z"), Self.item("MS-1", .manpadsMissile, status: .missing, holder: nil)],
            holders: Self.holders)
        #expect(Alerts.evaluate(.standard, inputs, at: Self.now).map(\.severity) == [.critical, .notice])
    }

    @Test func lossesOutsideTheWindowDoNotCount() {
        let inputs = AlertInputs(
            losses: [("U1", "2026-01-10T00:00:00Z"), ("U1", "2026-06-01T00:00:00Z"), ("U1", "2026-06-20T00:00:00Z")],
            holders: Self.holders)
        #expect(Alerts.evaluate(.standard, inputs, at: Self.now).isEmpty)
    }

    @Test func foldingWritesKeepsTheAlertsCurrent() {
        let stale = Self.item("AK-2", counted: "2025-06-29T00:00:00Z")
        var inputs = AlertInputs(items: [stale], holders: Self.holders)
        #expect(Alerts.evaluate(.standard, inputs, at: Self.now).map(\.rule) == [.notCounted])
        // A count of AK-2 ends its alert; a theft in the window joins the losses.
        var counted = stale.record
        counted.state.lastCounted = "2026-06-29T10:00:00Z"
        counted.state.lastSeq = 20
        var count = Event(kind: .count, occurredAt: "2026-06-29T10:00:00Z")
        count.from = "S1"
        var theft = Event(kind: .theft, occurredAt: "2026-06-29T11:00:00Z")
        theft.from = "U1"
        #expect(inputs.fold([(20, count), (21, theft)], items: [counted]) == .folded(dispatches: false))
        #expect(Alerts.evaluate(.standard, inputs, at: Self.now).isEmpty)
        #expect(inputs.losses.map(\.from) == ["U1"])
        #expect(inputs.items.first?.lastEventAt == "2026-06-29T10:00:00Z")
        // A missing MANPADS missile the inputs did not hold is added with its new state.
        var missile = Self.item("MS-7", .manpadsMissile, status: .missing, holder: nil).record
        missile.state.lastSeq = 22
        #expect(inputs.fold([(22, Event(kind: .theft, occurredAt: "2026-06-29T12:00:00Z"))], items: [missile]) == .folded(dispatches: false))
        #expect(Alerts.evaluate(.standard, inputs, at: Self.now).map(\.rule) == [.manpadsLoss])
        // A receive asks for the dispatches again; a waiver or a pack cannot be folded.
        #expect(inputs.fold([(23, Event(kind: .receive, occurredAt: Self.now))], items: []) == .folded(dispatches: true))
        #expect(inputs.fold([(24, Event(kind: .alertWaiver, occurredAt: Self.now))], items: []) == .rebuild)
        #expect(inputs.fold([(25, Event(kind: .policySet, occurredAt: Self.now))], items: []) == .rebuild)
    }

    @Test func anItemAtAClosedHolderIsAlertedFromTheClosingIfLater() {
        var inputs = AlertInputs(items: [Self.item("AK-3", holder: "OLD", account: "OLD")], holders: Self.holders)
        #expect(Alerts.evaluate(.standard, inputs, at: Self.now).first?.since == "2026-06-20T08:00:00Z")
        inputs.closedAt["OLD"] = "2026-06-25T10:00:00Z"
        #expect(Alerts.evaluate(.standard, inputs, at: Self.now).first?.since == "2026-06-25T10:00:00Z")
        inputs.closedAt["OLD"] = "2026-01-25T10:00:00Z"
        #expect(Alerts.evaluate(.standard, inputs, at: Self.now).first?.since == "2026-06-20T08:00:00Z")
    }

    @Test func theQueryAsksTheStoreForWhatThePackAlertsOn() {
        let q = AlertQuery(pack: .standard, holders: Self.holders, at: Self.now)
        #expect(q.countCutoffs[.manpadsMissile] == "2026-05-31T12:00:00Z")
        #expect(q.countCutoffs[.assaultRifle] == "2025-06-30T12:00:00Z")
        #expect(q.dueBefore == "2026-06-30")
        #expect(q.closedHolders == ["OLD"])
        #expect(q.lossesSince == "2026-04-01T12:00:00Z")
        let none = AlertQuery(pack: .empty, holders: Self.holders, at: Self.now)
        #expect(none.countCutoffs.isEmpty && none.dueBefore == nil && none.closedHolders.isEmpty && none.lossesSince == nil)
    }

    @Test func aWaiverEventNeedsItsFieldsAndAReason() throws {
        var e = Event(kind: .alertWaiver, occurredAt: Self.now)
        e.waiver = AlertWaiver(rule: .notCounted, subject: "AK-2 (M X)", until: "2026-07-31")
        #expect(throws: FieldError.self) { try e.checkShape() }
        e.reason = "the depot is flooded; counted when it reopens"
        try e.checkShape()
        e.recordedAt = Self.now
        e.recordedBy = "ADM"
        #expect(try Event(json: e.jsonValue, source: .ledger) == e)
        #expect(throws: FieldError.self) {
            _ = try AlertWaiver(json: .object([("rule", .string("sleepy")), ("subject", .string("x")), ("until", .string("2026-07-01"))]))
        }
    }
}
