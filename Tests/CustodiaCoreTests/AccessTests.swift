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

    @Test func anEventNamingAHolderOutsideTheScopeIsNotAdmitted() {
        let scope = HolderScope(root: "Z1", holders: holders)
        var inside = Event(kind: .issue, occurredAt: "2026-01-01T00:00:00Z")
        inside.from = "D1"
        inside.to = "U1"
        #expect(scope.admits(inside))
        var outside = inside
        outside.to = "D2"
        #expect(!scope.admits(outside))
        var add = Event(kind: .holderAdd, occurredAt: "2026-01-01T00:00:00Z")
        add.holder = HolderChange(code: "U9", kind: .unit, name: "U9", parent: "D1")
        #expect(scope.admits(add))
        add.holder?.parent = "D2"
        #expect(!scope.admits(add))
    }

    @Test func custodyLeavingOrArrivingNeedsOnlyItsOwnSideInTheScope() {
        let scope = HolderScope(root: "Z1", holders: holders)
        var dispatch = Event(kind: .dispatch, occurredAt: "2026-01-01T00:00:00Z")
        dispatch.from = "D1"
        dispatch.to = "D2"
        #expect(scope.admits(dispatch))
        var receive = Event(kind: .receive, occurredAt: "2026-01-01T00:00:00Z")
        receive.from = "D2"
        receive.to = "D1"
        #expect(scope.admits(receive))
        var foreignReceive = receive
        foreignReceive.to = "D2"
        #expect(!scope.admits(foreignReceive))
        var inbound = dispatch
        inbound.from = "D2"
        inbound.to = "D1"
        #expect(!scope.admits(inbound))
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

    @Test func aUserEventNamesTheRootOfTheUsersScope() {
        let scope = HolderScope(root: "Z1", holders: holders)
        var add = Event(kind: .userAdd, occurredAt: "2026-01-01T00:00:00Z")
        add.user = .add(code: "ana", role: .clerk, scope: "D1")
        #expect(HolderScope.holdersNamed(by: add) == ["D1"])
        #expect(scope.admits(add))
        add.user = .add(code: "ana", role: .clerk, scope: "D2")
        #expect(!scope.admits(add), "a scoped admin cannot give access outside its own scope")
        add.user = .add(code: "aud", role: .auditor, scope: nil)
        #expect(HolderScope.holdersNamed(by: add) == [])
        #expect(!scope.admits(add), "nor grant the whole register")
        #expect(HolderScope.everything.admits(add))

        var widen = Event(kind: .userChange, occurredAt: "2026-01-01T00:00:00Z")
        widen.user = .change(code: "ana", role: nil, scope: .some(nil))
        #expect(!scope.admits(widen))
        widen.user = .change(code: "ana", role: .viewer, scope: nil)
        #expect(scope.admits(widen), "a role change alone names no holder")
        widen.user = .change(code: "ana", role: nil, scope: .some("U1"))
        #expect(HolderScope.holdersNamed(by: widen) == ["U1"])
        #expect(scope.admits(widen))
    }
}
