import Testing

@testable import CustodiaCore

@Suite struct LotRulesTests {
    private let lotNumber = Fx.lotMarking.lot

    /// 1000 rounds of the fixture lot at DEP-01 (lot id 1).
    private func stocked(_ quantity: Int64 = 1000, dropCache: Bool = true) throws -> CustodyHarness {
        let h = try CustodyHarness(dropCache: dropCache)
        let applied = try h.apply(Fx.registerLot(quantity: quantity, to: Fx.dep1))
        #expect(applied.lotIDs == [1])
        #expect(h.balance(Fx.dep1) == quantity)
        return h
    }

    // MARK: Balances never go negative

    @Test(arguments: [
        EventKind.issue, .return, .maintenanceOut, .maintenanceIn, .dispatch, .loss, .theft, .expend, .destroy, .export,
    ])
    func takingMoreThanTheBalanceIsRefusedNamingTheLotAndHolder(kind: EventKind) throws {
        let h = try stocked()
        let to: String? =
            switch kind {
            case .loss, .theft, .expend, .destroy: nil
            case .export: Fx.external
            default: Fx.dep2
            }
        let e = Fx.event(kind, from: Fx.dep1, to: to, lots: [Fx.lot(1001)], document: kind == .dispatch ? "TD-L" : nil)
        let v = try #require(h.refusal(e))
        #expect(v.field == "lots[0].quantity")
        #expect(v.message.contains("DEP-01 holds 1000 of lot \(lotNumber)"), "\(v)")
        #expect(v.message.contains("1001"))
        #expect(h.balance(Fx.dep1) == 1000)
    }

    @Test func aHolderWithoutTheLotHoldsNoneOfIt() throws {
        let h = try stocked()
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.unit, to: Fx.person, lots: [Fx.lot(1)])))
        #expect(v.message.contains("UNIT-1 holds 0 of lot \(lotNumber)"))
    }

    @Test(arguments: [true, false])
    func twoEntriesOfOneLotInAnEventCountAgainstTheSameBalance(dropCache: Bool) throws {
        let h = try stocked(dropCache: dropCache)
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, lots: [Fx.lot(600), Fx.lot(401)])))
        #expect(v.field == "lots[1].quantity")
        #expect(v.message.contains("DEP-01 holds 400 of lot"))
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, lots: [Fx.lot(600), Fx.lot(400)]))
        #expect(h.balance(Fx.dep1) == 0)
        #expect(h.balance(Fx.unit) == 1000)
    }

    @Test func theWholeBalanceCanBeMovedButNotOneMore() throws {
        let h = try stocked()
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, lots: [Fx.lot(1000)]))
        #expect(h.balance(Fx.dep1) == 0)
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, lots: [Fx.lot(1)])))
        #expect(v.message.contains("DEP-01 holds 0"))
        try h.apply(Fx.event(.return, from: Fx.unit, to: Fx.dep1, lots: [Fx.lot(250)]))
        #expect(h.balance(Fx.dep1) == 250)
        #expect(h.balance(Fx.unit) == 750)
    }

    @Test func expendDestroyAndExportTakeFromTheBalance() throws {
        let h = try stocked()
        try h.apply(Fx.event(.expend, from: Fx.dep1, lots: [Fx.lot(100)]))
        try h.apply(Fx.event(.destroy, from: Fx.dep1, lots: [Fx.lot(200)]))
        try h.apply(Fx.event(.export, from: Fx.dep1, to: Fx.external, lots: [Fx.lot(300)]))
        #expect(h.balance(Fx.dep1) == 400)
        #expect(h.balance(Fx.external) == 0)
    }

    @Test func aCountOfALotMovesNothing() throws {
        let h = try stocked()
        let applied = try h.apply(Fx.event(.count, from: Fx.dep1, lots: [Fx.lot(999)]))
        #expect(applied.lotIDs == [1])
        #expect(h.balance(Fx.dep1) == 1000)
    }

    // MARK: Dispatch and partial receive

    @Test(arguments: [true, false])
    func aPartialReceiveLeavesTheRestInTransitForALaterReceive(dropCache: Bool) throws {
        let h = try stocked(dropCache: dropCache)
        try h.apply(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, lots: [Fx.lot(500)], document: "TD-L"))
        #expect(h.balance(Fx.dep1) == 500)
        #expect(h.balance(Fx.dep2) == 0)
        #expect(h.store.dispatches["TD-L"]?.lotsInTransit == [1: 500])

        try h.apply(Fx.event(.receive, from: Fx.dep1, to: Fx.dep2, lots: [Fx.lot(300)], document: "TD-L"))
        #expect(h.balance(Fx.dep2) == 300)
        #expect(h.store.dispatches["TD-L"]?.lotsInTransit[1] == 200)
        #expect(h.store.dispatches["TD-L"]?.isOpen == true)

        let tooMany = try #require(h.refusal(Fx.event(.receive, to: Fx.dep2, lots: [Fx.lot(201)], document: "TD-L")))
        #expect(tooMany.field == "lots[0].quantity")
        #expect(tooMany.message.contains("TD-L has 200 of lot \(lotNumber) in transit"), "\(tooMany)")
        #expect(h.balance(Fx.dep2) == 300)

        try h.apply(Fx.event(.receive, to: Fx.dep2, lots: [Fx.lot(200)], document: "TD-L"))
        #expect(h.balance(Fx.dep2) == 500)
        #expect(h.balance(Fx.dep1) == 500)
        #expect(h.store.dispatches["TD-L"]?.lotsInTransit[1] == 0)
        #expect(h.store.dispatches["TD-L"]?.isOpen == false)

        let more = try #require(h.refusal(Fx.event(.receive, to: Fx.dep2, lots: [Fx.lot(1)], document: "TD-L")))
        #expect(more.message.contains("has 0 of lot"))
    }

    @Test func twoEntriesOfOneLotInAReceiveCountAgainstWhatIsInTransit() throws {
        let h = try stocked()
        try h.apply(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, lots: [Fx.lot(200)], document: "TD-L"))
        let v = try #require(h.refusal(Fx.event(.receive, to: Fx.dep2, lots: [Fx.lot(150), Fx.lot(100)], document: "TD-L")))
        #expect(v.field == "lots[1].quantity")
        #expect(v.message.contains("has 50 of lot"))
        #expect(h.store.dispatches["TD-L"]?.lotsInTransit[1] == 200)
    }

    @Test func receivingALotThatIsNotOnTheDispatchIsRefused() throws {
        let h = try stocked()
        try h.apply(
            Fx.registerLot(
                LotMarking(lot: "L-OTHER", manufacturer: "PMC", calibre: "9x19mm", type: "ball", year: nil), quantity: 10,
                to: Fx.dep1))
        try h.apply(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, lots: [Fx.lot(10)], document: "TD-L"))
        let v = try #require(h.refusal(Fx.event(.receive, to: Fx.dep2, lots: [Fx.lot(5, "L-OTHER")], document: "TD-L")))
        #expect(v.message.contains("has 0 of lot L-OTHER"))
    }

    // MARK: Loss and recovery

    @Test(arguments: [true, false])
    func lostQuantitiesComeBackByRecoveryWithoutFromButNoMoreThanWasLost(dropCache: Bool) throws {
        let h = try stocked(dropCache: dropCache)
        try h.apply(Fx.event(.loss, from: Fx.dep1, lots: [Fx.lot(100)]))
        #expect(h.balance(Fx.dep1) == 900)
        #expect(h.missing() == 100)

        try h.apply(Fx.event(.recovery, to: Fx.dep2, lots: [Fx.lot(60)]))
        #expect(h.balance(Fx.dep2) == 60)
        #expect(h.missing() == 40)

        let v = try #require(h.refusal(Fx.event(.recovery, to: Fx.dep2, lots: [Fx.lot(41)])))
        #expect(v.field == "lots[0].quantity")
        #expect(v.message.contains("only 40 of lot \(lotNumber) are reported missing"), "\(v)")
        #expect(h.missing() == 40)

        try h.apply(Fx.event(.surrender, to: Fx.dep1, lots: [Fx.lot(40)]))
        #expect(h.missing() == 0)
        #expect(h.balance(Fx.dep1) == 940)
    }

    /// "recovery: missing → held by to". An item's recovery ignores from; a lot's recovery
    /// must likewise bring back missing quantities, not move a balance from `from`.
    @Test func aLotRecoveryNamingFromStillBringsBackMissingQuantities() throws {
        let h = try stocked()
        try h.apply(Fx.event(.loss, from: Fx.dep1, lots: [Fx.lot(100)]))
        try h.apply(Fx.event(.recovery, from: Fx.unit, to: Fx.dep2, lots: [Fx.lot(60)]))
        #expect(h.missing() == 40)
        #expect(h.balance(Fx.dep2) == 60)
        #expect(h.balance(Fx.unit) == 0)
    }

    @Test func anItemRecoveryNamingFromIsAccepted() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1))
        try h.apply(Fx.event(.loss, from: Fx.dep1, items: [Fx.ref(Fx.rifle)]))
        try h.apply(Fx.event(.recovery, from: Fx.unit, to: Fx.dep2, items: [Fx.ref(Fx.rifle)]))
        #expect(try h.item(Fx.rifle).state.holder == Fx.dep2)
    }

    /// Destroyed (like expended or exported) quantities leave the books: naming where the
    /// destruction took place must not put them on that holder's balance.
    @Test func destroyedQuantitiesLeaveTheBooksEvenWhenToIsNamed() throws {
        let h = try stocked()
        try h.apply(Fx.event(.destroy, from: Fx.dep1, to: Fx.unit, lots: [Fx.lot(100)]))
        #expect(h.balance(Fx.dep1) == 900)
        #expect(h.balance(Fx.unit) == 0)
    }

    @Test func aDestroyedItemHasNoHolderEvenWhenToIsNamed() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1))
        try h.apply(Fx.event(.destroy, from: Fx.dep1, to: Fx.unit, items: [Fx.ref(Fx.rifle)]))
        let rifle = try h.item(Fx.rifle)
        #expect(rifle.state.status == .destroyed)
        #expect(rifle.state.holder == nil)
    }

    @Test func theftAddsToTheMissingQuantity() throws {
        let h = try stocked()
        try h.apply(Fx.event(.theft, from: Fx.dep1, lots: [Fx.lot(10)]))
        try h.apply(Fx.event(.loss, from: Fx.dep1, lots: [Fx.lot(5)]))
        #expect(h.missing() == 15)
        #expect(h.balance(Fx.dep1) == 985)
    }

    @Test func recoveryWithNothingMissingIsRefused() throws {
        let h = try stocked()
        let v = try #require(h.refusal(Fx.event(.recovery, to: Fx.dep2, lots: [Fx.lot(1)])))
        #expect(v.message.contains("only 0 of lot"))
    }

    // MARK: Registering lots

    @Test func registeringAKnownLotAtAnotherSiteAddsABalanceToTheSameLot() throws {
        let h = try stocked()
        let applied = try h.apply(Fx.registerLot(quantity: 250, to: Fx.dep2))
        #expect(applied.lotIDs == [1])
        #expect(h.engine.nextLotID == 2)
        #expect(h.store.lots.count == 1)
        #expect(h.balance(Fx.dep1) == 1000)
        #expect(h.balance(Fx.dep2) == 250)
        try h.apply(Fx.registerLot(quantity: 5, to: Fx.dep1))
        #expect(h.balance(Fx.dep1) == 1005)
    }

    @Test(arguments: [
        LotMarking(lot: "L-2020-07", manufacturer: "PMC", calibre: "7.62x51mm", type: "ball", year: 2020),
        LotMarking(lot: "L-2020-07", manufacturer: "PMC", calibre: "7.62x39mm", type: "tracer", year: 2020),
        LotMarking(lot: "L-2020-07", manufacturer: "PMC", calibre: "7.62x39mm", type: "ball", year: 2021),
        LotMarking(lot: "L-2020-07", manufacturer: "PMC", calibre: "7.62x39mm", type: "ball", year: nil),
    ])
    func registeringAKnownLotWithOtherDetailsIsRefused(marking: LotMarking) throws {
        let h = try stocked()
        let v = try #require(h.refusal(Fx.registerLot(marking, quantity: 10, to: Fx.dep2)))
        #expect(v.field == "lots[0]")
        #expect(v.message.contains("lot \(lotNumber) of PMC"))
        #expect(v.message.contains("other details"))
        #expect(h.balance(Fx.dep2) == 0)
    }

    @Test func oneLotListedTwiceInARegisterIsOneLotWithBothQuantities() throws {
        let h = try CustodyHarness()
        let applied = try h.apply(Fx.registerLots([(Fx.lotMarking, 10), (Fx.lotMarking, 15)], to: Fx.dep1))
        #expect(applied.lotIDs == [1, 1])
        #expect(h.store.lots.count == 1)
        #expect(h.balance(Fx.dep1) == 25)
    }

    /// The rule "register with differing details is refused" must hold within one event too.
    @Test func oneLotListedTwiceWithDifferentDetailsInOneRegisterIsRefused() throws {
        let h = try CustodyHarness()
        var other = Fx.lotMarking
        other.calibre = "5.56x45mm"
        let v = try #require(h.refusal(Fx.registerLots([(Fx.lotMarking, 10), (other, 15)], to: Fx.dep1)))
        #expect(v.field == "lots[1]")
        #expect(h.store.lots.isEmpty)
    }

    @Test func aRegisterWhoseSecondLotConflictsCreatesNeither() throws {
        let h = try stocked()
        let fresh = LotMarking(lot: "L-NEW", manufacturer: "PMC", calibre: "9x19mm", type: "ball", year: 2024)
        var clash = Fx.lotMarking
        clash.type = "armour-piercing"
        let v = try #require(h.refusal(Fx.registerLots([(fresh, 50), (clash, 5)], to: Fx.dep2)))
        #expect(v.field == "lots[1]")
        #expect(h.store.lots.count == 1)
        #expect(h.engine.nextLotID == 2)
        // L-NEW was not created: registering it now gets id 2.
        let applied = try h.apply(Fx.registerLot(fresh, quantity: 50, to: Fx.dep2))
        #expect(applied.lotIDs == [2])
    }

    // MARK: Lot references

    @Test func anUnknownLotIsRefused() throws {
        let h = try stocked()
        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, lots: [Fx.lot(1, "L-NOPE")])))
        #expect(v.field == "lots[0].lot")
        #expect(v.message.contains("no lot L-NOPE is registered"))
    }

    @Test func aLotNumberSharedByTwoManufacturersNeedsTheManufacturer() throws {
        let h = try stocked()
        var twin = Fx.lotMarking
        twin.manufacturer = "Sellier & Bellot"
        try h.apply(Fx.registerLot(twin, quantity: 70, to: Fx.dep1))
        #expect(h.store.lots.count == 2)

        let v = try #require(h.refusal(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, lots: [Fx.lot(10)])))
        #expect(v.field == "lots[0].lot")
        #expect(v.message.contains("ambiguous"))

        let applied = try h.apply(
            Fx.event(.issue, from: Fx.dep1, to: Fx.unit, lots: [Fx.lot(10, manufacturer: "Sellier & Bellot")]))
        #expect(applied.lotIDs == [2])
        #expect(h.balance(Fx.dep1, lot: 2) == 60)
        #expect(h.balance(Fx.dep1, lot: 1) == 1000)
    }

    @Test func theRecordedEventNamesTheLotsManufacturer() throws {
        let h = try stocked()
        let applied = try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.unit, lots: [Fx.lot(10)]))
        #expect(applied.event.lots == [LotReference(lot: lotNumber, manufacturer: "PMC", quantity: 10)])
    }

    // MARK: Kinds that do not apply to lots

    @Test(arguments: [EventKind.condition, .deactivate])
    func conditionAndDeactivateOnALotAreRefused(kind: EventKind) throws {
        let h = try stocked()
        let e = Fx.event(kind, lots: [Fx.lot(10)], condition: kind == .condition ? .unserviceable : nil)
        let v = try #require(h.refusal(e))
        #expect(v.field == "lots[0]")
        #expect(v.message.contains("applies to items, not to lots"))
        #expect(h.balance(Fx.dep1) == 1000)
    }
}
