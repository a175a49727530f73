import CustodiaCore
import Foundation
import GRDB

/// What the writer needs of an accepted event: where it goes, what it links to, its leaf.
struct PendingEvent {
    let seq: Int64
    let kind: EventKind
    let occurredAt: String
    let itemIDs: [Int64]
    let lotIDs: [Int64]
    let leaf: [UInt8]
    /// The holders the event names (from, to, the changed holder and its parent).
    let holders: (String?, String?, String?, String?)
    /// The event a correction corrects: it is listed with that event's holders.
    let corrects: Int64?

    init(_ applied: AppliedEvent, leaf: [UInt8]) {
        let event = applied.event
        seq = applied.seq
        kind = event.kind
        occurredAt = event.occurredAt
        itemIDs = applied.itemIDs
        lotIDs = applied.lotIDs
        self.leaf = leaf
        holders = (event.from, event.to, event.holder?.code, event.holder?.parent)
        corrects = event.kind == .correction ? event.corrects : nil
    }
}

/// Writes accepted events, their links and the state rows they changed. Statements are
/// prepared once and reused for the whole transaction; `finish()` ends the transaction's
/// writes.
///
/// The hot statements use `OR FAIL`: a failing statement then needs no statement journal
/// (a sub-transaction per row, a measurable share of bulk appends), and a failure can leave
/// nothing behind anyway, because any error rolls the whole append back.
final class SQLiteStateWriter {
    let db: Database
    private let insertItem: FastStatement
    private let updateItem: FastStatement
    private let insertEvent: FastStatement
    private let link: FastStatement
    private let linkHolder: FastStatement
    private let indexSerials: FastStatement
    /// The lowest item id registered through this writer, not yet in the serial search index.
    private var firstNewItem: Int64?

    init(db: Database) throws {
        self.db = db
        insertItem = try FastStatement(
            db,
            """
            INSERT OR FAIL INTO items(\(SQLiteStateLoader.itemColumns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        updateItem = try FastStatement(
            db,
            """
            UPDATE OR FAIL items SET status = ?, holder = ?, account = ?, condition = ?, due_back = ?, transit = ?,
            last_counted = ?, last_seq = ? WHERE id = ?
            """)
        insertEvent = try FastStatement(db, "INSERT OR FAIL INTO events(seq, kind, occurred_at, leaf) VALUES (?, ?, ?, ?)")
        link = try FastStatement(db, "INSERT OR FAIL INTO event_items(item_id, seq) VALUES (?, ?)")
        linkHolder = try FastStatement(db, "INSERT OR IGNORE INTO event_holders(holder, seq) VALUES (?, ?)")
        indexSerials = try FastStatement(
            db, "INSERT INTO item_serials(rowid, serial) SELECT id, serial FROM items WHERE id >= ?")
    }

    func write(events: [PendingEvent], changes: StateChanges) throws {
        if !changes.newHolders.isEmpty {
            let s = try db.cachedStatement(
                sql: "INSERT INTO holders(code, kind, name, parent, closed, added_seq) VALUES (?, ?, ?, ?, ?, ?)")
            // Parents first: a batch may add a subtree.
            for h in Self.parentsFirst(changes.newHolders) {
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
        for r in changes.newItems {
            let m = r.marking, st = r.state, s = insertItem
            s.bind(1, r.id)
            s.bind(2, m.category.rawValue)
            s.bind(3, m.manufacturer)
            s.bind(4, m.country)
            s.bind(5, m.model)
            s.bind(6, m.calibre)
            s.bind(7, m.serial)
            s.bind(8, m.year)
            s.bind(9, m.importCountry)
            s.bind(10, m.importYear)
            s.bind(11, m.marks)
            s.bind(12, m.assignedMark)
            s.bind(13, r.registeredSeq)
            s.bind(14, st.status.rawValue)
            s.bind(15, st.holder)
            s.bind(16, st.account)
            s.bind(17, st.condition.rawValue)
            s.bind(18, st.dueBack)
            s.bind(19, st.transit)
            s.bind(20, st.lastCounted)
            s.bind(21, st.lastSeq)
            try s.execute()
        }
        if let first = changes.newItems.lazy.map(\.id).min() {
            firstNewItem = min(firstNewItem ?? first, first)
        }
        for r in changes.changedItems {
            let st = r.state, s = updateItem
            s.bind(1, st.status.rawValue)
            s.bind(2, st.holder)
            s.bind(3, st.account)
            s.bind(4, st.condition.rawValue)
            s.bind(5, st.dueBack)
            s.bind(6, st.transit)
            s.bind(7, st.lastCounted)
            s.bind(8, st.lastSeq)
            s.bind(9, r.id)
            try s.execute()
        }
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
                sql: "INSERT INTO dispatches(document, seq, from_holder, to_holder, items_in_transit) VALUES (?, ?, ?, ?, ?)")
            let update = try db.cachedStatement(sql: "UPDATE dispatches SET items_in_transit = ? WHERE document = ?")
            let lots = try db.cachedStatement(
                sql: """
                    INSERT INTO dispatch_lots(document, lot_id, quantity) VALUES (?, ?, ?)
                    ON CONFLICT(document, lot_id) DO UPDATE SET quantity = excluded.quantity
                    """)
            for d in changes.newDispatches {
                try insert.execute(arguments: [d.document, d.seq, d.from, d.to, d.itemsInTransit])
            }
            for d in changes.changedDispatches { try update.execute(arguments: [d.itemsInTransit, d.document]) }
            for d in changes.newDispatches + changes.changedDispatches {
                for (lot, quantity) in d.lotsInTransit.sorted(by: { $0.key < $1.key }) {
                    try lots.execute(arguments: [d.document, lot, quantity])
                }
            }
        }
        var linkLot: Statement?
        for applied in events {
            insertEvent.bind(1, applied.seq)
            insertEvent.bind(2, applied.kind.rawValue)
            insertEvent.bind(3, applied.occurredAt)
            insertEvent.bind(4, blob: applied.leaf)
            try insertEvent.execute()
            for code in [applied.holders.0, applied.holders.1, applied.holders.2, applied.holders.3] {
                guard let code else { continue }
                linkHolder.bind(1, code)
                linkHolder.bind(2, applied.seq)
                try linkHolder.execute()
            }
            if let corrected = applied.corrects {
                try db.cachedStatement(sql: Self.linkCorrectionHolders).execute(arguments: [applied.seq, corrected])
            }
            if applied.kind != .register {
                for id in applied.itemIDs {
                    link.bind(1, id)
                    link.bind(2, applied.seq)
                    try link.execute()
                }
            }
            if !applied.lotIDs.isEmpty {
                let s = try linkLot ?? db.cachedStatement(sql: "INSERT OR IGNORE INTO event_lots(lot_id, seq) VALUES (?, ?)")
                linkLot = s
                for id in applied.lotIDs { try s.execute(arguments: [id, applied.seq]) }
            }
        }
    }

    /// Adds the items registered since the last call to the serial search index, in one
    /// statement. Call it once the transaction's events are written, before it commits.
    ///
    /// One statement for the whole transaction, not a trigger or a statement per chunk:
    /// FTS5 flushes its pending terms to a new segment at every statement savepoint once it
    /// has been written in a transaction, which made registering items several times slower.
    func finish() throws {
        guard let first = firstNewItem else { return }
        // Item ids only grow, so every id from the first new one on is new.
        indexSerials.bind(1, first)
        try indexSerials.execute()
        firstNewItem = nil
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

    /// Orders new holders so that a parent added in the same batch comes before its children.
    static func parentsFirst(_ holders: [Holder]) -> [Holder] {
        let byCode = Dictionary(holders.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var done: Set<String> = []
        var out: [Holder] = []
        func visit(_ h: Holder) {
            guard !done.contains(h.code) else { return }
            done.insert(h.code)
            if let p = h.parent, let parent = byCode[p] { visit(parent) }
            out.append(h)
        }
        holders.forEach(visit)
        return out
    }
}
