/// Read access to stored hash tiles (C2SP tlog-tiles, 256 hashes per tile).
///
/// Level 0 tiles hold leaf hashes; entry j of a level L+1 tile is the root of the full
/// level-L tile j. Tile `index` at `level` covers level-L hashes 256·index ..< 256·index+256.
public protocol TileReader {
    /// The stored hashes of one tile, leftmost first: all 256 of a full tile, fewer for
    /// the tree's partial right-edge tile; nil when no such tile is stored.
    func tile(level: Int, index: Int64) throws -> [TreeHash]?
}

/// Tile geometry shared by the appender and the reader.
enum Tiles {
    /// Hashes per tile.
    static let width = 256
    /// log2(width): a tile spans 8 tree levels.
    static let height = 8

    /// How many hashes level `level` holds for a tree of `size` leaves.
    static func count(level: Int, size: Int64) -> Int64 {
        size >> (height * level)
    }
}
