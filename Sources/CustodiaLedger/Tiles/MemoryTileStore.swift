/// An in-memory tile store, for tests and tools: tiles keyed by level and index.
public struct MemoryTileStore: TileReader, Sendable, Equatable {
    private struct Key: Hashable, Sendable {
        var level: Int
        var index: Int64
    }

    private var tiles: [Key: [TreeHash]] = [:]

    /// An empty store.
    public init() {}

    /// How many tiles are stored.
    public var count: Int { tiles.count }

    public func tile(level: Int, index: Int64) -> [TreeHash]? {
        tiles[Key(level: level, index: index)]
    }

    /// Stores (or replaces) one tile.
    public mutating func store(level: Int, index: Int64, hashes: [TreeHash]) {
        tiles[Key(level: level, index: index)] = hashes
    }

    /// Stores every tile `TreeAppender.takeDirtyTiles()` returned.
    public mutating func store(_ dirtyTiles: [(level: Int, index: Int64, hashes: [TreeHash])]) {
        for tile in dirtyTiles {
            store(level: tile.level, index: tile.index, hashes: tile.hashes)
        }
    }

    /// Removes one tile (for tests of damaged storage).
    public mutating func remove(level: Int, index: Int64) {
        tiles[Key(level: level, index: index)] = nil
    }
}
