import CustodiaCore
import CustodiaLedger
import Foundation
import Testing

@testable import CustodiaPostgres
@testable import CustodiaStore

/// A PostgreSQL server for the tests: `CUSTODIA_TEST_POSTGRES_URL` names a database on it
/// whose user may create databases. Each test makes its own database and drops it after.
/// Without it these tests do not run, and say how to start one.
enum TestPostgres {
    static let url = ProcessInfo.processInfo.environment["CUSTODIA_TEST_POSTGRES_URL"]
    static let howToStart =
        "PostgreSQL tests need a server: run `eval \"$(scripts/pg-cluster.sh start)\"` (after `apt-get install postgresql`) "
        + "to set CUSTODIA_TEST_POSTGRES_URL, then run the tests again"

    /// Another new database beside the one a test was given (dropped with the server's
    /// test databases by `withDatabase` of its own test run is not needed: it is dropped
    /// when the store that uses it is closed by the test's `OpenedStores`).
    static func extraDatabase(like url: String, opened: OpenedStores) async throws -> String {
        let location = try PostgresLocation(url: url)
        let name = "custodia_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        let link = try await PostgresLink.connect(location, logger: PostgresStore.logger)
        try await link.execute(sql: "CREATE DATABASE \(name)")
        await link.close()
        opened.dropLater(name, admin: location)
        return "postgres://\(location.user)@\(location.host):\(location.port)/\(name)"
    }

    /// Runs `body` with the URL of a new, empty database, dropped afterwards.
    static func withDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        let admin = try #require(url, Comment(rawValue: howToStart))
        let location = try PostgresLocation(url: admin)
        let name = "custodia_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        let link = try await PostgresLink.connect(location, logger: PostgresStore.logger)
        try await link.execute(sql: "CREATE DATABASE \(name)")
        var target = location
        target.database = name
        let newURL = "postgres://\(target.user)@\(target.host):\(target.port)/\(name)"
        do {
            let result = try await body(newURL)
            _ = try? await link.execute(sql: "DROP DATABASE \(name) WITH (FORCE)")
            await link.close()
            return result
        } catch {
            _ = try? await link.execute(sql: "DROP DATABASE \(name) WITH (FORCE)")
            await link.close()
            throw error
        }
    }
}

/// The ledger conformance suite against the PostgreSQL store, and what only it does: several
/// stores (servers) appending to one database.
@Suite(.serialized, .enabled(if: TestPostgres.url != nil, Comment(rawValue: TestPostgres.howToStart)))
struct PostgresConformanceTests {
    /// Runs a ledger check against a new register in a new database.
    static func run(_ check: LedgerCheck, tuning: AppendTuning = AppendTuning()) async throws {
        try await withFactory(tuning: tuning) { make in try await check.body { dir in try await make(dir) } }
    }

    @Test("the PostgreSQL store conforms as a ledger", arguments: LedgerConformance.all)
    func conformsAsALedger(_ check: LedgerCheck) async throws {
        try await Self.run(check)
    }

    @Test("the PostgreSQL store conforms as a ledger with its bulk paths in small steps", arguments: LedgerConformance.all)
    func conformsInSmallSteps(_ check: LedgerCheck) async throws {
        try await Self.run(check, tuning: AppendTuning(chunkSize: 2, groupChunkSize: 1, cachedRecords: 4))
    }

    /// A factory of new registers: the first in `url`, each further one (a check may make
    /// several) in a database of its own.
    static func factory(url: String, opened: OpenedStores, tuning: AppendTuning) -> @Sendable (URL) async throws -> PostgresStore {
        let counter = Counter()
        return { _ in
            let target = counter.next() == 0 ? url : try await TestPostgres.extraDatabase(like: url, opened: opened)
            let store = try await PostgresStore.create(
                url: target, origin: testOrigin, key: try LogKey.generate(name: testOrigin), now: recordedAt, readers: 2)
            store.tuning.withLock { $0 = tuning }
            opened.add(store)
            return store
        }
    }

    /// Runs a check with such a factory, closing every store it made afterwards.
    static func withFactory(
        tuning: AppendTuning = AppendTuning(), _ body: (@escaping @Sendable (URL) async throws -> PostgresStore) async throws -> Void
    ) async throws {
        try await TestPostgres.withDatabase { url in
            let opened = OpenedStores()
            do {
                try await body(factory(url: url, opened: opened, tuning: tuning))
            } catch {
                await opened.closeAll()
                throw error
            }
            await opened.closeAll()
        }
    }

    static func runStore(_ body: @Sendable (@escaping StoreFactory) async throws -> Void, tuning: AppendTuning = AppendTuning())
        async throws
    {
        try await withFactory(tuning: tuning) { make in try await body { dir in try await make(dir) } }
    }

    @Test("the PostgreSQL store conforms", arguments: StoreConformance.all)
    func conforms(_ check: ConformanceCheck) async throws {
        try await Self.runStore(check.body)
    }

    @Test("the PostgreSQL store conforms with its bulk paths in small steps", arguments: StoreConformance.all)
    func conformsInSmallSteps(_ check: ConformanceCheck) async throws {
        try await Self.runStore(check.body, tuning: AppendTuning(chunkSize: 2, groupChunkSize: 1, cachedRecords: 4))
    }

    @Test("the PostgreSQL store conforms as a user store", arguments: UserStoreConformance.all)
    func conformsAsAUserStore(_ check: UserConformanceCheck) async throws {
        try await Self.withFactory { make in try await check.body { dir in try await make(dir) } }
    }

    @Test("a register is created once, opened with its own key only, and a database without one is refused")
    func createAndOpen() async throws {
        try await TestPostgres.withDatabase { url in
            let key = try LogKey.generate(name: testOrigin)
            let store = try await PostgresStore.create(url: url, origin: testOrigin, key: key, now: recordedAt)
            await store.close()
            await #expect(throws: StoreError.self) {
                _ = try await PostgresStore.create(url: url, origin: testOrigin, key: key, now: recordedAt)
            }
            do {
                _ = try await PostgresStore.open(url: url, key: try LogKey.generate(name: testOrigin))
                Issue.record("another key opened the register")
            } catch let error as StoreError {
                #expect(error.code == .keyMismatch)
            }
            let reopened = try await PostgresStore.open(url: url, key: key)
            #expect(try await reopened.verifierKey() == key.verifierKey)
            #expect(try await reopened.ledgerSize() == 0)
            await reopened.close()
        }
        try await TestPostgres.withDatabase { url in
            do {
                _ = try await PostgresStore.open(url: url, key: nil)
                Issue.record("an empty database opened as a register")
            } catch let error as StoreError {
                #expect(error.code == .notACustodiaDatabase)
                #expect(error.message.contains("custodia init"))
            }
        }
    }

    @Test("recorded events and checkpoints are refused UPDATE, DELETE and TRUNCATE by the database itself")
    func insertOnlyGuards() async throws {
        try await TestPostgres.withDatabase { url in
            let store = try await PostgresStore.create(
                url: url, origin: testOrigin, key: try LogKey.generate(name: testOrigin), now: recordedAt)
            try await store.recordValid(Fixture.holderTree + [E.register(E.item("A1"), to: "S1")])
            for sql in [
                "UPDATE events SET kind = 'loss' WHERE seq = 0", "DELETE FROM events WHERE seq = 7", "TRUNCATE events",
                "UPDATE checkpoints SET note = 'x'", "DELETE FROM checkpoints",
                "UPDATE item_markings SET serial = 'X1'", "DELETE FROM item_markings", "TRUNCATE item_markings",
            ] {
                await #expect(throws: StoreError.self, "\(sql)") {
                    try await store.reader.execute(sql: sql)
                }
            }
            #expect(try await store.ledgerSize() == 9)
            #expect(try await store.verify().divergence == nil)
            await store.close()
        }
    }

    @Test("an item's state changed in the database behind Custodia's back is found by verify")
    func stateTamperFound() async throws {
        try await TestPostgres.withDatabase { url in
            let store = try await PostgresStore.create(
                url: url, origin: testOrigin, key: try LogKey.generate(name: testOrigin), now: recordedAt)
            try await store.recordValid(Fixture.holderTree + [E.register([E.item("A1"), E.item("A2")], to: "S1")])
            #expect(try await store.verify().divergence == nil)
            try await store.reader.execute(sql: "UPDATE item_states SET holder = 'S2' WHERE id = 2")
            let divergence = try #require(try await store.verify().divergence)
            #expect(divergence.hasPrefix("items: row id=2"), "\(divergence)")
            try await store.reader.execute(sql: "UPDATE item_states SET holder = 'S1' WHERE id = 2")
            try await store.reader.execute(sql: "DELETE FROM item_states WHERE id = 1")
            let lacking = try #require(try await store.verify().divergence)
            #expect(lacking.contains("follows from the events but is not stored"), "\(lacking)")
            await store.close()
        }
    }

    @Test("a register of schema 1 (items in one table) is migrated on open: every item keeps its marking and state")
    func migratesSchemaOne() async throws {
        try await TestPostgres.withDatabase { url in
            let key = try LogKey.generate(name: testOrigin)
            try await PostgresStore.createSchema(url: url, origin: testOrigin, key: key, now: recordedAt, schema: 1)
            let link = try await PostgresLink.connect(try PostgresLocation(url: url), logger: PostgresStore.logger)
            try await link.execute(sql: "INSERT INTO holders(code, kind, name, added_seq) VALUES ('S1', 'site', 'Depot One', 0)")
            try await link.execute(
                sql: """
                    INSERT INTO items(id, category, manufacturer, country, model, calibre, serial, registered_seq, status,
                        holder, condition, last_counted, last_seq)
                    VALUES (1, 'assault-rifle', 'Izhmash', 'RU', 'AK-74M', '5.45x39mm', 'RNC203', 1, 'held', 'S1', 'serviceable',
                        '2026-03-01', 4)
                    """)
            await link.close()
            let store = try await PostgresStore.open(url: url, key: key)
            let item = try #require(try await store.items(serial: "RNC203", manufacturer: nil, model: nil).first)
            #expect(item.record.marking.model == "AK-74M")
            #expect(item.record.state.holder == "S1")
            #expect(item.record.state.lastCounted == "2026-03-01")
            #expect(item.record.state.lastSeq == 4)
            let schema = try await store.reader.rowsAsync("SELECT value FROM meta WHERE key = 'schema'")
            #expect(try Cells(schema[0])(0, String.self) == String(PostgresSchema.version))
            await store.close()
        }
    }

    @Test("a register of schema 2 learns when its dispatches were last received, and its items' trace keys, on open")
    func migratesSchemaTwo() async throws {
        try await TestPostgres.withDatabase { url in
            let key = try LogKey.generate(name: testOrigin)
            let store = try await PostgresStore.create(url: url, origin: testOrigin, key: key, now: recordedAt)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([E.register([E.item("AK-0024358"), E.item("AK-0024388")], to: "S1")])
            try await store.recordValid([E.registerLot("L1", quantity: 500, to: "S1")])
            try await store.recordValid([E.move(.dispatch, lots: [("L1", 100)], from: "S1", to: "S2", document: "D-7")])
            var receive = E.move(.receive, lots: [("L1", 40)], to: "S2", document: "D-7")
            receive.occurredAt = "2026-03-01T10:00:00Z"
            try await store.recordValid([receive])
            try await store.reader.execute(sql: "ALTER TABLE dispatches DROP COLUMN last_received_at")
            try await store.reader.execute(sql: "DROP TABLE item_trace_keys")
            try await store.reader.execute(sql: "UPDATE meta SET value = '2' WHERE key = 'schema'")
            await store.close()
            let reopened = try await PostgresStore.open(url: url, key: key)
            #expect(try await reopened.dispatch(document: "D-7")?.lastReceivedAt == "2026-03-01T10:00:00Z")
            let found = try await reopened.searchMarks(try MarkPattern("AK-OO243?8"), limit: 10)
            #expect(found.matches.map(\.item.marking.serial) == ["AK-0024358", "AK-0024388"])
            #expect(try await reopened.verify().divergence == nil)
            await reopened.close()
        }
    }

    @Test("two servers appending at once to one database keep one tree order, every checkpoint consistent")
    func twoServersOneLedger() async throws {
        try await TestPostgres.withDatabase { url in
            let key = try LogKey.generate(name: testOrigin)
            let first = try await PostgresStore.create(url: url, origin: testOrigin, key: key, now: recordedAt)
            let second = try await PostgresStore.open(url: url, key: key)
            try await first.recordValid(Fixture.holderTree)
            let rounds = 30
            let reports = try await withThrowingTaskGroup(of: [GroupAppendReport].self) { group in
                for (n, store) in [first, second].enumerated() {
                    group.addTask {
                        var out: [GroupAppendReport] = []
                        for r in 0..<rounds {
                            let serial = "S\(n)-\(r)"
                            out.append(
                                try await store.appendGroup([
                                    AppendRequest(
                                        events: [E.register(E.item(serial), to: "S1")], recordedBy: recordedBy,
                                        recordedAt: recordedAt)
                                ]))
                        }
                        return out
                    }
                }
                var all: [GroupAppendReport] = []
                for try await part in group { all += part }
                return all
            }
            #expect(reports.allSatisfy { $0.reports.first?.written == true })
            let sizes = reports.map(\.size).sorted()
            #expect(sizes == Array(9...Int64(8 + 2 * rounds)), "each append extended the one tree by one")
            let size = try await second.ledgerSize()
            #expect(size == Int64(8 + 2 * rounds))
            let leaves = try await second.entries(from: 0, to: size).map { Merkle.leafHash($0.leaf) }
            for report in reports {
                let checkpoint = try await first.signedCheckpoint(try #require(report.checkpoint))
                #expect(checkpoint.root == Merkle.root(of: leaves[0..<Int(checkpoint.size)]))
            }
            let p = try await second.consistencyProof(old: 9, new: size)
            try Merkle.verifyConsistency(oldSize: 9, newSize: size, oldRoot: p.oldRoot, newRoot: p.newRoot, proof: p.proof)
            await first.close()
            await second.close()
        }
    }
}

/// Counts calls.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.withLock { defer { n += 1 }; return n } }
}

/// The stores a check opened, closed when it ends.
final class OpenedStores: @unchecked Sendable {
    private let lock = NSLock()
    private var stores: [PostgresStore] = []
    private var databases: [(String, PostgresLocation)] = []

    func add(_ store: PostgresStore) { lock.withLock { stores.append(store) } }
    func dropLater(_ name: String, admin: PostgresLocation) { lock.withLock { databases.append((name, admin)) } }

    func closeAll() async {
        for store in lock.withLock({ stores }) { await store.close() }
        for (name, location) in lock.withLock({ databases }) {
            if let link = try? await PostgresLink.connect(location, logger: PostgresStore.logger) {
                try? await link.execute(sql: "DROP DATABASE \(name) WITH (FORCE)")
                await link.close()
            }
        }
    }
}
