import CustodiaCore
import CustodiaLedger

/// What an accepted event leaves for a backend to write: where it goes, what it links to,
/// its leaf.
package struct PendingEvent {
    package let seq: Int64
    package let kind: EventKind
    package let occurredAt: String
    package let itemIDs: [Int64]
    package let lotIDs: [Int64]
    package let leaf: [UInt8]
    /// The holders the event names (from, to, the changed holder and its parent).
    package let holders: (String?, String?, String?, String?)
    /// The event a correction corrects: it is listed with that event's holders.
    package let corrects: Int64?

    package init(_ applied: borrowing AppliedEvent, leaf: [UInt8]) {
        seq = applied.seq
        kind = applied.event.kind
        occurredAt = applied.event.occurredAt
        itemIDs = applied.itemIDs
        lotIDs = applied.lotIDs
        self.leaf = leaf
        holders = (applied.event.from, applied.event.to, applied.event.holder?.code, applied.event.holder?.parent)
        corrects = kind == .correction ? applied.event.corrects : nil
    }
}

/// Where an append starts: the ledger's size and the next free item and lot ids.
package struct AppendHeads: Sendable {
    package var size: Int64
    package var nextItemID: Int64
    package var nextLotID: Int64

    package init(size: Int64, nextItemID: Int64, nextLotID: Int64) {
        self.size = size
        self.nextItemID = nextItemID
        self.nextLotID = nextLotID
    }
}

/// One backend's write transaction, as the append coordinator uses it. The backend opens
/// the transaction, holding the log's single write lock (so that there is one tree order),
/// hands it to the coordinator, and commits when the coordinator returns a report that
/// wrote, or rolls back otherwise. Everything the coordinator decides (the rules, the leaves,
/// the tree, the checkpoint) is the same on every backend; only these rows differ.
package protocol AppendTransaction: TileReader {
    /// The ledger's size and next ids, read inside the transaction.
    func heads() throws -> AppendHeads
    /// Reads of custody state for the rules, inside the transaction.
    func stateLoader() throws -> any StateLoader
    /// The holder tree as stored.
    func holders() throws -> [String: Holder]
    /// Writes accepted events, their links and the state rows they changed.
    func write(events: [PendingEvent], changes: StateChanges) throws
    /// Stores tiles the tree completed or extended (replacing a partial tile of the same
    /// place).
    func writeTiles(_ tiles: [(level: Int, index: Int64, hashes: [TreeHash])]) throws
    /// Ends the writes of this append (indexes deferred during bulk writes, and the like).
    func finish() throws
    /// Stores the signed checkpoint of the new size.
    func insertCheckpoint(size: Int64, note: String, signedAt: String) throws
    /// Reads ahead, in a few statements, the state the rules will ask about for `events`
    /// (the next events to apply), so that each question does not cost a round trip; the
    /// next `prefetch` replaces what it read. A backend whose reads are local (SQLite) does
    /// nothing. The coordinator may read ahead before writing the previous chunk (see
    /// `append`): the rules never ask the store again about what they changed.
    func prefetch(_ events: [Event]) throws
}

extension AppendTransaction {
    package func prefetch(_ events: [Event]) throws {}
}

/// The sizes of the coordinator's steps. Tests make them small to reach the bulk paths with
/// a few rows.
package struct AppendTuning: Sendable {
    /// Events written per step inside one append transaction (bounds memory, not atomicity).
    package var chunkSize = 4096
    /// Events a group commit writes per step. Smaller than `chunkSize`: the engine is copied
    /// before each request of a group, so that a refused request can be undone, and a copy
    /// costs in proportion to what the engine holds since the last step. Batches of 100
    /// events ran 6–19% faster with 256 than with 4,096.
    package var groupChunkSize = 256
    /// Records (mostly items) the rules keep in memory from one step of an append to the
    /// next, so that an item touched again is not read back from the store; past this many,
    /// they are dropped and read again on demand. An item takes about 1 KB: 300,000 of them
    /// about 290 MB.
    package var cachedRecords = 300_000

    package init(chunkSize: Int = 4096, groupChunkSize: Int = 256, cachedRecords: Int = 300_000) {
        self.chunkSize = chunkSize
        self.groupChunkSize = groupChunkSize
        self.cachedRecords = cachedRecords
    }
}

/// The one append path of every backend: runs the custody rules over the events, extends
/// the Merkle tree, writes tiles and signs the checkpoint, inside a transaction the backend
/// holds. Pure of I/O but for the transaction it is given.
package struct AppendCoordinator: Sendable {
    package let origin: String
    package let key: LogKey?
    /// Whether appends maintain the Merkle tree (off only for the benchmark of its cost).
    package let ledger: Bool
    package let tuning: AppendTuning
    /// What to do when the key is missing, for this backend ("keep FILE.key beside the
    /// database", "set CUSTODIA_KEY").
    package let keyAdvice: String

    package init(origin: String, key: LogKey?, ledger: Bool, tuning: AppendTuning, keyAdvice: String) {
        self.origin = origin
        self.key = key
        self.ledger = ledger
        self.tuning = tuning
        self.keyAdvice = keyAdvice
    }

    /// Refuses a write without the key that signs its checkpoint, before any transaction.
    package func requireKey(writing: Bool) throws {
        if writing, key == nil, ledger {
            throw StoreError(
                .keyMissing,
                "appending needs the log key to sign the new checkpoint; pass --key or \(keyAdvice)")
        }
    }

    private func sign(size: Int64, tree: TreeAppender?, signedAt: String, in tx: some AppendTransaction) throws -> String? {
        guard let tree, let key else { return nil }
        let checkpoint = try Checkpoint(origin: origin, size: size, root: tree.root(), extensions: [])
        let signed = try SignedNote.sign(text: checkpoint.text, key: key)
        try tx.insertCheckpoint(size: size, note: signed, signedAt: signedAt)
        return signed
    }

    // MARK: One source

    /// Appends every event of `source` or none: the report says whether anything was
    /// written, and the backend commits only then.
    package func append(_ tx: some AppendTransaction, _ source: inout some EventSource, options: AppendOptions) throws
        -> AppendReport
    {
        let heads = try tx.heads()
        let size = heads.size
        var engine = CustodyEngine(
            loader: try tx.stateLoader(), holders: try tx.holders(), nextSeq: size, nextItemID: heads.nextItemID,
            nextLotID: heads.nextLotID)
        engine.admission = options.admission
        var tree = ledger ? try TreeAppender(size: size, reader: tx) : nil
        var pending: [PendingEvent] = []
        pending.reserveCapacity(tuning.chunkSize)
        var errors: [LineError] = []
        var accepted = 0
        let errorLimit = 1000
        // Prepared leaves are used when they were stamped for this append.
        var preparing = source as? any PreparingEventSource
        let stamp = preparing?.preparedFor
        if stamp?.recordedBy != options.recordedBy || stamp?.recordedAt != options.recordedAt { preparing = nil }

        func flush() throws {
            let changes = engine.takeChanges(dropCache: engine.cachedRecords > tuning.cachedRecords)
            try tx.write(events: pending, changes: changes)
            pending.removeAll(keepingCapacity: true)
            if var t = tree {
                try tx.writeTiles(t.takeDirtyTiles())
                tree = t
            }
        }

        // Events are taken a chunk at a time, so that the backend can read ahead what the
        // rules will ask about them.
        var buffer: [(entry: SourcedEvent, prepared: PreparedLeaf?)] = []
        buffer.reserveCapacity(tuning.chunkSize)
        var exhausted = false
        reading: while !exhausted {
            buffer.removeAll(keepingCapacity: true)
            while buffer.count < tuning.chunkSize {
                guard let entry = source.next() else {
                    exhausted = true
                    break
                }
                buffer.append((entry, preparing?.lastPrepared))
            }
            if buffer.isEmpty { break }
            let next = buffer.compactMap {
                if case .event(_, let event) = $0.entry { return event }
                return nil
            }
            // The previous chunk is written only now, after the read-ahead for this one: a
            // backend that sends its writes without waiting for them (PostgreSQL) then
            // writes one chunk while the rules run on the next. The read-ahead may precede
            // the previous chunk's writes because the rules keep in memory everything they
            // changed, and never ask the store about it again, unless that memory is
            // dropped at this flush: then the read-ahead follows the writes.
            let full = errors.isEmpty && pending.count >= tuning.chunkSize
            if full, engine.cachedRecords <= tuning.cachedRecords {
                try tx.prefetch(next)
                try flush()
            } else {
                if full { try flush() }
                try tx.prefetch(next)
            }
            for (entry, prepared) in buffer {
                switch entry {
                case .invalid(let line, let error):
                    errors.append(LineError(line: line, field: error.field, message: error.message, rule: "input"))
                case .event(let line, var event):
                    // A prepared event comes stamped and normalized (see `PreparedLeaf`).
                    if prepared == nil {
                        Stamp.apply(&event, recordedBy: options.recordedBy, recordedAt: options.recordedAt)
                    }
                    do {
                        let applied = try engine.apply(
                            event, normalized: prepared != nil, confirmations: options.confirmations[line] ?? [])
                        accepted += 1
                        if errors.isEmpty {
                            let (leaf, hash) = prepared?.leaf(for: applied.event) ?? PreparedLeaf.encode(applied.event)
                            tree?.append(leafHash: hash)
                            pending.append(PendingEvent(applied, leaf: leaf))
                        }
                    } catch let violation as CustodyViolation {
                        errors.append(
                            LineError(line: line, violation))
                    }
                }
                if errors.count >= errorLimit { break reading }
            }
        }
        guard errors.isEmpty else {
            return AppendReport(
                accepted: accepted, errors: errors, size: size, firstSeq: size, checkpoint: nil, dryRun: options.dryRun)
        }
        try flush()
        try tx.finish()
        let newSize = size + Int64(accepted)
        var note: String?
        if accepted > 0, !options.dryRun {
            note = try sign(size: newSize, tree: tree, signedAt: options.recordedAt, in: tx)
        }
        return AppendReport(
            accepted: accepted, errors: [], size: options.dryRun ? size : newSize, firstSeq: size, checkpoint: note,
            dryRun: options.dryRun)
    }

    // MARK: Group commit

    /// What a group commit leaves: the report, and the holder tree after it (for the
    /// backend's cache).
    package struct GroupResult {
        package var report: GroupAppendReport
        package var holders: [String: Holder]
        /// Whether the backend should commit.
        package var commit: Bool { report.checkpoint != nil || report.reports.contains(where: \.written) }
    }

    /// Group commit: every request checked in turn against the state the accepted ones
    /// before it left; all accepted ones written with one checkpoint. `holders` is the
    /// holder tree as stored (the backend may keep it cached between groups).
    package func appendGroup(_ tx: some AppendTransaction, _ requests: [AppendRequest], holders: [String: Holder]) throws
        -> GroupResult
    {
        let heads = try tx.heads()
        let size = heads.size
        var engine = CustodyEngine(
            loader: try tx.stateLoader(), holders: holders, nextSeq: size, nextItemID: heads.nextItemID,
            nextLotID: heads.nextLotID)
        var tree = ledger ? try TreeAppender(size: size, reader: tx) : nil
        var pending: [PendingEvent] = []
        var reports: [AppendReport] = []
        var finalHolders = holders
        var changedItems: [Int64: ItemRecord] = [:]

        func flush() throws {
            finalHolders = engine.holders
            let changes = engine.takeChanges()
            for item in changes.newItems { changedItems[item.id] = item }
            for item in changes.changedItems { changedItems[item.id] = item }
            try tx.write(events: pending, changes: changes)
            pending.removeAll(keepingCapacity: true)
            if var t = tree {
                try tx.writeTiles(t.takeDirtyTiles())
                tree = t
            }
        }

        func events(of request: AppendRequest) -> [Event] {
            request.dryRun || request.prepared.isEmpty ? request.events : request.prepared.map(\.event)
        }
        try tx.prefetch(requests.flatMap(events))
        for (position, request) in requests.enumerated() {
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
                    errors.append(LineError(line: index + 1, violation))
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
            reports.append(AppendReport(accepted: count, errors: [], size: 0, firstSeq: first, checkpoint: nil, dryRun: false))
            if pending.count >= tuning.groupChunkSize {
                try flush()
                try tx.prefetch(requests[(position + 1)...].flatMap(events))
            }
        }
        let newSize = engine.nextSeq
        guard newSize > size else {
            return GroupResult(report: GroupAppendReport(reports: reports, size: size, checkpoint: nil), holders: holders)
        }
        try flush()
        try tx.finish()
        let signedAt = requests.last(where: { !$0.dryRun })?.recordedAt ?? requests[0].recordedAt
        let note = try sign(size: newSize, tree: tree, signedAt: signedAt, in: tx)
        for i in reports.indices where reports[i].written {
            reports[i].size = newSize
            reports[i].checkpoint = note
        }
        let items = changedItems.values.sorted { $0.id < $1.id }
        return GroupResult(
            report: GroupAppendReport(reports: reports, size: newSize, checkpoint: note, items: items), holders: finalHolders)
    }
}

/// Reading a stored checkpoint note.
package enum StoredCheckpoint {
    /// The root a stored checkpoint note of `size` signs (nil when the note is not of that
    /// size).
    package static func root(of note: String, size: Int64) -> TreeHash? {
        let lines = note.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false)
        guard lines.count >= 3, Int64(lines[1]) == size else { return nil }
        return TreeHash(base64: lines[2])
    }
}
