import Crypto
import Testing

@testable import CustodiaLedger

/// The rolling digests of draft-ietf-plants-merkle-tree-certs' "Subtree Test Vectors"
/// over d[i] = byte(i), i < 130, as the vector file's `draft_subtree_digests` describes.
/// Rows that start at 0 (every ordinary root and RFC 6962 proof of sizes 0–130) come from
/// the tiled implementation; other subtrees' proofs from the reference implementation.
@Suite struct SubtreeDigestTests {
    let digests = Vectors.shared.draft_subtree_digests
    let leaves = (0..<Vectors.shared.draft_subtree_digests.max_size).map { Merkle.leafHash([UInt8(truncatingIfNeeded: $0)]) }

    /// start == 0, start == end, or start a multiple of bit_ceil(end − start).
    static func isValidSubtree(_ start: Int, _ end: Int) -> Bool {
        if start == 0 || start == end { return true }
        var ceiling = 1
        while ceiling < end - start { ceiling <<= 1 }
        return start % ceiling == 0
    }

    struct Digest {
        var hasher = SHA256()
        mutating func line(_ prefix: String, _ hashes: [TreeHash] = []) {
            let text = prefix + hashes.map { " " + $0.hex }.joined() + "\n"
            hasher.update(data: Array(text.utf8))
        }
        var hex: String { Bytes.hex(hasher.finalize()) }
    }

    @Test func subtreeHashDigestMatches() throws {
        let reader = TileHashReader(tiledTree(leaves).store)
        var digest = Digest()
        for end in 0...digests.max_size {
            for start in 0...end where Self.isValidSubtree(start, end) {
                digest.line("[\(start), \(end)) " + (try reader.subtreeHash(start: Int64(start), end: Int64(end))).hex)
            }
        }
        #expect(digest.hex == digests.subtree_hash)
    }

    @Test func subtreeInclusionDigestMatches() throws {
        let reader = TileHashReader(tiledTree(leaves).store)
        let reference = ReferenceTree(leaves: leaves)
        var digest = Digest()
        for end in 0...digests.max_size {
            for start in 0...end where Self.isValidSubtree(start, end) {
                for index in start..<end {
                    let proof =
                        start == 0
                        ? try reader.inclusionProof(index: Int64(index), size: Int64(end))
                        : reference.path(index - start, start, end)
                    digest.line("\(index) [\(start), \(end))", proof)
                }
            }
        }
        #expect(digest.hex == digests.subtree_inclusion)
    }

    @Test func subtreeConsistencyDigestMatches() throws {
        let reader = TileHashReader(tiledTree(leaves).store)
        let reference = ReferenceTree(leaves: leaves)
        var digest = Digest()
        for n in 0...digests.max_size {
            for end in 0...n {
                for start in 0...end where Self.isValidSubtree(start, end) {
                    let proof =
                        start == 0
                        ? try reader.consistencyProof(old: Int64(end), new: Int64(n))
                        : reference.subtreeConsistency(start, end, n)
                    digest.line("[\(start), \(end)) \(n)", proof)
                }
            }
        }
        #expect(digest.hex == digests.subtree_consistency)
    }
}
