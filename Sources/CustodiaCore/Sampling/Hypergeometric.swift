import Foundation

/// The hypergeometric distribution of a sample drawn without replacement: a population of
/// `N` items of which `M` have a finding (missing, unserviceable…), a sample of `n`, and `X`
/// the number of items with the finding in the sample.
///
/// Exact in the sense statisticians use: the hypergeometric itself, not a binomial or normal
/// approximation. Probabilities are computed in double precision (the product form of
/// P(X = 0) summed as logarithms, then the ratio of successive terms), which keeps their
/// relative error near 1e-12 for the populations a register holds; the tests check the
/// results against exact rational arithmetic.
public enum Hypergeometric {
    /// P(X ≤ x).
    public static func cdf(_ x: Int64, population N: Int64, marked M: Int64, sample n: Int64) -> Double {
        precondition(N >= 0 && M >= 0 && M <= N && n >= 0 && n <= N)
        let low = max(0, n - (N - M))
        let high = min(n, M)
        if x < low { return 0 }
        if x >= high { return 1 }
        // The first term, P(X = low), as a product; then t(k+1) = t(k)·(M−k)(n−k) / ((k+1)(N−M−n+k+1)).
        var logFirst = 0.0
        if low == 0 {
            // C(N−M, n) / C(N, n) = Π_{i<n} (N−M−i)/(N−i)
            for i in 0..<n { logFirst += log(Double(N - M - i)) - log(Double(N - i)) }
        } else {
            // low = n − (N−M): every unmarked item is drawn; C(M, low)·1 / C(N, n)
            logFirst = logChoose(M, low) - logChoose(N, n)
        }
        var term = exp(logFirst)
        var sum = term
        var k = low
        while k < x {
            term *= Double(M - k) * Double(n - k) / (Double(k + 1) * Double(N - M - n + k + 1))
            sum += term
            k += 1
        }
        return min(1, sum)
    }

    /// log C(a, b), by summing logarithms (b is small beside a where it is used).
    static func logChoose(_ a: Int64, _ b: Int64) -> Double {
        let b = min(b, a - b)
        var s = 0.0
        var i: Int64 = 0
        while i < b {
            s += log(Double(a - i)) - log(Double(i + 1))
            i += 1
        }
        return s
    }

    /// The smallest sample in which at least one of `M` marked items (say, missing ones) of
    /// `N` shows with probability at least `confidence`: the smallest n with
    /// P(X = 0) ≤ 1 − confidence. Nil when even the whole population would not do (M = 0).
    public static func sampleSize(population N: Int64, detect M: Int64, confidence: Double) -> Int64? {
        guard M >= 1, M <= N else { return nil }
        let alpha = 1 - confidence
        var logP = 0.0
        var n: Int64 = 0
        while n < N {
            logP += log(Double(N - M - n)) - log(Double(N - n))
            n += 1
            if N - M - n < 0 || exp(logP) <= alpha { return n }
        }
        return N
    }

    /// The exact upper confidence bound on the number of marked items in the population after
    /// `x` were found in a sample of `n`: the largest M with P(X ≤ x; N, M, n) > 1 − confidence
    /// (every larger M would make so few findings improbable).
    public static func upperBound(population N: Int64, sample n: Int64, observed x: Int64, confidence: Double) -> Int64 {
        let alpha = 1 - confidence
        // P(X ≤ x) falls as M grows; the first M at which it is ≤ α is one past the bound.
        // (Unexamined items: N − n + x is the most there can be.)
        var lo = x
        var hi = N - n + x
        if hi <= lo { return lo }
        if cdf(x, population: N, marked: hi, sample: n) > alpha { return hi }
        // Invariant: cdf(lo) > α (cdf at M = x is 1 or near it), cdf(hi) ≤ α.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if cdf(x, population: N, marked: mid, sample: n) > alpha { lo = mid } else { hi = mid }
        }
        return lo
    }
}

/// A confidence level written as a decimal fraction between 0 and 1 exclusive, such as
/// `0.95`, with at most six decimals; recorded as written.
public struct Confidence: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let value: Double

    public init(_ text: String) throws(FieldError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "0", (1...6).contains(parts[1].count), parts[1].allSatisfy(\.isASCIIDigitCharacter),
            let v = Double(text), v > 0, v < 1
        else {
            throw FieldError("confidence", "\"\(text.prefix(20))\" is not a confidence between 0 and 1, such as 0.95 (at most six decimals)")
        }
        self.text = text
        value = v
    }

    public var description: String { text }
}

extension Character {
    var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}
