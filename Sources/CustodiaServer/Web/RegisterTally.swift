import CustodiaCore
import CustodiaStore
import CustodiaWeb
import Foundation

/// Item counts by holder, account, category, status and condition, and lot quantities by
/// holder, kept in memory for the dashboard and the holder pages.
///
/// Counting a national register (hundreds of thousands of items) per request would take
/// hundreds of milliseconds; here it is read once (`Store.itemBriefs`), then kept current
/// from every group commit of this server (the writer tells the tally before anyone hears
/// back, so a page shown after a write counts it). Writes by another process (the
/// command-line tool) show as a ledger larger than the tally's; the tally is read again,
/// in the background while the current counts serve, once that has lasted `refresh` (the
/// holder tree's rule), so concurrent pages in the moment between a commit and its notice
/// do not cause a reload. Only the first load (at server start) is waited for.
///
/// The rules are the scope rules: an item counts for every holder whose subtree contains
/// its holder or its account; overdue means held past its due date; missing means lost or
/// stolen and not recovered.
actor RegisterTally {
    /// What the tally knows of one item.
    struct Compact: Equatable {
        var holder: Int32
        var account: Int32
        /// `yyyymmdd` of the due date; `Int32.max` when none.
        var due: Int32
        var category: UInt8
        var status: UInt8
        var condition: UInt8
    }

    struct GroupKey: Hashable {
        var holder: Int32
        var account: Int32
        var category: UInt8
        var status: UInt8
        var condition: UInt8
    }

    /// Counts for one scope (or everything).
    struct ScopeCounts: Sendable, Equatable {
        var items: Int64 = 0
        var byCategory: [String: Int64] = [:]
        var byStatus: [String: Int64] = [:]
        var byCondition: [String: Int64] = [:]
        var overdue: Int64 = 0
        var missing: Int64 = 0
    }

    /// Totals per holder of its subtree, and what each holds itself.
    struct Totals: Sendable {
        fileprivate let index: [String: Int32]
        fileprivate let subtrees: [SubtreeTotals]
        fileprivate let holds: [Int64]

        /// The totals of the subtree of `code` (nil for a holder the tally has not seen).
        func subtree(_ code: String) -> SubtreeTotals? {
            index[code].flatMap { Int($0) < subtrees.count ? subtrees[Int($0)] : nil }
        }

        /// How many items `code` itself physically holds.
        func held(_ code: String) -> Int64 { index[code].flatMap { Int($0) < holds.count ? holds[Int($0)] : nil } ?? 0 }
    }

    private static let categories = CustodiaCore.Category.allCases
    private static let statuses = ItemStatus.allCases
    private static let conditions = Condition.allCases
    private static let missingStatus = UInt8(ItemStatus.allCases.firstIndex(of: .missing)!)
    private static let heldStatus = UInt8(ItemStatus.allCases.firstIndex(of: .held)!)
    private static let absent = Compact(holder: 0, account: 0, due: Int32.max, category: 0, status: UInt8.max, condition: 0)
    private static let goneStatuses: Set<UInt8> = Set(
        [ItemStatus.destroyed, .expended, .exported].map { UInt8(ItemStatus.allCases.firstIndex(of: $0)!) })

    private let store: any Store
    private let directory: HolderDirectory
    private let refresh: TimeInterval
    private let now: @Sendable () -> Date

    /// Holder codes by index; index 0 is "none".
    private var codes: [String] = [""]
    private var codeIndex: [String: Int32] = [:]
    /// What the tally knows of each item, by id (ids are dense: the store numbers them in
    /// order); `Self.absent` where there is no item.
    private var items: [Compact] = []
    private var groups: [GroupKey: Int64] = [:]
    private var lots: [String: Int64] = [:]
    /// The ledger size the counts reflect; nil until loaded.
    private var ledgerSize: Int64?
    /// Bumped on every change, to invalidate what is derived.
    private var version = 0
    private var loading: Task<Void, any Error>?
    /// Group commits heard and not yet applied (while loading, or while applying another).
    private var pending: [([AppendRequest], GroupAppendReport)] = []
    private var draining = false
    /// Since when the store has been seen larger than the tally.
    private var behindSince: Date?
    /// A commit of this server came after writes it did not hear of (another process's).
    private var missedOutsideWrites = false
    /// Counts complete loads, so that a commit read before one is not applied after it.
    private var loadCount = 0
    private var totalsCache: (key: String, totals: Totals)?
    private var scopeCache: [String: ScopeCounts] = [:]
    private var scopeCacheKey = ""

    init(store: any Store, directory: HolderDirectory, refresh: TimeInterval, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.directory = directory
        self.refresh = refresh
        self.now = now
    }

    // MARK: Reading

    /// The counts for `scope` (everything, or a subtree) on `day` (`YYYY-MM-DD`).
    func counts(scope: HolderScope, day: String) async throws -> ScopeCounts {
        try await ensureCurrent()
        let key = "\(version)|\(day)"
        if scopeCacheKey != key {
            scopeCache = [:]
            scopeCacheKey = key
        }
        let root = scope.root ?? ""
        if let cached = scopeCache[root] { return cached }
        var inScope = [Bool](repeating: scope.isEverything, count: codes.count)
        if !scope.isEverything {
            for (n, code) in codes.enumerated() where n > 0 && scope.contains(code) { inScope[n] = true }
        }
        var counts = ScopeCounts()
        var byCategory = [Int64](repeating: 0, count: Self.categories.count)
        var byStatus = [Int64](repeating: 0, count: Self.statuses.count)
        var byCondition = [Int64](repeating: 0, count: Self.conditions.count)
        for (key, n) in groups where n > 0 && (inScope[Int(key.holder)] || inScope[Int(key.account)]) {
            counts.items += n
            byCategory[Int(key.category)] += n
            byStatus[Int(key.status)] += n
            byCondition[Int(key.condition)] += n
            if key.status == Self.missingStatus { counts.missing += n }
        }
        let dayNumber = Self.dayNumber(day) ?? 0
        for item in items
        where item.status == Self.heldStatus && item.due < dayNumber && (inScope[Int(item.holder)] || inScope[Int(item.account)])
        {
            counts.overdue += 1
        }
        for (n, c) in Self.categories.enumerated() where byCategory[n] > 0 { counts.byCategory[c.rawValue] = byCategory[n] }
        for (n, s) in Self.statuses.enumerated() where byStatus[n] > 0 { counts.byStatus[s.rawValue] = byStatus[n] }
        for (n, c) in Self.conditions.enumerated() where byCondition[n] > 0 { counts.byCondition[c.rawValue] = byCondition[n] }
        scopeCache[root] = counts
        return counts
    }

    /// Subtree totals of every holder, and how many items each holds itself, on `day`.
    func totals(day: String) async throws -> Totals {
        try await ensureCurrent()
        let snapshot = try await directory.snapshot()
        let key = "\(version)|\(snapshot.generation)|\(day)"
        if let cached = totalsCache, cached.key == key { return cached.totals }
        for holder in snapshot.sorted { _ = intern(holder.code) }
        // Each holder's chain of ancestors, itself first, as indexes.
        var parent = [Int32](repeating: 0, count: codes.count)
        for holder in snapshot.sorted {
            if let p = holder.parent { parent[Int(intern(holder.code))] = intern(p) }
        }
        func chain(_ index: Int32, into out: inout [Int32]) {
            var cursor = index
            var steps = 0
            while cursor != 0, steps < 64, !out.contains(cursor) {
                out.append(cursor)
                cursor = parent[Int(cursor)]
                steps += 1
            }
        }
        struct Pair: Hashable {
            var holder: Int32
            var account: Int32
        }
        var pairs: [Pair: SubtreeTotals] = [:]
        // What a holder has: items held, in transit, missing or deactivated on its books; not
        // those destroyed, expended or exported.
        for (key, n) in groups where n > 0 && !Self.goneStatuses.contains(key.status) {
            let pair = Pair(holder: key.holder, account: key.account)
            pairs[pair, default: SubtreeTotals(items: 0)].items += n
            if key.status == Self.missingStatus { pairs[pair, default: SubtreeTotals(items: 0)].missing += n }
        }
        let dayNumber = Self.dayNumber(day) ?? 0
        for item in items where item.status == Self.heldStatus && item.due < dayNumber {
            pairs[Pair(holder: item.holder, account: item.account), default: SubtreeTotals(items: 0)].overdue += 1
        }
        var subtree = [SubtreeTotals](repeating: SubtreeTotals(items: 0), count: codes.count)
        var held = [Int64](repeating: 0, count: codes.count)
        var ancestors: [Int32] = []
        for (pair, t) in pairs {
            ancestors.removeAll(keepingCapacity: true)
            chain(pair.holder, into: &ancestors)
            chain(pair.account, into: &ancestors)
            for a in ancestors {
                subtree[Int(a)].items += t.items
                subtree[Int(a)].missing += t.missing
                subtree[Int(a)].overdue += t.overdue
            }
            if pair.holder != 0 { held[Int(pair.holder)] += t.items }
        }
        for (code, quantity) in lots {
            ancestors.removeAll(keepingCapacity: true)
            guard let index = codeIndex[code], Int(index) < subtree.count else { continue }
            chain(index, into: &ancestors)
            for a in ancestors { subtree[Int(a)].lotQuantity += quantity }
        }
        let totals = Totals(index: codeIndex, subtrees: subtree, holds: held)
        totalsCache = (key, totals)
        return totals
    }

    // MARK: Keeping current

    /// Loads the counts if they are not loaded yet (at server start).
    func warm() async throws { try await ensureCurrent() }

    /// Whether the counts are loaded.
    var isLoaded: Bool { ledgerSize != nil }

    /// Loads the tally the first time (or after a failed read), and reads it again in the
    /// background when another process has written to the store: the current counts serve
    /// meanwhile, since they already hold every commit of this server (see `appended`).
    private func ensureCurrent() async throws {
        if let loading {
            if ledgerSize == nil { try await loading.value }
            return
        }
        guard let known = ledgerSize else {
            try await reload()
            return
        }
        if missedOutsideWrites {
            startReload()
            return
        }
        let size = try await store.ledgerSize()
        guard size > known else {
            behindSince = nil
            return
        }
        let t = now()
        guard let since = behindSince else {
            behindSince = t
            return
        }
        if t.timeIntervalSince(since) >= refresh { startReload() }
    }

    /// Reads everything, waiting for it (when there are no counts to serve meanwhile).
    private func reload() async throws {
        let load = Task { try await self.loadEverything() }
        loading = load
        do {
            try await load.value
            loading = nil
        } catch {
            loading = nil
            ledgerSize = nil
            throw error
        }
        await drain()
    }

    /// Reads everything in the background; on failure the current counts stay, and the
    /// next page tries again once the refresh interval has passed.
    private func startReload() {
        guard loading == nil else { return }
        let load = Task { try await self.loadEverything() }
        loading = load
        Task {
            _ = try? await load.value
            await self.reloaded(load)
        }
    }

    private func reloaded(_ load: Task<Void, any Error>) async {
        if loading == load { loading = nil }
        await drain()
    }

    /// Waits for a reload in progress and the commits heard meanwhile (for tests).
    func settle() async {
        while let load = loading {
            _ = try? await load.value
            await reloaded(load)
        }
        await drain()
    }

    private func loadEverything() async throws {
        let briefs = try await store.itemBriefs()
        let quantities = try await store.lotQuantities(holders: nil)
        install(briefs, lots: quantities)
    }

    private func install(_ briefs: ItemBriefs, lots quantities: [String: Int64]) {
        items = []
        items.reserveCapacity(Int(briefs.items.last?.id ?? 0) + 1)
        groups = [:]
        for brief in briefs.items { set(brief.id, compact(brief)) }
        lots = quantities
        ledgerSize = briefs.ledgerSize
        behindSince = nil
        missedOutsideWrites = false
        loadCount += 1
        version += 1
    }

    /// Hears a group commit of this server. The writer waits for this, so that a page shown
    /// after a write counts it. While the counts are being read again, the commit is also
    /// applied to the current ones (pages keep being served from them), and again after the
    /// new ones are in.
    func appended(_ requests: [AppendRequest], _ report: GroupAppendReport) async {
        pending.append((requests, report))
        guard loading == nil else {
            await apply(requests, report)
            return
        }
        await drain()
    }

    /// Applies the commits heard, in order, one at a time.
    private func drain() async {
        guard !draining else { return }
        draining = true
        while !pending.isEmpty {
            let (requests, report) = pending.removeFirst()
            await apply(requests, report)
        }
        draining = false
    }

    /// Applies one group commit: the items it changed come with its report, and the lot
    /// quantities of the holders its lot events named are read again.
    private func apply(_ requests: [AppendRequest], _ report: GroupAppendReport) async {
        guard let known = ledgerSize else { return }
        let written = zip(requests, report.reports).filter { $0.1.written }
        guard let first = written.first?.1.firstSeq else { return }
        if report.size <= known { return }  // already in what was loaded
        // Something written in between that this server did not hear of (another process)
        // is read in the background; this commit's items come with its report.
        let gap = first != known
        let loads = loadCount
        var holders: Set<String> = []
        for (request, _) in written {
            for event in request.events where !event.lots.isEmpty || !event.lotRegistrations.isEmpty {
                if let from = event.from { holders.insert(from) }
                if let to = event.to { holders.insert(to) }
            }
        }
        do {
            let quantities = holders.isEmpty ? [:] : try await store.lotQuantities(holders: Array(holders))
            // Counts installed meanwhile are newer than what was read: the commit is still
            // pending and is applied to them after the load.
            guard loads == loadCount, ledgerSize != nil else { return }
            for record in report.items { set(record.id, compact(ItemBrief(record))) }
            for code in holders { lots[code] = quantities[code] }
            ledgerSize = max(report.size, ledgerSize ?? 0)
            if gap { missedOutsideWrites = true }
            version += 1
        } catch {
            ledgerSize = nil  // read everything again on the next page
        }
    }

    private func set(_ id: Int64, _ new: Compact) {
        guard id >= 0, id < 1 << 31 else { return }
        let slot = Int(id)
        if slot >= items.count { items.append(contentsOf: repeatElement(Self.absent, count: slot - items.count + 1)) }
        let old = items[slot]
        if old == new { return }
        if old.status != Self.absent.status { groups[key(old), default: 0] -= 1 }
        items[slot] = new
        groups[key(new), default: 0] += 1
    }

    private func key(_ c: Compact) -> GroupKey {
        GroupKey(holder: c.holder, account: c.account, category: c.category, status: c.status, condition: c.condition)
    }

    private func compact(_ brief: ItemBrief) -> Compact {
        Compact(
            holder: brief.holder.map(intern) ?? 0, account: brief.account.map(intern) ?? 0,
            due: brief.dueBack.flatMap(Self.dayNumber) ?? Int32.max,
            category: UInt8(Self.categories.firstIndex(of: brief.category) ?? 0),
            status: UInt8(Self.statuses.firstIndex(of: brief.status) ?? 0),
            condition: UInt8(Self.conditions.firstIndex(of: brief.condition) ?? 0))
    }

    private func intern(_ code: String) -> Int32 {
        if let n = codeIndex[code] { return n }
        let n = Int32(codes.count)
        codes.append(code)
        codeIndex[code] = n
        return n
    }

    /// `YYYY-MM-DD` as `yyyymmdd`.
    static func dayNumber(_ day: String) -> Int32? {
        let b = Array(day.utf8.prefix(10))
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        var n: Int32 = 0
        for i in [0, 1, 2, 3, 5, 6, 8, 9] {
            guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
            n = n * 10 + Int32(b[i] - 0x30)
        }
        return n
    }
}
