import Crypto
import Testing

@testable import CustodiaLedger

/// The leaf and node hashes (BoringSSL called directly, state on the stack) equal
/// swift-crypto's SHA-256 of the RFC 6962 inputs, for every length around the block size.
@Suite struct HashingTests {
    static func reference(_ bytes: [UInt8]) -> TreeHash {
        TreeHash(bytes: Array(SHA256.hash(data: bytes)))!
    }

    @Test func leafHashesEqualSHA256OfThePrefixedBytes() {
        var generator = SystemRandomNumberGenerator()
        for length in Array(0...200) + [255, 256, 257, 511, 512, 1000, 4096] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Self.reference([0] + bytes)
            #expect(Merkle.leafHash(bytes) == expected, "length \(length)")
            #expect(bytes.withUnsafeBytes { Merkle.leafHash($0) } == expected, "length \(length)")
            let prefixed = [0] + bytes
            #expect(prefixed.withUnsafeBytes { Merkle.leafHash(prefixed: $0) } == expected, "length \(length)")
        }
    }

    @Test func nodeHashesEqualSHA256OfThePrefixedChildren() {
        let left = Merkle.leafHash(Array("left".utf8))
        let right = Merkle.leafHash(Array("right".utf8))
        let bytes = [1] + left.withUnsafeBytes { Array($0) } + right.withUnsafeBytes { Array($0) }
        #expect(Merkle.nodeHash(left, right) == Self.reference(bytes))
        #expect(Merkle.nodeHash(right, left) != Self.reference(bytes))
    }
}
