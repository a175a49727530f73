/// SplitMix64: a small, fast generator, so the demo dataset is the same on every machine
/// for the same seed.
struct DemoRandom: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A number in `0..<n` (`n` below 2³²; the slight bias does not matter here).
    mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: ((next() >> 32) &* UInt64(truncatingIfNeeded: n)) >> 32)
    }

    mutating func range(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.count) }

    /// True `percent` times in a hundred.
    mutating func percent(_ percent: Int) -> Bool { below(100) < percent }

    /// The SplitMix64 finaliser: a good hash of one 64-bit number.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
