import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import Testing

/// Stocktakes on every backend: the expected list fixed at the opening and recomputed at the
/// close, the counts, the reconciliation and its resolution.
extension StoreConformance {
    static let stocktakeChecks: [ConformanceCheck] = [
        ConformanceCheck("a stocktake reconciles what was counted against what was expected at its opening", aStocktakeReconciles),
        ConformanceCheck("the register at an earlier position is folded back from the events since", holdingsAtAnEarlierPosition),
    ]

    /// S1 holds AK-1…AK-4 and 300 of lot L1; U1 (under S1) holds AK-5; S2 holds AK-9.
    static func stocktakeStore(_ make: StoreFactory, _ dir: URL) async throws -> any Store {
        let store = try await make(dir)
        try await store.recordValid(Fixture.holderTree)
        try await store.recordValid([
            E.register((1...5).map { E.item("AK-\($0)") }, to: "S1"),
            E.register(E.item("AK-9"), to: "S2"),
            E.registerLot("L1", quantity: 300, to: "S1"),
            E.move(.issue, ["AK-5"], from: "S1", to: "U1", dueBack: "2026-03-30"),
        ])
        return store
    }

    static func aStocktakeReconciles(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await stocktakeStore(make, dir)
            let opening = try await store.stocktakeOpening(holder: "S1", blind: false, recursive: false, occurredAt: E.t)
            #expect(opening.opening?.items == 4, "AK-5 is held by U1, outside a stocktake of S1 alone")
            #expect(opening.opening?.lots == 1)
            let id = try await store.recordValid([opening]).firstSeq
            let stocktake = try #require(try await store.stocktake(id: id))
            #expect(stocktake.isOpen && stocktake.holder == "S1")

            // Counted: AK-1 and AK-2, 290 of L1, AK-9 (S2's) and an unknown serial found here.
            let reads = ["AK-1", "AK-2", "AK-9", "ZZ-404"].enumerated().map { CountRead(serial: $1, line: $0 + 1) }
            do {
                _ = try await store.stocktakeCount(stocktake, reads: reads, unlisted: false, occurredAt: E.t)
                Issue.record("reads off the books were counted without unlisted")
            } catch let problems as CountProblems {
                #expect(problems.problems.map(\.line) == [3, 4])
                #expect(problems.problems[0].message.contains("held by S2"))
                let scoped = HolderScope(root: "R1", holders: try await store.holders())
                do {
                    _ = try await store.stocktakeCount(stocktake, reads: reads, unlisted: false, occurredAt: E.t, scope: scoped)
                } catch let p as CountProblems {
                    #expect(!p.problems[0].message.contains("S2"), "whose books, only inside the reader's scope")
                }
            }
            let count = try await store.stocktakeCount(
                stocktake, reads: reads, lots: [CountedLot(lot: "L1", quantity: 290, line: 5)], unlisted: true, occurredAt: E.t)
            #expect(count.items.count == 2 && count.unlisted.count == 2 && count.lots.count == 1)
            try await store.recordValid([count])
            do {
                _ = try await store.stocktakeCount(stocktake, reads: [CountRead(serial: "AK-1", line: 1)], unlisted: false, occurredAt: E.t)
                Issue.record("an item was counted twice")
            } catch let problems as CountProblems {
                #expect(problems.problems[0].message.contains("already counted"))
            }
            // During the count AK-3 is issued: moved by a recorded event, not missing.
            try await store.recordValid([E.move(.issue, ["AK-3"], from: "S1", to: "U1", dueBack: "2026-03-30")])
            let progress = try await store.stocktakeProgress(id)
            #expect(progress.items == 2 && progress.unlisted == 2 && progress.counters == [recordedBy])

            let (close, result) = try await store.stocktakeClosing(stocktake, occurredAt: E.t)
            #expect(result.openingMatches == true, "the expected list recomputed from the ledger is the one the opening fixed")
            let r = result.reconciliation
            #expect(r.lines.filter { $0.finding == .found }.compactMap(\.item?.serial).sorted() == ["AK-1", "AK-2"])
            #expect(r.lines.filter { $0.finding == .notFound }.compactMap(\.item?.serial) == ["AK-4"])
            #expect(r.lines.filter { $0.finding == .moved }.compactMap(\.item?.serial) == ["AK-3"])
            #expect(r.lines.filter { $0.finding == .elsewhere }.compactMap(\.item?.serial) == ["AK-9"])
            #expect(r.lines.filter { $0.finding == .unregistered }.compactMap(\.mark?.serial) == ["ZZ-404"])
            let lot = try #require(r.lines.first { $0.finding == .lot })
            #expect((lot.expected, lot.counted) == (300, 290))
            try await store.recordValid([close])

            // Read back: the lines the closing recorded and the found ones from the counts,
            // hashing to the list it recorded; whose books AK-9 is on, looked up for the reader.
            let closed = try #require(try await store.stocktake(id: id))
            #expect(!closed.isOpen)
            let back = try await store.reconciliation(of: closed)
            #expect(back.listMatches == true)
            #expect(back.reconciliation.lines.count == r.lines.count)
            #expect(back.reconciliation.lines.first { $0.finding == .elsewhere }?.holder == "held by S2")
            let outsider = HolderScope(root: "R1", holders: try await store.holders())
            #expect(try await store.reconciliation(of: closed, scope: outsider).reconciliation.lines.first { $0.finding == .elsewhere }?.holder == nil)
            #expect(Set(try await store.openDiscrepancies().map(\.line.finding)) == [.notFound, .elsewhere, .unregistered, .lot])

            // Resolved: AK-4 by its loss report, ZZ-404 by an explanation.
            let loss = try await store.recordValid([E.move(.loss, ["AK-4"], from: "S1")]).firstSeq
            let byLoss = try await store.stocktakeResolution(
                closed, items: [("AK-4", nil)], marks: [], lots: [], resolvedBy: loss, reason: nil, occurredAt: E.t)
            let explained = try await store.stocktakeResolution(
                closed, items: [], marks: [UnlistedMark(serial: "ZZ-404")], lots: [], resolvedBy: nil, reason: "a training replica",
                occurredAt: E.t)
            try await store.recordValid([byLoss, explained])
            #expect(Set(try await store.openDiscrepancies().map(\.line.finding)) == [.elsewhere, .lot])
            let again = try await store.record([byLoss])
            #expect(again.errors.first?.rule == "stocktake.resolution")
            #expect(try await store.stocktakes().map(\.id) == [id])
            #expect(try await store.stocktakes(scope: HolderScope(root: "R2", holders: try await store.holders())).isEmpty)
            #expect(try await store.verify().divergence == nil)
        }
    }

    static func holdingsAtAnEarlierPosition(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await stocktakeStore(make, dir)
            let before = try await store.ledgerSize()
            try await store.recordValid([
                E.move(.dispatch, ["AK-1"], lots: [("L1", 100)], from: "S1", to: "S2", document: "TD-1"),
                E.move(.receive, ["AK-1"], lots: [("L1", 100)], from: "S1", to: "S2", document: "TD-1"),
                E.move(.return, ["AK-5"], from: "U1", to: "S1"),
            ])
            let then = try await store.holdingsAt(before, holder: "S1", recursive: false)
            #expect(then.items.map(\.marking.serial) == ["AK-1", "AK-2", "AK-3", "AK-4"])
            #expect(then.lots.map(\.quantity) == [300])
            let deep = try await store.holdingsAt(before, holder: "S1", recursive: true)
            #expect(deep.items.map(\.marking.serial) == ["AK-1", "AK-2", "AK-3", "AK-4", "AK-5"])
            #expect(deep.items.first { $0.marking.serial == "AK-5" }?.holder == "U1")
            let now = try await store.holdingsAt(try await store.ledgerSize(), holder: "S1", recursive: false)
            #expect(now.items.map(\.marking.serial) == ["AK-2", "AK-3", "AK-4", "AK-5"])
            #expect(now.lots.map(\.quantity) == [200])
        }
    }
}
