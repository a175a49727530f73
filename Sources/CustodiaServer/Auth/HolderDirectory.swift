import CustodiaCore
import CustodiaStore
import Foundation
import Synchronization

/// The holder tree and users' scopes, cached in memory.
///
/// Changes made through this server's API replace the tree at once (`invalidate`); changes
/// made by another process (the command-line tool) are picked up within `refresh`: once
/// the tree is that old, one request asks the store for its holder generation (an index
/// lookup) and re-reads the tree only if it changed, so the tree and the scopes and totals
/// derived from it stay cached while nobody changes holders. While one request checks or
/// re-reads an expired tree, the others keep using the previous one.
final class HolderDirectory: Sendable {
    struct Snapshot: Sendable {
        let holders: [String: Holder]
        let sorted: [Holder]
        let loaded: Date
        let generation: Int
        /// The store's holder generation the tree was read at.
        let storeGeneration: Int64
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
            let storeGeneration = try await store.holderGeneration()
            if let current, current.storeGeneration == storeGeneration {
                // Unchanged: the same tree, checked again at `t`.
                return state.withLock { s in
                    s.refreshing = false
                    guard s.epoch == epoch, let snap = s.snapshot, snap.generation == current.generation else { return current }
                    let checked = Snapshot(
                        holders: snap.holders, sorted: snap.sorted, loaded: t, generation: snap.generation,
                        storeGeneration: storeGeneration)
                    s.snapshot = checked
                    return checked
                }
            }
            let holders = try await store.holders()
            return state.withLock { s in
                s.refreshing = false
                s.generation += 1
                let snap = Snapshot(
                    holders: Dictionary(holders.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a }), sorted: holders,
                    loaded: t, generation: s.generation, storeGeneration: storeGeneration)
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
