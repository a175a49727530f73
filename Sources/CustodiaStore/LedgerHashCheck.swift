import CustodiaCore
import CustodiaLedger
import Foundation

/// What the ledger hash check reads of a backend: the stored verifier key, checkpoints,
/// tiles and the leaves in order.
package protocol LedgerHashSource: TileReader {
    func storedVerifierKey() throws -> String?
    /// Every stored checkpoint, by size.
    func storedCheckpoints() throws -> [(size: Int64, note: String)]
    /// How many events are stored, and one past the largest seq.
    func eventCounts() throws -> (count: Int64, next: Int64)
    func storedTileCount() throws -> Int64
    /// Calls `body` with each event's seq and leaf, in seq order, until it returns false.
    func forEachLeaf(_ body: (Int64, UnsafeRawBufferPointer) throws -> Bool) throws
}

/// The first pass of `verify`, the same on every backend: re-reads every leaf in order,
/// re-hashes it into a fresh tree and compares every tile with the stored one; checks every
/// checkpoint's signature, its root against the recomputed tree, and the consistency
/// between successive checkpoints. Memory stays flat: the tree's right edge and one chunk.
package struct LedgerHashCheck {
    package let key: LogKey?
    package let origin: String

    package init(key: LogKey?, origin: String) {
        self.key = key
        self.origin = origin
    }

    package func run(_ source: some LedgerHashSource, _ report: inout VerifyReport) throws -> String? {
        let verifierKey = try source.storedVerifierKey() ?? ""
        if let key, key.verifierKey != verifierKey {
            return "meta: the stored verifier key differs from the log key file's; the database's key record was changed"
        }
        let verifier: NoteVerifier
        do { verifier = try NoteVerifier(verifierKey: key?.verifierKey ?? verifierKey) } catch {
            return "meta: the stored verifier key is malformed (\(error))"
        }
        let checkpoints = try source.storedCheckpoints()
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
            guard parsed.origin == origin else {
                return "checkpoints: the checkpoint for size \(c.size) names origin \(parsed.origin), not \(origin)"
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
        let (eventCount, nextSeq) = try source.eventCounts()
        // (A gap in the middle is named precisely by the streaming pass below.)
        if nextSeq == eventCount, let last = checkpoints.last, last.size > eventCount {
            return
                "events: the ledger has \(eventCount) events but a checkpoint was signed for size \(last.size); events at the end were removed"
        }
        var leafTileIndex: Int64 = -1
        var leafTile: [TreeHash] = []
        let stored = source
        var expected: Int64 = 0
        // Reading (here) and hashing (on the worker) overlap, one chunk apart.
        let worker = HashWorker(checkpointSizes: Set(checkpoints.map(\.size)))
        var chunk = HashChunk(firstSeq: 0)
        var gap: String?
        try source.forEachLeaf { seq, leaf in
            guard seq == expected else {
                gap =
                    seq > expected
                    ? "events: event \(expected) is missing (the sequence jumps from \(expected - 1) to \(seq)); the ledger was cut"
                    : "events: event \(seq) appears out of order"
                return false
            }
            if seq / 256 != leafTileIndex {
                leafTileIndex = seq / 256
                leafTile = try stored.tile(level: 0, index: leafTileIndex) ?? []
            }
            chunk.append(leaf, stored: leafTile.count > Int(seq % 256) ? leafTile[Int(seq % 256)] : nil)
            expected += 1
            if chunk.count == HashChunk.capacity {
                worker.submit(chunk)
                chunk = HashChunk(firstSeq: expected)
                if worker.divergence != nil { return false }
            }
            return true
        }
        if let gap {
            worker.finish()
            if let d = worker.divergence { return d }
            return gap
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
        let tileCount = try source.storedTileCount()
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
    package static func checkLeaf(_ leaf: [UInt8], event: Event, seq: Int64, kind: String, occurredAt: String) -> String? {
        guard LeafEncoding.leaf(event) == leaf else {
            return "events: event \(seq) is not in canonical form; its stored bytes were edited"
        }
        guard event.kind.rawValue == kind, event.occurredAt == occurredAt else {
            return "events: event \(seq)'s kind or occurredAt column differs from its recorded content"
        }
        return nil
    }

    package static func tileDivergence(_ tile: (level: Int, index: Int64, hashes: [TreeHash]), have: [TreeHash]?) -> String {
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
}

struct TileID: Hashable {
    let level: Int
    let index: Int64
}

/// A mutable buffer handed to `concurrentPerform`, whose iterations write disjoint ranges.
package struct UncheckedPointer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<TreeHash>
    init(_ buffer: UnsafeMutableBufferPointer<TreeHash>) { self.buffer = buffer }
}

/// Read-only bytes shared with `concurrentPerform` for the duration of the call.
package struct UncheckedBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
}

/// A run of consecutive leaves read from the database, with their stored leaf hashes. It
/// starts at a multiple of 256, so it splits into whole level-0 tiles.
package struct HashChunk: @unchecked Sendable {
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
package final class HashWorker: @unchecked Sendable {
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
