@testable import CustodiaLedger

/// A deliberately plain RFC 6962 §2.1 implementation over leaf hashes, to check the
/// tiled one against: MTH, PATH and PROOF straight from the RFC's recursive definitions.
///
/// Complete power-of-two subtrees are memoised level by level (as a Merkle tree's node
/// table), so large trees stay fast; the split rule is the RFC's.
struct ReferenceTree {
    let leaves: [TreeHash]
    private var levels: [[TreeHash]]

    init(leaves: [TreeHash]) {
        self.leaves = leaves
        levels = [leaves]
        while let below = levels.last, below.count >= 2 {
            levels.append(stride(from: 0, to: below.count - 1, by: 2).map { Merkle.nodeHash(below[$0], below[$0 + 1]) })
        }
    }

    /// MTH(D[start..<end]).
    func mth(_ start: Int, _ end: Int) -> TreeHash {
        let n = end - start
        if n == 0 { return Merkle.emptyRoot }
        if n & (n - 1) == 0, start % n == 0 {
            return levels[n.trailingZeroBitCount][start / n]
        }
        let k = largestPowerOfTwo(below: n)
        return Merkle.nodeHash(mth(start, start + k), mth(start + k, end))
    }

    /// PATH(m, D[start..<end]), m relative to start.
    func path(_ m: Int, _ start: Int, _ end: Int) -> [TreeHash] {
        let n = end - start
        if n <= 1 { return [] }
        let k = largestPowerOfTwo(below: n)
        if m < k { return path(m, start, start + k) + [mth(start + k, end)] }
        return path(m - k, start + k, end) + [mth(start, start + k)]
    }

    /// PROOF(m, D[0..<n]).
    func consistency(_ m: Int, _ n: Int) -> [TreeHash] {
        m == 0 || m == n ? [] : subproof(m, 0, n, true)
    }

    /// SUBPROOF(m, D[start..<end], b), m relative to start.
    func subproof(_ m: Int, _ start: Int, _ end: Int, _ b: Bool) -> [TreeHash] {
        let n = end - start
        if m == n { return b ? [] : [mth(start, end)] }
        let k = largestPowerOfTwo(below: n)
        if m <= k { return subproof(m, start, start + k, b) + [mth(start + k, end)] }
        return subproof(m - k, start + k, end, false) + [mth(start, start + k)]
    }

    /// The draft-ietf-plants-merkle-tree-certs subtree consistency proof of
    /// [start, end) into D[0..<n] (start 0 is RFC 6962's PROOF).
    func subtreeConsistency(_ start: Int, _ end: Int, _ n: Int) -> [TreeHash] {
        start == end ? [] : subtreeSubproof(start, end, 0, n, true)
    }

    private func subtreeSubproof(_ start: Int, _ end: Int, _ lo: Int, _ hi: Int, _ known: Bool) -> [TreeHash] {
        let n = hi - lo
        if start == 0 && end == n { return known ? [] : [mth(lo, hi)] }
        let k = largestPowerOfTwo(below: n)
        if end <= k { return subtreeSubproof(start, end, lo, lo + k, known) + [mth(lo + k, hi)] }
        if start >= k { return subtreeSubproof(start - k, end - k, lo + k, hi, known) + [mth(lo, lo + k)] }
        // A valid subtree straddles the split only when it starts at 0.
        return subtreeSubproof(0, end - k, lo + k, hi, false) + [mth(lo, lo + k)]
    }

    private func largestPowerOfTwo(below n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }
}
