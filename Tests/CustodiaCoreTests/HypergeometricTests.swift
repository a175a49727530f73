import Testing

@testable import CustodiaCore

/// The sampling figures against a table computed independently in exact rational arithmetic
/// (`python3 scripts/hypergeometric-table.py`, standard library `fractions` and `math.comb`).
@Suite struct HypergeometricTests {
    /// (N, n, x, confidence) → the exact upper bound.
    static let bounds: [(Int64, Int64, Int64, Double, Int64)] = [
        (5000, 300, 0, 0.95, 48), (5000, 300, 1, 0.95, 76), (5000, 300, 2, 0.95, 102), (5000, 300, 0, 0.99, 73),
        (1000, 50, 0, 0.9, 43), (1000, 50, 3, 0.95, 145), (250000, 600, 0, 0.95, 1243), (250000, 600, 2, 0.95, 2611),
        (120, 120, 0, 0.95, 0), (120, 119, 0, 0.95, 0), (40, 10, 10, 0.95, 40),
    ]
    /// (N, M, confidence) → the smallest sample revealing one of M.
    static let sizes: [(Int64, Int64, Double, Int64)] = [
        (5000, 50, 0.95, 290), (5000, 10, 0.99, 1844), (250000, 500, 0.95, 1492), (1000, 1, 0.95, 950), (100, 100, 0.95, 1),
        (30, 3, 0.9, 16),
    ]

    @Test func upperBoundsMatchTheExactTable() {
        for (N, n, x, c, expected) in Self.bounds {
            #expect(Hypergeometric.upperBound(population: N, sample: n, observed: x, confidence: c) == expected, "N=\(N) n=\(n) x=\(x) C=\(c)")
        }
    }

    @Test func sampleSizesMatchTheExactTable() {
        for (N, M, c, expected) in Self.sizes {
            #expect(Hypergeometric.sampleSize(population: N, detect: M, confidence: c) == expected, "N=\(N) M=\(M) C=\(c)")
        }
    }

    @Test func theDistributionSumsToOneAndFallsAsMoreAreMarked() {
        #expect(abs(Hypergeometric.cdf(20, population: 200, marked: 30, sample: 20) - 1) < 1e-12)
        // P(X = 0) for N = 10, M = 2, n = 3 is C(8,3)/C(10,3) = 56/120.
        #expect(abs(Hypergeometric.cdf(0, population: 10, marked: 2, sample: 3) - 56.0 / 120) < 1e-12)
        // P(X ≤ 1) = (56 + 2·28)/120.
        #expect(abs(Hypergeometric.cdf(1, population: 10, marked: 2, sample: 3) - 112.0 / 120) < 1e-12)
        #expect(Hypergeometric.cdf(1, population: 5000, marked: 40, sample: 300) > Hypergeometric.cdf(1, population: 5000, marked: 41, sample: 300))
    }

    @Test func aConfidenceIsADecimalStrictlyBetweenZeroAndOne() throws {
        #expect(try Confidence("0.95").value == 0.95)
        for bad in ["1", "0", "1.0", "0.", ".95", "0.9999999", "95%", "-0.5", "0,95"] {
            #expect(throws: FieldError.self, "\(bad)") { try Confidence(bad) }
        }
    }
}
