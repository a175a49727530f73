/// What a reader who keeps the last checkpoint it believed learns from the next one: a log
/// may only grow, each checkpoint extending every earlier one.
public enum LogHistory {
    public enum Step: Sendable, Equatable {
        /// Nothing seen before.
        case first
        /// The same tree as before.
        case unchanged
        /// A larger tree: it must be proved to extend `previous`.
        case grown(previous: Checkpoint)
    }

    /// Compares `current` with the checkpoint believed before.
    ///
    /// - Throws: `LogCheckFailure`: `.rollback` for a smaller tree, `.fork` for the same
    ///   size with another root, `.malformed` for another log's checkpoint.
    public static func step(from previous: Checkpoint?, to current: Checkpoint) throws(LogCheckFailure) -> Step {
        guard let previous else { return .first }
        guard previous.origin == current.origin else {
            throw LogCheckFailure(
                .malformed, "the checkpoint is of \(current.origin), but the state kept is of \(previous.origin): use one state file per log")
        }
        if current.size < previous.size {
            throw LogCheckFailure(
                .rollback,
                "ROLLBACK: the log now shows \(current.size) entries, fewer than the \(previous.size) of a checkpoint it signed before; keep both checkpoints as evidence and report it"
            )
        }
        if current.size == previous.size {
            guard current.root == previous.root else {
                throw LogCheckFailure(
                    .fork,
                    "FORK: two signed checkpoints of size \(current.size) with different roots (\(previous.root.base64) before, \(current.root.base64) now); keep both as evidence and report it"
                )
            }
            return .unchanged
        }
        return .grown(previous: previous)
    }

    /// Checks that `current` extends `previous` by `proof`.
    ///
    /// - Throws: `LogCheckFailure` (`.fork`) when the proof does not verify: the log's
    ///   newer tree does not contain the older one.
    public static func checkExtends(_ current: Checkpoint, previous: Checkpoint, proof: [TreeHash]) throws(LogCheckFailure) {
        do {
            try Merkle.verifyConsistency(
                oldSize: previous.size, newSize: current.size, oldRoot: previous.root, newRoot: current.root, proof: proof)
        } catch {
            throw LogCheckFailure(
                .fork,
                "FORK: the tree of size \(current.size) does not extend the one of size \(previous.size) seen before (\(error)); keep both checkpoints as evidence and report it"
            )
        }
    }
}

/// The tiles of a tree of `size` fetched so far, for a `TileHashReader` whose tiles come from
/// afar (a log's `/tlog/tile/…`): a tile not yet here is noted in `wanted`, and
/// `FetchedTiles.compute` fetches it and runs the computation again.
public final class FetchedTiles: TileReader {
    public struct Wanted: Sendable, Equatable {
        public let level: Int
        public let index: Int64
        /// 256 for a full tile, fewer for the tree's right edge.
        public let width: Int
        /// The path under `/tlog/`, e.g. `tile/0/x001/234.p/17`.
        public var path: String {
            TilePath(kind: .hashes(level: level), index: index, width: width)?.description ?? "tile/\(level)/\(index)"
        }
    }

    public let size: Int64
    private var tiles: [Int: [Int64: [TreeHash]]] = [:]
    public private(set) var wanted: Wanted?
    public private(set) var fetched = 0

    public init(size: Int64) { self.size = size }

    public func tile(level: Int, index: Int64) throws -> [TreeHash]? {
        if let found = tiles[level]?[index] { return found }
        let width = Int(min(Int64(Tiles.width), Tiles.count(level: level, size: size) - Int64(Tiles.width) * index))
        if width > 0 { wanted = Wanted(level: level, index: index, width: width) }
        return nil
    }

    public func add(_ hashes: [TreeHash], for wanted: Wanted) {
        tiles[wanted.level, default: [:]][wanted.index] = hashes
        fetched += 1
    }

    /// Runs `body` over the tiles of a tree of `size`, fetching each tile it needs with
    /// `fetch` (which must return exactly `wanted.width` hashes) and running it again, until
    /// it needs none.
    public static func compute<T>(
        size: Int64, fetch: (Wanted) async throws -> [TreeHash], _ body: (TileHashReader<FetchedTiles>) throws -> T
    ) async throws -> T {
        let tiles = FetchedTiles(size: size)
        while true {
            tiles.wanted = nil
            do { return try body(TileHashReader(tiles)) } catch let error as TreeError where error.code == .tileMissing {
                guard let wanted = tiles.wanted, tiles.fetched < 10_000 else { throw error }
                let hashes = try await fetch(wanted)
                guard hashes.count == wanted.width else {
                    throw LogCheckFailure(
                        .unavailable, "the log's tile \(wanted.path) has \(hashes.count) hashes, not \(wanted.width)")
                }
                tiles.add(hashes, for: wanted)
            }
        }
    }
}
