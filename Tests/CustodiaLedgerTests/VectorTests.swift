import Testing

@testable import CustodiaLedger

/// The transparency-dev/merkle RFC 6962 vectors, every case.
@Suite struct VectorTests {
    let vectors = Vectors.shared
    var leafHashes: [TreeHash] { vectors.leafData.map { Merkle.leafHash($0) } }

    @Test func leafHashesMatchTheVectors() {
        #expect(vectors.leafData.count == 8)
        #expect(leafHashes.map(\.hex) == vectors.leaf_hashes)
        // The raw-buffer overload agrees with the collection one.
        for data in vectors.leafData {
            #expect(data.withUnsafeBytes { Merkle.leafHash($0) } == Merkle.leafHash(data))
        }
    }

    @Test func completeSubtreeHashesMatchWhenComputedDirectly() {
        for (level, row) in vectors.node_hashes.enumerated() {
            let span = 1 << level
            for (j, expected) in row.enumerated() {
                #expect(Merkle.root(of: leafHashes[(j * span)..<((j + 1) * span)]).hex == expected, "level \(level) node \(j)")
                #expect(ReferenceTree(leaves: leafHashes).mth(j * span, (j + 1) * span).hex == expected)
            }
        }
    }

    @Test func completeSubtreeHashesMatchWhenReadFromTiles() throws {
        let (store, _) = tiledTree(leafHashes)
        let reader = TileHashReader(store)
        for (level, row) in vectors.node_hashes.enumerated() {
            let span = Int64(1) << level
            for (j, expected) in row.enumerated() {
                let start = Int64(j) * span
                #expect(try reader.subtreeHash(start: start, end: start + span).hex == expected, "level \(level) node \(j)")
            }
            // The leftmost subtree of each level is the root of a tree that size.
            var appender = TreeAppender()
            for leaf in leafHashes.prefix(Int(span)) { appender.append(leafHash: leaf) }
            #expect(appender.root().hex == row[0])
        }
    }

    @Test func rootsForSizesZeroToEightMatch() throws {
        #expect(vectors.roots.map(\.size) == Array(0...8))
        let (store, _) = tiledTree(leafHashes)
        let reader = TileHashReader(store)
        for root in vectors.roots {
            var appender = TreeAppender()
            for leaf in leafHashes.prefix(Int(root.size)) { appender.append(leafHash: leaf) }
            #expect(appender.root().hex == root.root, "appender, size \(root.size)")
            #expect(try reader.root(size: root.size).hex == root.root, "tiles, size \(root.size)")
            #expect(Merkle.root(of: leafHashes.prefix(Int(root.size))).hex == root.root)
        }
        #expect(Merkle.emptyRoot.hex == vectors.roots[0].root)
    }

    @Test(arguments: Vectors.shared.inclusion)
    func inclusionProofsFromTilesMatchAndVerify(_ vector: Vectors.Inclusion) throws {
        let (store, _) = tiledTree(leafHashes)
        let reader = TileHashReader(store)
        let proof = try reader.inclusionProof(index: vector.index, size: vector.size)
        #expect(proof.map(\.hex) == vector.proof)
        #expect(try reader.leafHash(index: vector.index).hex == vector.leaf_hash)
        #expect(try reader.root(size: vector.size).hex == vector.root)
        #expect(throws: Never.self) {
            try Merkle.verifyInclusion(
                leafHash: hash(vector.leaf_hash), index: vector.index, size: vector.size, proof: proof,
                root: hash(vector.root))
        }
    }

    @Test(arguments: Vectors.shared.consistency)
    func consistencyProofsFromTilesMatchAndVerify(_ vector: Vectors.Consistency) throws {
        let (store, _) = tiledTree(leafHashes)
        let reader = TileHashReader(store)
        let proof = try reader.consistencyProof(old: vector.size1, new: vector.size2)
        #expect(proof.map(\.hex) == vector.proof)
        #expect(try reader.root(size: vector.size1).hex == vector.root1)
        #expect(try reader.root(size: vector.size2).hex == vector.root2)
        #expect(throws: Never.self) {
            try Merkle.verifyConsistency(
                oldSize: vector.size1, newSize: vector.size2, oldRoot: hash(vector.root1),
                newRoot: hash(vector.root2), proof: proof)
        }
    }

    @Test func allProbesArePresent() {
        #expect(vectors.inclusion_probes.count == 98)
        #expect(vectors.consistency_probes.count == 98)
        #expect(vectors.inclusion_probes.contains { $0.valid } && vectors.inclusion_probes.contains { !$0.valid })
        #expect(vectors.consistency_probes.contains { $0.valid } && vectors.consistency_probes.contains { !$0.valid })
    }

    @Test(arguments: Vectors.shared.inclusion_probes)
    func inclusionProbeGivesTheExpectedOutcome(_ probe: Vectors.InclusionProbe) {
        let valid = Merkle.isValidInclusion(
            leafHash: bytes(probe.leaf_hash), index: probe.index, size: probe.size,
            proof: probe.proof.map(bytes), root: bytes(probe.root))
        #expect(valid == probe.valid, "\(probe.desc)")
    }

    @Test(arguments: Vectors.shared.consistency_probes)
    func consistencyProbeGivesTheExpectedOutcome(_ probe: Vectors.ConsistencyProbe) {
        let valid = Merkle.isValidConsistency(
            oldSize: probe.size1, newSize: probe.size2, oldRoot: bytes(probe.root1),
            newRoot: bytes(probe.root2), proof: probe.proof.map(bytes))
        #expect(valid == probe.valid, "\(probe.desc)")
    }

    /// The typed API agrees with the raw one wherever every hash is well formed.
    @Test(arguments: Vectors.shared.consistency_probes.filter(\.isWellFormed))
    func typedConsistencyCheckAgreesWithTheProbe(_ probe: Vectors.ConsistencyProbe) {
        let outcome = Result { () throws(ProofError) in
            try Merkle.verifyConsistency(
                oldSize: Int64(probe.size1), newSize: Int64(probe.size2), oldRoot: hash(probe.root1),
                newRoot: hash(probe.root2), proof: probe.proof.map(hash))
        }
        #expect(((try? outcome.get()) != nil) == probe.valid, "\(probe.desc)")
    }

    @Test(arguments: Vectors.shared.inclusion_probes.filter(\.isWellFormed))
    func typedInclusionCheckAgreesWithTheProbe(_ probe: Vectors.InclusionProbe) {
        let outcome = Result { () throws(ProofError) in
            try Merkle.verifyInclusion(
                leafHash: hash(probe.leaf_hash), index: Int64(probe.index), size: Int64(probe.size),
                proof: probe.proof.map(hash), root: hash(probe.root))
        }
        #expect(((try? outcome.get()) != nil) == probe.valid, "\(probe.desc)")
    }
}
