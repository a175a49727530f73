import Testing

@testable import CustodiaCore

/// Builders for user and token events.
enum Ux {
    static func event(_ kind: EventKind, _ change: UserChange) -> Event {
        var e = Event(kind: kind, occurredAt: Fx.t1)
        e.user = change
        return e
    }
    static func add(_ code: String, _ role: Role, scope: String?) -> Event {
        event(.userAdd, .add(code: code, role: role, scope: scope))
    }
    static func change(_ code: String, role: Role? = nil, scope: String?? = nil) -> Event {
        event(.userChange, .change(code: code, role: role, scope: scope))
    }
    static func disable(_ code: String) -> Event { event(.userDisable, .disable(code: code)) }
    static func createToken(_ id: String, owner: String) -> Event { event(.tokenCreate, .token(id, owner: owner)) }
    static func revokeToken(_ id: String, owner: String) -> Event { event(.tokenRevoke, .token(id, owner: owner)) }

    static let closedSite = "DEP-CLOSED"

    /// The fixture holders, a closed site, and users and tokens in every state:
    /// ana (clerk, DEP-01, active) with token T-ANA (active) and T-REV (revoked);
    /// ada (admin, whole register, active); old (viewer, Z-1, disabled) with token T-OLD
    /// (still active, created before old was disabled).
    static func harness(dropCache: Bool) throws -> CustodyHarness {
        let h = try CustodyHarness(dropCache: dropCache)
        try h.apply(Fx.holderAdd(closedSite, .site, "Closed depot", parent: Fx.zone))
        try h.apply(Fx.holderEvent(.holderClose, closedSite))
        for e in [
            add("ana", .clerk, scope: Fx.dep1), add("ada", .admin, scope: nil), add("old", .viewer, scope: Fx.zone),
            createToken("T-ANA", owner: "ana"), createToken("T-REV", owner: "ana"), revokeToken("T-REV", owner: "ana"),
            createToken("T-OLD", owner: "old"), disable("old"),
        ] {
            try h.apply(e)
        }
        return h
    }
}

/// One user or token event against the fixture of `Ux.harness`, and what must follow.
struct UserRuleCase: Sendable, CustomTestStringConvertible {
    let name: String
    let event: Event
    /// Accepted: the users and tokens the event leaves (each compared whole).
    let users: [UserRecord]
    let tokens: [APITokenRecord]
    /// Refused: the field and phrases the refusal must contain.
    let field: String?
    let phrases: [String]
    var testDescription: String { name }

    static func accepted(_ name: String, _ event: Event, users: [UserRecord] = [], tokens: [APITokenRecord] = []) -> Self {
        UserRuleCase(name: name, event: event, users: users, tokens: tokens, field: nil, phrases: [])
    }
    static func refused(_ name: String, _ event: Event, _ field: String, _ phrases: String...) -> Self {
        UserRuleCase(name: name, event: event, users: [], tokens: [], field: field, phrases: phrases)
    }
}

@Suite struct UserRulesTests {
    /// Sequence numbers in the fixture: 0–6 holders, 7–8 the closed site, 9 ana, 10 ada,
    /// 11 old, 12 T-ANA, 13 T-REV, 15 T-OLD; the event under test is 17.
    static let next: Int64 = 17

    static let cases: [UserRuleCase] = [
        .accepted(
            "a new clerk scoped to an open depot", Ux.add("bob", .clerk, scope: Fx.dep2),
            users: [UserRecord(code: "bob", role: .clerk, scope: Fx.dep2, addedSeq: next)]),
        .accepted(
            "a new auditor over the whole register", Ux.add("aud", .auditor, scope: nil),
            users: [UserRecord(code: "aud", role: .auditor, scope: nil, addedSeq: next)]),
        .accepted(
            "a new admin scoped to a region", Ux.add("reg", .admin, scope: Fx.region),
            users: [UserRecord(code: "reg", role: .admin, scope: Fx.region, addedSeq: next)]),
        .accepted(
            "a new role keeps the scope", Ux.change("ana", role: .inspector),
            users: [UserRecord(code: "ana", role: .inspector, scope: Fx.dep1, addedSeq: 9)]),
        .accepted(
            "a new scope keeps the role", Ux.change("ana", scope: .some(Fx.zone)),
            users: [UserRecord(code: "ana", role: .clerk, scope: Fx.zone, addedSeq: 9)]),
        .accepted(
            "an auditor's role and the whole register at once", Ux.change("ana", role: .auditor, scope: .some(nil)),
            users: [UserRecord(code: "ana", role: .auditor, scope: nil, addedSeq: 9)]),
        .accepted(
            "an admin scoped down to a zone", Ux.change("ada", scope: .some(Fx.zone)),
            users: [UserRecord(code: "ada", role: .admin, scope: Fx.zone, addedSeq: 10)]),
        .accepted(
            "disabling an active user", Ux.disable("ana"),
            users: [UserRecord(code: "ana", role: .clerk, scope: Fx.dep1, active: false, addedSeq: 9)]),
        .accepted(
            "a token for an active user", Ux.createToken("T-NEW", owner: "ada"),
            tokens: [APITokenRecord(id: "T-NEW", user: "ada", createdSeq: next)]),
        .accepted(
            "revoking an active token", Ux.revokeToken("T-ANA", owner: "ana"),
            tokens: [APITokenRecord(id: "T-ANA", user: "ana", active: false, createdSeq: 12)]),
        .accepted(
            "revoking a disabled user's token", Ux.revokeToken("T-OLD", owner: "old"),
            tokens: [APITokenRecord(id: "T-OLD", user: "old", active: false, createdSeq: 15)]),

        .refused(
            "a user code in use", Ux.add("ana", .viewer, scope: Fx.dep1), "user.code", "user ana already exists (active)",
            "never reused"),
        .refused(
            "a disabled user's code", Ux.add("old", .viewer, scope: Fx.dep1), "user.code", "user old already exists (disabled)"),
        .refused(
            "a clerk without a scope", Ux.add("bob", .clerk, scope: nil), "user.scope", "missing", "bob is a clerk",
            "only auditor and admin"),
        .refused(
            "a scope that is no holder", Ux.add("bob", .clerk, scope: "NOWHERE"), "user.scope", "unknown holder NOWHERE"),
        .refused(
            "a closed scope", Ux.add("bob", .clerk, scope: Ux.closedSite), "user.scope", "holder DEP-CLOSED is closed",
            "open holder"),
        .refused("changing an unknown user", Ux.change("zed", role: .admin), "user.code", "unknown user zed"),
        .refused(
            "changing a disabled user", Ux.change("old", role: .admin), "user.code", "user old is disabled",
            "a user-change needs an active user"),
        .refused(
            "a clerk over the whole register", Ux.change("ana", scope: .some(nil)), "user.scope", "ana is a clerk",
            "only auditor and admin"),
        .refused(
            "an admin made viewer without a scope", Ux.change("ada", role: .viewer), "user.scope", "ada is a viewer"),
        .refused(
            "a change to a closed scope", Ux.change("ana", scope: .some(Ux.closedSite)), "user.scope",
            "holder DEP-CLOSED is closed"),
        .refused(
            "a change that changes nothing", Ux.change("ana", role: .clerk, scope: .some(Fx.dep1)), "user",
            "user ana already has role clerk and scope DEP-01"),
        .refused("disabling an unknown user", Ux.disable("zed"), "user.code", "unknown user zed"),
        .refused(
            "disabling a disabled user", Ux.disable("old"), "user.code", "user old is disabled",
            "a user-disable needs an active user"),
        .refused(
            "a token id in use", Ux.createToken("T-ANA", owner: "ada"), "user.token", "token T-ANA already exists (active",
            "never reused"),
        .refused(
            "a revoked token's id", Ux.createToken("T-REV", owner: "ana"), "user.token", "token T-REV already exists (revoked"),
        .refused("a token for an unknown user", Ux.createToken("T-NEW", owner: "zed"), "user.code", "unknown user zed"),
        .refused(
            "a token for a disabled user", Ux.createToken("T-NEW", owner: "old"), "user.code", "user old is disabled",
            "a token-create needs an active user"),
        .refused("revoking an unknown token", Ux.revokeToken("T-NONE", owner: "ana"), "user.token", "unknown token T-NONE"),
        .refused(
            "revoking a revoked token", Ux.revokeToken("T-REV", owner: "ana"), "user.token", "token T-REV of user ana",
            "already revoked"),
        .refused(
            "revoking a token under another owner", Ux.revokeToken("T-ANA", owner: "ada"), "user.code",
            "token T-ANA belongs to user ana, not ada"),
    ]

    @Test(arguments: cases)
    func userAndTokenEventsFollowTheRules(c: UserRuleCase) throws {
        for dropCache in [true, false] {
            let h = try Ux.harness(dropCache: dropCache)
            #expect(h.engine.nextSeq == Self.next)
            let usersBefore = h.store.users, tokensBefore = h.store.tokens
            if let field = c.field {
                let v = try #require(h.refusal(c.event))
                #expect(v.field == field, "\(v)")
                for phrase in c.phrases { #expect(v.message.contains(phrase), "\(v)") }
                #expect(h.store.users == usersBefore)
                #expect(h.store.tokens == tokensBefore)
            } else {
                let applied = try h.apply(c.event)
                #expect(applied.seq == Self.next)
                #expect(applied.itemIDs.isEmpty && applied.lotIDs.isEmpty && applied.privateName == nil)
                var expectedUsers = usersBefore, expectedTokens = tokensBefore
                for u in c.users { expectedUsers[u.code] = u }
                for t in c.tokens { expectedTokens[t.id] = t }
                #expect(h.store.users == expectedUsers)
                #expect(h.store.tokens == expectedTokens)
            }
        }
    }

    @Test(arguments: Role.allCases)
    func onlyAuditorsAndAdminsMayGoWithoutAScope(role: Role) throws {
        let h = try Ux.harness(dropCache: true)
        let add = Ux.add("new", role, scope: nil)
        if role == .auditor || role == .admin {
            try h.apply(add)
            #expect(h.store.users["new"]?.scope == nil)
        } else {
            let v = try #require(h.refusal(add))
            #expect(v.field == "user.scope")
            #expect(v.message.contains("is \(role == .inspector ? "an" : "a") \(role.rawValue)"), "\(v)")
        }
    }

    @Test func theFixtureReachedEveryState() throws {
        let h = try Ux.harness(dropCache: true)
        #expect(h.store.users["ana"] == UserRecord(code: "ana", role: .clerk, scope: Fx.dep1, addedSeq: 9))
        #expect(h.store.users["ada"] == UserRecord(code: "ada", role: .admin, scope: nil, addedSeq: 10))
        #expect(h.store.users["old"] == UserRecord(code: "old", role: .viewer, scope: Fx.zone, active: false, addedSeq: 11))
        #expect(h.store.tokens["T-ANA"] == APITokenRecord(id: "T-ANA", user: "ana", createdSeq: 12))
        #expect(h.store.tokens["T-REV"] == APITokenRecord(id: "T-REV", user: "ana", active: false, createdSeq: 13))
        #expect(h.store.tokens["T-OLD"] == APITokenRecord(id: "T-OLD", user: "old", createdSeq: 15))
    }

    @Test func aUserAddedEarlierInABatchCanBeGivenATokenAtOnce() throws {
        let h = try CustodyHarness(dropCache: false)
        // Apply without handing changes over in between, as within one long batch.
        _ = try h.engine.apply(Ux.add("ana", .clerk, scope: Fx.dep1))
        _ = try h.engine.apply(Ux.createToken("T-1", owner: "ana"))
        _ = try h.engine.apply(Ux.disable("ana"))
        let changes = h.engine.takeChanges()
        #expect(changes.newUsers == [UserRecord(code: "ana", role: .clerk, scope: Fx.dep1, active: false, addedSeq: 7)])
        #expect(changes.changedUsers == [], "a user added in the batch is new, not changed")
        #expect(changes.newTokens == [APITokenRecord(id: "T-1", user: "ana", createdSeq: 8)])
    }

    @Test func eventsBuiltInCodeGetTheShapeChecksOfParsedInput() throws {
        let h = try CustodyHarness()
        var bad = Ux.add("ana perez", .clerk, scope: Fx.dep1)
        #expect(throws: CustodyViolation("user.code", "\"ana perez\" is not a user code (1–40 letters, digits, - _ . /)")) {
            try h.engine.apply(bad)
        }
        bad = Ux.add("ana", .clerk, scope: Fx.dep1)
        bad.from = Fx.dep1
        #expect(throws: CustodyViolation.self) { try h.engine.apply(bad) }
        var noRole = Ux.add("ana", .clerk, scope: Fx.dep1)
        noRole.user?.role = nil
        #expect(throws: CustodyViolation.self) { try h.engine.apply(noRole) }
        #expect(h.engine.nextSeq == 7)
        #expect(h.engine.takeChanges().isEmpty)
    }

    @Test func theRecordedFormOfAUserAddStatesItsScope() throws {
        let h = try CustodyHarness()
        var add = Ux.add("aud", .auditor, scope: nil)
        add.user?.setsScope = false
        let applied = try h.apply(add)
        #expect(applied.event.user == .add(code: "aud", role: .auditor, scope: nil))
    }

    @Test func userAndTokenKindsAreNeitherCustodyNorHolderKinds() {
        let userKinds: [EventKind] = [.userAdd, .userChange, .userDisable, .tokenCreate, .tokenRevoke]
        #expect(EventKind.allCases.filter(\.isUserChange) == userKinds)
        #expect(userKinds.allSatisfy { !$0.isHolderChange && !EventKind.custodyKinds.contains($0) })
        #expect(EventKind.custodyKinds.count == 18)
    }
}
