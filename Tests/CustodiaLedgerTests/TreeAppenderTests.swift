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
            #expect(try TileHashReader(store).root(size: Int64(size)) == ReferenceTree(leaves: Array(leaves[..<size])).mth(0, size))
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

/// Proofs read from tiles across tile boundaries, against the reference.
@Suite struct TileHashReaderTests {
    static let leaves = sampleLeafHashes(65537)
    static let tree = tiledTree(leaves)
    static let reference = ReferenceTree(leaves: leaves)
    static let sizes: [Int] = [1, 2, 3, 255, 256, 257, 511, 513, 65535, 65536, 65537]

    @Test(arguments: sizes)
    func rootsMatchTheReference(_ size: Int) throws {
        let reader = TileHashReader(Self.tree.store)
        #expect(try reader.root(size: Int64(size)) == Self.reference.mth(0, size))
    }

    @Test(arguments: sizes)
    func inclusionProofsMatchTheReferenceAndVerify(_ size: Int) throws {
        let reader = TileHashReader(Self.tree.store)
        let root = Self.reference.mth(0, size)
        let indexes = Set([0, 1, 2, 127, 128, 254, 255, 256, 257, 4095, 65534, 65535, 65536, size / 2, size - 2, size - 1])
            .filter { $0 >= 0 && $0 < size }
        for index in indexes.sorted() {
            let proof = try reader.inclusionProof(index: Int64(index), size: Int64(size))
            #expect(proof == Self.reference.path(index, 0, size), "index \(index)")
            #expect(throws: Never.self) {
                try Merkle.verifyInclusion(
                    leafHash: Self.leaves[index], index: Int64(index), size: Int64(size), proof: proof, root: root)
            }
            #expect(throws: ProofError.self) {
                try Merkle.verifyInclusion(
                    leafHash: Merkle.leafHash(Array("never logged".utf8)), index: Int64(index), size: Int64(size),
                    proof: proof, root: root)
            }
        }
    }

    @Test(arguments: sizes)
    func consistencyProofsMatchTheReferenceAndVerify(_ new: Int) throws {
        let reader = TileHashReader(Self.tree.store)
        let newRoot = Self.reference.mth(0, new)
        for old in Set([1, 2, 3, 4, 100, 255, 256, 257, 512, 1000, 65535, 65536, new - 1, new]).sorted() where old >= 1 && old <= new {
            let proof = try reader.consistencyProof(old: Int64(old), new: Int64(new))
            #expect(proof == Self.reference.consistency(old, new), "\(old) → \(new)")
            let oldRoot = Self.reference.mth(0, old)
            #expect(throws: Never.self) {
                try Merkle.verifyConsistency(oldSize: Int64(old), newSize: Int64(new), oldRoot: oldRoot, newRoot: newRoot, proof: proof)
            }
            if old < new {
                #expect(throws: ProofError.self) {
                    try Merkle.verifyConsistency(
                        oldSize: Int64(old), newSize: Int64(new), oldRoot: Merkle.leafHash(Array("forged".utf8)),
                        newRoot: newRoot, proof: proof)
                }
            }
        }
    }

    @Test func proofsReadFewTiles() throws {
        let counter = CountingReader(store: Self.tree.store)
        let reader = TileHashReader(counter)
        _ = try reader.inclusionProof(index: 300, size: 65537)
        // Levels 0, 1 and 2: the leaf's tile, the right edge at each level.
        #expect(counter.reads.value <= 6)
        counter.reads.value = 0
        _ = try reader.consistencyProof(old: 1000, new: 65537)
        #expect(counter.reads.value <= 8)
    }

    @Test func aMissingTileIsReportedWithItsCoordinates() {
        var store = Self.tree.store
        // The first 65536 leaves form one complete subtree: entry 0 of tile 2/0.
        store.remove(level: 2, index: 0)
        let reader = TileHashReader(store)
        #expect {
            try reader.root(size: 65537)
        } throws: { error in
            (error as? TreeError)?.code == .tileMissing && "\(error)".contains("tile 2/0 is missing: run `custodia verify`")
        }
    }

    @Test func outOfRangeRequestsAreRefused() {
        let reader = TileHashReader(Self.tree.store)
        #expect { try reader.inclusionProof(index: 10, size: 10) } throws: { ($0 as? TreeError)?.code == .indexOutOfRange }
        #expect { try reader.inclusionProof(index: -1, size: 10) } throws: { ($0 as? TreeError)?.code == .indexOutOfRange }
        #expect { try reader.consistencyProof(old: 11, new: 10) } throws: { ($0 as? TreeError)?.code == .sizesOutOfOrder }
        #expect { try reader.root(size: -1) } throws: { ($0 as? TreeError)?.code == .invalidSize }
        #expect { try reader.subtreeHash(start: 2, end: 5) } throws: { ($0 as? TreeError)?.code == .invalidSubtree }
        #expect { try reader.root(size: 70000) } throws: { ($0 as? TreeError)?.code == .tileMissing }
    }

    @Test func consistencyFromTheEmptyTreeIsEmptyAndAccepted() throws {
        let reader = TileHashReader(Self.tree.store)
        #expect(try reader.consistencyProof(old: 0, new: 257).isEmpty)
        #expect(throws: Never.self) {
            try Merkle.verifyConsistency(oldSize: 0, newSize: 257, oldRoot: Merkle.emptyRoot, newRoot: Self.reference.mth(0, 257), proof: [])
        }
        #expect { try Merkle.verifyConsistency(oldSize: 0, newSize: 257, oldRoot: Self.leaves[0], newRoot: Self.reference.mth(0, 257), proof: []) }
            throws: { ($0 as? ProofError)?.code == .emptyTreeRootMismatch }
        #expect { try Merkle.verifyConsistency(oldSize: 0, newSize: 257, oldRoot: Merkle.emptyRoot, newRoot: Self.reference.mth(0, 257), proof: [Self.leaves[0]]) }
            throws: { ($0 as? ProofError)?.code == .wrongProofLength }
    }
}

/// Counts tile reads.
final class CountingReader: TileReader {
    final class Counter { var value = 0 }
    let store: MemoryTileStore
    let reads = Counter()
    init(store: MemoryTileStore) { self.store = store }
    func tile(level: Int, index: Int64) throws -> [TreeHash]? {
        reads.value += 1
        return store.tile(level: level, index: index)
    }
}
