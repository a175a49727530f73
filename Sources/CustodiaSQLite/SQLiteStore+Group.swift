import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import GRDB

extension SQLiteStore {
    /// Group commit: every request checked in turn against the state the accepted ones
    /// before it left, all accepted ones written in one transaction with one checkpoint.
    ///
    /// Runs on GRDB's writer queue, not on the caller's thread, so that the commit's disk
    /// flush never holds up a thread serving reads.
    public func appendGroup(_ requests: [AppendRequest]) async throws -> GroupAppendReport {
        let coordinator = self.coordinator
        let bulkItems = self.bulkItems
        try coordinator.requireKey(writing: requests.contains(where: { !$0.dryRun }))
        do {
            return try await queue.writeWithoutTransaction { db in
                var result: GroupAppendReport?
                var holders: [String: Holder] = [:]
                var version: Int64 = 0
                try db.inTransaction(.immediate) {
                    let (stored, v) = try self.holdersForAppend(db)
                    let r = try coordinator.appendGroup(
                        try SQLiteAppendTransaction(db, bulkItems: bulkItems), requests, holders: stored)
                    result = r.report
                    holders = r.holders
                    version = v
                    return r.commit ? .commit : .rollback
                }
                if let result, result.reports.contains(where: \.written) {
                    self.holderCache.withLock { $0 = CachedHolders(holders: holders, dataVersion: version) }
                }
                return result!
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw StoreError.locked(path)
        }
    }

    /// The holder tree for an append: the cached one unless another connection committed
    /// since it was taken.
    func holdersForAppend(_ db: Database) throws -> ([String: Holder], Int64) {
        let version = try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
        if let cached = holderCache.withLock({ $0 }), cached.dataVersion == version { return (cached.holders, version) }
        return (try SQLiteStateLoader.holders(db), version)
    }
}
