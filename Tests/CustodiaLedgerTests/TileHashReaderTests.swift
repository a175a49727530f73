import Testing

@testable import CustodiaLedger

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
        for old in Set([1, 2, 3, 4, 100, 255, 256, 257, 512, 1000, 65535, 65536, new - 1, new]).sorted()
        where old >= 1 && old <= new {
            let proof = try reader.consistencyProof(old: Int64(old), new: Int64(new))
            #expect(proof == Self.reference.consistency(old, new), "\(old) → \(new)")
            let oldRoot = Self.reference.mth(0, old)
            #expect(throws: Never.self) {
                try Merkle.verifyConsistency(
                    oldSize: Int64(old), newSize: Int64(new), oldRoot: oldRoot, newRoot: newRoot, proof: proof)
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
            try Merkle.verifyConsistency(
                oldSize: 0, newSize: 257, oldRoot: Merkle.emptyRoot, newRoot: Self.reference.mth(0, 257), proof: [])
        }
        #expect {
            try Merkle.verifyConsistency(
                oldSize: 0, newSize: 257, oldRoot: Self.leaves[0], newRoot: Self.reference.mth(0, 257), proof: [])
        } throws: { ($0 as? ProofError)?.code == .emptyTreeRootMismatch }
        #expect {
            try Merkle.verifyConsistency(
                oldSize: 0, newSize: 257, oldRoot: Merkle.emptyRoot, newRoot: Self.reference.mth(0, 257), proof: [Self.leaves[0]])
        } throws: { ($0 as? ProofError)?.code == .wrongProofLength }
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
