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
        if requests.contains(where: { !$0.dryRun }), key == nil, ledgerMode == .on {
            throw StoreError(
                .keyMissing,
                "appending needs the log key to sign the new checkpoint; pass --key or keep \(path).key beside the database")
        }
        do {
            return try await queue.writeWithoutTransaction { db in
                var result: GroupAppendReport?
                var holders: [String: Holder] = [:]
                var version: Int64 = 0
                try db.inTransaction(.immediate) {
                    let (r, h, v) = try self.groupInTransaction(db, requests)
                    result = r
                    holders = h
                    version = v
                    return r.checkpoint != nil || r.reports.contains(where: \.written) ? .commit : .rollback
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
    private func holdersForAppend(_ db: Database) throws -> ([String: Holder], Int64) {
        let version = try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
        if let cached = holderCache.withLock({ $0 }), cached.dataVersion == version { return (cached.holders, version) }
        return (try SQLiteStateLoader.holders(db), version)
    }

    private func groupInTransaction(_ db: Database, _ requests: [AppendRequest]) throws -> (
        GroupAppendReport, [String: Holder], Int64
    ) {
        let size = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM events")!
        let nextItem = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id) + 1, 1) FROM items")!
        let nextLot = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id) + 1, 1) FROM lots")!
        let (holders, version) = try holdersForAppend(db)
        var engine = CustodyEngine(
            loader: try SQLiteStateLoader(db: db), holders: holders, nextSeq: size, nextItemID: nextItem, nextLotID: nextLot)
        let tileReader = SQLiteTileReader(db: db)
        var tree = ledgerMode == .on ? try TreeAppender(size: size, reader: tileReader) : nil
        let tuning = self.tuning.withLock { $0 }
        let writer = try SQLiteStateWriter(db: db, bulkItems: tuning.bulkItems)
        var pending: [PendingEvent] = []
        var reports: [AppendReport] = []
        var finalHolders = holders
        var changedItems: [Int64: ItemRecord] = [:]
        let groupChunkSize = tuning.groupChunkSize

        func flush() throws {
            finalHolders = engine.holders
            let changes = engine.takeChanges()
            for item in changes.newItems { changedItems[item.id] = item }
            for item in changes.changedItems { changedItems[item.id] = item }
            try writer.write(events: pending, changes: changes)
            pending.removeAll(keepingCapacity: true)
            if var t = tree {
                try tileReader.write(t.takeDirtyTiles())
                tree = t
            }
        }

        for request in requests {
            // The engine is a value: a refused or dry-run request is undone by restoring it.
            let saved = engine
            engine.admission = request.admission
            let first = engine.nextSeq
            var errors: [LineError] = []
            var accepted: [PendingEvent] = []
            var hashes: [TreeHash] = []
            // A request that writes comes with its events stamped, normalized and encoded.
            let prepared = request.dryRun ? nil : request.prepared
            for index in request.events.indices {
                do {
                    let applied: AppliedEvent
                    let confirmations = request.confirmations(of: index)
                    if let prepared {
                        applied = try engine.apply(prepared[index].event, normalized: true, confirmations: confirmations)
                    } else {
                        var event = request.events[index]
                        Stamp.apply(&event, recordedBy: request.recordedBy, recordedAt: request.recordedAt)
                        applied = try engine.apply(event, confirmations: confirmations)
                    }
                    if errors.isEmpty, !request.dryRun {
                        let (leaf, hash) = prepared?[index].leaf.leaf(for: applied.event) ?? PreparedLeaf.encode(applied.event)
                        accepted.append(PendingEvent(applied, leaf: leaf))
                        hashes.append(hash)
                    }
                } catch let violation as CustodyViolation {
                    errors.append(LineError(line: index + 1, field: violation.field, message: violation.message, rule: violation.rule))
                    if errors.count >= 1000 { break }
                }
            }
            let count = request.events.count - errors.count
            if !errors.isEmpty || request.dryRun || accepted.isEmpty {
                engine = saved
                reports.append(
                    AppendReport(
                        accepted: count, errors: errors, size: size, firstSeq: first, checkpoint: nil, dryRun: request.dryRun))
                continue
            }
            for hash in hashes { tree?.append(leafHash: hash) }
            pending.append(contentsOf: accepted)
            reports.append(
                AppendReport(accepted: count, errors: [], size: 0, firstSeq: first, checkpoint: nil, dryRun: false))
            if pending.count >= groupChunkSize { try flush() }
        }
        let newSize = engine.nextSeq
        guard newSize > size else {
            return (GroupAppendReport(reports: reports, size: size, checkpoint: nil), holders, version)
        }
        try flush()
        try writer.finish()
        var note: String?
        if let t = tree, let key {
            let checkpoint = try Checkpoint(origin: origin, size: newSize, root: t.root(), extensions: [])
            let signed = try SignedNote.sign(text: checkpoint.text, key: key)
            let signedAt = requests.last(where: { !$0.dryRun })?.recordedAt ?? requests[0].recordedAt
            try db.execute(
                sql: "INSERT INTO checkpoints(size, note, signed_at) VALUES (?, ?, ?)", arguments: [newSize, signed, signedAt])
            note = signed
        }
        for i in reports.indices where reports[i].written {
            reports[i].size = newSize
            reports[i].checkpoint = note
        }
        let items = changedItems.values.sorted { $0.id < $1.id }
        return (GroupAppendReport(reports: reports, size: newSize, checkpoint: note, items: items), finalHolders, version)
    }
}
