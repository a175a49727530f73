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
struct TileID: Hashable {
    let level: Int
    let index: Int64
}

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
        let verifierKey = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'verifierKey'") ?? ""
        if let key = store.key, key.verifierKey != verifierKey {
            return "meta: the stored verifier key differs from the log key file's; the database's key record was changed"
        }
        let verifier: NoteVerifier
        do { verifier = try NoteVerifier(verifierKey: store.key?.verifierKey ?? verifierKey) } catch {
            return "meta: the stored verifier key is malformed (\(error))"
        }
        let checkpoints = try Row.fetchAll(db, sql: "SELECT size, note FROM checkpoints ORDER BY size").map {
            (size: $0[0] as Int64, note: $0[1] as String)
        }
        var nextCheckpoint = 0
        var checkpointRoots: [(Int64, TreeHash)] = []
        func checkCheckpoint(_ c: (size: Int64, note: String), root: TreeHash) -> String? {
            let text: String
            do { text = try SignedNote.open(c.note, verifiers: [verifier]).text } catch {
                return "checkpoints: the checkpoint for size \(c.size) does not verify with the log key (\(error))"
            }
            guard let parsed = try? Checkpoint(text: text) else {
                return "checkpoints: the checkpoint for size \(c.size) is malformed"
            }
            guard parsed.size == c.size else {
                return "checkpoints: the row for size \(c.size) holds a checkpoint signed for size \(parsed.size)"
            }
            guard parsed.origin == store.origin else {
                return "checkpoints: the checkpoint for size \(c.size) names origin \(parsed.origin), not \(store.origin)"
            }
            guard parsed.root == root else {
                return
                    "checkpoints: the checkpoint for size \(c.size) signs root \(parsed.root.hex), but the events give \(root.hex)"
            }
            checkpointRoots.append((c.size, root))
            report.checkpoints += 1
            return nil
        }
        while nextCheckpoint < checkpoints.count, checkpoints[nextCheckpoint].size == 0 {
            if let d = checkCheckpoint(checkpoints[nextCheckpoint], root: Merkle.emptyRoot) { return d }
            nextCheckpoint += 1
        }

        // A cut ledger: fewer events than the latest signed checkpoint covers.
        let eventCount = try Int64.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0
        let nextSeq = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM events") ?? 0
        // (A gap in the middle is named precisely by the streaming pass below.)
        if nextSeq == eventCount, let last = checkpoints.last, last.size > eventCount {
            return
                "events: the ledger has \(eventCount) events but a checkpoint was signed for size \(last.size); events at the end were removed"
        }
        var leafTileIndex: Int64 = -1
        var leafTile: [TreeHash] = []
        let stored = SQLiteTileReader(db: db)
        var expected: Int64 = 0
        // Reading (here) and hashing (on the worker) overlap, one chunk apart.
        let worker = HashWorker(checkpointSizes: Set(checkpoints.map(\.size)))
        var chunk = HashChunk(firstSeq: 0)
        let rows = try FastStatement(db, "SELECT seq, leaf FROM events ORDER BY seq")
        while try rows.step() {
            let seq = rows.int64(0) ?? -1
            guard seq == expected else {
                rows.reset()
                worker.finish()
                if let d = worker.divergence { return d }
                return seq > expected
                    ? "events: event \(expected) is missing (the sequence jumps from \(expected - 1) to \(seq)); the ledger was cut"
                    : "events: event \(seq) appears out of order"
            }
            if seq / 256 != leafTileIndex {
                leafTileIndex = seq / 256
                leafTile = try stored.tile(level: 0, index: leafTileIndex) ?? []
            }
            rows.withBlob(1) { chunk.append($0, stored: leafTile.count > Int(seq % 256) ? leafTile[Int(seq % 256)] : nil) }
            expected += 1
            if chunk.count == HashChunk.capacity {
                worker.submit(chunk)
                chunk = HashChunk(firstSeq: expected)
                if worker.divergence != nil {
                    rows.reset()
                    break
                }
            }
        }
        if chunk.count > 0 { worker.submit(chunk) }
        let result = worker.finish()
        if let d = worker.divergence { return d }
        report.leafBytes = result.leafBytes
        for tile in result.fullTiles {
            let have = try stored.tile(level: tile.level, index: tile.index)
            if have != tile.hashes { return Self.tileDivergence(tile, have: have) }
        }
        report.tiles = result.fullTileCount
        let rightEdge = Dictionary(
            uniqueKeysWithValues: result.rightEdge.map { (TileID(level: $0.level, index: $0.index), $0.hashes) })
        // The right edge: the partial tiles the events end with.
        for (id, hashes) in rightEdge.sorted(by: { ($0.key.level, $0.key.index) < ($1.key.level, $1.key.index) }) {
            let have = try stored.tile(level: id.level, index: id.index)
            if have != hashes { return Self.tileDivergence((id.level, id.index, hashes), have: have) }
        }
        while nextCheckpoint < checkpoints.count, let root = result.roots[checkpoints[nextCheckpoint].size] {
            if let d = checkCheckpoint(checkpoints[nextCheckpoint], root: root) { return d }
            nextCheckpoint += 1
        }
        report.events = expected
        if nextCheckpoint < checkpoints.count {
            let c = checkpoints[nextCheckpoint]
            return
                "events: a checkpoint was signed for size \(c.size), but the ledger has only \(expected) events; events at the end were removed"
        }
        // No stored tile beyond what the events produce.
        let tileCount = try Int64.fetchOne(db, sql: "SELECT count(*) FROM tiles") ?? 0
        var expectedTiles: Int64 = 0
        var level = 0
        while true {
            let count = expected >> (8 * level)
            if count == 0 { break }
            expectedTiles += (count + 255) / 256
            level += 1
        }
        if tileCount != expectedTiles {
            return
                "tiles: \(tileCount) tiles are stored but \(expected) events make \(expectedTiles); the tiles table was changed"
        }
        // Consistency between successive checkpoints, from the stored (now checked) tiles.
        let reader = TileHashReader(stored)
        for (a, b) in zip(checkpointRoots, checkpointRoots.dropFirst()) where a.0 > 0 && a.0 < b.0 {
            let proof = try reader.consistencyProof(old: a.0, new: b.0)
            do { try Merkle.verifyConsistency(oldSize: a.0, newSize: b.0, oldRoot: a.1, newRoot: b.1, proof: proof) } catch {
                return "checkpoints: the checkpoints for sizes \(a.0) and \(b.0) are not consistent (\(error))"
            }
        }
        return nil
    }

    /// The leaf must be exactly the canonical encoding of the event it records, and the
    /// indexed columns must agree with it.
    static func checkLeaf(_ leaf: [UInt8], event: Event, seq: Int64, kind: String, occurredAt: String) -> String? {
        guard LeafEncoding.leaf(event) == leaf else {
            return "events: event \(seq) is not in canonical form; its stored bytes were edited"
        }
        guard event.kind.rawValue == kind, event.occurredAt == occurredAt else {
            return "events: event \(seq)'s kind or occurredAt column differs from its recorded content"
        }
        return nil
    }

    static func tileDivergence(_ tile: (level: Int, index: Int64, hashes: [TreeHash]), have: [TreeHash]?) -> String {
        guard let have else { return "tiles: tile \(tile.level)/\(tile.index) is missing" }
        let first =
            zip(tile.hashes, have).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(tile.hashes.count, have.count)
        if tile.level == 0 {
            let seq = tile.index * 256 + Int64(first)
            return
                "events/tiles: event \(seq) does not hash to the stored leaf hash; the event or the tile 0/\(tile.index) was changed"
        }
        return "tiles: tile \(tile.level)/\(tile.index) differs from the hashes recomputed from the events (entry \(first))"
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
                            if let d = Self.checkLeaf(leaf, event: event, seq: seq, kind: row[1], occurredAt: row[2]) {
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
            for table in Self.stateTables {
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

    /// The derived tables and how to compare them: a key to name the first differing row,
    /// and the columns (people's names are outside the ledger, so not compared). Password
    /// hashes and token secrets are not derived from the ledger and are not compared; the
    /// foreign key check below still ties them to existing users and tokens.
    static let stateTables: [(name: String, key: String, columns: String)] = [
        ("holders", "code", "code, kind, CASE kind WHEN 'person' THEN '' ELSE name END, parent, closed, added_seq"),
        ("items", "id", SQLiteStateLoader.itemColumns),
        ("item_serial_keys", "serial_key, item_id", "serial_key, item_id"),
        ("event_items", "item_id, seq", "item_id, seq"),
        ("lots", "id", "id, lot, manufacturer, calibre, type, year, registered_seq"),
        ("event_lots", "lot_id, seq", "lot_id, seq"),
        ("event_holders", "holder, seq", "holder, seq"),
        ("lot_balances", "lot_id, holder", "lot_id, holder, quantity"),
        ("lot_missing", "lot_id", "lot_id, quantity"),
        ("dispatches", "document", "document, seq, from_holder, to_holder, items_in_transit"),
        ("dispatch_lots", "document, lot_id", "document, lot_id, quantity"),
        ("users", "code", SQLiteStateLoader.userColumns),
        ("tokens", "id", SQLiteStateLoader.tokenColumns),
    ]

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

/// A mutable buffer handed to `concurrentPerform`, whose iterations write disjoint ranges.
struct UncheckedPointer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<TreeHash>
    init(_ buffer: UnsafeMutableBufferPointer<TreeHash>) { self.buffer = buffer }
}

/// Read-only bytes shared with `concurrentPerform` for the duration of the call.
struct UncheckedBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
}

/// A run of consecutive leaves read from the database, with their stored leaf hashes. It
/// starts at a multiple of 256, so it splits into whole level-0 tiles.
struct HashChunk: @unchecked Sendable {
    static let capacity = 4096
    let firstSeq: Int64
    var bytes: [UInt8] = []
    var ends: [Int] = []
    var stored: [TreeHash?] = []

    init(firstSeq: Int64) {
        self.firstSeq = firstSeq
        bytes.reserveCapacity(Self.capacity * 300)
        ends.reserveCapacity(Self.capacity)
        stored.reserveCapacity(Self.capacity)
    }

    var count: Int { ends.count }

    /// Adds a leaf, preceded by the 0x00 leaf-hash prefix so that it hashes in one pass.
    mutating func append(_ leaf: UnsafeRawBufferPointer, stored hash: TreeHash?) {
        bytes.append(0)
        bytes.append(contentsOf: leaf)
        ends.append(bytes.count)
        stored.append(hash)
    }
}

/// Hashes chunks of leaves on its own thread: leaf hashes against the stored ones, the
/// tree rebuilt from them, the roots at checkpoint sizes and the tiles it completes.
final class HashWorker: @unchecked Sendable {
    struct Result {
        var leafBytes: Int64 = 0
        var roots: [Int64: TreeHash] = [:]
        /// Completed tiles above level 0 (level-0 entries are checked leaf by leaf).
        var fullTiles: [(level: Int, index: Int64, hashes: [TreeHash])] = []
        var fullTileCount: Int64 = 0
        var rightEdge: [(level: Int, index: Int64, hashes: [TreeHash])] = []
    }

    private let queue = DispatchQueue(label: "custodia.verify.hash")
    private let slots = DispatchSemaphore(value: 2)
    private let lock = NSLock()
    private var tree = TreeAppender()
    private var result = Result()
    private var partial: [TileID: [TreeHash]] = [:]
    private var firstDivergence: String?
    /// The sizes with a stored checkpoint, ascending, and the first not yet passed.
    private let checkpointSizes: [Int64]
    private var nextCheckpoint = 0

    init(checkpointSizes: Set<Int64>) {
        self.checkpointSizes = checkpointSizes.sorted()
        if checkpointSizes.contains(0) { result.roots[0] = Merkle.emptyRoot }
    }

    var divergence: String? {
        lock.lock()
        defer { lock.unlock() }
        return firstDivergence
    }

    func submit(_ chunk: HashChunk) {
        slots.wait()
        queue.async { [self] in
            process(chunk)
            slots.signal()
        }
    }

    @discardableResult
    func finish() -> Result {
        queue.sync {
            collect(tree.takeDirtyTiles())
            result.rightEdge = partial.map { (level: $0.key.level, index: $0.key.index, hashes: $0.value) }
        }
        return result
    }

    /// Sorts tiles the tree reports as changed: full ones are final, partial ones are the
    /// right edge until they fill.
    private func collect(_ tiles: [(level: Int, index: Int64, hashes: [TreeHash])]) {
        for tile in tiles {
            let id = TileID(level: tile.level, index: tile.index)
            if tile.hashes.count == 256 {
                partial[id] = nil
                result.fullTileCount += 1
                if tile.level > 0 { result.fullTiles.append(tile) }
            } else {
                partial[id] = tile.hashes
            }
        }
    }

    private func process(_ chunk: HashChunk) {
        guard divergence == nil else { return }
        // Leaf hashes and the root of each whole tile, tile by tile on both cores; then the
        // comparisons and the tree above the tiles, in order.
        let count = chunk.count
        let width = 256  // hashes per tile (C2SP tlog-tiles)
        let tileCount = (count + width - 1) / width
        var hashes = [TreeHash](repeating: Merkle.emptyRoot, count: count)
        var roots = [TreeHash](repeating: Merkle.emptyRoot, count: tileCount)
        chunk.bytes.withUnsafeBytes { raw in
            hashes.withUnsafeMutableBufferPointer { out in
                roots.withUnsafeMutableBufferPointer { rootsOut in
                    let target = UncheckedPointer(out)
                    let tileRoots = UncheckedPointer(rootsOut)
                    let source = UncheckedBytes(raw)
                    DispatchQueue.concurrentPerform(iterations: tileCount) { tile in
                        let range = tile * width..<min(count, (tile + 1) * width)
                        for i in range {
                            let start = i == 0 ? 0 : chunk.ends[i - 1]
                            target.buffer[i] = Merkle.leafHash(
                                prefixed: UnsafeRawBufferPointer(rebasing: source.bytes[start..<chunk.ends[i]]))
                        }
                        if range.count == width {
                            tileRoots.buffer[tile] = Merkle.root(of: UnsafeMutableBufferPointer(rebasing: target.buffer[range]))
                        }
                    }
                }
            }
        }
        for tile in 0..<tileCount {
            let range = tile * width..<min(count, (tile + 1) * width)
            for i in range {
                let seq = chunk.firstSeq + Int64(i)
                guard let storedHash = chunk.stored[i] else {
                    fail("tiles: the leaf hash of event \(seq) is missing from tile 0/\(seq / 256)")
                    return
                }
                guard hashes[i] == storedHash else {
                    fail(
                        "events: event \(seq) does not hash to its stored leaf hash; the event was changed, moved or replaced (or tile 0/\(seq / 256) was)"
                    )
                    return
                }
            }
            let tileEnd = tree.size + Int64(range.count)
            let checkpointInside = nextCheckpoint < checkpointSizes.count && checkpointSizes[nextCheckpoint] < tileEnd
            if range.count == width, !checkpointInside {
                tree.append(tile: Array(hashes[range]), root: roots[tile])
            } else {
                for i in range {
                    tree.append(leafHash: hashes[i])
                    takeCheckpointRoots()
                }
            }
            takeCheckpointRoots()
            if tree.size % Int64(width) == 0 { collect(tree.takeDirtyTiles()) }
        }
        result.leafBytes += Int64(chunk.bytes.count - count)
    }

    /// Records the root at every checkpoint size the tree has now reached.
    private func takeCheckpointRoots() {
        while nextCheckpoint < checkpointSizes.count, checkpointSizes[nextCheckpoint] <= tree.size {
            if checkpointSizes[nextCheckpoint] == tree.size { result.roots[tree.size] = tree.root() }
            nextCheckpoint += 1
        }
    }

    private func fail(_ message: String) {
        lock.lock()
        if firstDivergence == nil { firstDivergence = message }
        lock.unlock()
    }
}
