/// Roots and RFC 6962 proofs of a tiled Merkle tree, read through a `TileReader`.
///
/// A complete subtree of height h at index k is computed from the level-(h/8) tile that
/// holds its 2^(h%8) hashes; incomplete subtrees on a tree's right edge are split per
/// RFC 6962 into complete ones. Each call therefore reads O(log n) tiles, each at most
/// once, and hashes at most 255 hashes per tile read.
///
/// The tiles may belong to a larger tree than the one asked about: complete subtrees
/// never change as a log grows.
public struct TileHashReader<Reader: TileReader> {
    /// Where the tiles come from.
    public let reader: Reader

    /// Reads tiles from `reader`.
    public init(_ reader: Reader) {
        self.reader = reader
    }

    /// The RFC 6962 root of the tree's first `size` leaves (`Merkle.emptyRoot` for 0).
    ///
    /// - Throws: `TreeError` for a negative size or a missing tile; whatever the reader
    ///   throws.
    public func root(size: Int64) throws -> TreeHash {
        guard size >= 0 else { throw TreeError.invalidSize(size) }
        var session = Session(reader: reader)
        return size == 0 ? Merkle.emptyRoot : try session.hash(0, size)
    }

    /// MTH(D[start..<end]): the hash of the entries `start..<end` as a tree of their own.
    ///
    /// The range must be a subtree of the log's tree in the sense of
    /// draft-ietf-plants-merkle-tree-certs: it starts at 0, is empty, or starts at a
    /// multiple of the smallest power of two not below its length. An empty range gives
    /// `Merkle.emptyRoot`.
    ///
    /// - Throws: `TreeError` for any other range or a missing tile; whatever the reader
    ///   throws.
    public func subtreeHash(start: Int64, end: Int64) throws -> TreeHash {
        guard start >= 0, start <= end else {
            throw TreeError(.invalidSubtree, "entries \(start)..<\(end) are not a range: give 0 ≤ start ≤ end")
        }
        if start == end { return Merkle.emptyRoot }
        let length = end - start
        let alignment: Int64 = length == 1 ? 1 : 1 << Int64(64 - (length - 1).leadingZeroBitCount)
        guard start % alignment == 0 else {
            throw TreeError(
                .invalidSubtree,
                "entries \(start)..<\(end) do not form a subtree: start must be a multiple of \(alignment), the smallest power of two not below their count"
            )
        }
        var session = Session(reader: reader)
        return try session.hash(start, end)
    }

    /// The stored leaf hash of entry `index`.
    ///
    /// - Throws: `TreeError` when the level-0 tile holding it is missing or too short;
    ///   whatever the reader throws.
    public func leafHash(index: Int64) throws -> TreeHash {
        guard index >= 0 else {
            throw TreeError(.indexOutOfRange, "entry index \(index) is negative: entries are numbered from 0")
        }
        var session = Session(reader: reader)
        return try session.complete(height: 0, index: index)
    }

    /// The RFC 6962 audit path (PATH) for entry `index` in the tree of `size` entries,
    /// ordered from the leaf's sibling up to the root's child.
    ///
    /// - Throws: `TreeError` when `index` is not below `size` or a tile is missing;
    ///   whatever the reader throws.
    public func inclusionProof(index: Int64, size: Int64) throws -> [TreeHash] {
        guard size >= 0 else { throw TreeError.invalidSize(size) }
        guard index >= 0, index < size else { throw TreeError.indexOutOfRange(index, size: size) }
        var session = Session(reader: reader)
        var proof = [TreeHash]()
        try session.path(index, 0, size, into: &proof)
        return proof
    }

    /// The RFC 6962 consistency proof (PROOF) from the tree of `old` entries to the tree
    /// of `new` entries. Empty when the sizes are equal or `old` is 0 (see
    /// `Merkle.verifyConsistency` for why size 0 is accepted).
    ///
    /// - Throws: `TreeError` when `old` exceeds `new`, a size is negative or a tile is
    ///   missing; whatever the reader throws.
    public func consistencyProof(old: Int64, new: Int64) throws -> [TreeHash] {
        guard old >= 0 else { throw TreeError.invalidSize(old) }
        guard old <= new else {
            throw TreeError(
                .sizesOutOfOrder,
                "old tree size \(old) is larger than new size \(new): ask for a proof from the smaller size to the larger")
        }
        guard old > 0, old < new else { return [] }
        var session = Session(reader: reader)
        var proof = [TreeHash]()
        try session.subproof(old, 0, new, known: true, into: &proof)
        return proof
    }
}

extension TileHashReader {
    /// An inclusion proof with its leaf hash and root, from one pass over the tiles (each
    /// tile read once for all three).
    /// `knownRoot`, when given (e.g. from a signed checkpoint of that size), is returned
    /// instead of being recomputed.
    public func inclusion(index: Int64, size: Int64, knownRoot: TreeHash? = nil) throws
        -> (leafHash: TreeHash, root: TreeHash, proof: [TreeHash])
    {
        guard size >= 0 else { throw TreeError.invalidSize(size) }
        guard index >= 0, index < size else { throw TreeError.indexOutOfRange(index, size: size) }
        var session = Session(reader: reader)
        var proof = [TreeHash]()
        try session.path(index, 0, size, into: &proof)
        let leaf = try session.complete(height: 0, index: index)
        return (leaf, try knownRoot ?? session.hash(0, size), proof)
    }

    /// A consistency proof with both roots, from one pass over the tiles.
    /// Known roots (e.g. from signed checkpoints) are returned instead of being recomputed.
    public func consistency(old: Int64, new: Int64, knownOldRoot: TreeHash? = nil, knownNewRoot: TreeHash? = nil) throws
        -> (oldRoot: TreeHash, newRoot: TreeHash, proof: [TreeHash])
    {
        guard old >= 0 else { throw TreeError.invalidSize(old) }
        guard old <= new else {
            throw TreeError(
                .sizesOutOfOrder,
                "old tree size \(old) is larger than new size \(new): ask for a proof from the smaller size to the larger")
        }
        var session = Session(reader: reader)
        var proof = [TreeHash]()
        if old > 0, old < new { try session.subproof(old, 0, new, known: true, into: &proof) }
        let oldRoot = old == 0 ? Merkle.emptyRoot : try knownOldRoot ?? session.hash(0, old)
        let newRoot = new == 0 ? Merkle.emptyRoot : try knownNewRoot ?? session.hash(0, new)
        return (oldRoot, newRoot, proof)
    }
}

extension TileHashReader: Sendable where Reader: Sendable {}

/// One call's view of the tiles: each tile is read at most once.
///
/// Not generic: callers in other modules would otherwise run it unspecialised, looking up
/// generic metadata on every dictionary access.
private struct Session {
    let reader: any TileReader
    private var cache: [TileKey: [TreeHash]] = [:]
    /// Complete subtree hashes already computed in this session, by (height, index).
    private var computed: [SubtreeKey: TreeHash] = [:]

    private struct SubtreeKey: Hashable {
        var height: Int
        var index: Int64
    }

    private struct TileKey: Hashable {
        var level: Int
        var index: Int64
    }

    init(reader: any TileReader) {
        self.reader = reader
    }

    /// The hash of the complete subtree of height `height` whose leftmost leaf is
    /// `index << height`.
    mutating func complete(height: Int, index: Int64) throws -> TreeHash {
        if height % Tiles.height == 0 { return try stored(height: height, index: index) }
        let key = SubtreeKey(height: height, index: index)
        if let known = computed[key] { return known }
        // Built from its two halves, so that shared subtrees are hashed once per session.
        let hash = Merkle.nodeHash(
            try complete(height: height - 1, index: index << 1), try complete(height: height - 1, index: index << 1 | 1))
        computed[key] = hash
        return hash
    }

    /// A hash stored as a tile entry: a complete subtree whose height is a multiple of 8.
    private mutating func stored(height: Int, index: Int64) throws -> TreeHash {
        let level = height / Tiles.height
        let span = 1 << (height % Tiles.height)
        let first = index << Int64(height % Tiles.height)
        let tileIndex = first / Int64(Tiles.width)
        let offset = Int(first % Int64(Tiles.width))
        let key = TileKey(level: level, index: tileIndex)
        let tile: [TreeHash]
        if let cached = cache[key] {
            tile = cached
        } else {
            guard let stored = try reader.tile(level: level, index: tileIndex) else {
                throw TreeError.tileMissing(level: level, index: tileIndex, have: nil, need: offset + span)
            }
            cache[key] = stored
            tile = stored
        }
        guard tile.count >= offset + span else {
            throw TreeError.tileMissing(level: level, index: tileIndex, have: tile.count, need: offset + span)
        }
        return span == 1 ? tile[offset] : Merkle.root(of: tile[offset..<(offset + span)])
    }

    /// MTH(D[start..<end]), for a range that starts on a boundary of its largest split.
    mutating func hash(_ start: Int64, _ end: Int64) throws -> TreeHash {
        let count = end - start
        if count & (count - 1) == 0 {
            return try complete(height: count.trailingZeroBitCount, index: start >> Int64(count.trailingZeroBitCount))
        }
        let split = Session.largestPowerOfTwo(below: count)
        return Merkle.nodeHash(try hash(start, start + split), try hash(start + split, end))
    }

    /// RFC 6962 PATH(index, D[start..<end]), appended leaf side first.
    mutating func path(_ index: Int64, _ start: Int64, _ end: Int64, into proof: inout [TreeHash]) throws {
        guard end - start > 1 else { return }
        let split = start + Session.largestPowerOfTwo(below: end - start)
        if index < split {
            try path(index, start, split, into: &proof)
            proof.append(try hash(split, end))
        } else {
            try path(index, split, end, into: &proof)
            proof.append(try hash(start, split))
        }
    }

    /// RFC 6962 SUBPROOF(old - start, D[start..<end], known), appended deepest first.
    mutating func subproof(
        _ old: Int64, _ start: Int64, _ end: Int64, known: Bool, into proof: inout [TreeHash]
    ) throws {
        if old == end {
            if !known { proof.append(try hash(start, end)) }
            return
        }
        let split = start + Session.largestPowerOfTwo(below: end - start)
        if old <= split {
            try subproof(old, start, split, known: known, into: &proof)
            proof.append(try hash(split, end))
        } else {
            try subproof(old, split, end, known: false, into: &proof)
            proof.append(try hash(start, split))
        }
    }

    /// The largest power of two strictly below `n` (n ≥ 2).
    static func largestPowerOfTwo(below n: Int64) -> Int64 {
        1 << Int64(63 - (n - 1).leadingZeroBitCount)
    }
}
