import Crypto
import CustodiaCore
import Testing

/// The draw of a sample is the documented one: the positions below were computed by
/// `scripts/sample-draw.py` (Python's hashlib), independently of the Swift code.
@Suite struct SampleDrawTests {
    static func sha256(_ b: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: b)) }

    @Test func theDrawRepeatsOutsideCustodia() {
        let material = SampleDraw.seedMaterial(
            planLeafHash: String(repeating: "ab", count: 32), size: 42, root: String(repeating: "cd", count: 32), beaconValue: nil)
        let seed = Self.sha256(material)
        #expect(seed.map { String($0, radix: 16).leftPadded }.joined() == "6ab1e569c3a21e8b0db3d15b3a133a424c2ddec06ac13c605f5b040aa78a007e")
        #expect(SampleDraw.positions(n: 10, of: 1000, seed: seed, sha256: Self.sha256) == [725, 516, 734, 726, 880, 889, 96, 247, 183, 522])
        #expect(SampleDraw.positions(n: 5, of: 7, seed: seed, sha256: Self.sha256) == [1, 6, 3, 0, 4])
    }

    @Test func aWholePopulationDrawIsAPermutation() {
        let seed = Self.sha256(Array("x".utf8))
        let all = SampleDraw.positions(n: 500, of: 500, seed: seed, sha256: Self.sha256)
        #expect(Set(all).count == 500)
        #expect(all != Array(0..<500))
    }

    @Test func thePopulationIsSortedAsBytes() {
        let ids = [
            ItemIdentity(manufacturer: "b", model: "m", serial: "2"), ItemIdentity(manufacturer: "B", model: "m", serial: "1"),
            ItemIdentity(manufacturer: "a", model: "m", serial: "É"),
        ]
        #expect(String(decoding: SampleDraw.populationBytes(ids), as: UTF8.self) == "custodia sample population v1\nB\tm\t1\na\tm\tÉ\nb\tm\t2\n")
    }

    /// A line that is the start of another comes first, and the tab between fields sorts
    /// below every printable byte: the order is the lines' bytes, not the fields'.
    @Test func aLineBeforeItsLongerLinesAndTheTabBelowASpace() {
        let ids = [
            ItemIdentity(manufacturer: "A", model: "m", serial: "10"), ItemIdentity(manufacturer: "A B", model: "m", serial: "1"),
            ItemIdentity(manufacturer: "A", model: "m", serial: "1"), ItemIdentity(manufacturer: "A", model: "m ", serial: "0"),
        ]
        let canonical = SampleDraw.canonical(ids)
        #expect(canonical.items.map(\.serial) == ["1", "10", "0", "1"])
        #expect(String(decoding: canonical.bytes, as: UTF8.self) == "custodia sample population v1\nA\tm\t1\nA\tm\t10\nA\tm \t0\nA B\tm\t1\n")
        #expect(SampleDraw.sorted(ids.reversed()) == canonical.items)
    }
}

extension String {
    fileprivate var leftPadded: String { count == 1 ? "0" + self : self }
}
