import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import Testing

/// The register at a past moment on every backend: one item and one holder folded from their
/// own events, the whole register replayed, and the two agreeing.
extension StoreConformance {
    static let pastChecks: [ConformanceCheck] = [
        ConformanceCheck("an item and a holding at a past entry and a past time", itemAndHoldingInThePast),
        ConformanceCheck("holdings folded from their own events match a replay of the whole ledger", holdingsMatchAReplay),
        ConformanceCheck("the summary and the alerts at a past moment", summaryAndAlertsInThePast),
    ]

    static func at(_ time: String, _ event: Event) -> Event {
        var e = event
        e.occurredAt = time
        return e
    }

    /// Entries 0–7 the holder tree; 8 AK-1…AK-3 registered at S1; 9 300 of L1 at S1; 10 AK-1
    /// and 50 of L1 issued to U1 on 2 February, due back on the 10th; 11 both returned on the
    /// 20th; 12 AK-2 dispatched to S2 on the 5th; 13 received on the 7th; 14 AK-3's loss on
    /// the 4th, reported last.
    static func pastStore(_ make: StoreFactory, _ dir: URL) async throws -> any Store {
        let store = try await make(dir)
        try await store.recordValid(Fixture.holderTree.map { at("2026-02-01T08:00:00Z", $0) })
        try await store.recordValid([
            at("2026-02-01T08:00:00Z", E.register((1...3).map { E.item("AK-\($0)") }, to: "S1")),
            at("2026-02-01T08:00:00Z", E.registerLot("L1", quantity: 300, to: "S1")),
            at("2026-02-02T09:00:00Z", E.move(.issue, ["AK-1"], lots: [("L1", 50)], from: "S1", to: "U1", dueBack: "2026-02-10")),
            at("2026-02-20T09:00:00Z", E.move(.return, ["AK-1"], lots: [("L1", 50)], from: "U1", to: "S1")),
            at("2026-02-05T10:00:00Z", E.move(.dispatch, ["AK-2"], from: "S1", to: "S2", document: "D-1")),
            at("2026-02-07T10:00:00Z", E.move(.receive, ["AK-2"], from: "S1", to: "S2", document: "D-1")),
            at("2026-02-04T12:00:00Z", E.move(.loss, ["AK-3"], from: "S1")),
        ])
        #expect(try await store.ledgerSize() == 15)
        return store
    }

    static func id(_ store: any Store, _ serial: String) async throws -> Int64 {
        try #require(try await store.items(serial: serial, manufacturer: nil, model: nil).first).record.id
    }

    static func itemAndHoldingInThePast(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await pastStore(make, dir)
            let ak1 = try await id(store, "AK-1")
            let ak2 = try await id(store, "AK-2")
            let ak3 = try await id(store, "AK-3")

            // Entries: what the ledger held once entry N was recorded.
            #expect(try await store.item(ak1, at: .entry(7)) == nil, "not registered before entry 8")
            let issued = try #require(try await store.item(ak1, at: .entry(10)))
            #expect(issued.state.holder == "U1" && issued.state.account == "S1" && issued.state.dueBack == "2026-02-10")
            #expect(try await store.item(ak1, at: .entry(11))?.state.holder == "S1")
            #expect(try await store.item(ak3, at: .entry(13))?.state.status == .held, "the loss is entry 14")

            // Times: what happened by then, whenever it was recorded.
            #expect(try await store.item(ak3, at: .time("2026-02-03T23:59:59Z"))?.state.holder == "S1")
            #expect(try await store.item(ak3, at: .time("2026-02-04T12:00:00Z"))?.state.status == .missing, "reported late, lost on the 4th")
            let inTransit = try #require(try await store.item(ak2, at: .time("2026-02-06T00:00:00Z")))
            #expect(inTransit.state.status == .inTransit && inTransit.state.holder == nil && inTransit.state.transit == "D-1")
            #expect(try await store.item(ak2, at: .time("2026-02-07T10:00:00Z"))?.state.holder == "S2")

            let s1 = try #require(try await store.holdings(of: "S1", recursive: true, at: .time("2026-02-03T00:00:00Z")))
            #expect(s1.items.map(\.marking.serial) == ["AK-2", "AK-3", "AK-1"], "S1's own first, then U1's")
            #expect(s1.items.map(\.holder) == ["S1", "S1", "U1"])
            #expect(s1.lots.map { "\($0.holder):\($0.quantity)" } == ["S1:250", "U1:50"])
            let later = try #require(try await store.holdings(of: "S1", recursive: false, at: .time("2026-02-06T00:00:00Z")))
            #expect(later.items.isEmpty, "AK-1 at U1, AK-2 in transit, AK-3 lost")
            #expect(later.lots.map(\.quantity) == [250])
            let now = try #require(try await store.holdings(of: "S1", recursive: false))
            #expect(now.items.map(\.marking.serial) == ["AK-1"])

            // Before the first event, after the last entry, a holder not yet added.
            await #expect(throws: StoreError.self) { _ = try await store.replay(to: .time("2025-01-01T00:00:00Z")) }
            do {
                _ = try await store.holdings(of: "S1", recursive: false, at: .entry(15))
                Issue.record("an entry past the end was answered")
            } catch let e as StoreError {
                #expect(e.message.contains("after the last entry of the ledger (14)"))
            }
            do {
                _ = try await store.holdings(of: "S2", recursive: false, at: .entry(3))
                Issue.record("a holder was answered before it was added")
            } catch let e as StoreError {
                #expect(e.message.contains("holder S2 was added") && e.message.contains("entry 6"))
            }
        }
    }

    static func holdingsMatchAReplay(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await pastStore(make, dir)
            let holders = try await store.holders().map(\.code)
            var moments: [RegisterMoment] = (7...14).map { .entry(Int64($0)) }
            for day in ["01", "02", "03", "04", "05", "06", "07", "15", "21"] { moments.append(.time("2026-02-\(day)T12:00:00Z")) }
            var compared = 0
            for moment in moments {
                let replay = try await store.replay(to: moment)
                #expect(replay.leftOut.isEmpty, "\(moment)")
                for code in holders {
                    for recursive in [false, true] {
                        let folded = try await store.holdings(of: code, recursive: recursive, at: moment)
                        let replayed = try await store.holdings(of: code, recursive: recursive, in: replay)
                        #expect(folded == replayed, "\(code) at \(moment), recursive \(recursive)")
                        compared += 1
                    }
                }
                for item in replay.items {
                    #expect(try await store.item(item.id, at: moment)?.state == item.state, "\(item.marking.serial) at \(moment)")
                }
            }
            #expect(compared == moments.count * holders.count * 2)
        }
    }

    static func summaryAndAlertsInThePast(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await pastStore(make, dir)
            let (s, replay) = try await store.summary(scope: .everything, at: .time("2026-02-06T00:00:00Z"))
            #expect(s.items == 3 && s.lots == 1 && s.holders == 8)
            #expect(s.byStatus == ["held": 1, "in-transit": 1, "missing": 1])
            #expect(s.events == 13, "entries 11 and 13 happened later")
            #expect(replay.applied == 13 && replay.leftOut.isEmpty)
            let atEntry = try await store.summary(scope: .everything, at: .entry(12)).summary
            #expect(atEntry.byStatus == ["held": 2, "in-transit": 1] && atEntry.events == 13)
            let scoped = try await store.summary(
                scope: HolderScope(root: "R2", holders: try await store.holders()), at: .time("2026-02-08T00:00:00Z")
            ).summary
            #expect(scoped.items == 1 && scoped.byRegion == ["R2": 1], "AK-2 arrived at S2 on the 7th")

            // AK-1 was overdue on the 15th and returned on the 20th.
            let past = try await store.alerts(at: .time("2026-02-15T00:00:00Z"), scope: .everything)
            #expect(past.time == "2026-02-15T00:00:00Z")
            #expect(past.alerts.contains { $0.rule == .overdueReturn && $0.subject.hasPrefix("AK-1") })
            let now = try await store.alerts(at: "2026-02-15T00:00:00Z", scope: .everything)
            #expect(!now.contains { $0.rule == .overdueReturn }, "judged against the register as it stands, AK-1 is back")
        }
    }
}
