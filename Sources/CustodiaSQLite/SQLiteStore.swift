import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import GRDB
import Synchronization

/// The embedded default store: one SQLite file in WAL mode.
///
/// Appends take the write lock up front (`BEGIN IMMEDIATE`), wait up to 5 seconds for
/// another process, and commit events, state, tiles and the new checkpoint together.
public final class SQLiteStore: Store, Sendable {
    /// Whether appends maintain the Merkle tree. Off only for the benchmark that measures
    /// the ledger's overhead; a store written with it off does not verify.
    public enum LedgerMode: Sendable { case on, off }

    /// How the store connects to its file.
    public enum Connections: Sendable {
        /// One connection for reads and writes (the command-line tool).
        case single
        /// One writer and up to `readers` reader connections, so that reads run while a
        /// write commits (the server). Reads see the last committed state.
        case pool(readers: Int)
    }

    public let path: String
    /// The connection: a queue for the command-line tool, a pool for the server.
    let queue: any DatabaseWriter
    let key: LogKey?
    let origin: String
    let ledgerMode: LedgerMode
    /// The sizes of the bulk paths. Tests make them small to reach those paths with a few rows.
    let tuning = Mutex(Tuning())

    struct Tuning: Sendable {
        /// The coordinator's steps (see `AppendTuning`).
        var append = AppendTuning()
        /// See `SQLiteStateWriter.bulkItems`.
        var bulkItems = SQLiteStateWriter.bulkItems
    }

    /// The append path shared with every backend, with this store's key and tuning.
    var coordinator: AppendCoordinator {
        AppendCoordinator(
            origin: origin, key: key, ledger: ledgerMode == .on, tuning: tuning.withLock { $0.append },
            keyAdvice: "keep \(path).key beside the database")
    }

    var bulkItems: Int64 { tuning.withLock { $0.bulkItems } }

    /// The holder tree as the last group append left it, with the writer connection's
    /// `data_version` at that moment: when another process commits, the version changes and
    /// the tree is read again.
    let holderCache = Mutex<CachedHolders?>(nil)

    struct CachedHolders: Sendable {
        var holders: [String: Holder]
        var dataVersion: Int64
    }

    /// Token owners already looked up, by secret hash, with the database's version when they
    /// were read: an entry serves only while nothing has been committed since, so a revoked
    /// token or a disabled user is refused at the next request. Server stores only (a pool).
    let ownerCache: Mutex<[String: CachedOwner]> = Mutex([:])
    let watch: DataVersionWatch?
    /// The pool's checkpointer (see `WALCheckpointer`); nil for a single connection.
    let checkpointer: WALCheckpointer?

    struct CachedOwner: Sendable {
        var version: Int64
        var token: TokenRecord
        var account: UserAccount
    }

    /// Opens an existing store. `key` is needed to append (every batch is signed).
    public init(path: String, key: LogKey?, ledger: LedgerMode = .on, connections: Connections = .single) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missingDatabase(path) }
        self.path = path
        self.key = key
        self.ledgerMode = ledger
        let queue: any DatabaseWriter
        let meta: [String: String]
        if case .pool = connections { checkpointer = WALCheckpointer(path: path) } else { checkpointer = nil }
        do {
            queue = try Self.open(path, connections: connections, checkpointer: checkpointer)
            meta = try queue.read { (db: Database) -> [String: String] in
                guard try db.tableExists("meta") else { return [:] }
                return try Dictionary(
                    uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM meta").map {
                        ($0[0] as String, $0[1] as String)
                    })
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError(.notACustodiaDatabase, "\(path) is not a Custodia database (not SQLite); check --db")
        }
        self.queue = queue
        if case .pool = connections { watch = DataVersionWatch(path: path) } else { watch = nil }
        guard meta["application"] == "custodia", let origin = meta["origin"] else {
            throw StoreError(.notACustodiaDatabase, "\(path) is not a Custodia database; check --db or run `custodia init`")
        }
        if let v = meta["schema"].flatMap(Int.init), v > Schema.version {
            throw StoreError(.schemaTooNew, "\(path) was written by a newer Custodia (schema \(v)); upgrade custodia to open it")
        }
        self.origin = origin
        if let key, let stored = meta["verifierKey"], stored != key.verifierKey {
            throw StoreError(
                .keyMismatch, "the log key does not belong to \(path): its verifier key differs; use the key file created with it"
            )
        }
        // Readers must not wait for a writer: migrate only when something is pending.
        let current = try queue.read { db in try Schema.migrator.hasCompletedMigrations(db) }
        if !current { try Schema.migrator.migrate(queue) }
    }

    /// Closes the connections; the store cannot be used afterwards.
    public func close() throws {
        watch?.close()
        if let pool = queue as? DatabasePool {
            try pool.close()
        } else if let single = queue as? DatabaseQueue {
            try single.close()
        }
        checkpointer?.close()
    }

    /// A synchronous read: the reads here are short, indexed and bounded.
    func read<T>(_ body: (Database) throws -> T) throws -> T { try queue.read(body) }

    /// A read of the whole register (the web counts at start): it runs on a reader
    /// connection's own queue, not on the caller's thread, which in the server is an event
    /// loop that other connections share.
    func readWhole<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await queue.read(body)
    }

    /// A read of one statement, outside a transaction: the statement alone sees one
    /// committed state, and the server saves the BEGIN and COMMIT on its hottest paths.
    func readOne<T>(_ body: (Database) throws -> T) throws -> T { try queue.unsafeRead(body) }

    /// Creates a new, empty store with its origin and log key. Refuses an existing file.
    public static func create(path: String, origin: String, key: LogKey, now: String) throws -> SQLiteStore {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.databaseExists, "\(path) already exists; Custodia never overwrites a store (choose another --db)")
        }
        let queue = try openQueue(path)
        do {
            // WAL is a property of the file, set once here: opening never changes a file
            // before it is known to be a Custodia database.
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try Schema.migrator.migrate(queue)
            try queue.write { db in
                let s = try db.makeStatement(sql: "INSERT INTO meta(key, value) VALUES (?, ?)")
                for (k, v) in [
                    ("application", "custodia"), ("schema", "\(Schema.version)"), ("origin", origin),
                    ("verifierKey", key.verifierKey), ("createdAt", now),
                ] {
                    try s.execute(arguments: [k, v])
                }
            }
            try queue.close()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        return try SQLiteStore(path: path, key: key)
    }

    static func openQueue(_ path: String) throws -> DatabaseQueue {
        try DatabaseQueue(path: path, configuration: configuration())
    }

    static func open(_ path: String, connections: Connections, checkpointer: WALCheckpointer?) throws
        -> any DatabaseWriter
    {
        switch connections {
        case .single: return try openQueue(path)
        case .pool(let readers):
            var config = configuration()
            config.maximumReaderCount = max(1, readers)
            if let checkpointer {
                config.prepareDatabase { db in
                    if !db.configuration.readonly, let connection = db.sqliteConnection { checkpointer.install(on: connection) }
                }
            }
            return try DatabasePool(path: path, configuration: config)
        }
    }

    /// How much of the database file a pool reader maps: SQLite's own ceiling
    /// (`SQLITE_MAX_MMAP_SIZE`, just under 2 GiB); a larger file is read past it as usual.
    static let readerMapBytes: Int64 = 0x7fff_0000

    static func configuration() -> Configuration {
        var config = Configuration()
        config.busyMode = .timeout(5)
        // Foreign keys are declared in the schema but not enforced statement by statement:
        // that check opens a parent cursor for every row and halves bulk appends. The custody
        // rules refuse unknown holders, items and lots before anything is written, and
        // `verify` runs `PRAGMA foreign_key_check` over the whole database.
        config.foreignKeysEnabled = false
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if db.configuration.readonly {
                // Pool readers map the database file instead of copying each page they read
                // into their own cache (a read of an event's leaf is then a memory access),
                // and keep a smaller cache each.
                try db.execute(sql: "PRAGMA mmap_size = \(Self.readerMapBytes)")
                try db.execute(sql: "PRAGMA cache_size = -16384")
            } else {
                // The writer (or the one connection) gets the larger cache bulk appends need.
                try db.execute(sql: "PRAGMA cache_size = -65536")
            }
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Nothing is ever deleted from the ledger, and every earlier state is in the
            // events: zeroing the free space of each changed page buys nothing here.
            try db.execute(sql: "PRAGMA secure_delete = OFF")
        }
        return config
    }

    // MARK: Append

    public func append(_ source: inout some EventSource, options: AppendOptions) async throws -> AppendReport {
        try appendSync(&source, options: options)
    }

    public func appendSync(_ source: inout some EventSource, options: AppendOptions) throws -> AppendReport {
        try appendSync(&source, options: options, alongside: nil)
    }

    /// Appends, and when the events are written runs `alongside` in the same transaction
    /// (for rows kept beside the ledger, such as a new user's password hash): both commit
    /// or neither does.
    func appendSync(
        _ source: inout some EventSource, options: AppendOptions, alongside: ((Database) throws -> Void)?
    ) throws -> AppendReport {
        let coordinator = self.coordinator
        try coordinator.requireKey(writing: !options.dryRun)
        do {
            return try queue.writeWithoutTransaction { db in
                var report: AppendReport?
                try db.inTransaction(.immediate) {
                    let r = try coordinator.append(try SQLiteAppendTransaction(db, bulkItems: bulkItems), &source, options: options)
                    report = r
                    guard r.written else { return .rollback }
                    try alongside?(db)
                    return .commit
                }
                // The holder tree may have changed through this connection, which
                // `data_version` does not show: the next group append reads it again.
                if report!.written { holderCache.withLock { $0 = nil } }
                return report!
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw StoreError.locked(path)
        }
    }

    // MARK: Reads

    public func holders() async throws -> [Holder] {
        try read { db in try SQLiteStateLoader.holders(db).values.sorted { $0.code < $1.code } }
    }

    public func items(serial: String, manufacturer: String?, model: String?) async throws -> [ItemView] {
        try read { db in
            var sql = "SELECT \(SQLiteStateLoader.itemColumns) FROM items WHERE serial = ?"
            var arguments: StatementArguments = [serial]
            if let manufacturer {
                sql += " AND manufacturer = ?"
                arguments += [manufacturer]
            }
            if let model {
                sql += " AND model = ?"
                arguments += [model]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY manufacturer, model", arguments: arguments).map {
                let record = SQLiteStateLoader.item($0)
                return ItemView(record: record, registeredSeq: record.registeredSeq)
            }
        }
    }

    public func history(itemID: Int64) async throws -> [RecordedEvent] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, leaf FROM events WHERE seq IN (
                        SELECT registered_seq FROM items WHERE id = ?1
                        UNION SELECT seq FROM event_items WHERE item_id = ?1)
                    ORDER BY seq
                    """, arguments: [itemID]
            ).map { RecordedEvent(seq: $0[0], leaf: [UInt8]($0[1] as Data)) }
        }
    }

    public func historySeqs(itemIDs: [Int64]) async throws -> [Int64: [(seq: Int64, occurredAt: String)]] {
        let ids = Array(Set(itemIDs)).sorted()
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            var out: [Int64: [(seq: Int64, occurredAt: String)]] = [:]
            for start in stride(from: 0, to: ids.count, by: 500) {
                let batch = "[" + ids[start..<min(start + 500, ids.count)].map(String.init).joined(separator: ",") + "]"
                let rows = try FastStatement.fetchAll(
                    db,
                    """
                    SELECT x.item_id, e.seq, e.occurred_at FROM (
                        SELECT id AS item_id, registered_seq AS seq FROM items WHERE id IN (SELECT value FROM json_each(?1))
                        UNION SELECT item_id, seq FROM event_items WHERE item_id IN (SELECT value FROM json_each(?1))) x
                    JOIN events e ON e.seq = x.seq ORDER BY x.item_id, e.seq
                    """, [batch]
                ) { (item: $0.int64(0) ?? 0, seq: $0.int64(1) ?? 0, at: $0.text(2) ?? "") }
                for r in rows { out[r.item, default: []].append((r.seq, r.at)) }
            }
            return out
        }
    }

    public func events(seqs: [Int64]) async throws -> [RecordedEvent] {
        let wanted = Array(Set(seqs)).sorted()
        guard !wanted.isEmpty else { return [] }
        return try read { db in
            var out: [RecordedEvent] = []
            for start in stride(from: 0, to: wanted.count, by: 500) {
                let batch = "[" + wanted[start..<min(start + 500, wanted.count)].map(String.init).joined(separator: ",") + "]"
                out += try FastStatement.fetchAll(
                    db, "SELECT seq, leaf FROM events WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq", [batch]
                ) { RecordedEvent(seq: $0.int64(0) ?? 0, leaf: $0.bytes(1)) }
            }
            return out
        }
    }

    public func holdings(of code: String, recursive: Bool) async throws -> Holdings? {
        try read { db in
            let holders = try SQLiteStateLoader.holders(db)
            guard let holder = holders[code] else { return nil }
            let codes = RegisterCounts.holdingsOrder(of: code, in: holders, recursive: recursive)
            var items: [Holdings.Item] = []
            var lots: [Holdings.Lot] = []
            let itemStatement = try db.cachedStatement(
                sql:
                    "SELECT \(SQLiteStateLoader.itemColumns) FROM items WHERE holder = ? ORDER BY category, manufacturer, model, serial"
            )
            let lotStatement = try db.cachedStatement(
                sql: """
                    SELECT l.lot, l.manufacturer, l.calibre, l.type, l.year, b.quantity FROM lot_balances b
                    JOIN lots l ON l.id = b.lot_id WHERE b.holder = ? AND b.quantity > 0 ORDER BY l.lot, l.manufacturer
                    """)
            for c in codes {
                for row in try Row.fetchAll(itemStatement, arguments: [c]) {
                    let r = SQLiteStateLoader.item(row)
                    items.append(
                        Holdings.Item(
                            id: r.id, holder: c, marking: r.marking, status: r.state.status, condition: r.state.condition,
                            dueBack: r.state.dueBack))
                }
                for row in try Row.fetchAll(lotStatement, arguments: [c]) {
                    lots.append(
                        Holdings.Lot(
                            holder: c,
                            marking: LotMarking(lot: row[0], manufacturer: row[1], calibre: row[2], type: row[3], year: row[4]),
                            quantity: row[5]))
                }
            }
            return Holdings(holder: holder, items: items, lots: lots)
        }
    }

    /// `summary(scope: .everything)`: every item, lot, event and holder.
    func wholeSummary() async throws -> Summary {
        try read { db in
            var s = try Self.itemCounts(db, holders: try SQLiteStateLoader.holders(db), scope: .everything)
            s.lots = try Int64.fetchOne(db, sql: "SELECT count(*) FROM lots") ?? 0
            s.events = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM events") ?? 0
            return s
        }
    }

    // MARK: Ledger

    public func ledgerSize() async throws -> Int64 {
        try readOne { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(seq) + 1, 0) FROM events")) ?? 0 }
    }

    /// One `max(seq)` per holder-changing kind, each answered from the end of its run in
    /// `events_kind`.
    static let holderGenerationSQL: String = {
        let kinds = EventKind.allCases.filter(\.isHolderChange).map { "coalesce((SELECT max(seq) FROM events WHERE kind = '\($0.rawValue)'), -1)" }
        return "SELECT max(\(kinds.joined(separator: ", ")))"
    }()

    public func holderGeneration() async throws -> Int64 {
        try readOne { db in try Int64.fetchOne(db.cachedStatement(sql: Self.holderGenerationSQL)) ?? -1 }
    }

    public func entries(from: Int64, to: Int64) async throws -> [RecordedEvent] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, leaf FROM events WHERE seq >= ? AND seq < ? ORDER BY seq", arguments: [from, to]
            )
            .map { RecordedEvent(seq: $0[0], leaf: [UInt8]($0[1] as Data)) }
        }
    }

    /// Calls `body` with each leaf of events `from..<to`, streaming (for `ledger entries`).
    public func forEachEntry(from: Int64, to: Int64, _ body: (Int64, UnsafeRawBufferPointer) throws -> Void) throws {
        try read { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT seq, leaf FROM events WHERE seq >= ? AND seq < ? ORDER BY seq", arguments: [from, to])
            while let row = try rows.next() {
                let seq: Int64 = row[0]
                try row.withUnsafeData(atIndex: 1) { data in
                    try (data ?? Data()).withUnsafeBytes { try body(seq, $0) }
                }
            }
        }
    }

    public func checkpoint(size: Int64?) async throws -> String? {
        try read { db in
            if let size {
                return try String.fetchOne(db, sql: "SELECT note FROM checkpoints WHERE size = ?", arguments: [size])
            }
            return try String.fetchOne(db, sql: "SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1")
        }
    }

    public func inclusionProof(index: Int64, size: Int64) async throws -> InclusionProof {
        try read { db in
            let total = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM events") ?? 0
            guard size >= 1, size <= total else {
                throw StoreError(
                    .invalidRequest, "size \(size) is outside the ledger (1–\(total)); ask for a size the ledger has reached")
            }
            guard index >= 0, index < size else {
                throw StoreError(.invalidRequest, "index \(index) is not in a tree of size \(size) (0–\(size - 1))")
            }
            let p = try TileHashReader(SQLiteTileReader(db: db)).inclusion(
                index: index, size: size, knownRoot: try Self.checkpointRoot(db, size: size))
            return InclusionProof(index: index, size: size, leafHash: p.leafHash, root: p.root, proof: p.proof)
        }
    }

    public func consistencyProof(old: Int64, new: Int64) async throws -> ConsistencyProof {
        try read { db in
            let total = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM events") ?? 0
            guard old >= 0, old <= new, new <= total else {
                throw StoreError(
                    .invalidRequest,
                    "sizes \(old) and \(new) do not fit a ledger of \(total) events; give 0 ≤ OLD ≤ NEW ≤ \(total)")
            }
            let p = try TileHashReader(SQLiteTileReader(db: db)).consistency(
                old: old, new: new, knownOldRoot: try Self.checkpointRoot(db, size: old),
                knownNewRoot: try Self.checkpointRoot(db, size: new))
            return ConsistencyProof(old: old, new: new, oldRoot: p.oldRoot, newRoot: p.newRoot, proof: p.proof)
        }
    }

    /// The root signed in the stored checkpoint of `size`, if there is one.
    static func checkpointRoot(_ db: Database, size: Int64) throws -> TreeHash? {
        guard let note = try String.fetchOne(db, sql: "SELECT note FROM checkpoints WHERE size = ?", arguments: [size]) else {
            return nil
        }
        return StoredCheckpoint.root(of: note, size: size)
    }

    public func verifierKey() async throws -> String {
        try read { db in
            guard let key = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'verifierKey'") else {
                throw StoreError(.notACustodiaDatabase, "the store has no verifier key; it was not created by `custodia init`")
            }
            return key
        }
    }

    public func verify() async throws -> VerifyReport {
        try SQLiteVerifier(store: self).run()
    }
}

/// Tiles in the `tiles` table: one row a tile, its hashes concatenated.
struct SQLiteTileReader: TileReader {
    let db: Database

    func tile(level: Int, index: Int64) throws -> [TreeHash]? {
        let statement = try FastStatement(db, "SELECT hashes FROM tiles WHERE level = ? AND idx = ?")
        statement.bind(1, Int64(level))
        statement.bind(2, index)
        guard try statement.step() else { return nil }
        let hashes = statement.withBlob(0) { raw in
            var out: [TreeHash] = []
            out.reserveCapacity(raw.count / 32)
            var offset = 0
            while offset + 32 <= raw.count {
                out.append(TreeHash(raw: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + 32]))!)
                offset += 32
            }
            return out
        }
        statement.reset()
        return hashes
    }

    func write(_ tiles: [(level: Int, index: Int64, hashes: [TreeHash])]) throws {
        let statement = try db.cachedStatement(
            sql:
                "INSERT INTO tiles(level, idx, hashes) VALUES (?, ?, ?) ON CONFLICT(level, idx) DO UPDATE SET hashes = excluded.hashes"
        )
        for tile in tiles {
            var data = Data(capacity: tile.hashes.count * 32)
            for h in tile.hashes { h.withUnsafeBytes { data.append(contentsOf: $0) } }
            try statement.execute(arguments: [tile.level, tile.index, data])
        }
    }
}

extension SQLiteStore {
    /// A random sample of (serial, manufacturer) pairs, for benchmarks.
    public func sampleSerials(count: Int) throws -> [(String, String)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT serial, manufacturer FROM items WHERE id IN (SELECT abs(random()) % (SELECT max(id) FROM items) + 1 FROM items LIMIT ?)",
                arguments: [count]
            ).map { ($0[0], $0[1]) }
        }
    }
}

/// The SQLite side of an append: reads and rows inside the `BEGIN IMMEDIATE` transaction
/// the store holds while the coordinator runs.
struct SQLiteAppendTransaction: AppendTransaction {
    let db: Database
    let writer: SQLiteStateWriter
    let tiles: SQLiteTileReader

    init(_ db: Database, bulkItems: Int64) throws {
        self.db = db
        writer = try SQLiteStateWriter(db: db, bulkItems: bulkItems)
        tiles = SQLiteTileReader(db: db)
    }

    func heads() throws -> AppendHeads {
        AppendHeads(
            size: try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM events")!,
            nextItemID: try Int64.fetchOne(db, sql: "SELECT coalesce(max(id) + 1, 1) FROM items")!,
            nextLotID: try Int64.fetchOne(db, sql: "SELECT coalesce(max(id) + 1, 1) FROM lots")!)
    }

    func stateLoader() throws -> any StateLoader { try SQLiteStateLoader(db: db) }
    func holders() throws -> [String: Holder] { try SQLiteStateLoader.holders(db) }
    func tile(level: Int, index: Int64) throws -> [TreeHash]? { try tiles.tile(level: level, index: index) }
    func write(events: [PendingEvent], changes: StateChanges) throws { try writer.write(events: events, changes: changes) }
    func writeTiles(_ list: [(level: Int, index: Int64, hashes: [TreeHash])]) throws { try tiles.write(list) }
    func finish() throws { try writer.finish() }

    func insertCheckpoint(size: Int64, note: String, signedAt: String) throws {
        try db.execute(
            sql: "INSERT INTO checkpoints(size, note, signed_at) VALUES (?, ?, ?)", arguments: [size, note, signedAt])
    }
}
