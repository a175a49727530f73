import CCryptoBoringSSL
import Crypto

/// RFC 6962 / RFC 9162 Merkle tree hashing and proof verification.
///
/// Leaves are hashed as SHA-256(0x00 ‖ data) and interior nodes as
/// SHA-256(0x01 ‖ left ‖ right); the tree over n leaves splits at the largest power of two
/// smaller than n.
public enum Merkle {
    /// The root of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot = TreeHash(SHA256.hash(data: [UInt8]()))

    /// The leaf hash of `bytes`: SHA-256(0x00 ‖ bytes).
    public static func leafHash(_ bytes: UnsafeRawBufferPointer) -> TreeHash {
        digest { out in
            var context = SHA256_CTX()
            var prefix: UInt8 = 0
            _ = CCryptoBoringSSL_SHA256_Init(&context)
            _ = CCryptoBoringSSL_SHA256_Update(&context, &prefix, 1)
            _ = CCryptoBoringSSL_SHA256_Update(&context, bytes.baseAddress, bytes.count)
            _ = CCryptoBoringSSL_SHA256_Final(out, &context)
        }
    }

    /// SHA-256 of contiguous bytes in one call to BoringSSL (the library under swift-crypto),
    /// with the state on the stack. Leaf and node hashes are the hot path of appends and
    /// `verify`, where swift-crypto's hasher (an object allocated per hash) cost as much as
    /// hashing a short leaf; the RFC 6962 vectors and the hasher-based reference in the
    /// tests hold both paths to the same digests.
    @inline(__always)
    static func sha256(_ bytes: UnsafeRawBufferPointer) -> TreeHash {
        digest { _ = CCryptoBoringSSL_SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, $0) }
    }

    /// The hash `write` puts into a 32-byte buffer on the stack.
    @inline(__always)
    private static func digest(_ write: (UnsafeMutablePointer<UInt8>) -> Void) -> TreeHash {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { write($0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        return withUnsafeBytes(of: &words) { TreeHash(unchecked: $0) }
    }

    /// The leaf hash of an entry whose bytes are already preceded by the 0x00 leaf prefix
    /// (`prefixed` is 0x00 ‖ bytes): one pass over contiguous memory.
    public static func leafHash(prefixed: UnsafeRawBufferPointer) -> TreeHash {
        precondition(prefixed.first == 0, "a prefixed leaf starts with 0x00")
        return sha256(prefixed)
    }

    /// The leaf hash of `bytes`: SHA-256(0x00 ‖ bytes).
    public static func leafHash(_ bytes: some Collection<UInt8>) -> TreeHash {
        if let hash = bytes.withContiguousStorageIfAvailable({ leafHash(UnsafeRawBufferPointer($0)) }) {
            return hash
        }
        return Array(bytes).withUnsafeBytes { leafHash($0) }
    }

    /// The interior node hash of two children: SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        withUnsafeTemporaryAllocation(byteCount: 1 + 2 * TreeHash.byteCount, alignment: 8) { buffer in
            buffer[0] = 1
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[33..<65]).copyMemory(from: $0) }
            return sha256(UnsafeRawBufferPointer(buffer))
        }
    }

    /// The RFC 6962 root over consecutive leaf (or equal-height subtree) hashes;
    /// `emptyRoot` for none.
    ///
    /// Hashes pairs bottom-up, carrying an odd last node up a level, which builds exactly
    /// the left-balanced tree of RFC 6962's split rule with n − 1 node hashes.
    public static func root(of hashes: some Collection<TreeHash>) -> TreeHash {
        var level = Array(hashes)
        guard !level.isEmpty else { return emptyRoot }
        var count = level.count
        while count > 1 {
            let pairs = count / 2
            for i in 0..<pairs {
                level[i] = nodeHash(level[2 * i], level[2 * i + 1])
            }
            if count % 2 == 1 {
                level[pairs] = level[count - 1]
                count = pairs + 1
            } else {
                count = pairs
            }
        }
        return level[0]
    }
}
