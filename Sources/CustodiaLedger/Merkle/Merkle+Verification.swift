extension Merkle {
    /// Checks an RFC 6962 inclusion proof (audit path, leaf to root) with the algorithm
    /// of RFC 9162 §2.1.3.2.
    ///
    /// - Throws: `ProofError` saying why the proof does not show that `leafHash` is entry
    ///   `index` of the tree of `size` entries with root `root`.
    public static func verifyInclusion(
        leafHash: TreeHash, index: Int64, size: Int64, proof: [TreeHash], root: TreeHash
    ) throws(ProofError) {
        guard index >= 0, size >= 0 else {
            throw ProofError(.invalidSize, "leaf index \(index) or tree size \(size) is negative: sizes and indexes count from 0")
        }
        try checkInclusion(leafHash: leafHash, index: UInt64(index), size: UInt64(size), proof: proof, root: root)
    }

    /// Checks an RFC 6962 consistency proof with the algorithm of RFC 9162 §2.1.4.2.
    ///
    /// Equal sizes need an empty proof and equal roots.
    ///
    /// An old size of 0 is accepted with an empty proof, as C2SP tlog-witness does (every
    /// tree extends the empty tree), provided `oldRoot` is the empty-tree root
    /// (`Merkle.emptyRoot`), the only root a size-0 tree has. transparency-dev/merkle
    /// refuses old size 0 as a matter of policy; every case of its test vectors that
    /// carries a proof or a root other than the empty root is refused here too.
    ///
    /// - Throws: `ProofError` saying why the proof does not show that the tree of
    ///   `newSize` entries with root `newRoot` extends the one of `oldSize` entries with
    ///   root `oldRoot`.
    public static func verifyConsistency(
        oldSize: Int64, newSize: Int64, oldRoot: TreeHash, newRoot: TreeHash, proof: [TreeHash]
    ) throws(ProofError) {
        guard oldSize >= 0, newSize >= 0 else {
            throw ProofError(.invalidSize, "tree size \(min(oldSize, newSize)) is negative: tree sizes count entries from 0")
        }
        try checkConsistency(
            oldSize: UInt64(oldSize), newSize: UInt64(newSize), oldRoot: oldRoot, newRoot: newRoot, proof: proof)
    }

    /// `verifyInclusion` over raw bytes, for proofs and hashes straight off the wire:
    /// false, never a crash, when any hash is not exactly 32 bytes or the index or size
    /// is beyond `Int64.max`.
    public static func isValidInclusion(
        leafHash: [UInt8], index: UInt64, size: UInt64, proof: [[UInt8]], root: [UInt8]
    ) -> Bool {
        guard let leaf = TreeHash(bytes: leafHash), let root = TreeHash(bytes: root),
            let path = treeHashes(proof), index <= UInt64(Int64.max), size <= UInt64(Int64.max)
        else { return false }
        return (try? checkInclusion(leafHash: leaf, index: index, size: size, proof: path, root: root)) != nil
    }

    /// `verifyConsistency` over raw bytes, for proofs and hashes straight off the wire:
    /// false, never a crash, when a hash that takes part is not exactly 32 bytes or a
    /// size is beyond `Int64.max`.
    ///
    /// For equal non-zero sizes no hash is computed: the proof must be empty and the two
    /// roots identical byte for byte (as in transparency-dev/merkle, whose vectors accept
    /// identical roots of any length there). Size 0 follows `verifyConsistency`.
    public static func isValidConsistency(
        oldSize: UInt64, newSize: UInt64, oldRoot: [UInt8], newRoot: [UInt8], proof: [[UInt8]]
    ) -> Bool {
        guard oldSize <= UInt64(Int64.max), newSize <= UInt64(Int64.max) else { return false }
        if oldSize == newSize, oldSize > 0 {
            return proof.isEmpty && oldRoot == newRoot
        }
        guard let old = TreeHash(bytes: oldRoot), let new = TreeHash(bytes: newRoot),
            let path = treeHashes(proof)
        else { return false }
        return (try? checkConsistency(oldSize: oldSize, newSize: newSize, oldRoot: old, newRoot: new, proof: path))
            != nil
    }

    private static func treeHashes(_ raw: [[UInt8]]) -> [TreeHash]? {
        var hashes = [TreeHash]()
        hashes.reserveCapacity(raw.count)
        for bytes in raw {
            guard let hash = TreeHash(bytes: bytes) else { return nil }
            hashes.append(hash)
        }
        return hashes
    }

    private static func checkInclusion(
        leafHash: TreeHash, index: UInt64, size: UInt64, proof: [TreeHash], root: TreeHash
    ) throws(ProofError) {
        guard index < size else {
            throw ProofError(
                .indexOutOfRange,
                "leaf index \(index) is not in a tree of \(size) entries: ask for a proof against a checkpoint that includes the entry"
            )
        }
        var fn = index
        var sn = size - 1
        var hash = leafHash
        for sibling in proof {
            guard sn != 0 else { throw wrongInclusionLength(proof.count, index: index, size: size) }
            if fn & 1 == 1 || fn == sn {
                hash = nodeHash(sibling, hash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                hash = nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw wrongInclusionLength(proof.count, index: index, size: size) }
        guard hash == root else {
            throw ProofError(
                .rootMismatch,
                "the inclusion proof for entry \(index) does not lead to the checkpoint's root: the entry differs from the logged one, or the proof is for another tree; fetch a fresh proof for this checkpoint"
            )
        }
    }

    private static func wrongInclusionLength(_ count: Int, index: UInt64, size: UInt64) -> ProofError {
        ProofError(
            .wrongProofLength,
            "an inclusion proof for entry \(index) of a tree of \(size) entries cannot have \(count) hashes: fetch the proof for exactly this index and tree size"
        )
    }

    private static func checkConsistency(
        oldSize: UInt64, newSize: UInt64, oldRoot: TreeHash, newRoot: TreeHash, proof: [TreeHash]
    ) throws(ProofError) {
        guard oldSize <= newSize else {
            throw ProofError(
                .sizesOutOfOrder,
                "old tree size \(oldSize) is larger than new size \(newSize): a log only grows, so compare against the newer checkpoint"
            )
        }
        if oldSize == 0 {
            guard proof.isEmpty else { throw wrongConsistencyLength(proof.count, oldSize, newSize) }
            guard oldRoot == emptyRoot, newSize > 0 || newRoot == emptyRoot else {
                throw ProofError(
                    .emptyTreeRootMismatch,
                    "a tree of size 0 has the empty-tree root \(emptyRoot.hex), not the root given: check which checkpoint the root came from"
                )
            }
            return
        }
        if oldSize == newSize {
            guard proof.isEmpty else { throw wrongConsistencyLength(proof.count, oldSize, newSize) }
            guard oldRoot == newRoot else { throw consistencyMismatch(oldSize, newSize) }
            return
        }
        guard !proof.isEmpty else { throw wrongConsistencyLength(0, oldSize, newSize) }

        var path = proof[...]
        // When the old tree is a complete subtree its root starts the chain.
        let seed = oldSize & (oldSize - 1) == 0 ? oldRoot : path.removeFirst()
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var oldHash = seed
        var newHash = seed
        for node in path {
            guard sn != 0 else { throw wrongConsistencyLength(proof.count, oldSize, newSize) }
            if fn & 1 == 1 || fn == sn {
                oldHash = nodeHash(node, oldHash)
                newHash = nodeHash(node, newHash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                newHash = nodeHash(newHash, node)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw wrongConsistencyLength(proof.count, oldSize, newSize) }
        guard oldHash == oldRoot, newHash == newRoot else { throw consistencyMismatch(oldSize, newSize) }
    }

    private static func wrongConsistencyLength(_ count: Int, _ oldSize: UInt64, _ newSize: UInt64) -> ProofError {
        ProofError(
            .wrongProofLength,
            "a consistency proof from size \(oldSize) to \(newSize) cannot have \(count) hashes: fetch the proof for exactly these two sizes"
        )
    }

    private static func consistencyMismatch(_ oldSize: UInt64, _ newSize: UInt64) -> ProofError {
        ProofError(
            .rootMismatch,
            "the consistency proof from size \(oldSize) to \(newSize) does not reproduce both roots: either a root is wrong or the log was rewritten; keep both checkpoints as evidence and report the log as inconsistent"
        )
    }
}
