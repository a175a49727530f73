import CustodiaCore
import CustodiaLedger
import Foundation
import Testing

@testable import CustodiaSQLite
@testable import CustodiaStore

/// The register at past moments of the small demo (20,000 events over a year): each holder's
/// holdings and each item's state folded from their own events agree with a replay of the
/// whole ledger through the custody engine, and the replay itself agrees with the register
/// now at the last entry.
@Suite struct PastDemoTests {
    @Test("holdings and items at past moments of the demo match a replay")
    func demoMatchesReplay() async throws {
        try await withTemporaryDirectory { dir in
            let (store, report) = try await Self.smallDemo(dir)
            #expect(report.errors.isEmpty)
            let size = try await store.ledgerSize()

            // At the last entry, the replay is the register now.
            let whole = try await store.replay(to: .entry(size - 1))
            let now = try await store.summary()
            var tally = RegisterCounts.ItemTally(holders: whole.holders, scope: .everything)
            for r in whole.items {
                tally.add(
                    category: r.marking.category.rawValue, status: r.state.status.rawValue, condition: r.state.condition.rawValue,
                    holder: r.state.holder, account: r.state.account, count: 1)
            }
            #expect(tally.summary.byStatus == now.byStatus && tally.summary.byRegion == now.byRegion)

            let holders = try await store.holders().map(\.code).sorted()
            let sample = holders.enumerated().filter { $0.offset % 10 == 0 }.map(\.element)
            let moments: [RegisterMoment] = [
                .entry(size / 3), .entry(size * 2 / 3), .time("2026-03-15T12:00:00Z"), .time("2026-08-01T00:00:00Z"),
            ]
            var held = 0
            for moment in moments {
                let replay = try await store.replay(to: moment)
                for code in sample {
                    let folded = try await store.holdings(of: code, recursive: false, at: moment)
                    let replayed = try await store.holdings(of: code, recursive: false, in: replay)
                    #expect(folded == replayed, "\(code) at \(moment)")
                    held += folded?.items.count ?? 0
                }
                for r in replay.items.enumerated().filter({ $0.offset % 40 == 0 }).map(\.element) {
                    #expect(try await store.item(r.id, at: moment)?.state == r.state, "\(r.marking.serial) at \(moment)")
                }
            }
            #expect(held > 100, "the holders sampled held items at those moments")
        }
    }
}

extension PastDemoTests {
    /// A new SQLite store holding the small demo (20,000 events over a year to 30 November).
    static func smallDemo(_ dir: URL) async throws -> (SQLiteStore, AppendReport) {
        let store = try SQLiteConformanceTests.newStore(dir)
        var generator = DemoGenerator(scale: .small, endingOn: "2026-11-30")
        var events: [Event] = []
        while let e = generator.next() { events.append(e) }
        var source = ArrayEventSource(events)
        let report = try await store.append(
            &source, options: AppendOptions(recordedBy: "demo", recordedAt: "2026-12-01T00:00:00Z", requiresProof: false))
        return (store, report)
    }
}
