import Testing

@testable import CustodiaLedger

/// The tiled tree against the reference RFC 6962 implementation.
@Suite struct TreeAppenderTests {
    @Test func rootMatchesTheReferenceForEverySizeUpTo1100() {
        let leaves = sampleLeafHashes(1100)
        let reference = ReferenceTree(leaves: leaves)
        var appender = TreeAppender()
        #expect(appender.root() == Merkle.emptyRoot)
        for (count, leaf) in leaves.enumerated() {
            appender.append(leafHash: leaf)
            #expect(appender.size == Int64(count + 1))
            #expect(appender.root() == reference.mth(0, count + 1), "size \(count + 1)")
        }
    }

    @Test func tilesHoldLeafHashesAndTileRoots() {
        let leaves = sampleLeafHashes(256 * 3 + 5)
        let (store, _) = tiledTree(leaves)
        #expect(store.tile(level: 0, index: 0) == Array(leaves[0..<256]))
        #expect(store.tile(level: 0, index: 3) == Array(leaves[768...]))
        #expect(store.tile(level: 1, index: 0) == (0..<3).map { Merkle.root(of: leaves[($0 * 256)..<($0 * 256 + 256)]) })
        #expect(store.tile(level: 0, index: 4) == nil)
        #expect(store.tile(level: 2, index: 0) == nil)
        #expect(store.count == 5)
    }

    @Test func dirtyTilesAreTheChangedOnesWithFullContent() {
        var appender = TreeAppender()
        for leaf in sampleLeafHashes(255) { appender.append(leafHash: leaf) }
        let first = appender.takeDirtyTiles()
        #expect(first.map { [$0.level, Int($0.index), $0.hashes.count] } == [[0, 0, 255]])
        #expect(appender.takeDirtyTiles().isEmpty)

        appender.append(leafHash: Merkle.leafHash([1]))  // completes tile 0/0
        appender.append(leafHash: Merkle.leafHash([2]))  // starts tile 0/1
        let second = appender.takeDirtyTiles()
        #expect(second.map { [$0.level, Int($0.index), $0.hashes.count] } == [[0, 0, 256], [0, 1, 1], [1, 0, 1]])
        #expect(second[2].hashes == [Merkle.root(of: second[0].hashes)])
    }

    /// Whole tiles appended with their roots (as `verify` does, hashing on both cores) give
    /// the same sizes, roots and tiles as the same leaves appended one by one, including
    /// across a level-1 tile filling up (65,536 leaves) and reopening from storage.
    @Test func appendingWholeTilesEqualsAppendingLeaves() throws {
        let leaves = Self.leaves
        let (expectedStore, expected) = Self.whole
        var store = MemoryTileStore()
        var tiled = try TreeAppender(size: 0, reader: store)
        var end = 0
        while end + 256 <= leaves.count {
            let tile = Array(leaves[end..<(end + 256)])
            tiled.append(tile: tile, root: Merkle.root(of: tile))
            end += 256
            #expect(tiled.size == Int64(end))
            if end % 16_384 == 0 {
                store.store(tiled.takeDirtyTiles())
                tiled = try TreeAppender(size: Int64(end), reader: store)
            }
        }
        for leaf in leaves[end...] { tiled.append(leafHash: leaf) }
        store.store(tiled.takeDirtyTiles())
        #expect(tiled.root() == expected.root())
        #expect(store == expectedStore)
        var mixed = TreeAppender()
        mixed.append(tile: Array(leaves[..<256]), root: Merkle.root(of: leaves[..<256]))
        for leaf in leaves[256..<300] { mixed.append(leafHash: leaf) }
        #expect(mixed.root() == ReferenceTree(leaves: Array(leaves[..<300])).mth(0, 300))
    }

    @Test func aPrefixedLeafHashesLikeTheLeaf() {
        let entry: [UInt8] = Array("{\"kind\":\"issue\"}".utf8)
        let prefixed = [0] + entry
        #expect(prefixed.withUnsafeBytes { Merkle.leafHash(prefixed: $0) } == Merkle.leafHash(entry))
    }

    static let leaves = sampleLeafHashes(66_000)
    static let whole = tiledTree(leaves)

    @Test(arguments: [1, 255, 256, 257, 511, 512, 700, 65535, 65536])
    func reopeningFromStoredTilesMidwayGivesTheSameTilesAndRoot(_ boundary: Int) throws {
        let leaves = Self.leaves
        let (expectedStore, expected) = Self.whole

        var store = MemoryTileStore()
        var first = TreeAppender()
        for leaf in leaves[..<boundary] { first.append(leafHash: leaf) }
        store.store(first.takeDirtyTiles())
        var second = try TreeAppender(size: Int64(boundary), reader: store)
        #expect(second.root() == first.root())
        for leaf in leaves[boundary...] { second.append(leafHash: leaf) }
        store.store(second.takeDirtyTiles())

        #expect(second.root() == expected.root())
        #expect(store == expectedStore)
    }

    @Test func manySmallBatchesGiveTheSameTilesAsOne() throws {
        let leaves = sampleLeafHashes(3000)
        let (expectedStore, expected) = tiledTree(leaves)
        var store = MemoryTileStore()
        var size = 0
        for batch in [1, 7, 248, 1, 255, 256, 300, 1000, 932] {
            var appender = try TreeAppender(size: Int64(size), reader: store)
            for leaf in leaves[size..<(size + batch)] { appender.append(leafHash: leaf) }
            store.store(appender.takeDirtyTiles())
            size += batch
            #expect(
                try TileHashReader(store).root(size: Int64(size)) == ReferenceTree(leaves: Array(leaves[..<size])).mth(0, size))
        }
        #expect(size == 3000)
        #expect(store == expectedStore)
        #expect(try TreeAppender(size: 3000, reader: store).root() == expected.root())
    }

    @Test func openingWithAMissingTileNamesTheTileAndTheFix() {
        var (store, _) = tiledTree(sampleLeafHashes(600))
        store.remove(level: 0, index: 2)
        #expect {
            try TreeAppender(size: 600, reader: store)
        } throws: { error in
            guard let error = error as? TreeError else { return false }
            return error.code == .tileMissing && error.description.contains("tile 0/2")
                && error.description.contains("custodia verify")
        }
    }

    @Test func openingBeyondTheStoredTilesIsRefused() {
        let (store, _) = tiledTree(sampleLeafHashes(300))
        #expect(throws: TreeError.self) { try TreeAppender(size: 301, reader: store) }
        #expect(throws: TreeError.self) { try TreeAppender(size: -1, reader: store) }
    }

    @Test func openingASmallerTreeUsesOnlyThatPrefixOfTheStoredTiles() throws {
        let leaves = sampleLeafHashes(900)
        let (store, _) = tiledTree(leaves)
        let appender = try TreeAppender(size: 300, reader: store)
        #expect(appender.root() == ReferenceTree(leaves: Array(leaves[..<300])).mth(0, 300))
    }
}
