import CustodiaCore

/// The rules of the register's counts, the same on every backend: a backend reads the rows,
/// these say what they count for.
package enum RegisterCounts {
    /// `code` and, when `recursive`, every holder below it, level by level, siblings by code:
    /// the order `holdings` lists holders in.
    package static func holdingsOrder(of code: String, in holders: [String: Holder], recursive: Bool) -> [String] {
        var codes = [code]
        guard recursive else { return codes }
        var children: [String: [String]] = [:]
        for h in holders.values { if let p = h.parent { children[p, default: []].append(h.code) } }
        var i = 0
        while i < codes.count {
            codes.append(contentsOf: (children[codes[i]] ?? []).sorted())
            i += 1
        }
        return codes
    }

    /// Item counts by category, status, condition and region, fed one group of items at a
    /// time: items count where they are held, or on their account when not held, and only
    /// inside `scope`.
    package struct ItemTally {
        let holders: [String: Holder]
        let scope: HolderScope
        private var regions: [String: String] = [:]
        package private(set) var summary: Summary

        package init(holders: [String: Holder], scope: HolderScope) {
            self.holders = holders
            self.scope = scope
            summary = Summary(
                items: 0, lots: 0, events: 0, holders: Int64(holders.count), byCategory: [:], byStatus: [:], byCondition: [:],
                byRegion: [:])
        }

        /// Adds `count` items of one category, status, condition, holder and account.
        package mutating func add(
            category: String, status: String, condition: String, holder: String?, account: String?, count: Int64
        ) {
            guard scope.isEverything || holder.map(scope.contains) == true || account.map(scope.contains) == true else {
                return
            }
            let place = holder ?? account
            summary.items += count
            summary.byCategory[category, default: 0] += count
            summary.byStatus[status, default: 0] += count
            summary.byCondition[condition, default: 0] += count
            let key = place ?? ""
            let r: String
            if let known = regions[key] {
                r = known
            } else {
                r = region(place)
                regions[key] = r
            }
            summary.byRegion[r, default: 0] += count
        }

        /// The region above `code`: "(external)" for external parties, "(none)" when none.
        private func region(_ code: String?) -> String {
            var cursor = code
            var steps = 0
            while let c = cursor, let h = holders[c], steps < 64 {
                if h.kind == .region { return h.code }
                if h.kind == .external { return "(external)" }
                cursor = h.parent
                steps += 1
            }
            return "(none)"
        }
    }
}
