import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import Testing

/// One behaviour every `LedgerStore` must have, run against a backend by its factory.
struct LedgerCheck: Sendable, CustomTestStringConvertible {
    let name: String
    let body: @Sendable (LedgerFactory) async throws -> Void
    init(_ name: String, _ body: @escaping @Sendable (LedgerFactory) async throws -> Void) {
        self.name = name
        self.body = body
    }
    var testDescription: String { name }
}

/// The ledger's conformance suite: appends, checkpoints, proofs, leaves, tiles and bundles.
/// Every backend runs it (see `SQLiteConformanceTests`, `PostgresConformanceTests`); the
/// rest of `StoreConformance` runs on the backends that implement the whole `Store`.
enum LedgerConformance {
    static let all: [LedgerCheck] = [
        LedgerCheck("each append signs a checkpoint of the new tree", StoreConformance.eachAppendSignsACheckpoint),
        LedgerCheck("inclusion proofs verify for many indices and sizes", StoreConformance.inclusionProofsVerify),
        LedgerCheck("consistency proofs verify between sizes", StoreConformance.consistencyProofsVerify),
        LedgerCheck("proofs outside the ledger are refused", StoreConformance.proofsOutsideTheLedgerAreRefused),
        LedgerCheck("entries are the leaves of the tree, as recorded", StoreConformance.entriesAreTheLeaves),
        LedgerCheck("tiles and entry bundles are served in the tlog-tiles layout", StoreConformance.tilesAndBundles),
        LedgerCheck(
            "the checkpoint including an entry is the one signed for its batch", StoreConformance.checkpointIncludingAnEntry),
        LedgerCheck("a refused or dry-run append leaves the ledger as it was", refusedAppendsWriteNothing),
        LedgerCheck("a group commit isolates its requests under one checkpoint", groupCommitIsolatesRequests),
        LedgerCheck("custody moves the rules accept are written and refused ones are not", custodyIsKept),
    ]

    static func ledgerState(_ store: any LedgerStore) async throws -> (Int64, String?, [RecordedEvent]) {
        let size = try await store.ledgerSize()
        return (size, try await store.checkpoint(size: nil), try await store.entries(from: 0, to: size))
    }

    static func refusedAppendsWriteNothing(_ make: LedgerFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([E.register(E.item("A-1"), to: "S1")])
            let before = try await ledgerState(store)
            // The second event moves an item nobody holds there.
            let refused = try await store.record([
                E.register(E.item("A-2"), to: "S1"), E.move(.issue, ["A-1"], from: "S2", to: "P1"),
            ])
            #expect(!refused.written)
            #expect(refused.errors.map(\.line) == [2])
            let dry = try await store.record([E.register(E.item("A-3"), to: "S1")], dryRun: true)
            #expect(dry.accepted == 1 && !dry.written)
            let after = try await ledgerState(store)
            #expect(after.0 == before.0 && after.1 == before.1 && after.2 == before.2)
            // The refused registration did not take the serial: it registers now.
            try await store.recordValid([E.register(E.item("A-2"), to: "S1")])
        }
    }

    static func groupCommitIsolatesRequests(_ make: LedgerFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            let size = try await store.ledgerSize()
            func request(_ events: [Event], dryRun: Bool = false) -> AppendRequest {
                AppendRequest(events: events, recordedBy: recordedBy, recordedAt: recordedAt, dryRun: dryRun)
            }
            let report = try await store.appendGroup([
                request([E.register(E.item("G-1"), to: "S1"), E.register(E.item("G-2"), to: "S1")]),
                request([E.move(.issue, ["G-9"], from: "S1", to: "P1")]),  // unknown item: refused alone
                request([E.move(.issue, ["G-1"], from: "S1", to: "P1")]),  // sees the first request
                request([E.register(E.item("G-3"), to: "S1")], dryRun: true),
            ])
            #expect(report.reports.map(\.written) == [true, false, true, false])
            #expect(report.size == size + 3)
            let note = try #require(report.checkpoint)
            #expect(try await store.signedCheckpoint(note).size == size + 3)
            #expect(try await store.checkpoint(size: nil) == note)
            let leaves = try await store.entries(from: 0, to: size + 3).map { Merkle.leafHash($0.leaf) }
            #expect(try await store.signedCheckpoint(note).root == Merkle.root(of: leaves))
            // Nothing of the refused or dry-run requests is in the ledger.
            let json = try await store.entries(from: size, to: size + 3).map(\.json).joined()
            #expect(!json.contains("G-9") && !json.contains("G-3"))
        }
    }

    static func custodyIsKept(_ make: LedgerFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid((0..<40).map { E.register(E.item(String(format: "C-%02d", $0)), to: "S1") })
            try await store.recordValid([E.move(.issue, ["C-01", "C-02"], from: "S1", to: "P1")])
            // C-01 is with P1 now, not at S1.
            let again = try await store.record([E.move(.issue, ["C-01"], from: "S1", to: "P1")])
            #expect(!again.written && again.errors.count == 1)
            try await store.recordValid([E.move(.return, ["C-01"], from: "P1", to: "S1")])
            let twice = try await store.record([E.register(E.item("C-03"), to: "S1")])
            #expect(!twice.written, "an item is registered once")
        }
    }
}
