import Testing

@testable import CustodiaCore

/// The stocktake's rules in the engine, its reconciliation and its count sheets.
@Suite struct StocktakeRulesTests {
    static let now = "2026-03-05T10:00:00Z"
    static let hash = String(repeating: "ab", count: 32)

    /// A harness with the rifle and the pistol at DEP-01, the twin at DEP-02, and a lot at DEP-01.
    func harness() throws -> CustodyHarness {
        let h = try CustodyHarness()
        try h.apply(Fx.register([Fx.rifle, Fx.pistol], to: Fx.dep1))
        try h.apply(Fx.register([Fx.rifleTwin], to: Fx.dep2))
        try h.apply(Fx.registerLot(quantity: 500, to: Fx.dep1))
        return h
    }

    func open(_ holder: String, recursive: Bool = false) -> Event {
        var e = Event(kind: .stocktakeOpen, occurredAt: Fx.t1)
        e.from = holder
        e.opening = StocktakeOpening(blind: false, recursive: recursive, items: 2, lots: 1, expected: Self.hash)
        return e
    }

    func count(_ id: Int64, at holder: String = Fx.dep1, items: [ItemMarking] = [], unlisted: [UnlistedMark] = []) -> Event {
        var e = Event(kind: .count, occurredAt: Fx.t1)
        e.from = holder
        e.stocktake = id
        e.items = items.map { Fx.ref($0, model: true) }
        e.unlisted = unlisted
        return e
    }

    func close(_ id: Int64, counters: [String] = ["cli"], lines: [Reconciliation.Line] = []) -> Event {
        var e = Event(kind: .stocktakeClose, occurredAt: Fx.t1)
        e.from = Fx.dep1
        e.stocktake = id
        e.reconciliation = ReconciliationSummary(
            found: 1, notFound: Int64(lines.count), movedDuring: 0, elsewhere: 0, unregistered: 0, lotDifferences: 0,
            counters: counters, list: Self.hash, lines: lines)
        return e
    }

    @Test func aCountInsideTheStocktakeIsAcceptedOnceAndSetsTheLastCount() throws {
        let h = try harness()
        let id = try h.apply(open(Fx.dep1)).seq
        try h.apply(count(id, items: [Fx.rifle]))
        #expect(try h.item(Fx.rifle).state.lastCounted == Fx.t1)
        #expect(h.refusal(count(id, items: [Fx.rifle]))?.rule == "stocktake.twice")
        // The twin is at DEP-02: outside a stocktake of DEP-01.
        let outside = h.refusal(count(id, items: [Fx.rifleTwin]))
        #expect(outside?.rule == "stocktake.outside")
        #expect(outside?.message.contains("held by DEP-02") == true)
        // A mark found here that is not on the books is listed once.
        try h.apply(count(id, unlisted: [UnlistedMark(serial: "ZZ-1")]))
        #expect(h.refusal(count(id, unlisted: [UnlistedMark(serial: "ZZ-1")]))?.rule == "stocktake.twice")
    }

    @Test func aRecursiveStocktakeCountsWhatIsHeldUnderTheHolder() throws {
        let h = try harness()
        try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [Fx.ref(Fx.pistol)], dueBack: "2026-03-20"))
        let flat = try h.apply(open(Fx.dep1)).seq
        #expect(h.refusal(count(flat, items: [Fx.pistol]))?.rule == "stocktake.outside", "the person holds it, not DEP-01")
        try h.apply(close(flat))
        let deep = try h.apply(open(Fx.dep1, recursive: true)).seq
        try h.apply(count(deep, items: [Fx.pistol]))
    }

    @Test func oneOpenStocktakePerHolderAndNoCountAfterTheClose() throws {
        let h = try harness()
        let id = try h.apply(open(Fx.dep1)).seq
        #expect(h.refusal(open(Fx.dep1))?.rule == "stocktake.open")
        #expect(h.refusal(count(id, at: Fx.dep2, items: [Fx.rifleTwin]))?.field == "from")
        try h.apply(close(id))
        #expect(h.refusal(count(id, items: [Fx.rifle]))?.rule == "stocktake.closed")
        #expect(h.refusal(close(id))?.rule == "stocktake.closed")
        #expect(h.refusal(count(999, items: [Fx.rifle]))?.rule == "stocktake.unknown")
        try h.apply(open(Fx.dep1))
    }

    @Test func countersAreIndependentOfTheHolderAndChangeFromOneStocktakeToTheNext() throws {
        let h = try harness()
        let first = try h.apply(open(Fx.dep1)).seq
        // Someone whose scope is the depot itself does not count it.
        h.engine.admission = Admission(authority: .user(code: "KEEPER", role: .clerk, scope: Fx.dep1), now: Self.now)
        var mine = count(first, items: [Fx.rifle])
        mine.recordedBy = "KEEPER"
        #expect(h.refusal(mine)?.rule == "stocktake.counter-scope")
        // An inspector of the zone does; they counted it, so the next one is someone else's.
        h.engine.admission = Admission(authority: .user(code: "INSP-A", role: .inspector, scope: Fx.zone), now: Self.now)
        var a = count(first, items: [Fx.rifle])
        a.recordedBy = "INSP-A"
        try h.apply(a)
        h.engine.admission = nil
        try h.apply(close(first, counters: ["INSP-A"]))
        let second = try h.apply(open(Fx.dep1)).seq
        h.engine.admission = Admission(authority: .user(code: "INSP-A", role: .inspector, scope: Fx.zone), now: Self.now)
        var again = count(second, items: [Fx.rifle])
        again.recordedBy = "INSP-A"
        #expect(h.refusal(again)?.rule == "stocktake.counter-repeat")
        h.engine.admission = Admission(authority: .user(code: "INSP-B", role: .inspector, scope: Fx.zone), now: Self.now)
        var b = count(second, items: [Fx.rifle])
        b.recordedBy = "INSP-B"
        try h.apply(b)
    }

    @Test func aPackWithoutIndependentCountersLetsTheKeeperCount() throws {
        let h = try harness()
        var pack = PolicyPack.standard
        pack.independentCounters = false
        var set = Event(kind: .policySet, occurredAt: Fx.t0)
        set.policy = pack
        try h.apply(set)
        let id = try h.apply(open(Fx.dep1)).seq
        h.engine.admission = Admission(authority: .user(code: "KEEPER", role: .clerk, scope: Fx.dep1), now: Self.now)
        var mine = count(id, items: [Fx.rifle])
        mine.recordedBy = "KEEPER"
        try h.apply(mine)
    }

    @Test func aResolutionSettlesOnlyOpenDiscrepanciesByAnEventThatNamesThem() throws {
        let h = try harness()
        let id = try h.apply(open(Fx.dep1)).seq
        try h.apply(count(id, items: [Fx.rifle]))
        let notFound = Reconciliation.Line(finding: .notFound, item: Fx.pistol.identity, category: .revolverPistol, holder: Fx.dep1)
        try h.apply(close(id, lines: [notFound]))
        let loss = try h.apply(Fx.event(.loss, from: Fx.dep1, items: [Fx.ref(Fx.pistol)])).seq
        let unrelated = try h.apply(Fx.event(.condition, items: [Fx.ref(Fx.rifle, model: true)], condition: .repairable)).seq
        h.engine.admission = Admission(authority: .operator, now: Self.now)
        func resolve(_ item: ItemMarking, by: Int64?, reason: String? = nil) -> Event {
            var e = Event(kind: .stocktakeResolve, occurredAt: Fx.t1)
            e.from = Fx.dep1
            e.stocktake = id
            e.items = [Fx.ref(item, model: true)]
            e.resolvedBy = by
            e.reason = reason
            return e
        }
        #expect(h.refusal(resolve(Fx.pistol, by: unrelated))?.rule == "stocktake.resolution", "the event does not name it")
        #expect(h.refusal(resolve(Fx.rifle, by: nil, reason: "found later"))?.rule == "stocktake.resolution", "found: no discrepancy")
        #expect(h.refusal(resolve(Fx.pistol, by: id))?.field == "resolvedBy", "an event before the stocktake opened")
        try h.apply(resolve(Fx.pistol, by: loss))
        let twice = h.refusal(resolve(Fx.pistol, by: nil, reason: "again"))
        #expect(twice?.rule == "stocktake.resolution")
        #expect(twice?.message.contains("already resolved") == true)
    }

    @Test func aStocktakeEventBuiltWithoutItsPartsIsRefusedByTheEngine() throws {
        let h = try harness()
        var bare = Event(kind: .stocktakeOpen, occurredAt: Fx.t1)
        bare.from = Fx.dep1
        do {
            _ = try h.engine.apply(bare)
            Issue.record("a stocktake-open without its opening was accepted")
        } catch let v as CustodyViolation {
            #expect(v.field == "opening")
        }
        var resolve = Event(kind: .stocktakeResolve, occurredAt: Fx.t1)
        resolve.from = Fx.dep1
        resolve.stocktake = 0
        resolve.items = [Fx.ref(Fx.rifle)]
        do {
            _ = try h.engine.apply(resolve)
            Issue.record("a stocktake-resolve with neither resolvedBy nor reason was accepted")
        } catch let v as CustodyViolation {
            #expect(v.field == "reason")
        }
    }

    // MARK: Reconciliation

    static func held(_ m: ItemMarking, _ holder: String = Fx.dep1) -> Reconciliation.HeldItem { .init(marking: m, holder: holder) }

    @Test func theReconciliationSortsEveryItemIntoOneFinding() throws {
        let third = ItemMarking(
            category: .assaultRifle, manufacturer: "Kalashnikov Concern", country: "RU", model: "AK-74M", calibre: "5.45x39mm",
            serial: "AK-000999")
        let lot = Reconciliation.LotKey(manufacturer: "PMC", lot: "L-1")
        let moved = Reconciliation.LotKey(manufacturer: "PMC", lot: "L-2")
        var inputs = Reconciliation.Inputs()
        inputs.expectedItems = [Self.held(Fx.rifle), Self.held(Fx.pistol), Self.held(third)]
        inputs.expectedLots = [.init(lot: lot, holder: Fx.dep1, quantity: 100), .init(lot: moved, holder: Fx.dep1, quantity: 50)]
        inputs.lotsNow = [.init(lot: moved, holder: Fx.dep1, quantity: 40)]
        inputs.movedLots = [moved]
        inputs.movedItems = [third.identity]
        inputs.counted = [Self.held(Fx.rifle)]
        inputs.countedLots = [lot: 97, moved: 40]
        inputs.unlisted = [
            (UnlistedMark(serial: "AK-000123", manufacturer: "Kalashnikov Concern"), .init(marking: Fx.rifleTwin, whose: "DEP-02")),
            (UnlistedMark(serial: "NOPE-1"), nil),
        ]
        inputs.counters = ["INSP-B", "INSP-A"]
        let r = Reconciliation(inputs)
        #expect(r.count(.found) == 1)
        #expect(r.count(.notFound) == 1)
        #expect(r.lines.first { $0.finding == .notFound }?.item == Fx.pistol.identity)
        #expect(r.lines.first { $0.finding == .moved }?.item == third.identity, "moved during the count: not missing")
        #expect(r.lines.first { $0.finding == .elsewhere }?.holder == "DEP-02")
        #expect(r.lines.first { $0.finding == .unregistered }?.mark?.serial == "NOPE-1")
        // L-1 differs by 3; L-2 moved during the count and matches its balance at the close.
        #expect(r.lines.filter { $0.finding == .lot }.map { [$0.lot!.lot, "\($0.expected!)", "\($0.counted!)"] } == [["L-1", "100", "97"]])
        #expect(r.discrepancies.map(\.finding) == [.notFound, .elsewhere, .unregistered, .lot])
        #expect(r.counters == ["INSP-A", "INSP-B"])
        // The sealed form leaves out whose books an item read elsewhere is on.
        #expect(r.sealed.lines.first { $0.finding == .elsewhere }?.holder == nil)
        let summary = r.summary(listHash: Self.hash)
        #expect(summary.lines.count == r.lines.count - 1, "every line but the found one")
        #expect((summary.found, summary.notFound, summary.movedDuring, summary.elsewhere, summary.unregistered, summary.lotDifferences) == (1, 1, 1, 1, 1, 1))
        // The closing records it and reads it back the same.
        var close = Event(kind: .stocktakeClose, occurredAt: Fx.t1)
        close.from = Fx.dep1
        close.stocktake = 3
        close.recordedAt = Fx.t1
        close.recordedBy = "INSP-A"
        close.reconciliation = summary
        #expect(try Event(json: close.jsonValue, source: .ledger).reconciliation == summary)
        #expect(r.sealed.csv.hasPrefix("finding,category,manufacturer,model,serial,lot,holder,expected,counted,note\nfound,assault-rifle,Kalashnikov Concern,AK-74M,AK-000123,,,,,\n"))
    }

    @Test func theExpectedListHasOneLineEachSortedUnderAVersionLine() {
        let bytes = Reconciliation.expectedListBytes(
            items: [Self.held(Fx.rifle), Self.held(Fx.pistol, Fx.unit)],
            lots: [.init(lot: .init(manufacturer: "PMC", lot: "L-1"), holder: Fx.dep1, quantity: 7), .init(lot: .init(manufacturer: "PMC", lot: "L-0"), holder: Fx.dep1, quantity: 0)])
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "custodia stocktake expected v1\nitem\tGlock\tG17\tGL-4455\tUNIT-1\nitem\tKalashnikov Concern\tAK-74M\tAK-000123\tDEP-01\nlot\tPMC\tL-1\tDEP-01\t7\n")
    }

    @Test func thePastStateOfAnItemIsFoldedFromItsEvents() throws {
        let h = try harness()
        let issued = try h.apply(Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [Fx.ref(Fx.rifle, model: true)], dueBack: "2026-03-20")).seq
        let returned = try h.apply(Fx.event(.return, from: Fx.person, to: Fx.dep1, items: [Fx.ref(Fx.rifle, model: true)])).seq
        let events = h.store.events.filter { e in
            e.value.items.contains { $0 == Fx.fullRef(Fx.rifle) } || e.value.registrations.contains { $0.identity == Fx.rifle.identity }
        }.sorted { $0.key < $1.key }.map { (seq: $0.key, event: $0.value) }
        #expect(PastState.item(Fx.rifle, events: events, before: issued)?.holder == Fx.dep1)
        #expect(PastState.item(Fx.rifle, events: events, before: returned)?.holder == Fx.person)
        #expect(PastState.item(Fx.rifle, events: events, before: returned + 1)?.holder == Fx.dep1)
        #expect(PastState.item(Fx.rifle, events: events, before: 0) == nil, "not registered yet")
    }

    // MARK: Count sheets

    @Test func aSheetIsSerialsOneALineOrACSVOfSerialsAndLots() throws {
        let plain = try CountSheet(bytes: Array("AK-1\n\n# shelf 2\n  AK-2 \r\n".utf8))
        #expect(plain.reads.map(\.serial) == ["AK-1", "AK-2"])
        #expect(plain.reads.map(\.line) == [1, 4])
        let csv = try CountSheet(bytes: Array("serial,manufacturer,lot,quantity\nAK-1,Izhmash,,\n,PMC,L-1,120\n".utf8))
        #expect(csv.reads == [CountSheet.Read(serial: "AK-1", manufacturer: "Izhmash", line: 2)])
        #expect(csv.lots == [CountSheet.Lot(lot: "L-1", manufacturer: "PMC", quantity: 120, line: 3)])
    }

    @Test func everyBadLineOfASheetIsNamed() {
        do {
            _ = try CountSheet(bytes: Array("serial,manufacturer,lot,quantity\nAK-1,,L-1,3\n,,L-2,many\n,,,\n".utf8))
            Issue.record("a bad sheet was read")
        } catch {
            #expect(error.problems.map(\.line) == [2, 3, 4])
            #expect(error.problems[1].message.contains("quantity"))
        }
        do {
            _ = try CountSheet(bytes: Array("AK-1\nAK-2,3\n".utf8))
            Issue.record("a serial with a comma was read")
        } catch {
            #expect(error.problems.map(\.line) == [2])
        }
    }
}
