import Crypto
import Testing

@testable import CustodiaLedger

@Suite struct TreeHashTests {
    let sample = Merkle.leafHash(Array("sample".utf8))

    @Test func hexAndBase64RoundTrip() throws {
        #expect(sample.hex.count == 64)
        #expect(sample.base64.count == 44)
        #expect(TreeHash(hex: sample.hex) == sample)
        #expect(TreeHash(hex: sample.hex.uppercased()) == sample)
        #expect(TreeHash(base64: sample.base64) == sample)
        #expect(TreeHash(bytes: sample.bytes) == sample)
        #expect(sample.bytes.count == 32)
    }

    @Test func emptyRootIsSHA256OfNothing() {
        #expect(Merkle.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test(arguments: [
        "", "00", String(repeating: "0", count: 63), String(repeating: "0", count: 65), String(repeating: "g", count: 64),
        String(repeating: "0", count: 62) + " 0",
    ])
    func malformedHexIsRejected(_ text: String) {
        #expect(TreeHash(hex: text) == nil)
    }

    @Test func malformedBase64IsRejected() {
        let valid = sample.base64
        #expect(TreeHash(base64: String(valid.dropLast())) == nil)
        #expect(TreeHash(base64: valid + "=") == nil)
        #expect(TreeHash(base64: " " + valid) == nil)
        #expect(TreeHash(base64: "AAAA") == nil)
    }

    @Test func nonCanonicalBase64IsRejected() throws {
        // 32 bytes leave the last base64 digit 2 unused bits; setting one gives the same
        // bytes under a second spelling, which must not parse.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var chars = Array(sample.base64)
        let digit = try #require(alphabet.firstIndex(of: chars[42]))
        #expect(digit % 4 == 0)
        chars[42] = alphabet[digit + 1]
        #expect(TreeHash(base64: String(chars)) == nil)
    }

    @Test func equalHashesAreEqualAndHashAlike() {
        let copy = TreeHash(bytes: sample.bytes)
        #expect(copy == sample)
        #expect(Set([sample, copy!]).count == 1)
        #expect(sample != Merkle.emptyRoot)
    }

    @Test func leafAndNodeHashesUseTheirDomainPrefixes() {
        let data = Array("entry".utf8)
        #expect(Merkle.leafHash(data).bytes == Array(SHA256.hash(data: [0x00] + data)))
        let left = Merkle.leafHash([1])
        let right = Merkle.leafHash([2])
        #expect(Merkle.nodeHash(left, right).bytes == Array(SHA256.hash(data: [0x01] + left.bytes + right.bytes)))
        #expect(Merkle.leafHash(data[...]) == Merkle.leafHash(data))
        #expect(Merkle.leafHash(data.lazy.map { $0 }) == Merkle.leafHash(data))
    }
}
