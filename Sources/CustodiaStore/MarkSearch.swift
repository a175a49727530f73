import CustodiaCore

extension RegisterReads {
    /// The items a damaged mark may be (`MarkPattern`), closest first, then by serial,
    /// manufacturer and model: at most `limit`.
    public func searchMarks(_ pattern: MarkPattern, filters: MarkFilters = MarkFilters(), scope: HolderScope = .everything, limit: Int)
        async throws -> MarkSearchResult
    {
        let cap = MarkPattern.rankedAtMost
        // A few unread characters: their keys looked up one by one; else the trigram index.
        let which: MarkCandidates = pattern.candidateKeys.map { .keys($0, unusual: pattern.like) } ?? .like(pattern.like)
        let candidates = try await markCandidates(which, filters: filters, scope: scope, limit: cap + 1)
        let ranked = candidates.prefix(cap).compactMap { r in pattern.closeness(r.marking.serial).map { MarkMatch(item: r, closeness: $0) } }
            .sorted { $0.rank < $1.rank }
        return MarkSearchResult(matches: Array(ranked.prefix(max(0, limit))), total: ranked.count, incomplete: candidates.count > cap)
    }
}
