import Foundation
import Testing

@testable import CustodiaLedger

/// The transparency-dev/merkle vectors in `Vectors/rfc6962-vectors.json` (see its
/// `schema` key).
struct Vectors: Decodable {
    struct Root: Decodable {
        let size: Int64
        let root: String
    }
    struct Inclusion: Decodable, CustomTestStringConvertible {
        let size: Int64
        let index: Int64
        let proof: [String]
        let leaf_hash: String
        let root: String
        var testDescription: String { "index \(index) of \(size)" }
    }
    struct Consistency: Decodable, CustomTestStringConvertible {
        let size1: Int64
        let size2: Int64
        let proof: [String]
        let root1: String
        let root2: String
        var testDescription: String { "\(size1) → \(size2)" }
    }
    struct InclusionProbe: Decodable, CustomTestStringConvertible {
        let source: String
        let desc: String
        let size: UInt64
        let index: UInt64
        let leaf_hash: String
        let root: String
        let proof: [String]
        let valid: Bool
        var testDescription: String { source }
        /// Every hash is 32 bytes and the numbers fit the typed API.
        var isWellFormed: Bool {
            ([leaf_hash, root] + proof).allSatisfy { TreeHash(hex: $0) != nil } && index <= UInt64(Int64.max)
        }
    }
    struct ConsistencyProbe: Decodable, CustomTestStringConvertible {
        let source: String
        let desc: String
        let size1: UInt64
        let size2: UInt64
        let root1: String
        let root2: String
        let proof: [String]
        let valid: Bool
        var testDescription: String { source }
        /// Every hash is 32 bytes.
        var isWellFormed: Bool { ([root1, root2] + proof).allSatisfy { TreeHash(hex: $0) != nil } }
    }
    struct SubtreeDigests: Decodable {
        let max_size: Int
        let subtree_hash: String
        let subtree_inclusion: String
        let subtree_consistency: String
    }

    let leaves: [String]
    let leaf_hashes: [String]
    let node_hashes: [[String]]
    let roots: [Root]
    let inclusion: [Inclusion]
    let consistency: [Consistency]
    let inclusion_probes: [InclusionProbe]
    let consistency_probes: [ConsistencyProbe]
    let draft_subtree_digests: SubtreeDigests

    static let shared: Vectors = {
        guard let url = Bundle.module.url(forResource: "rfc6962-vectors", withExtension: "json", subdirectory: "Vectors"),
            let data = try? Data(contentsOf: url),
            let vectors = try? JSONDecoder().decode(Vectors.self, from: data)
        else { fatalError("Vectors/rfc6962-vectors.json is missing or unreadable: restore it from git") }
        return vectors
    }()

    /// The leaf inputs as bytes.
    var leafData: [[UInt8]] { leaves.map { bytes($0) } }
}

/// Hex to bytes; test vectors are well-formed hex (possibly of the wrong length).
func bytes(_ hex: String) -> [UInt8] {
    guard let bytes = Bytes.fromHex(hex) else { fatalError("bad hex in test data: \(hex)") }
    return bytes
}

/// Hex to a tree hash; test vectors are 32-byte hex where this is used.
func hash(_ hex: String) -> TreeHash {
    guard let hash = TreeHash(hex: hex) else { fatalError("not a 32-byte hex hash in test data: \(hex)") }
    return hash
}

/// A tile store and appender holding `leafHashes`, all tiles stored.
func tiledTree(_ leafHashes: some Sequence<TreeHash>) -> (store: MemoryTileStore, appender: TreeAppender) {
    var store = MemoryTileStore()
    var appender = TreeAppender()
    for leaf in leafHashes { appender.append(leafHash: leaf) }
    store.store(appender.takeDirtyTiles())
    return (store, appender)
}

/// Leaf hashes of `count` distinct entries.
func sampleLeafHashes(_ count: Int) -> [TreeHash] {
    (0..<count).map { Merkle.leafHash(Array("entry \($0)".utf8)) }
}
