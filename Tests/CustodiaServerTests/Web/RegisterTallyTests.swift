import CustodiaCore
import CustodiaStore
import CustodiaWeb
import Foundation
import Testing

@testable import CustodiaServer

/// The counts kept in memory for the dashboard and the holder pages stay equal to a count
/// made from scratch, through every kind of change, and catch up with writes made by
/// another process.
@Suite struct RegisterTallyTests {
    static let day = "2026-03-01"

    /// The counts of `scope`, from every item in the store.
    static func recount(_ store: any Store, scope: HolderScope) async throws -> RegisterTally.ScopeCounts {
        var counts = RegisterTally.ScopeCounts()
        for item in try await store.itemBriefs().items
        where scope.isEverything || item.holder.map(scope.contains) == true || item.account.map(scope.contains) == true {
            counts.items += 1
            counts.byCategory[item.category.rawValue, default: 0] += 1
            counts.byStatus[item.status.rawValue, default: 0] += 1
            counts.byCondition[item.condition.rawValue, default: 0] += 1
            if item.status == .missing { counts.missing += 1 }
            if item.isOverdue(on: day) { counts.overdue += 1 }
        }
        return counts
    }

    /// The subtree totals of `code`, from every item and lot balance in the store.
    static func recount(_ store: any Store, subtree code: String) async throws -> SubtreeTotals {
        let scope = HolderScope(root: code, holders: try await store.holders())
        var totals = SubtreeTotals(items: 0)
        for item in try await store.itemBriefs().items
        where ![.destroyed, .expended, .exported].contains(item.status)
            && (item.holder.map(scope.contains) == true || item.account.map(scope.contains) == true)
        {
            totals.items += 1
            if item.status == .missing { totals.missing += 1 }
            if item.isOverdue(on: day) { totals.overdue += 1 }
        }
        for (holder, quantity) in try await store.lotQuantities(holders: nil) where scope.contains(holder) {
            totals.lotQuantity += quantity
        }
        return totals
    }

    /// An event for `serial` that fits its state most of the time (refusals are part of the test).
    static func nextEvent(_ store: any Store, _ rng: inout SystemRandomNumberGenerator, step: Int) async throws -> Event {
        let serials = ["AK-1", "AK-2", "AK-3", "AK-4", "AK-5", "AK-6", "AK-21", "AK-22"]
        let places = ["S1", "U1", "P1", "P2", "S2", "U2", "P3"]
        let serial = serials.randomElement(using: &rng)!
        let item = try #require(try await store.items(serials: [serial]).first)
        var e = Event(kind: .condition, occurredAt: "2026-02-\(String(format: "%02d", 1 + step % 27))T08:00:00Z")
        e.items = [.marking(manufacturer: "Kalashnikov", serial: serial, model: nil)]
        switch item.state.status {
        case .held:
            let holder = item.state.holder ?? "S1"
            let to = places.filter { $0 != holder }.randomElement(using: &rng)!
            switch Int.random(in: 0..<6, using: &rng) {
            case 0, 1:
                e.kind = .issue
                e.from = holder
                e.to = to
                e.dueBack = ["2026-02-20", "2026-03-10", "2026-02-28"].randomElement(using: &rng)!
            case 2:
                e.kind = .dispatch
                e.from = holder
                e.to = to
                e.document = "TR-\(step)"
            case 3:
                e.kind = [.loss, .theft].randomElement(using: &rng)!
                e.from = holder
            case 4:
                e.kind = .condition
                e.from = holder
                e.condition = Condition.allCases.randomElement(using: &rng)!
            default:
                e.kind = .issue
                e.from = holder
                e.to = to
                e.items = []
                e.lots = [LotReference(lot: ["L1", "L2"].randomElement(using: &rng)!, quantity: 7)]
            }
        case .missing:
            e.kind = .recovery
            e.to = ["S1", "S2"].randomElement(using: &rng)!
        case .inTransit:
            e.kind = .receive
            e.document = item.state.transit
            e.to = try await store.dispatch(document: item.state.transit ?? "")?.to
        default:
            e.kind = .condition
            e.from = "S1"
            e.condition = .surplus
        }
        return e
    }

    @Test func theTallyMatchesACountFromScratchThroughManyGroupCommits() async throws {
        let server = try await TestServer.make()
        defer { server.discard() }
        let tally = server.tally()
        let holders = try await server.store.holders()
        let scopes: [HolderScope] =
            [.everything] + ["R1", "Z1", "U1", "R2", "P3", "EXT"].map { HolderScope(root: $0, holders: holders) }
        _ = try await tally.counts(scope: .everything, day: Self.day)  // loaded once, kept current after

        var rng = SystemRandomNumberGenerator()
        var written = 0
        for step in 0..<40 {
            // A group of one to three requests, as the writer commits them.
            var requests: [AppendRequest] = []
            for n in 0..<Int.random(in: 1...3, using: &rng) {
                let event = try await Self.nextEvent(server.store, &rng, step: step * 3 + n)
                requests.append(AppendRequest(events: [event], recordedBy: "t", recordedAt: "2026-03-01T08:00:00Z"))
            }
            let report = try await server.store.appendGroup(requests)
            written += report.reports.filter(\.written).count
            await tally.appended(requests, report)
            for scope in scopes {
                #expect(
                    try await tally.counts(scope: scope, day: Self.day) == (try await Self.recount(server.store, scope: scope)))
            }
            let totals = try await tally.totals(day: Self.day)
            for code in ["R1", "S1", "U1", "P1", "R2", "S2", "U2", "EXT"] {
                #expect(totals.subtree(code) == (try await Self.recount(server.store, subtree: code)), "\(code) at step \(step)")
            }
            #expect(
                totals.held("S1") == Int64(try await server.store.items(heldBy: "S1", limit: 1000, offset: 0).count))
        }
        #expect(written > 20, "most of the generated events fit: \(written)")
    }

    @Test func aWriteByAnotherProcessIsCountedOnceItHasLastedTheRefreshInterval() async throws {
        let server = try await TestServer.make()
        defer { server.discard() }
        let tally = server.tally()
        #expect(try await tally.counts(scope: .everything, day: Self.day).missing == 0)
        // Written without telling the tally, as the command-line tool would.
        try await server.record([W.move(.loss, ["AK-1"], from: "S1")])
        #expect(try await tally.counts(scope: .everything, day: Self.day).missing == 0, "not yet: it may be a commit in flight")
        server.clock.advance(6)
        // The page that notices starts a reload in the background and is served meanwhile.
        _ = try await tally.counts(scope: .everything, day: Self.day)
        await tally.settle()
        #expect(try await tally.counts(scope: .everything, day: Self.day).missing == 1)
        #expect(try await tally.totals(day: Self.day).subtree("S1")?.missing == 1)
    }

    /// A commit of this server that comes after another process's writes is counted at
    /// once (its items are read as they are); the other process's writes follow from a
    /// reload in the background. No page waits for a reload once the counts are loaded.
    @Test func aServerCommitAfterAnOutsideWriteIsCountedAtOnceAndTheRestInTheBackground() async throws {
        let server = try await TestServer.make()
        defer { server.discard() }
        let tally = server.tally()
        try await tally.warm()
        #expect(try await tally.counts(scope: .everything, day: Self.day).missing == 0)
        try await server.record([W.move(.loss, ["AK-1"], from: "S1")])  // another process
        // This server's own commit, heard by the tally as the writer tells it.
        let requests = [
            AppendRequest(events: [W.move(.theft, ["AK-2"], from: "S1")], recordedBy: "t", recordedAt: "2026-03-01T08:00:00Z")
        ]
        let report = try await server.store.appendGroup(requests)
        #expect(report.reports.allSatisfy { $0.written })
        await tally.appended(requests, report)
        let right = try await tally.counts(scope: .everything, day: Self.day)
        #expect(right.missing >= 1, "the server's own theft is counted at once")
        await tally.settle()
        #expect(try await tally.counts(scope: .everything, day: Self.day) == (try await Self.recount(server.store, scope: .everything)))
        #expect(try await tally.counts(scope: .everything, day: Self.day).missing == 2)
    }
}
