import Testing

@testable import CustodiaCore

/// One holder-add case: the new holder's kind and parent, and whether the engine takes it.
struct HolderAddCase: Sendable, CustomTestStringConvertible {
    let kind: HolderKind
    let parent: String?
    /// nil when accepted; otherwise a phrase the refusal must contain.
    let refusal: String?
    var testDescription: String {
        "\(kind.rawValue) under \(parent ?? "no parent") → \(refusal.map { "refused (\($0))" } ?? "accepted")"
    }
}

@Suite struct HolderTreeTests {
    // The fixture: R-NORTH (region) > Z-1 (zone) > DEP-01, DEP-02 (sites); DEP-01 > UNIT-1 (unit)
    // > P-0001 (person); EXT-ACME (external, root).
    static let addCases: [HolderAddCase] = [
        HolderAddCase(kind: .region, parent: nil, refusal: nil),
        HolderAddCase(kind: .region, parent: Fx.region, refusal: "cannot sit under"),
        HolderAddCase(kind: .external, parent: nil, refusal: nil),
        HolderAddCase(kind: .external, parent: Fx.region, refusal: nil),
        HolderAddCase(kind: .external, parent: Fx.zone, refusal: "cannot sit under"),
        HolderAddCase(kind: .zone, parent: nil, refusal: "missing; a zone sits under a parent holder"),
        HolderAddCase(kind: .zone, parent: Fx.region, refusal: nil),
        HolderAddCase(kind: .zone, parent: Fx.zone, refusal: "cannot sit under"),
        HolderAddCase(kind: .site, parent: nil, refusal: "sits under a parent holder"),
        HolderAddCase(kind: .site, parent: Fx.region, refusal: nil),
        HolderAddCase(kind: .site, parent: Fx.zone, refusal: nil),
        HolderAddCase(kind: .site, parent: Fx.dep1, refusal: "cannot sit under"),
        HolderAddCase(kind: .unit, parent: nil, refusal: "sits under a parent holder"),
        HolderAddCase(kind: .unit, parent: Fx.dep1, refusal: nil),
        HolderAddCase(kind: .unit, parent: Fx.unit, refusal: nil),
        HolderAddCase(kind: .unit, parent: Fx.person, refusal: "cannot sit under"),
        HolderAddCase(kind: .unit, parent: Fx.external, refusal: "cannot sit under"),
        HolderAddCase(kind: .person, parent: nil, refusal: "sits under a parent holder"),
        HolderAddCase(kind: .person, parent: Fx.unit, refusal: nil),
        HolderAddCase(kind: .person, parent: Fx.dep2, refusal: nil),
        HolderAddCase(kind: .person, parent: Fx.person, refusal: "cannot sit under"),
        HolderAddCase(kind: .person, parent: Fx.external, refusal: "cannot sit under"),
        HolderAddCase(kind: .site, parent: "NOWHERE", refusal: "unknown holder NOWHERE"),
    ]

    @Test(arguments: addCases)
    func holderAddFollowsTheParentRules(c: HolderAddCase) throws {
        let h = try CustodyHarness()
        let add = Fx.holderAdd("NEW-1", c.kind, "New holder", parent: c.parent)
        if let phrase = c.refusal {
            let v = try #require(h.refusal(add))
            #expect(v.field == "holder.parent")
            #expect(v.message.contains(phrase), "\(v)")
            #expect(h.engine.holders["NEW-1"] == nil)
        } else {
            let applied = try h.apply(add)
            #expect(h.engine.holders["NEW-1"] == Holder(code: "NEW-1", kind: c.kind, name: "New holder", parent: c.parent))
            #expect(h.store.holders["NEW-1"]?.parent == c.parent)
            #expect(applied.event.holder?.name == (c.kind == .person ? nil : "New holder"))
        }
    }

    @Test func theAllowedParentsAreAsDocumented() {
        #expect(HolderTree.allowedParents(of: .region).isEmpty)
        #expect(HolderTree.allowedParents(of: .zone) == [.region])
        #expect(HolderTree.allowedParents(of: .site) == [.region, .zone])
        #expect(HolderTree.allowedParents(of: .unit) == [.region, .zone, .site, .unit])
        #expect(HolderTree.allowedParents(of: .person) == [.region, .zone, .site, .unit])
        #expect(HolderTree.allowedParents(of: .external) == [.region])
        #expect(HolderKind.allCases.filter(HolderTree.mayBeRoot) == [.region, .external])
    }

    @Test(arguments: [
        ("DEP-01", true), ("a", true), ("x.y/z_1-2", true), (String(repeating: "A", count: 40), true),
        ("", false), (String(repeating: "A", count: 41), false), ("DEP 01", false), ("DÉP-01", false), ("DEP:01", false),
    ])
    func holderCodesAreShortAndPlain(code: String, valid: Bool) {
        #expect(HolderTree.isValidCode(code) == valid)
    }

    @Test func addingAnExistingCodeIsRefused() throws {
        let h = try CustodyHarness()
        let v = try #require(h.refusal(Fx.holderAdd(Fx.dep1, .site, "Another depot", parent: Fx.zone)))
        #expect(v.field == "holder.code")
        #expect(v.message.contains("DEP-01 already exists"))
        #expect(h.engine.holders[Fx.dep1]?.name == "Depot One")
    }

    @Test func aNonPersonHolderNeedsAName() throws {
        let h = try CustodyHarness()
        let v = try #require(h.refusal(Fx.holderAdd("DEP-03", .site, "  ", parent: Fx.zone)))
        #expect(v.field == "holder.name")
    }

    @Test func addingUnderAClosedParentIsRefused() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.holderEvent(.holderClose, Fx.dep2))
        let v = try #require(h.refusal(Fx.holderAdd("UNIT-9", .unit, "Ninth", parent: Fx.dep2)))
        #expect(v.field == "holder.parent")
        #expect(v.message.contains("DEP-02 is closed"))
    }

    // MARK: People's names stay outside the ledger

    @Test func aPersonsNameIsCarriedBesideTheRecordedEventNotInIt() throws {
        let h = try CustodyHarness()
        let applied = try h.apply(Fx.holderAdd("P-0002", .person, "Jean Dupont", parent: Fx.unit))
        #expect(applied.event.holder?.name == nil)
        #expect(applied.privateName == "Jean Dupont")
        #expect(applied.event.holder?.code == "P-0002")
        #expect(applied.event.holder?.kind == .person)
        #expect(applied.event.holder?.parent == Fx.unit)
        // The leaf's JSON carries no trace of the name.
        #expect(applied.event.jsonValue["holder"]?["name"] == nil)
        #expect(!"\(applied.event.jsonValue)".contains("Dupont"))
        // The engine (and the store beside the ledger) keep it.
        #expect(h.engine.holders["P-0002"]?.name == "Jean Dupont")
        #expect(h.store.holders["P-0002"]?.name == "Jean Dupont")
    }

    @Test func renamingAPersonKeepsTheNewNameOutOfTheEvent() throws {
        let h = try CustodyHarness()
        let applied = try h.apply(Fx.holderEvent(.holderRename, Fx.person, name: "Amina Renamed"))
        #expect(applied.event.holder?.name == nil)
        #expect(applied.privateName == "Amina Renamed")
        #expect(h.engine.holders[Fx.person]?.name == "Amina Renamed")
    }

    @Test func renamingASiteRecordsTheNameInTheEvent() throws {
        let h = try CustodyHarness()
        let applied = try h.apply(Fx.holderEvent(.holderRename, Fx.dep1, name: "Central Depot"))
        #expect(applied.event.holder?.name == "Central Depot")
        #expect(applied.privateName == nil)
        #expect(h.store.holders[Fx.dep1]?.name == "Central Depot")
    }

    @Test func theFixturePersonsNameIsPrivateToo() throws {
        let h = try CustodyHarness(withHolders: false)
        var names: [String?] = []
        for e in Fx.holderAdds {
            let applied = try h.apply(e)
            if e.holder?.kind == .person {
                #expect(applied.event.holder?.name == nil)
                names.append(applied.privateName)
            } else {
                #expect(applied.privateName == nil)
                #expect(applied.event.holder?.name == e.holder?.name)
            }
        }
        #expect(names == [Fx.personName])
    }

    // MARK: Moves

    @Test func movingAHolderUnderItsOwnDescendantIsRefused() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.holderAdd("UNIT-2", .unit, "Second", parent: Fx.unit))
        try h.apply(Fx.holderAdd("UNIT-3", .unit, "Third", parent: "UNIT-2"))
        let v = try #require(h.refusal(Fx.holderEvent(.holderMove, Fx.unit, parent: "UNIT-3")))
        #expect(v.field == "holder.parent")
        #expect(v.message.contains("cycle"))
        #expect(h.engine.holders[Fx.unit]?.parent == Fx.dep1)
    }

    @Test func movingAHolderUnderItselfIsRefused() throws {
        let h = try CustodyHarness()
        let v = try #require(h.refusal(Fx.holderEvent(.holderMove, Fx.unit, parent: Fx.unit)))
        #expect(v.message.contains("cycle"))
    }

    @Test func aMoveMustRespectTheParentKinds() throws {
        let h = try CustodyHarness()
        let v = try #require(h.refusal(Fx.holderEvent(.holderMove, Fx.dep1, parent: Fx.unit)))
        #expect(v.message.contains("cannot sit under"))
        let w = try #require(h.refusal(Fx.holderEvent(.holderMove, Fx.zone, parent: nil)))
        #expect(w.message.contains("sits under a parent holder"))
    }

    @Test func movingAnUnknownHolderIsRefused() throws {
        let h = try CustodyHarness()
        let v = try #require(h.refusal(Fx.holderEvent(.holderMove, "GHOST", parent: Fx.zone)))
        #expect(v.field == "holder.code")
        #expect(v.message.contains("unknown holder GHOST"))
    }

    @Test func aValidMoveChangesTheParent() throws {
        let h = try CustodyHarness(dropCache: false)
        try h.apply(Fx.holderEvent(.holderMove, Fx.dep2, parent: Fx.region))
        #expect(h.engine.holders[Fx.dep2]?.parent == Fx.region)
        #expect(h.store.holders[Fx.dep2]?.parent == Fx.region)
    }

    // MARK: Closing

    @Test func aClosedHolderCannotReceiveCustody() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1))
        try h.apply(Fx.holderEvent(.holderClose, Fx.dep2))
        #expect(h.store.holders[Fx.dep2]?.closed == true)
        let v = try #require(
            h.refusal(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Fx.rifle)], document: "TD-1")))
        #expect(v.field == "to")
        #expect(v.message.contains("DEP-02 is closed"))
        let w = try #require(h.refusal(Fx.register([Fx.pistol], to: Fx.dep2)))
        #expect(w.field == "to")
        #expect(try h.item(Fx.rifle).state.status == .held)
    }

    @Test func aClosedHolderCanStillHandOverWhatItHolds() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.register([Fx.rifle], to: Fx.unit))
        try h.apply(Fx.holderEvent(.holderClose, Fx.unit))
        try h.apply(Fx.event(.return, from: Fx.unit, to: Fx.dep1, items: [Fx.ref(Fx.rifle)]))
        #expect(try h.item(Fx.rifle).state.holder == Fx.dep1)
    }

    @Test func closingTwiceIsRefused() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.holderEvent(.holderClose, Fx.dep2))
        let v = try #require(h.refusal(Fx.holderEvent(.holderClose, Fx.dep2)))
        #expect(v.message.contains("already closed"))
    }

    @Test func holderChangesTakeSequenceNumbers() throws {
        let h = try CustodyHarness()
        #expect(h.engine.nextSeq == Int64(Fx.holderAdds.count))
        #expect(h.store.holders.count == Fx.holderAdds.count)
    }
}
