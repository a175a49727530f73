import CustodiaLedger
import CustodiaStore
import Foundation
import Testing

/// The conformance suite against the SQLite store. Another backend adds a file like this
/// one with its own factory.
@Suite struct SQLiteConformanceTests {
    static let factory: StoreFactory = { dir in
        try SQLiteStore.create(
            path: dir.appendingPathComponent("custodia.db").path, origin: testOrigin, key: try LogKey.generate(name: testOrigin),
            now: recordedAt)
    }

    @Test("the SQLite store conforms", arguments: StoreConformance.all)
    func conforms(_ check: ConformanceCheck) async throws {
        try await check.body(Self.factory)
    }

    static let userFactory: UserStoreFactory = { dir in
        try SQLiteStore.create(
            path: dir.appendingPathComponent("custodia.db").path, origin: testOrigin, key: try LogKey.generate(name: testOrigin),
            now: recordedAt)
    }

    @Test("the SQLite store conforms as a user store", arguments: UserStoreConformance.all)
    func conformsAsAUserStore(_ check: UserConformanceCheck) async throws {
        try await check.body(Self.userFactory)
    }
}
