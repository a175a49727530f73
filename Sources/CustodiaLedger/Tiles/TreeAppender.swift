/// Appends leaf hashes to a tiled Merkle tree, keeping only the tree's right edge in
/// memory, and reports which tiles changed so the caller can store them.
///
/// It holds the rightmost, partial tile of each level (at most 255 hashes each). An
/// append costs the caller's leaf hash plus, when it fills a tile, the 255 node hashes of
/// that tile's root, which is appended one level up: about one interior hash per leaf.
///
/// Typical use, one batch per database transaction:
///
/// ```swift
/// var appender = try TreeAppender(size: storedSize, reader: tileStore)
/// for entry in batch { appender.append(leafHash: Merkle.leafHash(entry)) }
/// for tile in appender.takeDirtyTiles() { /* upsert tile */ }
/// let root = appender.root()
/// ```
public struct TreeAppender: Sendable {
    /// The number of leaves in the tree.
    public private(set) var size: Int64

    // edges[L]: the hashes of the rightmost, partial tile at level L (count < 256).
    private var edges: [[TreeHash]]
    // Full tiles completed since the last take; partial tiles are read from `edges`.
    private var completed: [(level: Int, index: Int64, hashes: [TreeHash])] = []
    // Bit L set: the partial tile at level L changed since the last take.
    private var dirtyLevels: UInt64 = 0

    /// Loads the right edge of the tree of `size` leaves from `reader`: at each level L,
    /// the first `(size >> 8L) % 256` hashes of tile `(size >> 8L) / 256` (a tile with
    /// none is not read).
    ///
    /// - Throws: `TreeError` when `size` is negative or a needed tile is missing or too
    ///   short; whatever `reader` throws.
    public init(size: Int64, reader: some TileReader) throws {
        guard size >= 0 else { throw TreeError.invalidSize(size) }
        self.size = size
        edges = []
        var level = 0
        while Tiles.count(level: level, size: size) > 0 {
            let count = Tiles.count(level: level, size: size)
            let width = Int(count % Int64(Tiles.width))
            let index = count / Int64(Tiles.width)
            var edge = [TreeHash]()
            edge.reserveCapacity(Tiles.width)
            if width > 0 {
                guard let stored = try reader.tile(level: level, index: index) else {
                    throw TreeError.tileMissing(level: level, index: index, have: nil, need: width)
                }
                guard stored.count >= width else {
                    throw TreeError.tileMissing(level: level, index: index, have: stored.count, need: width)
                }
                edge.append(contentsOf: stored[..<width])
            }
            edges.append(edge)
            level += 1
        }
    }

    /// An empty tree.
    public init() {
        size = 0
        edges = []
    }

    /// Appends one leaf hash (`Merkle.leafHash(entryBytes)`), folding every tile it
    /// fills into its parent level.
    public mutating func append(leafHash: TreeHash) {
        size += 1
        push(leafHash, level: 0)
    }

    /// Adds `hash` to the partial tile at `level` (the tree's size already counts it),
    /// folding every tile it fills into the level above.
    private mutating func push(_ hash: TreeHash, level: Int) {
        var hash = hash
        var level = level
        while true {
            if level == edges.count {
                edges.append([])
                edges[level].reserveCapacity(Tiles.width)
            }
            edges[level].append(hash)
            guard edges[level].count == Tiles.width else {
                dirtyLevels |= 1 << UInt64(level)
                return
            }
            let index = Tiles.count(level: level, size: size) / Int64(Tiles.width) - 1
            completed.append((level, index, edges[level]))
            hash = Merkle.root(of: edges[level])
            edges[level].removeAll(keepingCapacity: true)
            dirtyLevels &= ~(1 << UInt64(level))
            level += 1
        }
    }

    /// Appends a whole level-0 tile: 256 leaf hashes starting at a multiple of 256, with
    /// `root`, their subtree root (`Merkle.root(of: leafHashes)`), computed by the caller
    /// (for instance on another core). Same result as appending the 256 hashes one by one.
    public mutating func append(tile leafHashes: [TreeHash], root: TreeHash) {
        precondition(leafHashes.count == Tiles.width && size % Int64(Tiles.width) == 0 && (edges.first?.isEmpty ?? true))
        size += Int64(Tiles.width)
        if edges.isEmpty {
            edges.append([])
            edges[0].reserveCapacity(Tiles.width)
        }
        completed.append((0, size / Int64(Tiles.width) - 1, leafHashes))
        push(root, level: 1)
    }

    /// The RFC 6962 root of the whole tree (`Merkle.emptyRoot` when empty).
    ///
    /// The tree's maximal complete subtrees are runs of 1, 2, 4 … 128 hashes inside the
    /// partial tiles (one run per set bit of each tile's width); they are hashed, then
    /// folded from the smallest (rightmost) to the largest.
    public func root() -> TreeHash {
        var accumulator: TreeHash? = nil
        for edge in edges where !edge.isEmpty {
            var end = edge.count
            var run = 1
            while end > 0 {
                if edge.count & run != 0 {
                    let subtree = Merkle.root(of: edge[(end - run)..<end])
                    accumulator = accumulator.map { Merkle.nodeHash(subtree, $0) } ?? subtree
                    end -= run
                }
                run <<= 1
            }
        }
        return accumulator ?? Merkle.emptyRoot
    }

    /// The tiles changed since the last call (or since `init`), ordered by level then
    /// index, each with its whole current content: 256 hashes when full, fewer when
    /// partial. Store them all, in the same transaction as the entries, to keep storage
    /// and tree in step.
    public mutating func takeDirtyTiles() -> [(level: Int, index: Int64, hashes: [TreeHash])] {
        var tiles = completed
        completed = []
        for level in edges.indices where dirtyLevels & (1 << UInt64(level)) != 0 && !edges[level].isEmpty {
            let index = Tiles.count(level: level, size: size) / Int64(Tiles.width)
            tiles.append((level, index, edges[level]))
        }
        dirtyLevels = 0
        tiles.sort { ($0.level, $0.index) < ($1.level, $1.index) }
        return tiles
    }
}
