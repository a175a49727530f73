import CustodiaCore
import CustodiaStore
import Foundation
import GRDB

/// Writes accepted events, their links and the state rows they changed. Statements are
/// prepared once and reused for the whole transaction; `finish()` ends the transaction's
/// writes.
///
/// The hot statements use `OR FAIL`: a failing statement then needs no statement journal
/// (a sub-transaction per row, a measurable share of bulk appends), and a failure can leave
/// nothing behind anyway, because any error rolls the whole append back.
final class SQLiteStateWriter {
    let db: Database
    private var newItemRows: RowInserter
    private var serialKeyRows: RowInserter
    private var traceKeyRows: RowInserter
    /// Updates of changed items, one per set of changed state fields.
    private var changedItemRows: [ItemStateColumns: ChangedItemUpdater] = [:]
    private var changedByColumns: [ItemStateColumns: [Int]] = [:]
    private var eventRows: RowInserter
    private var itemLinkRows: RowInserter
    private var holderLinkRows: RowInserter
    private let indexSerials: FastStatement
    private let indexTraces: FastStatement
    /// The lowest item id registered through this writer, not yet in the serial search index.
    private var firstNewItem: Int64?
    /// The first item id this writer registered, and how many items it has registered.
    private var firstItemID: Int64?
    private let bulkItems: Int64
    private var itemsWritten: Int64 = 0
    /// The definitions of the indexes dropped until `finish()` (see `deferIndexes`).
    private var deferredIndexes: [String] = []
    private var holderLinks: [(holder: String, seq: Int64)] = []
    private var itemLinks: [(item: Int64, seq: Int64)] = []

    init(db: Database, bulkItems: Int64 = SQLiteStateWriter.bulkItems) throws {
        self.db = db
        self.bulkItems = bulkItems
        newItemRows = RowInserter(db, "INSERT OR FAIL INTO items(\(SQLiteStateLoader.itemColumns))", columns: 21)
        serialKeyRows = RowInserter(db, "INSERT OR FAIL INTO item_serial_keys(serial_key, item_id)", columns: 2)
        traceKeyRows = RowInserter(db, "INSERT OR FAIL INTO item_trace_keys(item_id, key)", columns: 2)
        eventRows = RowInserter(db, "INSERT OR FAIL INTO events(seq, kind, occurred_at, leaf)", columns: 4)
        itemLinkRows = RowInserter(db, "INSERT OR FAIL INTO event_items(item_id, seq)", columns: 2)
        // An event may name the same holder twice (from and to): the second is ignored.
        holderLinkRows = RowInserter(db, "INSERT OR IGNORE INTO event_holders(holder, seq)", columns: 2)
        indexSerials = try FastStatement(
            db, "INSERT INTO item_serials(rowid, serial) SELECT id, serial FROM items WHERE id >= ?")
        indexTraces = try FastStatement(
            db, "INSERT INTO item_traces(rowid, key) SELECT item_id, key FROM item_trace_keys WHERE item_id >= ?")
    }

    func write(events: [PendingEvent], changes: StateChanges) throws {
        if !changes.newHolders.isEmpty {
            let s = try db.cachedStatement(
                sql: "INSERT INTO holders(code, kind, name, parent, closed, added_seq) VALUES (?, ?, ?, ?, ?, ?)")
            // Parents first: a batch may add a subtree.
            for h in parentsFirst(changes.newHolders) {
                let seq = changes.holderAddedSeq[h.code] ?? 0
                try s.execute(arguments: [h.code, h.kind.rawValue, h.name, h.parent, h.closed, seq])
            }
        }
        if !changes.changedHolders.isEmpty {
            let s = try db.cachedStatement(sql: "UPDATE holders SET name = ?, parent = ?, closed = ? WHERE code = ?")
            for h in changes.changedHolders { try s.execute(arguments: [h.name, h.parent, h.closed, h.code]) }
        }
        if !changes.newUsers.isEmpty {
            let s = try db.cachedStatement(
                sql: "INSERT INTO users(\(SQLiteStateLoader.userColumns)) VALUES (?, ?, ?, ?, ?)")
            for u in changes.newUsers { try s.execute(arguments: [u.code, u.role.rawValue, u.scope, u.active, u.addedSeq]) }
        }
        if !changes.changedUsers.isEmpty {
            let s = try db.cachedStatement(sql: "UPDATE users SET role = ?, scope = ?, active = ? WHERE code = ?")
            for u in changes.changedUsers { try s.execute(arguments: [u.role.rawValue, u.scope, u.active, u.code]) }
        }
        if !changes.newTokens.isEmpty {
            let s = try db.cachedStatement(sql: "INSERT INTO tokens(\(SQLiteStateLoader.tokenColumns)) VALUES (?, ?, ?, ?)")
            for t in changes.newTokens { try s.execute(arguments: [t.id, t.user, t.active, t.createdSeq]) }
        }
        if !changes.changedTokens.isEmpty {
            let s = try db.cachedStatement(sql: "UPDATE tokens SET active = ? WHERE id = ?")
            for t in changes.changedTokens { try s.execute(arguments: [t.active, t.id]) }
        }
        if !changes.newLots.isEmpty {
            let s = try db.cachedStatement(
                sql: "INSERT INTO lots(id, lot, manufacturer, calibre, type, year, registered_seq) VALUES (?, ?, ?, ?, ?, ?, ?)")
            for l in changes.newLots {
                let m = l.marking
                try s.execute(arguments: [l.id, m.lot, m.manufacturer, m.calibre, m.type, m.year, l.registeredSeq])
            }
        }
        let firstNew = changes.newItems.lazy.map(\.id).min()
        itemsWritten += Int64(changes.newItems.count)
        if firstItemID == nil { firstItemID = firstNew }
        // Item ids are given in order from 1 and items are never deleted, so the store held
        // one item fewer than the first id registered here.
        if deferredIndexes.isEmpty, itemsWritten >= bulkItems, let first = firstItemID, itemsWritten >= first - 1 {
            try deferIndexes()
        }
        try newItemRows.insert(count: changes.newItems.count) { s, row, b in
            Self.bindItem(s, changes.newItems[row], b)
        }
        try serialKeyRows.insert(count: changes.newItemSerialKeys.count) { s, row, b in
            s.bind(b + 1, changes.newItemSerialKeys[row])
            s.bind(b + 2, changes.newItems[row].id)
        }
        try traceKeyRows.insert(count: changes.newItems.count) { s, row, b in
            s.bind(b + 1, changes.newItems[row].id)
            s.bind(b + 2, MarkPattern.traceKey(changes.newItems[row].marking.serial))
        }
        if !changes.usedConfirmations.isEmpty {
            let s = try db.cachedStatement(sql: "INSERT INTO confirmations_used(id, user, seq) VALUES (?, ?, ?)")
            for c in changes.usedConfirmations { try s.execute(arguments: [c.id, c.user, c.seq]) }
        }
        if let first = firstNew { firstNewItem = min(firstNewItem ?? first, first) }
        try writeChangedItems(changes)
        if !changes.balances.isEmpty {
            let s = try db.cachedStatement(
                sql: """
                    INSERT INTO lot_balances(lot_id, holder, quantity) VALUES (?, ?, ?)
                    ON CONFLICT(lot_id, holder) DO UPDATE SET quantity = excluded.quantity
                    """)
            for (key, quantity) in changes.balances { try s.execute(arguments: [key.lot, key.holder, quantity]) }
        }
        if !changes.missingLots.isEmpty {
            let s = try db.cachedStatement(
                sql: """
                    INSERT INTO lot_missing(lot_id, quantity) VALUES (?, ?)
                    ON CONFLICT(lot_id) DO UPDATE SET quantity = excluded.quantity
                    """)
            for (lot, quantity) in changes.missingLots { try s.execute(arguments: [lot, quantity]) }
        }
        if !changes.newDispatches.isEmpty || !changes.changedDispatches.isEmpty {
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO dispatches(document, seq, from_holder, to_holder, items_in_transit, last_received_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
            let update = try db.cachedStatement(
                sql: "UPDATE dispatches SET items_in_transit = ?, last_received_at = ? WHERE document = ?")
            let lots = try db.cachedStatement(
                sql: """
                    INSERT INTO dispatch_lots(document, lot_id, quantity) VALUES (?, ?, ?)
                    ON CONFLICT(document, lot_id) DO UPDATE SET quantity = excluded.quantity
                    """)
            for d in changes.newDispatches {
                try insert.execute(arguments: [d.document, d.seq, d.from, d.to, d.itemsInTransit, d.lastReceivedAt])
            }
            for d in changes.changedDispatches { try update.execute(arguments: [d.itemsInTransit, d.lastReceivedAt, d.document]) }
            for d in changes.newDispatches + changes.changedDispatches {
                for (lot, quantity) in d.lotsInTransit.sorted(by: { $0.key < $1.key }) {
                    try lots.execute(arguments: [d.document, lot, quantity])
                }
            }
        }
        // Fields are read in place: a copy of each pending event would retain all of them.
        try events.withUnsafeBufferPointer { events in
            try eventRows.insert(count: events.count) { s, row, b in
                s.bind(b + 1, events[row].seq)
                s.bind(b + 2, events[row].kind.rawValue)
                s.bind(b + 3, events[row].occurredAt)
                s.bind(b + 4, blob: events[row].leaf)
            }
        }
        holderLinks.removeAll(keepingCapacity: true)
        itemLinks.removeAll(keepingCapacity: true)
        var linkLot: Statement?
        for i in events.indices {
            let seq = events[i].seq
            if let code = events[i].holders.0 { holderLinks.append((code, seq)) }
            if let code = events[i].holders.1 { holderLinks.append((code, seq)) }
            if let code = events[i].holders.2 { holderLinks.append((code, seq)) }
            if let code = events[i].holders.3 { holderLinks.append((code, seq)) }
            if let corrected = events[i].corrects {
                try db.cachedStatement(sql: Self.linkCorrectionHolders).execute(arguments: [seq, corrected])
            }
            if events[i].kind != .register {
                for id in events[i].itemIDs { itemLinks.append((id, seq)) }
            }
            if !events[i].lotIDs.isEmpty {
                let s = try linkLot ?? db.cachedStatement(sql: "INSERT OR IGNORE INTO event_lots(lot_id, seq) VALUES (?, ?)")
                linkLot = s
                for id in events[i].lotIDs { try s.execute(arguments: [id, seq]) }
            }
        }
        try holderLinkRows.insert(count: holderLinks.count) { s, row, b in
            s.bind(b + 1, holderLinks[row].holder)
            s.bind(b + 2, holderLinks[row].seq)
        }
        try itemLinkRows.insert(count: itemLinks.count) { s, row, b in
            s.bind(b + 1, itemLinks[row].item)
            s.bind(b + 2, itemLinks[row].seq)
        }
    }

    /// Updates the changed items, each in only the fields that changed: an update that sets
    /// an indexed column rewrites its index entry even when the value is the same, and most
    /// events leave an item's account (and many its holder) as they were.
    private func writeChangedItems(_ changes: StateChanges) throws {
        let items = changes.changedItems
        precondition(changes.changedItemColumns.count == items.count, "every changed item lists its changed fields")
        for key in changedByColumns.keys { changedByColumns[key]!.removeAll(keepingCapacity: true) }
        for (i, columns) in changes.changedItemColumns.enumerated() where !columns.isEmpty {
            changedByColumns[columns, default: []].append(i)
        }
        for (columns, rows) in changedByColumns where !rows.isEmpty {
            if changedItemRows[columns] == nil { changedItemRows[columns] = try ChangedItemUpdater(db, columns) }
            try changedItemRows[columns]!.update(items, rows)
        }
    }

    /// Binds every column of `itemColumns` for one item, at parameters `b + 1 …`.
    private static func bindItem(_ s: FastStatement, _ r: ItemRecord, _ b: Int32) {
        let m = r.marking, st = r.state
        s.bind(b + 1, r.id)
        s.bind(b + 2, m.category.rawValue)
        s.bind(b + 3, m.manufacturer)
        s.bind(b + 4, m.country)
        s.bind(b + 5, m.model)
        s.bind(b + 6, m.calibre)
        s.bind(b + 7, m.serial)
        s.bind(b + 8, m.year)
        s.bind(b + 9, m.importCountry)
        s.bind(b + 10, m.importYear)
        s.bind(b + 11, m.marks)
        s.bind(b + 12, m.assignedMark)
        s.bind(b + 13, r.registeredSeq)
        s.bind(b + 14, st.status.rawValue)
        s.bind(b + 15, st.holder)
        s.bind(b + 16, st.account)
        s.bind(b + 17, st.condition.rawValue)
        s.bind(b + 18, st.dueBack)
        s.bind(b + 19, st.transit)
        s.bind(b + 20, st.lastCounted)
        s.bind(b + 21, st.lastSeq)
    }

    /// Adds the items registered since the last call to the serial search index, in one
    /// statement. Call it once the transaction's events are written, before it commits.
    ///
    /// One statement for the whole transaction, not a trigger or a statement per chunk:
    /// FTS5 flushes its pending terms to a new segment at every statement savepoint once it
    /// has been written in a transaction, which made registering items several times slower.
    func finish() throws {
        for sql in deferredIndexes { try db.execute(sql: sql) }
        deferredIndexes = []
        guard let first = firstNewItem else { return }
        // Item ids only grow, so every id from the first new one on is new.
        indexSerials.bind(1, first)
        try indexSerials.execute()
        indexTraces.bind(1, first)
        try indexTraces.execute()
        firstNewItem = nil
    }

    /// A transaction that registers at least this many items, and at least as many as the
    /// store held before, builds the items' holder, account and model indexes once at the end.
    static let bulkItems: Int64 = 100_000

    /// Drops the items' holder, account and model indexes until `finish()` builds them again,
    /// in the same transaction (a failure rolls the drop back with everything else).
    ///
    /// Their keys have few distinct values, so every new item lands in the middle of each
    /// index, at the end of its holder's or model's run, and splits pages there: in a bulk
    /// import those three indexes cost more than the items table itself. Building them once
    /// from the finished table sorts instead. The custody rules read items by serial and id
    /// only, through indexes that stay.
    private func deferIndexes() throws {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT name, sql FROM sqlite_master
                WHERE type = 'index' AND (tbl_name = 'items' AND name IN ('items_holder', 'items_account', 'items_model')
                    OR tbl_name = 'item_trace_keys' AND name IN ('item_trace_keys_key', 'item_trace_keys_unusual'))
                ORDER BY name
                """)
        for row in rows {
            let name: String = row[0]
            deferredIndexes.append(row[1])
            try db.execute(sql: "DROP INDEX \(name)")
        }
    }

    /// Lists correction `?1` under the holders of the event it corrects (`?2`), following a
    /// chain of corrections to the event that names holders. Reads the leaves, not
    /// `event_holders`, whose key does not start with the seq.
    static let linkCorrectionHolders = """
        WITH RECURSIVE chain(seq) AS (
            SELECT ?2
            UNION SELECT json_extract(CAST(e.leaf AS TEXT), '$.corrects') FROM events e JOIN chain c ON e.seq = c.seq
            WHERE e.kind = 'correction'),
        named(code) AS (
            SELECT json_extract(CAST(e.leaf AS TEXT), '$.from') FROM events e JOIN chain c ON e.seq = c.seq
            UNION ALL SELECT json_extract(CAST(e.leaf AS TEXT), '$.to') FROM events e JOIN chain c ON e.seq = c.seq
            UNION ALL SELECT json_extract(CAST(e.leaf AS TEXT), '$.holder.code') FROM events e JOIN chain c ON e.seq = c.seq
            UNION ALL SELECT json_extract(CAST(e.leaf AS TEXT), '$.holder.parent') FROM events e JOIN chain c ON e.seq = c.seq)
        INSERT OR IGNORE INTO event_holders(holder, seq) SELECT code, ?1 FROM named WHERE code IS NOT NULL
        """

    static func blob(_ bytes: [UInt8]) -> Data {
        bytes.withUnsafeBufferPointer { Data(buffer: $0) }
    }

}

/// Inserts rows into one table several at a time: one `INSERT … VALUES (…), (…), …` of up to
/// `rowsPerStatement` rows per step. SQLite's cost for a single-row insert is mostly the
/// statement's own (opening a cursor on the table and each index, and closing them again),
/// so rows written together cost a fraction of rows written one by one.
struct RowInserter {
    static let rowsPerStatement = 32
    private let db: Database
    private let head: String
    private let columns: Int
    private let tail: String
    /// Prepared statements by row count: the full one, and the smaller ones a chunk ends with.
    private var statements: [Int: FastStatement] = [:]

    /// - Parameters:
    ///   - head: the statement up to `VALUES`, e.g. `INSERT OR FAIL INTO t(a, b)`.
    init(_ db: Database, _ head: String, columns: Int, tail: String = "") {
        self.db = db
        self.tail = tail
        self.head = head
        self.columns = columns
    }

    /// Inserts `count` rows; `bind(statement, row, base)` binds row `row` of the input at
    /// parameters `base + 1 … base + columns`.
    mutating func insert(count: Int, bind: (FastStatement, Int, Int32) -> Void) throws {
        var start = 0
        while start < count {
            let n = min(Self.rowsPerStatement, count - start)
            let s = try statement(rows: n)
            for r in 0..<n { bind(s, start + r, Int32(r * columns)) }
            try s.execute()
            start += n
        }
    }

    private mutating func statement(rows: Int) throws -> FastStatement {
        if let s = statements[rows] { return s }
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        let s = try FastStatement(db, head + " VALUES " + Array(repeating: row, count: rows).joined(separator: ", ") + tail)
        statements[rows] = s
        return s
    }
}

/// Updates existing items in a fixed set of state fields, one prepared
/// `UPDATE items SET … WHERE id = ?` per row. Only the id and the changed fields are bound;
/// an upsert would bind and check every column of a row it never inserts. One row per step,
/// unlike the inserts: SQLite runs `UPDATE … FROM (VALUES …)` as a join through a temporary
/// table, which costs about twice as much per row as the single-row statement.
struct ChangedItemUpdater {
    private let statement: FastStatement
    private let columns: [ItemStateColumns]
    private let db: Database

    /// The item state fields in the order they are bound, with their column names.
    private static let names: [(ItemStateColumns, String)] = [
        (.status, "status"), (.holder, "holder"), (.account, "account"), (.condition, "condition"),
        (.dueBack, "due_back"), (.transit, "transit"), (.lastCounted, "last_counted"), (.lastSeq, "last_seq"),
    ]

    init(_ db: Database, _ set: ItemStateColumns) throws {
        let listed = Self.names.filter { set.contains($0.0) }
        let assignments = listed.enumerated().map { "\($0.element.1) = ?\($0.offset + 2)" }
        self.db = db
        columns = listed.map(\.0)
        statement = try FastStatement(db, "UPDATE items SET \(assignments.joined(separator: ", ")) WHERE id = ?1")
    }

    /// Updates `items[i]` for each `i` in `listed`. Every item must exist and be listed once:
    /// anything else is an error in the writer, and fails the append.
    func update(_ items: [ItemRecord], _ listed: [Int]) throws {
        let before = db.totalChangesCount
        let columns = self.columns
        try items.withUnsafeBufferPointer { items in
            for i in listed {
                statement.bind(1, items[i].id)
                for (n, column) in columns.enumerated() {
                    Self.bind(statement, 2 + Int32(n), column, items[i].state)
                }
                try statement.execute()
            }
        }
        let changed = db.totalChangesCount - before
        guard changed == listed.count else {
            throw DatabaseError(
                resultCode: .SQLITE_MISMATCH,
                message: "the writer updated \(changed) of \(listed.count) changed items, so nothing was recorded; "
                    + "this is a defect in Custodia: report it with the input that caused it")
        }
    }

    @inline(__always) private static func bind(
        _ s: FastStatement, _ index: Int32, _ column: ItemStateColumns, _ st: borrowing ItemState
    ) {
        switch column {
        case .status: s.bind(index, st.status.rawValue)
        case .holder: s.bind(index, st.holder)
        case .account: s.bind(index, st.account)
        case .condition: s.bind(index, st.condition.rawValue)
        case .dueBack: s.bind(index, st.dueBack)
        case .transit: s.bind(index, st.transit)
        case .lastCounted: s.bind(index, st.lastCounted)
        case .lastSeq: s.bind(index, st.lastSeq)
        default: preconditionFailure("one state field at a time")
        }
    }
}
