import CustodiaLedger
import Foundation
import Testing

@testable import CustodiaSQLite
@testable import CustodiaStore

/// The conformance suite against the SQLite store. Another backend adds a file like this
/// one with its own factory.
@Suite struct SQLiteConformanceTests {
    /// A new store in `dir`, as every factory here makes it.
    static func newStore(_ dir: URL) throws -> SQLiteStore {
        try SQLiteStore.create(
            path: dir.appendingPathComponent("custodia.db").path, origin: testOrigin, key: try LogKey.generate(name: testOrigin),
            now: recordedAt)
    }

    static let factory: StoreFactory = { dir in try newStore(dir) }

    @Test("the SQLite store conforms", arguments: StoreConformance.all)
    func conforms(_ check: ConformanceCheck) async throws {
        try await check.body(Self.factory)
    }

    /// The same store with its bulk paths at their smallest: every append written two events
    /// at a time, a group written after each request, and the items' indexes rebuilt by any
    /// append that registers three items or more; the rules drop their cache past four
    /// records.
    static let smallStepsFactory: StoreFactory = { dir in
        let store = try newStore(dir)
        store.tuning.withLock { $0 = SQLiteStore.Tuning(append: AppendTuning(chunkSize: 2, groupChunkSize: 1, cachedRecords: 4), bulkItems: 3) }
        return store
    }

    @Test("the SQLite store conforms with its bulk paths in small steps", arguments: StoreConformance.all)
    func conformsInSmallSteps(_ check: ConformanceCheck) async throws {
        try await check.body(Self.smallStepsFactory)
    }

    @Test("the SQLite store conforms as a ledger", arguments: LedgerConformance.all)
    func conformsAsALedger(_ check: LedgerCheck) async throws {
        try await check.body { dir in try Self.newStore(dir) }
        try await check.body { dir in try await Self.smallStepsFactory(dir) }
    }

    static let userFactory: UserStoreFactory = { dir in try newStore(dir) }

    @Test("the SQLite store conforms as a user store", arguments: UserStoreConformance.all)
    func conformsAsAUserStore(_ check: UserConformanceCheck) async throws {
        try await check.body(Self.userFactory)
    }
}
