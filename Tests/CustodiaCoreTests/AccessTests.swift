import Testing

@testable import CustodiaCore

struct AccessTests {
    let holders = [
        Holder(code: "R1", kind: .region, name: "Norte"),
        Holder(code: "Z1", kind: .zone, name: "Z1", parent: "R1"),
        Holder(code: "D1", kind: .site, name: "D1", parent: "Z1"),
        Holder(code: "U1", kind: .unit, name: "U1", parent: "D1"),
        Holder(code: "R2", kind: .region, name: "Sur"),
        Holder(code: "D2", kind: .site, name: "D2", parent: "R2"),
    ]

    @Test func aScopeIsTheSubtreeUnderItsRoot() {
        let scope = HolderScope(root: "Z1", holders: holders)
        #expect(scope.codes == ["Z1", "D1", "U1"])
        #expect(scope.contains("U1"))
        #expect(!scope.contains("R1"))
        #expect(!scope.contains("D2"))
        #expect(HolderScope.everything.contains("D2"))
    }

    @Test(arguments: [
        (Role.viewer, Action.read, true), (.viewer, .record(.issue), false),
        (.clerk, .record(.issue), true), (.clerk, .record(.holderAdd), false), (.clerk, .manageUsers, false),
        (.custodian, .record(.receive), true), (.custodian, .record(.issue), false), (.custodian, .confirm, true),
        (.inspector, .record(.count), true), (.inspector, .record(.loss), false),
        (.auditor, .read, true), (.auditor, .ledger, true), (.auditor, .record(.count), false), (.auditor, .confirm, false),
        (.admin, .manageUsers, true), (.admin, .record(.holderAdd), true),
        (.clerk, .record(.userAdd), false), (.clerk, .record(.tokenCreate), false), (.admin, .record(.userAdd), true),
        (.admin, .record(.tokenRevoke), true),
    ])
    func rolesAllowWhatTheirRuleSays(role: Role, action: Action, allowed: Bool) {
        #expect(role.may(action) == allowed)
    }

    @Test(arguments: Role.allCases)
    func onlyAnAdminRecordsUserAndTokenKinds(role: Role) {
        for kind in EventKind.allCases where kind.isUserChange {
            #expect(role.may(.record(kind)) == (role == .admin), "\(role.rawValue) recording \(kind.rawValue)")
        }
    }
}

/// The scope rule in the custody engine: a scoped recorder's event may touch nothing outside
/// the scope, and what lies outside is refused as if it did not exist.
@Suite struct EngineScopeTests {
    /// The fixture tree, a second region R-SOUTH › DEP-S › P-S, and a rifle at each depot.
    static func harness() throws -> CustodyHarness {
        let h = try CustodyHarness()
        for e in [
            Fx.holderAdd("R-SOUTH", .region, "Southern Region", parent: nil),
            Fx.holderAdd("DEP-S", .site, "Depot South", parent: "R-SOUTH"),
            Fx.holderAdd("P-S", .person, "Someone South", parent: "DEP-S"),
        ] { try h.apply(e) }
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1))
        try h.apply(Fx.register([Fx.pistol], to: "DEP-S"))
        return h
    }

    static func scoped(_ h: CustodyHarness, _ role: Role = .clerk, _ root: String = Fx.zone) {
        h.engine.admission = Admission(authority: .user(code: "u", role: role, scope: root), now: "2026-03-02T10:00:00Z")
    }

    @Test func anEventNamingAHolderOutsideTheScopeIsRefusedAsUnknown() throws {
        let h = try Self.harness()
        Self.scoped(h)
        let outside = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: "P-S", items: [Fx.ref(Fx.rifle)])))
        let unknown = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: "P-X", items: [Fx.ref(Fx.rifle)])))
        #expect(outside.field == "to" && unknown.field == "to")
        #expect(outside.message.replacingOccurrences(of: "P-S", with: "P-X") == unknown.message)
        let item = try #require(h.refusal(Fx.event(.count, from: Fx.dep1, items: [Fx.ref(Fx.pistol)])))
        #expect(item.message == "no item GL-4455 (Glock) is registered; check the serial and manufacturer, or register it first")
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Fx.rifle)]))
    }

    @Test func custodyLeavingTheScopeNeedsOnlyTheSenderInside() throws {
        let h = try Self.harness()
        Self.scoped(h)
        var dispatch = Fx.event(.dispatch, from: Fx.dep1, to: "DEP-S", items: [Fx.ref(Fx.rifle)], document: "TR-1")
        try h.apply(dispatch)
        dispatch.document = "TR-2"
        dispatch.to = "P-S"
        #expect(h.refusal(dispatch)?.message == "unknown holder P-S; add it first (custodia holder add)", "never to a person")
        // The receiving region receives; the sender's clerk cannot.
        let receive = Fx.event(.receive, to: "DEP-S", items: [Fx.ref(Fx.rifle)], document: "TR-1")
        #expect(h.refusal(receive)?.field == "to")
        Self.scoped(h, .clerk, "R-SOUTH")
        try h.apply(receive)
    }

    @Test func aScopedAdministratorGivesNoAccessOutsideTheScope() throws {
        let h = try Self.harness()
        Self.scoped(h, .admin)
        var add = Event(kind: .userAdd, occurredAt: Fx.t0)
        add.user = .add(code: "ana", role: .clerk, scope: "DEP-S")
        #expect(h.refusal(add)?.message == "unknown holder DEP-S; add it first (custodia holder add)")
        add.user = .add(code: "aud", role: .auditor, scope: nil)
        #expect(h.refusal(add)?.field == "user.scope", "nor the whole register")
        add.user = .add(code: "ana", role: .clerk, scope: Fx.dep1)
        try h.apply(add)
        var widen = Event(kind: .userChange, occurredAt: Fx.t0)
        widen.user = .change(code: "ana", role: nil, scope: .some(nil))
        #expect(h.refusal(widen) != nil)
        widen.user = .change(code: "ana", role: .viewer, scope: nil)
        try h.apply(widen)
        var holder = Fx.holderAdd("U-9", .unit, "Nine", parent: "DEP-S")
        #expect(h.refusal(holder)?.message == "unknown holder DEP-S; add it first (custodia holder add)")
        holder.holder?.parent = Fx.dep1
        try h.apply(holder)
        #expect(h.refusal(Fx.holderEvent(.holderClose, Fx.zone))?.message.contains("root of your scope") == true)
    }
}
