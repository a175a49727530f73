import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import GRDB

/// `verify` for the SQLite store, in two streaming passes:
///
/// 1. Re-reads every leaf in order, checks it is canonical and matches its indexed columns,
///    re-hashes it into a fresh tree and compares every tile with the stored one; checks
///    every checkpoint's signature, its root against the recomputed tree, and the
///    consistency between successive checkpoints.
/// 2. Replays every event through the custody rules into a scratch database and compares
///    every state table with the stored one.
///
/// Memory stays flat: only the tree's right edge and one chunk of events are held.
struct SQLiteVerifier {
    let store: SQLiteStore

    func run() throws -> VerifyReport {
        var report = VerifyReport(
            events: 0, leafBytes: 0, tiles: 0, checkpoints: 0, items: 0, lotBalances: 0, holders: 0, hashSeconds: 0,
            replaySeconds: 0, divergence: nil)
        try store.queue.read { db in
            let hashStart = ContinuousClock.now
            if let d = try hashPass(db, &report) {
                report.divergence = d
                return
            }
            report.hashSeconds = Self.seconds(since: hashStart)
        }
        guard report.divergence == nil else { return report }
        let replayStart = ContinuousClock.now
        report.divergence = try replayPass(&report)
        report.replaySeconds = Self.seconds(since: replayStart)
        return report
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    // MARK: Pass 1: leaves, tiles, checkpoints

    private func hashPass(_ db: Database, _ report: inout VerifyReport) throws -> String? {
        try LedgerHashCheck(key: store.key, origin: store.origin).run(SQLiteHashSource(db: db), &report)
    }

    // MARK: Pass 2: replay and compare state

    private func replayPass(_ report: inout VerifyReport) throws -> String? {
        let scratchPath = NSTemporaryDirectory() + "custodia-verify-\(UUID().uuidString).db"
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratchPath + suffix) }
        }
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        let scratch = try DatabaseQueue(path: scratchPath, configuration: config)
        try Schema.migrator.migrate(scratch)
        var replayError: String?
        try store.queue.read { source in
            let saltedFrom = try Int64.fetchOne(source, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'saltedFrom'")
                ?? Int64.max
            try scratch.writeWithoutTransaction { db in
                try db.inTransaction {
                    var engine = CustodyEngine(
                        loader: try SQLiteStateLoader(db: db), holders: [:], nextSeq: 0, nextItemID: 1, nextLotID: 1)
                    let writer = try SQLiteStateWriter(db: db)
                    var pending: [PendingEvent] = []
                    let rows = try Row.fetchCursor(source, sql: "SELECT seq, kind, occurred_at, leaf FROM events ORDER BY seq")
                    while let row = try rows.next() {
                        let seq: Int64 = row[0]
                        let leaf = [UInt8](row[3] as Data)
                        do {
                            let value = try leaf.withUnsafeBufferPointer { try JSONParser.parse($0) }
                            let event = try Event(json: value, source: .ledger)
                            if let d = LedgerHashCheck.checkLeaf(leaf, event: event, seq: seq, kind: row[1], occurredAt: row[2]) {
                                replayError = d
                                return .rollback
                            }
                            if seq >= saltedFrom, event.salt == nil {
                                replayError =
                                    "events: event \(seq) has no salt, but every leaf from \(saltedFrom) on has one (leaf format 2); the leaf was rewritten"
                                return .rollback
                            }
                            let applied = try engine.apply(event)
                            pending.append(PendingEvent(applied, leaf: leaf))
                        } catch {
                            replayError = "events: event \(seq) does not replay: \(error)"
                            return .rollback
                        }
                        if pending.count >= 4096 {
                            try writer.write(events: pending, changes: engine.takeChanges())
                            pending.removeAll(keepingCapacity: true)
                        }
                    }
                    try writer.write(events: pending, changes: engine.takeChanges())
                    try writer.finish()
                    return .commit
                }
            }
        }
        if let replayError { return replayError }
        return try store.queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS replay", arguments: [scratchPath])
            defer { try? db.execute(sql: "DETACH DATABASE replay") }
            report.items = try Int64.fetchOne(db, sql: "SELECT count(*) FROM replay.items") ?? 0
            report.lotBalances = try Int64.fetchOne(db, sql: "SELECT count(*) FROM replay.lot_balances") ?? 0
            report.holders = try Int64.fetchOne(db, sql: "SELECT count(*) FROM replay.holders") ?? 0
            report.users = try Int64.fetchOne(db, sql: "SELECT count(*) FROM replay.users") ?? 0
            report.tokens = try Int64.fetchOne(db, sql: "SELECT count(*) FROM replay.tokens") ?? 0
            for table in verifiedStateTables {
                if let d = try compare(db, table) { return d }
            }
            if let row = try Row.fetchOne(db, sql: "PRAGMA main.foreign_key_check") {
                let table: String = row[0]
                let rowid: Int64? = row[1]
                let parent: String = row[2]
                return
                    "\(table): row \(rowid.map(String.init) ?? "?") refers to a missing row of \(parent); the database was changed outside Custodia"
            }
            return nil
        }
    }

    /// Walks the stored and the replayed table side by side in key order (two cursors, flat
    /// memory) and describes the first row that differs.
    private func compare(_ db: Database, _ table: (name: String, key: String, columns: String)) throws -> String? {
        let keyCount = table.key.split(separator: ",").count
        let stored = try Row.fetchCursor(db, sql: "SELECT \(table.columns) FROM main.\(table.name) ORDER BY \(table.key)")
        let replayed = try Row.fetchCursor(db, sql: "SELECT \(table.columns) FROM replay.\(table.name) ORDER BY \(table.key)")
        var a = try stored.next()
        var b = try replayed.next()
        while a != nil || b != nil {
            if let x = a, let y = b {
                let order = Self.compareKeys(x, y, count: keyCount)
                if order == 0 {
                    if x != y { return Self.describe(table, stored: x, replayed: y, keyCount: keyCount) }
                    a = try stored.next()
                    b = try replayed.next()
                } else if order < 0 {
                    return
                        "\(table.name): row \(Self.key(x, keyCount)) is stored but no event produces it; the state table was changed outside Custodia"
                } else {
                    return
                        "\(table.name): row \(Self.key(y, keyCount)) follows from the events but is not stored; the state table was changed outside Custodia"
                }
            } else if let x = a {
                return
                    "\(table.name): row \(Self.key(x, keyCount)) is stored but no event produces it; the state table was changed outside Custodia"
            } else if let y = b {
                return
                    "\(table.name): row \(Self.key(y, keyCount)) follows from the events but is not stored; the state table was changed outside Custodia"
            }
        }
        return nil
    }

    /// Orders two rows by their first `count` columns as SQLite orders them (integers
    /// numerically, text by bytes).
    static func compareKeys(_ x: Row, _ y: Row, count: Int) -> Int {
        for i in 0..<count {
            let a: DatabaseValue = x[i], b: DatabaseValue = y[i]
            switch (a.storage, b.storage) {
            case (.int64(let p), .int64(let q)):
                if p != q { return p < q ? -1 : 1 }
            case (.string(let p), .string(let q)):
                if p != q { return Array(p.utf8).lexicographicallyPrecedes(Array(q.utf8)) ? -1 : 1 }
            default:
                if a != b { return a.description < b.description ? -1 : 1 }
            }
        }
        return 0
    }

    static func key(_ row: Row, _ count: Int) -> String {
        let names = Array(row.columnNames)
        return (0..<count).map { i in "\(names[i])=\((row[i] as DatabaseValue).description)" }.joined(separator: ", ")
    }

    static func describe(_ table: (name: String, key: String, columns: String), stored: Row, replayed: Row, keyCount: Int)
        -> String
    {
        let names = Array(stored.columnNames)
        var diffs: [String] = []
        for i in 0..<stored.count {
            let a: DatabaseValue = stored[i], b: DatabaseValue = replayed[i]
            if a != b { diffs.append("\(names[i]) is \(a.description) but the events give \(b.description)") }
        }
        var changedBy = ""
        if table.name == "items", let i = names.firstIndex(of: "last_seq") {
            changedBy = " (last changed by event \((replayed[i] as DatabaseValue).description))"
        }
        return
            "\(table.name): row \(key(stored, keyCount))\(changedBy): \(diffs.joined(separator: "; ")); the state table was changed outside Custodia"
    }
}


/// The SQLite tables as the ledger hash check reads them.
struct SQLiteHashSource: LedgerHashSource {
    let db: Database

    func storedVerifierKey() throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'verifierKey'")
    }

    func storedCheckpoints() throws -> [(size: Int64, note: String)] {
        try Row.fetchAll(db, sql: "SELECT size, note FROM checkpoints ORDER BY size").map {
            (size: $0[0] as Int64, note: $0[1] as String)
        }
    }

    func eventCounts() throws -> (count: Int64, next: Int64) {
        (
            try Int64.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0,
            try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM events") ?? 0
        )
    }

    func storedTileCount() throws -> Int64 { try Int64.fetchOne(db, sql: "SELECT count(*) FROM tiles") ?? 0 }

    func tile(level: Int, index: Int64) throws -> [TreeHash]? { try SQLiteTileReader(db: db).tile(level: level, index: index) }

    func forEachLeaf(_ body: (Int64, UnsafeRawBufferPointer) throws -> Bool) throws {
        let rows = try FastStatement(db, "SELECT seq, leaf FROM events ORDER BY seq")
        while try rows.step() {
            let seq = rows.int64(0) ?? -1
            var more = true
            var thrown: (any Error)?
            rows.withBlob(1) { leaf in
                do { more = try body(seq, leaf) } catch { thrown = error }
            }
            if let thrown {
                rows.reset()
                throw thrown
            }
            if !more {
                rows.reset()
                return
            }
        }
    }
}
