import Foundation

/// The draw of a sample, written so that an outside tool can repeat it (docs/verification.md):
///
/// 1. The population: the identities of its items, one line each `manufacturer TAB model TAB
///    serial`, sorted as bytes; `populationBytes` is `custodia sample population v1\n`
///    followed by those lines each ending in `\n`. Its SHA-256 is the plan's `hash`.
/// 2. The seed: SHA-256 of `seedMaterial`, the text
///    `custodia sample seed v1\n<plan leaf hash>\n<size>\n<root>\n<beacon value>\n`, where the
///    plan leaf hash is the RFC 6962 leaf hash of the `sample-plan` entry (hex), and size and
///    root (hex) are those of the first checkpoint after the one that recorded the plan (where
///    the log has witnesses, the first such checkpoint a witness cosigned); the beacon value
///    is empty when the plan names no beacon.
/// 3. A stream of 64-bit words: block i (from 0) is SHA-256(seed ‖ i as 8 bytes big-endian);
///    each block gives four words, its bytes 0–7, 8–15, 16–23, 24–31 read big-endian.
/// 4. A partial Fisher–Yates shuffle of the positions 0…N−1 of the sorted population: for
///    i = 0…n−1, a uniform j in [i, N) (words w below 2^64 mod (N−i) are skipped, then
///    j = i + w mod (N−i)); positions i and j are swapped. The sample is the items at the
///    first n positions, in that order.
public enum SampleDraw {
    /// The population in its canonical order: by the bytes of its lines.
    public static func sorted(_ identities: [ItemIdentity]) -> [ItemIdentity] { canonical(identities).items }

    /// The population's bytes; `identities` may come in any order.
    public static func populationBytes(_ identities: [ItemIdentity]) -> [UInt8] { canonical(identities).bytes }

    /// The population in its canonical order and its bytes, built together: every line is
    /// written once into one buffer and the order is found by comparing bytes there.
    public static func canonical(_ identities: [ItemIdentity]) -> (items: [ItemIdentity], bytes: [UInt8]) {
        var lines: [UInt8] = []
        lines.reserveCapacity(identities.count * 40)
        var starts: [Int] = []
        starts.reserveCapacity(identities.count + 1)
        for i in identities {
            starts.append(lines.count)
            lines += i.manufacturer.utf8
            lines.append(0x09)
            lines += i.model.utf8
            lines.append(0x09)
            lines += i.serial.utf8
        }
        starts.append(lines.count)
        var order = Array(0..<identities.count)
        lines.withUnsafeBufferPointer { b in
            starts.withUnsafeBufferPointer { s in
                order.sort { x, y in
                    let lx = s[x + 1] - s[x]
                    let ly = s[y + 1] - s[y]
                    let c = memcmp(b.baseAddress! + s[x], b.baseAddress! + s[y], min(lx, ly))
                    return c != 0 ? c < 0 : lx < ly
                }
            }
        }
        var bytes = Array("custodia sample population v1\n".utf8)
        bytes.reserveCapacity(bytes.count + lines.count + identities.count)
        for k in order {
            bytes += lines[starts[k]..<starts[k + 1]]
            bytes.append(0x0A)
        }
        return (order.map { identities[$0] }, bytes)
    }

    public static func seedMaterial(planLeafHash: String, size: Int64, root: String, beaconValue: String?) -> [UInt8] {
        Array("custodia sample seed v1\n\(planLeafHash)\n\(size)\n\(root)\n\(beaconValue ?? "")\n".utf8)
    }

    /// The positions drawn: `n` distinct positions of `0..<N`, in draw order.
    public static func positions(n: Int, of N: Int, seed: [UInt8], sha256: ([UInt8]) -> [UInt8]) -> [Int] {
        precondition(n >= 0 && n <= N)
        var block: UInt64 = 0
        var buffer: [UInt8] = []
        var offset = 32
        func nextWord() -> UInt64 {
            if offset == 32 {
                var input = seed
                for shift in stride(from: 56, through: 0, by: -8) { input.append(UInt8(truncatingIfNeeded: block >> UInt64(shift))) }
                buffer = sha256(input)
                block += 1
                offset = 0
            }
            var w: UInt64 = 0
            for b in buffer[offset..<offset + 8] { w = w << 8 | UInt64(b) }
            offset += 8
            return w
        }
        var order = Array(0..<N)
        for i in 0..<n {
            let k = UInt64(N - i)
            let threshold = (0 &- k) % k
            var w = nextWord()
            while w < threshold { w = nextWord() }
            let j = i + Int(w % k)
            order.swapAt(i, j)
        }
        return Array(order.prefix(n))
    }
}

/// A sample's findings judged: for each kind, how many, and the exact upper bound on how many
/// items of the population have it, at the plan's confidence (`Hypergeometric.upperBound`).
public struct SampleReport: Sendable, Equatable {
    public var plan: SamplePlan
    /// Items of the sample with a finding recorded.
    public var examined: Int64
    public var findings: [SampleFinding: Int64]
    /// Upper bounds by kind of finding other than `present`, and for any of them
    /// (`discrepancies`).
    public var bounds: [SampleFinding: Int64]
    public var discrepancies: Int64
    public var discrepancyBound: Int64

    public init(plan: SamplePlan, findings: [SampleFinding]) {
        self.plan = plan
        examined = Int64(findings.count)
        var counts: [SampleFinding: Int64] = [:]
        for f in findings { counts[f, default: 0] += 1 }
        self.findings = counts
        let confidence = (try? Confidence(plan.confidence))?.value ?? 0.95
        var bounds: [SampleFinding: Int64] = [:]
        for kind in SampleFinding.allCases where kind != .present {
            bounds[kind] = Hypergeometric.upperBound(population: plan.size, sample: examined, observed: counts[kind] ?? 0, confidence: confidence)
        }
        self.bounds = bounds
        discrepancies = examined - (counts[.present] ?? 0)
        discrepancyBound = Hypergeometric.upperBound(population: plan.size, sample: examined, observed: discrepancies, confidence: confidence)
    }
}
