import Testing

@testable import CustodiaCore

@Suite struct CustodyRulesTests {
    private func registered(_ markings: [ItemMarking] = [Fx.rifle, Fx.pistol], at holder: String = Fx.dep1) throws
        -> CustodyHarness
    {
        let h = try CustodyHarness()
        try h.apply(Fx.register(markings, to: holder))
        return h
    }

    // MARK: Register

    @Test func registerCreatesHeldItemsOnTheAccountOfTheReceivingHolder() throws {
        let h = try CustodyHarness()
        let applied = try h.apply(Fx.register([Fx.rifle, Fx.pistol], to: Fx.dep2))
        #expect(applied.itemIDs == [1, 2])
        #expect(h.engine.nextItemID == 3)
        let rifle = try h.item(Fx.rifle)
        #expect(rifle.id == 1)
        #expect(rifle.marking == Fx.rifle)
        #expect(rifle.registeredSeq == applied.seq)
        #expect(
            rifle.state
                == ItemState(status: .held, holder: Fx.dep2, account: Fx.dep2, condition: .serviceable, lastSeq: applied.seq))
    }

    @Test func registerWithAConditionSetsIt() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1, condition: .awaitingDestruction))
        #expect(try h.item(Fx.rifle).state.condition == .awaitingDestruction)
    }

    @Test func theSameSerialOfTheSameManufacturerMayBeRegisteredForAnotherModel() throws {
        let h = try registered([Fx.rifle])
        try h.apply(Fx.register([Fx.rifleTwin], to: Fx.dep2))
        #expect(try h.item(Fx.rifleTwin).state.holder == Fx.dep2)
        #expect(try h.item(Fx.rifle).state.holder == Fx.dep1)
    }

    @Test func registeringTheSameItemTwiceInOneEventIsRefused() throws {
        let h = try CustodyHarness()
        let v = try #require(h.refusal(Fx.register([Fx.rifle, Fx.pistol, Fx.rifle], to: Fx.dep1)))
        #expect(v.field == "items[2]")
        #expect(v.message.contains("AK-000123"))
        #expect(v.message.contains("listed twice"))
        #expect(h.store.items.isEmpty)
    }

    @Test func registeringAtAnUnknownHolderIsRefused() throws {
        let h = try CustodyHarness()
        let v = try #require(h.refusal(Fx.register([Fx.rifle], to: "DEP-99")))
        #expect(v.field == "to")
        #expect(v.message.contains("unknown holder DEP-99"))
    }

    // MARK: What the engine reads from the store

    @Test func overAStoreThatHeldNoItemsANewMarkingIsNotLookedUpButAnEarlierOneIsStillRefused() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.register([Fx.rifle, Fx.pistol], to: Fx.dep1))
        #expect(h.store.serialReads == 0, "no item existed before this engine: nothing to read")
        // The harness drops the engine's cache after each event, so only the store knows.
        let v = try #require(h.refusal(Fx.register([Fx.rifle], to: Fx.dep2)))
        #expect(v.message.contains("already registered"))
        #expect(h.store.serialReads == 1, "a marking this engine registered is read back")
    }

    @Test func overAStoreThatHeldItemsEveryNewMarkingIsLookedUp() throws {
        let h = try registered([Fx.rifle])
        var engine = CustodyEngine(
            loader: h.store, holders: h.engine.holders, nextSeq: h.engine.nextSeq, nextItemID: 2, nextLotID: 1)
        let v = try #require(throws: CustodyViolation.self) {
            try engine.apply(Fx.register([Fx.pistol, Fx.rifle], to: Fx.dep1))
        }
        #expect(v.message.contains("already registered"))
        #expect(h.store.serialReads == 2)
    }

    @Test func keepingItsCacheTheEngineReadsAnItemOnceButForgetsWhatItRegistered() throws {
        let h = try CustodyHarness(dropCache: false)
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1))
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [Fx.ref(Fx.rifle)]))
        #expect(h.store.serialReads == 1, "registered items are not kept: the issue reads the rifle back")
        try h.apply(Fx.event(.return, from: Fx.person, to: Fx.dep1, items: [Fx.ref(Fx.rifle)]))
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Fx.rifle)]))
        #expect(h.store.serialReads == 1, "an item read is kept across steps")
        #expect(try h.item(Fx.rifle).state.holder == Fx.unit)
    }

    // MARK: Issue, return, maintenance

    @Test func returnAfterIssueClearsTheDueDateAndKeepsTheAccount() throws {
        let h = try registered()
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [Fx.ref(Fx.rifle)], dueBack: "2026-04-30"))
        var rifle = try h.item(Fx.rifle)
        #expect(rifle.state.holder == Fx.person)
        #expect(rifle.state.account == Fx.dep1)
        #expect(rifle.state.dueBack == "2026-04-30")
        try h.apply(Fx.event(.return, from: Fx.person, to: Fx.dep1, items: [Fx.ref(Fx.rifle)]))
        rifle = try h.item(Fx.rifle)
        #expect(rifle.state.holder == Fx.dep1)
        #expect(rifle.state.account == Fx.dep1)
        #expect(rifle.state.dueBack == nil)
    }

    @Test func maintenanceInAfterMaintenanceOutClearsTheDueDate() throws {
        let h = try registered()
        try h.apply(
            Fx.event(.maintenanceOut, from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Fx.pistol)], dueBack: "2026-05-01T12:00:00Z"))
        #expect(try h.item(Fx.pistol).state.dueBack == "2026-05-01T12:00:00Z")
        try h.apply(Fx.event(.maintenanceIn, from: Fx.unit, to: Fx.dep1, items: [Fx.ref(Fx.pistol)]))
        let pistol = try h.item(Fx.pistol)
        #expect(pistol.state.holder == Fx.dep1)
        #expect(pistol.state.dueBack == nil)
    }

    @Test func issuingFromAHolderThatDoesNotHoldTheItemIsRefused() throws {
        let h = try registered()
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.unit, to: Fx.person, items: [Fx.ref(Fx.rifle)])))
        #expect(v.field == "items[0]")
        #expect(v.message.contains("AK-000123"))
        #expect(v.message.contains("held by DEP-01, not by UNIT-1"))
    }

    @Test func issuingAMissingRifleIsRefused() throws {
        let h = try registered()
        try h.apply(Fx.event(.theft, from: Fx.dep1, items: [Fx.ref(Fx.rifle)]))
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [Fx.ref(Fx.rifle)])))
        #expect(v.message.contains("AK-000123"))
        #expect(v.message.contains("is missing"))
    }

    @Test func issuingAnUnregisteredRifleIsRefused() throws {
        let h = try registered()
        let ref = ItemReference.marking(manufacturer: "Kalashnikov Concern", serial: "AK-999999", model: nil)
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [ref])))
        #expect(v.field == "items[0]")
        #expect(v.message.contains("no item AK-999999 (Kalashnikov Concern) is registered"))
    }

    @Test func aSerialIsUnknownUnderAnotherManufacturer() throws {
        let h = try registered()
        let ref = ItemReference.marking(manufacturer: "Izhmash", serial: Fx.rifle.serial, model: nil)
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [ref])))
        #expect(v.message.contains("no item"))
    }

    @Test func anUnknownItemIDIsRefused() throws {
        let h = try registered()
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [.id(42)])))
        #expect(v.field == "items[0]")
        #expect(v.message.contains("no item has id 42"))
    }

    @Test func anItemNamedByIDIsRecordedByItsFullIdentity() throws {
        let h = try registered()
        let id = try h.item(Fx.pistol).id
        let applied = try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [.id(id)]))
        #expect(applied.event.items == [Fx.fullRef(Fx.pistol)])
        #expect(applied.itemIDs == [id])
        #expect(try h.item(Fx.pistol).state.holder == Fx.person)
    }

    @Test func theSameItemNamedByIDAndByMarkingIsRefused() throws {
        let h = try registered()
        let id = try h.item(Fx.rifle).id
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [.id(id), Fx.ref(Fx.rifle)])))
        #expect(v.field == "items[1]")
        #expect(v.message.contains("listed twice"))
    }

    // MARK: Ambiguous references

    @Test func aSerialSharedByTwoModelsIsAmbiguousWithoutTheModel() throws {
        let h = try registered([Fx.rifle, Fx.rifleTwin])
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [Fx.ref(Fx.rifle)])))
        #expect(v.field == "items[0]")
        #expect(v.message.contains("AK-000123"))
        #expect(v.message.contains("ambiguous"))
        #expect(v.message.contains("AK-74M, AKM"))
    }

    @Test func namingTheModelResolvesAnAmbiguousSerial() throws {
        let h = try registered([Fx.rifle, Fx.rifleTwin])
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [Fx.ref(Fx.rifleTwin, model: true)]))
        #expect(try h.item(Fx.rifleTwin).state.holder == Fx.person)
        #expect(try h.item(Fx.rifle).state.holder == Fx.dep1)
    }

    @Test func aModelThatDoesNotMatchIsAnUnknownItem() throws {
        let h = try registered([Fx.rifle])
        let ref = ItemReference.marking(manufacturer: Fx.rifle.manufacturer, serial: Fx.rifle.serial, model: "AK-12")
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [ref])))
        #expect(v.message.contains("no item AK-000123 (Kalashnikov Concern AK-12) is registered"))
    }

    // MARK: Dispatch and receive

    @Test func receiveCompletesTheDispatchAndMovesTheAccount() throws {
        let h = try registered()
        try h.apply(
            Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Fx.rifle), Fx.ref(Fx.pistol)], document: "TD-1"))
        #expect(h.store.dispatches["TD-1"]?.itemsInTransit == 2)
        #expect(h.store.dispatches["TD-1"]?.isOpen == true)
        // The receive may leave out from.
        try h.apply(Fx.event(.receive, to: Fx.dep2, items: [Fx.ref(Fx.rifle)], document: "TD-1"))
        #expect(h.store.dispatches["TD-1"]?.itemsInTransit == 1)
        let rifle = try h.item(Fx.rifle)
        #expect(rifle.state.status == .held)
        #expect(rifle.state.account == Fx.dep2)
        #expect(rifle.state.transit == nil)
        #expect(try h.item(Fx.pistol).state.status == .inTransit)
        try h.apply(Fx.event(.receive, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Fx.pistol)], document: "TD-1"))
        #expect(h.store.dispatches["TD-1"]?.itemsInTransit == 0)
        #expect(h.store.dispatches["TD-1"]?.isOpen == false)
    }

    @Test func aDispatchDocumentCanBeUsedOnlyOnceEvenAfterItIsReceived() throws {
        let h = try registered()
        try h.apply(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Fx.rifle)], document: "TD-1"))
        try h.apply(Fx.event(.receive, to: Fx.dep2, items: [Fx.ref(Fx.rifle)], document: "TD-1"))
        let v = try #require(
            h.refusal(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Fx.pistol)], document: "TD-1")))
        #expect(v.field == "document")
        #expect(v.message.contains("TD-1 already exists"))
    }

    @Test func receivingAnUnknownDocumentIsRefused() throws {
        let h = try registered()
        let v = try #require(h.refusal(Fx.event(.receive, to: Fx.dep2, items: [Fx.ref(Fx.rifle)], document: "TD-404")))
        #expect(v.field == "document")
        #expect(v.message.contains("no dispatch has document TD-404"))
    }

    @Test func receivingAtAnotherHolderThanTheDispatchNamesIsRefused() throws {
        let h = try registered()
        try h.apply(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Fx.rifle)], document: "TD-1"))
        let v = try #require(h.refusal(Fx.event(.receive, to: Fx.unit, items: [Fx.ref(Fx.rifle)], document: "TD-1")))
        #expect(v.field == "to")
        #expect(v.message.contains("sent to DEP-02"))
        let w = try #require(
            h.refusal(Fx.event(.receive, from: Fx.unit, to: Fx.dep2, items: [Fx.ref(Fx.rifle)], document: "TD-1")))
        #expect(w.field == "from")
        #expect(w.message.contains("sent from DEP-01"))
    }

    @Test func receivingAnItemThatTravelsOnAnotherDispatchIsRefused() throws {
        let h = try registered()
        try h.apply(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Fx.rifle)], document: "TD-1"))
        try h.apply(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Fx.pistol)], document: "TD-2"))
        let v = try #require(h.refusal(Fx.event(.receive, to: Fx.dep2, items: [Fx.ref(Fx.pistol)], document: "TD-1")))
        #expect(v.field == "items[0]")
        #expect(v.message.contains("GL-4455"))
        #expect(v.message.contains("in transit on dispatch TD-2"))
    }

    // MARK: Loss, recovery, surrender

    @Test func recoveryBringsAMissingItemBackWithoutChangingTheAccount() throws {
        let h = try registered()
        try h.apply(Fx.event(.loss, from: Fx.dep1, items: [Fx.ref(Fx.rifle)]))
        try h.apply(Fx.event(.recovery, from: Fx.unit, to: Fx.dep2, items: [Fx.ref(Fx.rifle)]))
        let rifle = try h.item(Fx.rifle)
        #expect(rifle.state.status == .held)
        #expect(rifle.state.holder == Fx.dep2)
        #expect(rifle.state.account == Fx.dep1)
    }

    @Test func lossClearsTheDueDate() throws {
        let h = try registered()
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [Fx.ref(Fx.rifle)], dueBack: "2026-04-30"))
        try h.apply(Fx.event(.loss, from: Fx.person, items: [Fx.ref(Fx.rifle)]))
        let rifle = try h.item(Fx.rifle)
        #expect(rifle.state.status == .missing)
        #expect(rifle.state.holder == nil)
        #expect(rifle.state.dueBack == nil)
    }

    @Test func surrenderOfAHeldItemWithoutFromIsRefused() throws {
        let h = try registered()
        let v = try #require(h.refusal(Fx.event(.surrender, to: Fx.dep2, items: [Fx.ref(Fx.rifle)])))
        #expect(v.message.contains("AK-000123"))
        #expect(v.message.contains("held by DEP-01"))
        #expect(v.message.contains("name from"))
    }

    @Test func surrenderOfAMissingItemNeedsNoFrom() throws {
        let h = try registered()
        try h.apply(Fx.event(.theft, from: Fx.dep1, items: [Fx.ref(Fx.rifle)]))
        try h.apply(Fx.event(.surrender, to: Fx.dep2, items: [Fx.ref(Fx.rifle)]))
        #expect(try h.item(Fx.rifle).state.holder == Fx.dep2)
        #expect(try h.item(Fx.rifle).state.status == .held)
    }

    // MARK: Terminal kinds

    @Test func exportToAHolderThatIsNotExternalIsRefused() throws {
        let h = try registered()
        let v = try #require(h.refusal(Fx.event(.export, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Fx.rifle)])))
        #expect(v.field == "to")
        #expect(v.message.contains("DEP-02 is a site"))
        #expect(v.message.contains("external"))
    }

    @Test func deactivationByAHolderThatDoesNotHoldTheItemIsRefused() throws {
        let h = try registered()
        let v = try #require(h.refusal(Fx.event(.deactivate, from: Fx.unit, items: [Fx.ref(Fx.rifle)])))
        #expect(v.message.contains("not by UNIT-1"))
    }

    @Test func destroyNamingAnUnknownWitnessIsRefused() throws {
        let h = try registered()
        var e = Fx.event(.destroy, from: Fx.dep1, items: [Fx.ref(Fx.rifle)])
        e.witnesses = [Fx.person, "P-9999"]
        let v = try #require(h.refusal(e))
        #expect(v.field == "witnesses[1]")
        #expect(v.message.contains("P-9999"))
        #expect(try h.item(Fx.rifle).state.status == .held)
    }

    @Test func anUnknownConfirmingHolderIsRefused() throws {
        let h = try registered()
        var e = Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [Fx.ref(Fx.rifle)])
        e.confirmedBy = ["NOBODY"]
        let v = try #require(h.refusal(e))
        #expect(v.field == "confirmedBy[0]")
    }

    @Test(arguments: [("from", "GHOST-1"), ("to", "GHOST-2")])
    func anUnknownFromOrToHolderIsRefused(field: String, code: String) throws {
        let h = try registered()
        let e =
            field == "from"
            ? Fx.event(.issue, from: code, to: Fx.person, items: [Fx.ref(Fx.rifle)])
            : Fx.event(.issue, from: Fx.dep1, to: code, items: [Fx.ref(Fx.rifle)])
        let v = try #require(h.refusal(e))
        #expect(v.field == field)
        #expect(v.message.contains("unknown holder \(code)"))
    }

    // MARK: Correction

    @Test func aCorrectionMustNameAnEarlierEvent() throws {
        let h = try registered()
        let next = h.engine.nextSeq
        var e = Fx.event(.correction)
        e.reason = "typo"
        e.corrects = next
        let v = try #require(h.refusal(e))
        #expect(v.field == "corrects")
        e.corrects = next - 1
        let applied = try h.apply(e)
        #expect(applied.seq == next)
        #expect(applied.event.corrects == next - 1)
    }

    // MARK: Atomicity of one event

    @Test(arguments: [true, false])
    func anEventWhoseSecondItemIsRefusedChangesNeitherItem(dropCache: Bool) throws {
        let h = try CustodyHarness(dropCache: dropCache)
        try h.apply(Fx.register([Fx.rifle, Fx.pistol], to: Fx.dep1))
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Fx.pistol)]))
        let rifleBefore = try h.item(Fx.rifle)
        let pistolBefore = try h.item(Fx.pistol)

        // The pistol is with UNIT-1, so a dispatch of both from DEP-01 fails on items[1].
        let v = try #require(
            h.refusal(
                Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Fx.rifle), Fx.ref(Fx.pistol)], document: "TD-5")))
        #expect(v.field == "items[1]")
        #expect(v.message.contains("GL-4455"))
        #expect(try h.item(Fx.rifle) == rifleBefore)
        #expect(try h.item(Fx.pistol) == pistolBefore)
        #expect(h.store.dispatches["TD-5"] == nil)

        // Follow-up: the rifle is still held by DEP-01 and the document is still free.
        try h.apply(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [Fx.ref(Fx.rifle)], document: "TD-5"))
        #expect(try h.item(Fx.rifle).state.transit == "TD-5")
        #expect(h.store.dispatches["TD-5"]?.itemsInTransit == 1)
    }

    @Test(arguments: [true, false])
    func aRegisterWhoseSecondItemExistsRegistersNeither(dropCache: Bool) throws {
        let h = try CustodyHarness(dropCache: dropCache)
        try h.apply(Fx.register([Fx.pistol], to: Fx.dep1))
        let v = try #require(h.refusal(Fx.register([Fx.rifle, Fx.pistol], to: Fx.dep2)))
        #expect(v.field == "items[1]")
        #expect(h.engine.nextItemID == 2)
        #expect(h.store.items.count == 1)
        // The rifle was not registered: registering it alone now succeeds, with the next id.
        let applied = try h.apply(Fx.register([Fx.rifle], to: Fx.dep2))
        #expect(applied.itemIDs == [2])
    }

    @Test(arguments: [true, false])
    func anItemMoveWithAnOverdrawnLotChangesNothing(dropCache: Bool) throws {
        let h = try CustodyHarness(dropCache: dropCache)
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1))
        try h.apply(Fx.registerLot(quantity: 100, to: Fx.dep1))
        let v = try #require(
            h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Fx.rifle)], lots: [Fx.lot(60), Fx.lot(60)])))
        #expect(v.field == "lots[1].quantity")
        #expect(try h.item(Fx.rifle).state.holder == Fx.dep1)
        #expect(h.balance(Fx.dep1) == 100)
        #expect(h.balance(Fx.unit) == 0)
        // Follow-up: the whole balance is still there to move.
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Fx.rifle)], lots: [Fx.lot(100)]))
        #expect(h.balance(Fx.dep1) == 0)
        #expect(h.balance(Fx.unit) == 100)
    }
}

/// Which fields of an item's state an event changed: what a store writes.
@Suite struct ItemStateColumnsTests {
    @Test func everyFieldThatDiffersIsListedAndNoOther() {
        let base = ItemState(status: .held, holder: "A", account: "A", condition: .serviceable, lastSeq: 1)
        #expect(base.columns(differingFrom: base).isEmpty)
        let changes: [(ItemStateColumns, (inout ItemState) -> Void)] = [
            (.status, { $0.status = .missing }),
            (.holder, { $0.holder = "B" }),
            (.account, { $0.account = "B" }),
            (.condition, { $0.condition = .repairable }),
            (.dueBack, { $0.dueBack = "2026-04-01T00:00:00Z" }),
            (.transit, { $0.transit = "D-1" }),
            (.lastCounted, { $0.lastCounted = "2026-04-01T00:00:00Z" }),
            (.lastSeq, { $0.lastSeq = 2 }),
        ]
        var all = base
        for (column, change) in changes {
            var s = base
            change(&s)
            #expect(s.columns(differingFrom: base) == column)
            #expect(base.columns(differingFrom: s) == column)
            change(&all)
        }
        #expect(all.columns(differingFrom: base) == .all)
    }

    /// An issue changes the holder, not the account; a receive changes both; a condition
    /// neither. (The rule tests write through a store that applies only the listed fields.)
    @Test func theEngineListsOnlyTheFieldsAnEventChanged() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1))
        let issue = Fx.event(
            .issue, from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Fx.rifle)], dueBack: "2026-04-01T00:00:00Z")
        _ = try h.engine.apply(issue)
        let changes = h.engine.takeChanges()
        #expect(changes.changedItemColumns == [[.holder, .dueBack, .lastSeq]])
        h.store.write(changes)
        _ = try h.engine.apply(Fx.event(.condition, from: Fx.unit, items: [Fx.ref(Fx.rifle)], condition: .repairable))
        #expect(h.engine.takeChanges().changedItemColumns == [[.condition, .lastSeq]])
    }
}
