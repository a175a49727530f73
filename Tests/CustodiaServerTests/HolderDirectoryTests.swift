import CustodiaCore
import CustodiaStore
import Foundation
import Testing

@testable import CustodiaServer

/// The cached holder tree is checked against the store's holder generation once it is
/// `refresh` old: kept (with the scopes and totals derived from it) while nobody changed a
/// holder, read again when another process did.
@Suite struct HolderDirectoryTests {
    @Test func theTreeIsKeptWhileUnchangedAndReadAgainAfterAChangeByAnotherProcess() async throws {
        let server = try await TestServer.make()
        defer { server.discard() }
        let directory = HolderDirectory(store: server.store, refresh: 5, now: { server.clock.now })
        let first = try await directory.snapshot()

        // Custody events by another process do not change the tree.
        var issue = Event(kind: .issue, occurredAt: "2026-03-01T08:00:00Z")
        issue.from = "S1"
        issue.to = "P1"
        issue.items = [.marking(manufacturer: "Kalashnikov", serial: "AK-1", model: nil)]
        try await append([issue], to: server.store)
        server.clock.advance(6)
        let checked = try await directory.snapshot()
        #expect(checked.generation == first.generation, "unchanged tree, same snapshot generation")
        #expect(checked.loaded > first.loaded)

        // A holder renamed by another process is seen once the tree is `refresh` old.
        var rename = Event(kind: .holderRename, occurredAt: "2026-03-01T08:00:00Z")
        rename.holder = HolderChange(code: "S1", name: "Depot One, renamed")
        try await append([rename], to: server.store)
        server.clock.advance(1)
        #expect(try await directory.snapshot().holders["S1"]?.name == "Depot One", "still fresh")
        server.clock.advance(5)
        let reread = try await directory.snapshot()
        #expect(reread.generation > first.generation)
        #expect(reread.holders["S1"]?.name == "Depot One, renamed")
    }

    func append(_ events: [Event], to store: any Store) async throws {
        var source = ArrayEventSource(events)
        let report = try await store.append(
            &source, options: AppendOptions(recordedBy: "other-process", recordedAt: "2026-03-01T08:00:00Z"))
        #expect(report.errors.isEmpty, "\(report.errors)")
    }
}
