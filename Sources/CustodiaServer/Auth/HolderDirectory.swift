import CustodiaCore
import CustodiaStore
import Foundation
import Synchronization

/// The holder tree and users' scopes, cached in memory.
///
/// Changes made through this server's API replace the tree at once (`invalidate`); changes
/// made by another process (the command-line tool) are picked up within `refresh`. While
/// one request re-reads an expired tree, the others keep using the previous one.
final class HolderDirectory: Sendable {
    struct Snapshot: Sendable {
        let holders: [String: Holder]
        let sorted: [Holder]
        let loaded: Date
        let generation: Int
    }

    private struct State {
        var snapshot: Snapshot?
        var generation = 0
        var refreshing = false
        var scopes: [String: HolderScope] = [:]
        /// Counts `invalidate` calls: a read begun before one does not install its result.
        var epoch = 0
    }

    private let state = Mutex(State())
    private let store: any Store
    private let refresh: TimeInterval
    private let now: @Sendable () -> Date

    init(store: any Store, refresh: TimeInterval, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.refresh = refresh
        self.now = now
    }

    /// The current tree.
    func snapshot() async throws -> Snapshot {
        let t = now()
        let (current, mustLoad, epoch) = state.withLock { s -> (Snapshot?, Bool, Int) in
            guard let snap = s.snapshot else { return (nil, true, s.epoch) }
            if t.timeIntervalSince(snap.loaded) < refresh || s.refreshing { return (snap, false, s.epoch) }
            s.refreshing = true
            return (snap, true, s.epoch)
        }
        if let current, !mustLoad { return current }
        do {
            let holders = try await store.holders()
            return state.withLock { s in
                s.refreshing = false
                s.generation += 1
                let snap = Snapshot(
                    holders: Dictionary(holders.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a }), sorted: holders,
                    loaded: t, generation: s.generation)
                if s.epoch == epoch {
                    s.snapshot = snap
                    s.scopes = [:]
                }
                return snap
            }
        } catch {
            state.withLock { $0.refreshing = false }
            if let current { return current }
            throw error
        }
    }

    /// The scope whose root is `root` (everything when nil).
    func scope(root: String?) async throws -> HolderScope {
        guard let root else { return .everything }
        let snap = try await snapshot()
        if let cached = state.withLock({ s in s.snapshot?.generation == snap.generation ? s.scopes[root] : nil }) {
            return cached
        }
        let scope = HolderScope(root: root, holders: snap.sorted)
        state.withLock { s in if s.snapshot?.generation == snap.generation { s.scopes[root] = scope } }
        return scope
    }

    /// Forgets the tree: the next request reads it again.
    func invalidate() {
        state.withLock { s in
            s.snapshot = nil
            s.scopes = [:]
            s.epoch += 1
        }
    }
}
