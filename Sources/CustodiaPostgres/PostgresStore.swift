import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Dispatch
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The ledger on PostgreSQL, for several Custodia servers on one database.
///
/// Appends are serialised in the database: each append transaction first takes the log's
/// transaction-scoped advisory lock, so that whichever server appends, there is one tree
/// order, and reads the ledger's size after it holds the lock. Every server signs with the
/// shared log key. The append path is the backend-neutral `AppendCoordinator`; only the rows
/// are PostgreSQL's.
public final class PostgresStore: Store, Sendable {
    public let location: PostgresLocation
    let key: LogKey?
    let origin: String
    /// The connection appends use, one append at a time (`writeLock`).
    let writer: PostgresLink
    /// The connections single-statement reads use, taken in turn: reads run side by side
    /// (they never open a transaction on these).
    let readers: [PostgresLink]
    private let nextReader = Atomic<Int>(0)
    /// The connection for reads that need one snapshot over several statements (proofs),
    /// one at a time.
    let snapshotLink: PostgresLink
    private let snapshotLock = Mutex(())
    /// The holder tree as this server's last group commit left it, with the ledger size then:
    /// the next group uses it when no other server has appended since.
    private let holderCache = Mutex<(generation: Int64, holders: [String: Holder])?>(nil)

    /// A reading connection (in turn).
    var reader: PostgresLink { readers[nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count] }

    /// Connections for reads per server.
    public static let defaultReaders = 4
    let writeLock = Mutex(())
    /// Appends run here, off the caller's thread: the coordinator waits on each statement.
    let appendQueue = DispatchQueue(label: "custodia.postgres.append")
    /// Reads that walk tiles (proofs) run here for the same reason.
    let readQueue = DispatchQueue(label: "custodia.postgres.read", attributes: .concurrent)
    /// The coordinator's steps. Tests make them small to reach the bulk paths with few rows.
    package let tuning = Mutex(AppendTuning())

    /// The key of the advisory lock every append holds: one tree order whichever server
    /// appends.
    static let appendLock: Int64 = 0x4375_7374_6F64_6961  // "Custodia"

    private init(location: PostgresLocation, key: LogKey?, origin: String, links: [PostgresLink]) {
        self.location = location
        self.key = key
        self.origin = origin
        self.writer = links[0]
        self.snapshotLink = links[1]
        self.readers = Array(links[2...])
    }

    static let logger = Logger(label: "custodia.postgres")

    /// Opens the register in the database at `url`. `key` is needed to append. The store
    /// keeps `readers` + 2 connections: one for appends, one for snapshot reads, the rest for
    /// reads.
    public static func open(url: String, key: LogKey?, readers: Int = defaultReaders) async throws -> PostgresStore {
        let location = try PostgresLocation(url: url)
        var links: [PostgresLink] = []
        do {
            for _ in 0..<(2 + max(1, readers)) { links.append(try await PostgresLink.connect(location, logger: logger)) }
            let meta = try await Self.meta(links[0])
            guard meta["application"] == "custodia", let origin = meta["origin"] else {
                throw StoreError(
                    .notACustodiaDatabase,
                    "\(location.redacted) holds no Custodia register; run `custodia init --database URL` to create one")
            }
            if let v = meta["schema"].flatMap(Int.init), v > PostgresSchema.version {
                throw StoreError(
                    .schemaTooNew, "\(location.redacted) was written by a newer Custodia (schema \(v)); upgrade custodia to open it")
            }
            if let key, let stored = meta["verifierKey"], stored != key.verifierKey {
                throw StoreError(
                    .keyMismatch,
                    "the log key does not belong to \(location.redacted): its verifier key differs; use the key file created with it")
            }
            let store = PostgresStore(location: location, key: key, origin: origin, links: links)
            try await store.migrate(from: meta["schema"].flatMap(Int.init) ?? 0)
            return store
        } catch {
            for link in links { await link.close() }
            throw error
        }
    }

    /// Creates a new register in the (empty) database at `url`, with its origin and log key.
    /// Refuses a database that already holds one.
    public static func create(url: String, origin: String, key: LogKey, now: String, readers: Int = defaultReaders) async throws
        -> PostgresStore
    {
        try await createSchema(url: url, origin: origin, key: key, now: now, schema: PostgresSchema.version)
        return try await open(url: url, key: key, readers: readers)
    }

    /// Creates the register's tables at schema version `schema` (an earlier one only in the
    /// migrations' tests), without opening it.
    static func createSchema(url: String, origin: String, key: LogKey, now: String, schema: Int) async throws {
        let location = try PostgresLocation(url: url)
        let link = try await PostgresLink.connect(location, logger: logger)
        do {
            if try await !Self.meta(link).isEmpty {
                throw StoreError(
                    .databaseExists,
                    "\(location.redacted) already holds a Custodia register; Custodia never overwrites one (name another database)")
            }
            try await run(on: DispatchQueue.global()) {
                try link.script("BEGIN")
                do {
                    try link.script(PostgresSchema.migrations.prefix(schema).joined(separator: "\n"))
                    for (k, v) in [
                        ("application", "custodia"), ("schema", "\(schema)"), ("origin", origin),
                        ("verifierKey", key.verifierKey), ("createdAt", now), ("saltedFrom", "0"),
                    ] {
                        try link.rows("INSERT INTO meta(key, value) VALUES (\(k), \(v))")
                    }
                    try link.script("COMMIT")
                } catch {
                    try? link.script("ROLLBACK")
                    throw error
                }
            }
        } catch {
            await link.close()
            throw error
        }
        await link.close()
    }

    /// The `meta` table, empty when the database has none.
    static func meta(_ link: PostgresLink) async throws -> [String: String] {
        let exists = try await link.rowsAsync("SELECT to_regclass('meta') IS NOT NULL")
        guard let row = exists.first, try Cells(row)(0, Bool.self) else { return [:] }
        var out: [String: String] = [:]
        for row in try await link.rowsAsync("SELECT key, value FROM meta") {
            let c = Cells(row)
            out[try c(0)] = try c(1)
        }
        return out
    }

    /// Applies the migrations after `version`, under the append lock (servers starting
    /// together migrate once).
    private func migrate(from version: Int) async throws {
        guard version < PostgresSchema.version else { return }
        let writer = self.writer
        try await Self.run(on: appendQueue) {
            try writer.script("BEGIN")
            do {
                try writer.rows("SELECT pg_advisory_xact_lock(\(Self.appendLock))")
                let current = try writer.rows("SELECT value FROM meta WHERE key = 'schema'").first.map {
                    Int(try Cells($0)(0, String.self)) ?? 0
                } ?? 0
                for v in current..<PostgresSchema.version {
                    try writer.script(PostgresSchema.migrations[v])
                }
                if current < 4 { try Self.writeTraceKeys(writer) }
                try writer.rows("UPDATE meta SET value = \(String(PostgresSchema.version)) WHERE key = 'schema'")
                try writer.script("COMMIT")
            } catch {
                try? writer.script("ROLLBACK")
                throw error
            }
        }
    }

    /// The trace key of every item registered before migration 4, a thousand at a time.
    static func writeTraceKeys(_ writer: PostgresLink) throws {
        var after: Int64 = 0
        while true {
            let rows = try writer.rows("SELECT id, serial FROM item_markings WHERE id > \(after) ORDER BY id LIMIT 1000")
            guard !rows.isEmpty else { return }
            var ids: [Int64] = []
            var keys: [String] = []
            for row in rows {
                let c = Cells(row)
                ids.append(try c(0, Int64.self))
                keys.append(MarkPattern.traceKey(try c(1, String.self)))
            }
            var columns = Columns()
            columns.add("item_id", ids)
            columns.add("key", keys)
            try writer.rows(columns.insert(into: "item_trace_keys"))
            after = ids.last!
        }
    }

    /// Closes the connections; the store cannot be used afterwards.
    public func close() async {
        await writer.close()
        await snapshotLink.close()
        for link in readers { await link.close() }
    }

    static func run<T: Sendable>(on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// The append path shared with every backend, with this store's key and tuning.
    var coordinator: AppendCoordinator {
        AppendCoordinator(
            origin: origin, key: key, ledger: true, tuning: tuning.withLock { $0 },
            keyAdvice: "give the key file shared by this register's servers")
    }

    // MARK: Append

    /// Runs `body` in a transaction holding the append lock; commits when it says so.
    private func inAppendTransaction<T>(_ body: (PostgresAppendTransaction) throws -> (T, commit: Bool)) throws -> T {
        try writeLock.withLock { _ in
            try writer.script("BEGIN")
            do {
                try writer.rows("SELECT pg_advisory_xact_lock(\(Self.appendLock))")
                let (result, commit) = try body(PostgresAppendTransaction(writer))
                try writer.script(commit ? "COMMIT" : "ROLLBACK")
                return result
            } catch {
                try? writer.script("ROLLBACK")
                throw error
            }
        }
    }

    public func append(_ source: inout some EventSource, options: AppendOptions) async throws -> AppendReport {
        try appendSync(&source, options: options, alongside: nil)
    }

    /// Appends, and when the events are written runs `alongside` in the same transaction
    /// (for rows kept beside the ledger, such as a new user's password hash): both commit or
    /// neither does.
    ///
    /// The source is the caller's: the append runs on the caller's thread, waiting on each
    /// statement (the command-line tool's path; the server appends in groups).
    func appendSync(
        _ source: inout some EventSource, options: AppendOptions, alongside: ((PostgresLink) throws -> Void)?
    ) throws -> AppendReport {
        let coordinator = self.coordinator
        try coordinator.requireKey(writing: !options.dryRun)
        holderCache.withLock { $0 = nil }
        return try inAppendTransaction { tx in
            let report = try coordinator.append(tx, &source, options: options)
            if report.written { try alongside?(tx.link) }
            return (report, report.written)
        }
    }

    public func appendGroup(_ requests: [AppendRequest]) async throws -> GroupAppendReport {
        try await appendGroup(taking: { requests }).report
    }

    /// The requests are taken once the append lock is held: those that arrive at this server
    /// while another one commits join this group, so that servers taking turns at the lock
    /// commit groups as large as one server would.
    public func appendGroup(taking take: @escaping @Sendable () -> [AppendRequest]) async throws
        -> (requests: [AppendRequest], report: GroupAppendReport)
    {
        let coordinator = self.coordinator
        return try await Self.run(on: appendQueue) { [self] in
            var taken: [AppendRequest] = []
            let report = try inAppendTransaction { tx -> (GroupAppendReport, commit: Bool) in
                taken = take()
                guard !taken.isEmpty else {
                    return (GroupAppendReport(reports: [], size: try tx.heads().size, checkpoint: nil), false)
                }
                let requests = taken
                try coordinator.requireKey(writing: requests.contains(where: { !$0.dryRun }))
                // The cached tree serves while no event has changed it since (another
                // server's items and lots do not), so servers taking turns at the lock do
                // not read the whole tree again for each group.
                let generation = try tx.holderGeneration()
                let cached = holderCache.withLock { $0 }
                let holders = try cached.flatMap { $0.generation == generation ? $0.holders : nil } ?? tx.holders()
                let result = try coordinator.appendGroup(tx, requests, holders: holders)
                let changesTree = requests.contains { !$0.dryRun && $0.events.contains { $0.kind.isHolderChange } }
                holderCache.withLock { $0 = changesTree ? nil : (generation, result.holders) }
                return (result.report, result.commit)
            }
            return (taken, report)
        }
    }

    // MARK: Ledger reads

    public func ledgerSize() async throws -> Int64 {
        try Cells(try await reader.rowsAsync("SELECT coalesce(max(seq) + 1, 0) FROM events")[0])(0)
    }

    public func entries(from: Int64, to: Int64) async throws -> [RecordedEvent] {
        try await reader.rowsAsync("SELECT seq, leaf FROM events WHERE seq >= \(from) AND seq < \(to) ORDER BY seq").map {
            let c = Cells($0)
            return RecordedEvent(seq: try c(0), leaf: try c.bytes(1))
        }
    }

    public func checkpoint(size: Int64?) async throws -> String? {
        let rows =
            if let size {
                try await reader.rowsAsync("SELECT note FROM checkpoints WHERE size = \(size)")
            } else {
                try await reader.rowsAsync("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1")
            }
        return try rows.first.map { try Cells($0)(0) }
    }

    public func checkpoint(including seq: Int64) async throws -> String? {
        try await reader.rowsAsync("SELECT note FROM checkpoints WHERE size > \(max(0, seq)) ORDER BY size LIMIT 1").first.map {
            try Cells($0)(0)
        }
    }

    public func verifierKey() async throws -> String {
        guard let row = try await reader.rowsAsync("SELECT value FROM meta WHERE key = 'verifierKey'").first else {
            throw StoreError(.notACustodiaDatabase, "the register has no verifier key; it was not created by `custodia init`")
        }
        return try Cells(row)(0)
    }

    public func tile(level: Int, index: Int64, width: Int) async throws -> [UInt8]? {
        guard (0...TilePath.maxLevel).contains(level), index >= 0, (1...256).contains(width) else { return nil }
        guard let row = try await reader.rowsAsync("SELECT hashes FROM tiles WHERE level = \(level) AND idx = \(index)").first
        else { return nil }
        let hashes = try Cells(row).bytes(0)
        // A stored tile only grows; a partial tile is a prefix of it.
        guard hashes.count >= width * 32 else { return nil }
        return Array(hashes.prefix(width * 32))
    }

    /// Runs a read that walks tiles with the sync tile reader, in one snapshot.
    private func tileRead<T: Sendable>(_ body: @escaping @Sendable (PostgresAppendTransaction, PostgresLink) throws -> T)
        async throws -> T
    {
        let reader = self.snapshotLink
        return try await Self.run(on: readQueue) { [self] in
            try snapshotLock.withLock { _ in try snapshotRead(reader, body) }
        }
    }

    private func snapshotRead<T>(_ reader: PostgresLink, _ body: (PostgresAppendTransaction, PostgresLink) throws -> T) throws
        -> T
    {
        do {
            try reader.script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                let result = try body(PostgresAppendTransaction(reader), reader)
                try reader.script("COMMIT")
                return result
            } catch {
                try? reader.script("ROLLBACK")
                throw error
            }
        }
    }

    static func checkpointRoot(_ link: PostgresLink, size: Int64) throws -> TreeHash? {
        guard let row = try link.rows("SELECT note FROM checkpoints WHERE size = \(size)").first else { return nil }
        return StoredCheckpoint.root(of: try Cells(row)(0), size: size)
    }

    public func inclusionProof(index: Int64, size: Int64) async throws -> InclusionProof {
        try await tileRead { tiles, link in
            let total = try Cells(try link.rows("SELECT coalesce(max(seq) + 1, 0) FROM events")[0])(0, Int64.self)
            guard size >= 1, size <= total else {
                throw StoreError(
                    .invalidRequest, "size \(size) is outside the ledger (1–\(total)); ask for a size the ledger has reached")
            }
            guard index >= 0, index < size else {
                throw StoreError(.invalidRequest, "index \(index) is not in a tree of size \(size) (0–\(size - 1))")
            }
            let p = try TileHashReader(tiles).inclusion(
                index: index, size: size, knownRoot: try Self.checkpointRoot(link, size: size))
            return InclusionProof(index: index, size: size, leafHash: p.leafHash, root: p.root, proof: p.proof)
        }
    }

    public func consistencyProof(old: Int64, new: Int64) async throws -> ConsistencyProof {
        try await tileRead { tiles, link in
            let total = try Cells(try link.rows("SELECT coalesce(max(seq) + 1, 0) FROM events")[0])(0, Int64.self)
            guard old >= 0, old <= new, new <= total else {
                throw StoreError(
                    .invalidRequest,
                    "sizes \(old) and \(new) do not fit a ledger of \(total) events; give 0 ≤ OLD ≤ NEW ≤ \(total)")
            }
            let p = try TileHashReader(tiles).consistency(
                old: old, new: new, knownOldRoot: try Self.checkpointRoot(link, size: old),
                knownNewRoot: try Self.checkpointRoot(link, size: new))
            return ConsistencyProof(old: old, new: new, oldRoot: p.oldRoot, newRoot: p.newRoot, proof: p.proof)
        }
    }

    /// The holder tree as stored.
    public func holders() async throws -> [Holder] {
        try PostgresAppendTransaction.holders(try await reader.rowsAsync(PostgresAppendTransaction.holdersQuery)).values
            .sorted { $0.code < $1.code }
    }
}
