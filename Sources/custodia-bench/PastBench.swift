import ArgumentParser
import CustodiaCore
import CustodiaSQLite
import CustodiaStore
import Foundation

/// Times of the register at a past moment through the store: `where --at` on sampled items
/// and `holdings --at` of sampled units, at moments spread over the ledger, each beside its
/// floor in the same run (the same read of the register as it stands now).
struct PastBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "past")
    @Option var db: String
    @Option var samples = 200
    @Option var units = 20

    func run() async throws {
        let store = try SQLiteStore(path: db, key: nil)
        let serials = try store.sampleSerials(count: samples)
        let unitCodes = try await store.holders().filter { $0.kind == .unit }.map(\.code).shuffled().prefix(units)
        let size = try await store.ledgerSize()
        let first = try await store.event(seq: 0).unwrapped().decoded().occurredAt
        let last = try await store.entries(from: size - 1, to: size).first!.decoded().occurredAt
        let span = (Timestamp.seconds(last)! - Timestamp.seconds(first)!)
        var moments: [RegisterMoment] = [.entry(size / 2)]
        for fraction in [0.25, 0.5, 0.9] {
            moments.append(.time(Timestamp.rfc3339(seconds: Timestamp.seconds(first)! + Int64(Double(span) * fraction))))
        }
        var ids: [Int64] = []
        for (serial, manufacturer) in serials {
            if let id = try await store.items(serial: serial, manufacturer: manufacturer, model: nil).first?.record.id { ids.append(id) }
        }
        var floorWhere: [Double] = [], floorHoldings: [Double] = []
        for id in ids {
            let start = ContinuousClock.now
            _ = try await store.item(id: id)
            floorWhere.append(seconds(since: start) * 1000)
        }
        for code in unitCodes {
            let start = ContinuousClock.now
            _ = try await store.holdings(of: code, recursive: false)
            floorHoldings.append(seconds(since: start) * 1000)
        }
        print(
            "floor: where_ms_median=\(fmt(median(floorWhere), 3)) where_ms_p99=\(fmt(percentile(floorWhere, 0.99), 3)) holdings_ms_median=\(fmt(median(floorHoldings), 3)) holdings_ms_p99=\(fmt(percentile(floorHoldings, 0.99), 3))"
        )
        for moment in moments {
            var whereTimes: [Double] = [], holdingsTimes: [Double] = []
            for id in ids {
                let start = ContinuousClock.now
                _ = try await store.item(id, at: moment)
                whereTimes.append(seconds(since: start) * 1000)
            }
            for code in unitCodes {
                let start = ContinuousClock.now
                _ = try await store.holdings(of: code, recursive: false, at: moment)
                holdingsTimes.append(seconds(since: start) * 1000)
            }
            print(
                "at=\(moment): where_at_ms_median=\(fmt(median(whereTimes), 3)) where_at_ms_p99=\(fmt(percentile(whereTimes, 0.99), 3)) holdings_at_ms_median=\(fmt(median(holdingsTimes), 3)) holdings_at_ms_p99=\(fmt(percentile(holdingsTimes, 0.99), 3)) holdings_at_ms_max=\(fmt(holdingsTimes.max() ?? 0, 3))"
            )
        }
        let start = ContinuousClock.now
        let summary = try await store.summary(scope: .everything, at: moments[2])
        print("summary at=\(moments[2]): \(fmt(seconds(since: start), 2)) s for \(summary.replay.applied) events applied, \(summary.summary.items) items")
        try store.close()
    }
}

extension Optional {
    fileprivate func unwrapped() throws -> Wrapped {
        guard let self else { throw ValidationError("the store is empty") }
        return self
    }
}
