import Testing

@testable import CustodiaCore

/// Every control of the standard policy pack, refused and then allowed (by an authorisation,
/// a compliant event or another pack), through the engine that every path calls.
@Suite struct PolicyRulesTests {
    static let missile = ItemMarking(
        category: .manpadsMissile, manufacturer: "KBM", country: "RU", model: "9M342", calibre: "72mm", serial: "M-0001")
    static let missile2 = ItemMarking(
        category: .manpadsMissile, manufacturer: "KBM", country: "RU", model: "9M342", calibre: "72mm", serial: "M-0002")
    static let launcher = ItemMarking(
        category: .manpadsLaunchMechanism, manufacturer: "KBM", country: "RU", model: "9P522", calibre: "72mm",
        serial: "L-0001")
    static let now = "2026-03-05T00:00:00Z"

    /// An engine judging new input, the second person aside (the other controls are tested
    /// apart from it; `theTwoPersonRuleFollowsThePack` and `theOperatorNeedsTheSecondPersonToo`
    /// test it).
    static func harness(_ authority: Authority = .operator) throws -> CustodyHarness {
        let h = try CustodyHarness()
        h.engine.admission = Admission(authority: authority, now: now, requiresProof: false)
        return h
    }

    static func authorisation(_ holder: String, purpose: String = "training-firing", from: String = "2026-03-01", until: String = "2026-03-31")
        -> Event
    {
        var e = Event(kind: .authorisation, occurredAt: Fx.t0)
        e.authorisation = Authorisation(
            holder: holder, purpose: purpose, validFrom: from, validUntil: until, authorisedBy: Fx.region)
        e.document = "AUTH-1"
        return e
    }

    static func policySet(_ pack: PolicyPack) -> Event {
        var e = Event(kind: .policySet, occurredAt: Fx.t0)
        e.policy = pack
        return e
    }

    static func issue(_ m: ItemMarking, to: String, dueBack: String? = "2026-03-20") -> Event {
        Fx.event(.issue, from: Fx.dep1, to: to, items: [Fx.ref(m)], dueBack: dueBack)
    }

    /// One case: the events before, the event refused with its code, and what then allows
    /// the same event (nil: the refused event itself is not retried).
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let before: [Event]
        let refused: Event
        let code: String
        let field: String
        let allowedAfter: [Event]
        let allowed: Event
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "a MANPADS missile issued to a person", before: [Fx.register([missile], to: Fx.dep1)],
            refused: issue(missile, to: Fx.person), code: "policy.issue-to", field: "to",
            allowedAfter: [authorisation(Fx.person)], allowed: issue(missile, to: Fx.person)),
        Case(
            name: "a MANPADS missile issued to a site", before: [Fx.register([missile], to: Fx.dep1)],
            refused: issue(missile, to: Fx.dep2), code: "policy.issue-to", field: "to",
            allowedAfter: [], allowed: issue(missile, to: Fx.unit)),
        Case(
            name: "a MANPADS issue with no due date", before: [Fx.register([missile], to: Fx.dep1)],
            refused: issue(missile, to: Fx.unit, dueBack: nil), code: "policy.due-back", field: "dueBack",
            allowedAfter: [], allowed: issue(missile, to: Fx.unit, dueBack: "2026-03-31")),
        Case(
            name: "a MANPADS issue due back after 30 days", before: [Fx.register([missile], to: Fx.dep1)],
            refused: issue(missile, to: Fx.unit, dueBack: "2026-04-02"), code: "policy.due-back", field: "dueBack",
            allowedAfter: [], allowed: issue(missile, to: Fx.unit, dueBack: "2026-04-01")),
        Case(
            name: "launch mechanisms registered at a site holding missiles", before: [Fx.register([missile], to: Fx.dep1)],
            refused: Fx.register([launcher], to: Fx.dep1), code: "policy.separation", field: "to",
            allowedAfter: [authorisation(Fx.dep1, purpose: "lot-testing")], allowed: Fx.register([launcher], to: Fx.dep1)),
        Case(
            name: "launch mechanisms issued to a unit under a site holding missiles",
            before: [Fx.register([missile], to: Fx.unit), Fx.register([launcher], to: Fx.dep2)],
            refused: Fx.event(.issue, from: Fx.dep2, to: Fx.unit, items: [Fx.ref(launcher)], dueBack: "2026-03-10"),
            code: "policy.separation", field: "to", allowedAfter: [policySet(.empty)],
            allowed: Fx.event(.issue, from: Fx.dep2, to: Fx.unit, items: [Fx.ref(launcher)], dueBack: "2026-03-10")),
        Case(
            name: "missiles and launch mechanisms registered together", before: [],
            refused: Fx.register([missile, launcher], to: Fx.dep2), code: "policy.separation", field: "to",
            allowedAfter: [], allowed: Fx.register([missile, missile2], to: Fx.dep2)),
        Case(
            name: "launch mechanisms received at a site holding missiles",
            before: [
                Fx.register([missile], to: Fx.dep1), Fx.register([launcher], to: Fx.dep2),
                Fx.event(.dispatch, from: Fx.dep2, to: Fx.dep1, items: [Fx.ref(launcher)], document: "TR-1"),
            ],
            refused: Fx.event(.receive, to: Fx.dep1, items: [Fx.ref(launcher)], document: "TR-1"),
            code: "policy.separation", field: "to", allowedAfter: [authorisation(Fx.zone, purpose: "point-defence")],
            allowed: Fx.event(.receive, to: Fx.dep1, items: [Fx.ref(launcher)], document: "TR-1")),
        Case(
            name: "an authorisation for a purpose the pack does not list", before: [],
            refused: authorisation(Fx.dep1, purpose: "parade"), code: "policy.purpose", field: "authorisation.purpose",
            allowedAfter: [], allowed: authorisation(Fx.dep1, purpose: "hostilities")),
    ]

    @Test(arguments: cases)
    func eachControlRefusesWithItsCodeAndAllowsWhatSatisfiesIt(_ c: Case) throws {
        let h = try Self.harness()
        for e in c.before { try h.apply(e) }
        let refusal = try #require(h.refusal(c.refused))
        #expect(refusal.rule == c.code)
        #expect(refusal.field == c.field)
        #expect(refusal.message.contains("policy in force") || c.code == "policy.purpose", "\(refusal.message)")
        for e in c.allowedAfter { try h.apply(e) }
        try h.apply(c.allowed)
    }

    @Test func anAuthorisationOutOfItsPeriodDoesNotCover() throws {
        let h = try Self.harness()
        try h.apply(Fx.register([Self.missile], to: Fx.dep1))
        try h.apply(Self.authorisation(Fx.person, from: "2026-02-01", until: "2026-02-28"))
        #expect(h.refusal(Self.issue(Self.missile, to: Fx.person))?.rule == "policy.issue-to")
        try h.apply(Self.authorisation(Fx.person, from: "2026-03-02", until: "2026-03-02"))
        try h.apply(Self.issue(Self.missile, to: Fx.person))
    }

    @Test func otherCategoriesAreNotControlled() throws {
        let h = try Self.harness()
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1))
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [Fx.ref(Fx.rifle)]))
    }

    @Test func aMoveWithinTheSiteIsNotAnArrival() throws {
        let h = try Self.harness()
        try h.apply(Fx.register([Self.missile], to: Fx.dep1))
        try h.apply(Self.authorisation(Fx.dep1, until: "2026-03-03"))
        // Both at DEP-01 under the authorisation; moving the launcher within the site after
        // it lapsed adds nothing new there.
        var register = Fx.register([Self.launcher], to: Fx.dep1)
        register.occurredAt = "2026-03-03T10:00:00Z"
        try h.apply(register)
        try h.apply(
            Fx.event(.issue, at: "2026-03-04T10:00:00Z", from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Self.launcher)], dueBack: "2026-03-20"))
        // Another launcher arriving from outside after it lapsed is refused.
        var another = Self.launcher
        another.serial = "L-0002"
        var late = Fx.register([another], to: Fx.dep1)
        late.occurredAt = "2026-03-04T10:00:00Z"
        #expect(h.refusal(late)?.rule == "policy.separation")
    }

    /// The counts the separation rule reads once per holder follow every later move.
    @Test func theSeparationCountsFollowEveryMove() throws {
        let h = try Self.harness()
        try h.apply(Fx.register([Self.missile], to: Fx.dep1))
        #expect(h.refusal(Fx.register([Self.launcher], to: Fx.dep1))?.rule == "policy.separation")
        // The missile leaves DEP-01: the launcher may arrive.
        try h.apply(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Self.missile)], document: "TR-1"))
        try h.apply(Fx.register([Self.launcher], to: Fx.dep1))
        try h.apply(Fx.event(.receive, to: Fx.dep2, items: [Fx.ref(Self.missile)], document: "TR-1"))
        // Back to DEP-01, where the launcher now is: refused.
        try h.apply(Fx.event(.dispatch, from: Fx.dep2, to: Fx.dep1, items: [Fx.ref(Self.missile)], document: "TR-2"))
        #expect(h.refusal(Fx.event(.receive, to: Fx.dep1, items: [Fx.ref(Self.missile)], document: "TR-2"))?.rule == "policy.separation")
    }

    @Test func theOperatorNeedsTheSecondPersonToo() throws {
        let h = try Self.harness()
        try h.apply(Fx.register([Self.missile], to: Fx.dep1))
        h.engine.admission = Admission(authority: .operator, now: Self.now)
        let refusal = h.refusal(Self.issue(Self.missile, to: Fx.unit))
        #expect(refusal?.rule == "confirmation.required")
        // A name in confirmedBy without its proof is refused as well.
        var named = Self.issue(Self.missile, to: Fx.unit)
        named.confirmedBy = [Fx.person]
        #expect(h.refusal(named)?.message.contains("no confirmation from \(Fx.person)") == true)
    }

    @Test func theTwoPersonRuleFollowsThePack() throws {
        let clerk = Authority.user(code: "CLK-1", role: .clerk, scope: Fx.region)
        let h = try Self.harness()
        try h.apply(Fx.register([Self.missile, Fx.rifle], to: Fx.dep1))
        h.engine.admission = Admission(authority: clerk, now: Self.now)
        let refusal = h.refusal(Self.issue(Self.missile, to: Fx.unit))
        #expect(refusal?.rule == "confirmation.required")
        #expect(refusal?.message.contains("manpads") == true)
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Fx.rifle)]))
        // A pack without the two-person rule for MANPADS, set by an admin.
        h.engine.admission = Admission(authority: .user(code: "ADM", role: .admin, scope: nil), now: Self.now)
        var relaxed = PolicyPack.standard
        relaxed.rules[0].twoPerson = []
        try h.apply(Self.policySet(relaxed))
        h.engine.admission = Admission(authority: clerk, now: Self.now)
        try h.apply(Self.issue(Self.missile, to: Fx.unit))
    }

    @Test func thePackInForceIsReadFromTheLedger() throws {
        let h = try Self.harness()
        try h.apply(Self.policySet(.empty))
        try h.apply(Fx.register([Self.missile], to: Fx.dep1))
        // A new engine over the same store (the next request) finds the empty pack in force.
        var engine = CustodyEngine(
            loader: h.store, holders: h.engine.holders, nextSeq: h.engine.nextSeq, nextItemID: h.engine.nextItemID,
            nextLotID: h.engine.nextLotID)
        engine.admission = Admission(authority: .operator, now: Self.now)
        #expect(try engine.policyInForce() == .empty)
        var register = Fx.register([Self.launcher], to: Fx.dep1)
        register.occurredAt = Fx.t1
        _ = try engine.apply(register)
    }

    @Test func onlyAnAdminOfTheWholeRegisterSetsThePack() throws {
        let h = try Self.harness(.user(code: "ADM-N", role: .admin, scope: Fx.zone))
        #expect(h.refusal(Self.policySet(.empty))?.rule == "policy.whole-register")
        h.engine.admission = Admission(authority: .user(code: "CLK-1", role: .clerk, scope: nil), now: Self.now)
        #expect(h.refusal(Self.policySet(.empty))?.field == "kind")
        #expect(h.refusal(Self.authorisation(Fx.dep1))?.field == "kind")
        // A scoped admin authorises inside the scope only, and a holder outside is unknown.
        h.engine.admission = Admission(authority: .user(code: "ADM-D", role: .admin, scope: Fx.dep2), now: Self.now)
        let outside = h.refusal(Self.authorisation(Fx.dep1))
        #expect(outside?.field == "authorisation.holder")
        #expect(outside?.message.contains("unknown holder") == true)
    }

    @Test func aReplayAcceptsWhatThePackRefuses() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.register([Self.missile], to: Fx.dep1))
        try h.apply(Fx.register([Self.launcher], to: Fx.dep1))
        try h.apply(Self.issue(Self.missile, to: Fx.person, dueBack: nil))
    }
}

@Suite struct PolicyPackReadingTests {
    @Test func theStandardPackReadsBackFromItsCanonicalForm() throws {
        let read = try PolicyPack(json: PolicyPack.standard.jsonValue)
        #expect(read == PolicyPack.standard)
        #expect(try PolicyPack(json: PolicyPack.empty.jsonValue) == .empty)
    }

    @Test func aPolicySetEventRoundTripsThroughItsJSON() throws {
        var e = Event(kind: .policySet, occurredAt: Fx.t0)
        e.policy = .standard
        e.recordedAt = Fx.t0
        e.recordedBy = "ADM"
        let back = try Event(json: e.jsonValue, source: .ledger)
        #expect(back == e)
    }

    static let bad: [(String, JSONValue, String)] = [
        ("unknown top key", .object([("rulez", .array([]))]), "rulez"),
        ("unknown category", .object([("rules", .array([.object([("for", .string("rockets"))])]))]), "rules[0].for"),
        ("category in two rules",
         .object([("rules", .array([.object([("for", .string("manpads"))]), .object([("for", .string("manpads-missile"))])]))]),
         "rules[1].for"),
        ("two-person of a holder kind",
         .object([("rules", .array([.object([("for", .string("mortar")), ("two-person", .array([.string("holder-add")]))])]))]),
         "rules[0].two-person[0]"),
        ("issue to an external", .object([("rules", .array([.object([("for", .string("mortar")), ("issue-to", .array([.string("external")]))])]))]),
         "rules[0].issue-to[0]"),
        ("days not a number", .object([("rules", .array([.object([("for", .string("mortar")), ("count-within-days", .string("soon"))])]))]),
         "rules[0].count-within-days"),
        ("separation of one category", .object([("separation", .array([.array([.string("mortar")])]))]), "separation[0]"),
        ("losses without days", .object([("alerts", .object([("losses", .object([("count", .int(3))]))]))]), "alerts.losses"),
        ("version 2", .object([("version", .int(2))]), "version"),
    ]

    @Test(arguments: bad)
    func aBadPackIsRefusedAtItsPath(_ name: String, _ json: JSONValue, _ path: String) {
        do {
            _ = try PolicyPack(node: PolicyNode(json: json))
            Issue.record("\(name): accepted")
        } catch {
            #expect(error.problems.first?.path == path, "\(name): \(error.problems)")
        }
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() {
        let json = JSONValue.object([
            ("rules", .array([.object([("for", .string("rockets")), ("longest-due-back-days", .int(0))])])),
            ("colour", .string("red")),
        ])
        do {
            _ = try PolicyPack(node: PolicyNode(json: json))
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.path) == ["colour", "rules[0].for", "rules[0].longest-due-back-days"])
        }
    }
}

/// The custody rules an item's or lot's state breaks each carry a code of their own.
@Suite struct CustodyCodeTests {
    @Test func eachStateRuleRefusesWithItsCode() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.register([Fx.rifle, Fx.pistol], to: Fx.dep1))
        try h.apply(Fx.registerLot(quantity: 10, to: Fx.dep1))
        #expect(h.refusal(Fx.event(.issue, from: Fx.dep2, to: Fx.unit, items: [Fx.ref(Fx.rifle)]))?.rule == "custody.held-by-another")
        #expect(h.refusal(Fx.event(.recovery, to: Fx.dep1, items: [Fx.ref(Fx.rifle)]))?.rule == "custody.not-missing")
        #expect(h.refusal(Fx.event(.receive, to: Fx.dep1, items: [Fx.ref(Fx.rifle)], document: "TD-X"))?.code == "custody")
        #expect(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, lots: [Fx.lot(11)]))?.rule == "custody.balance")
        try h.apply(Fx.event(.loss, from: Fx.dep1, items: [Fx.ref(Fx.pistol)]))
        #expect(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Fx.pistol)]))?.rule == "custody.not-held")
        var destroy = Fx.event(.destroy, from: Fx.dep1, items: [Fx.ref(Fx.rifle)])
        destroy.method = "cutting"
        try h.apply(destroy)
        let terminal = h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Fx.rifle)]))
        #expect(terminal?.rule == "custody.terminal")
        #expect(terminal?.code == "custody.terminal")
        #expect(CustodyViolation("x", "y").code == "custody")
    }
}
