import CustodiaCore
import GRDB

/// Writes accepted events, their links and the state rows they changed. Statements are
/// prepared once and reused for the whole transaction.
struct SQLiteStateWriter {
    let db: Database

    func write(events: [(AppliedEvent, [UInt8])], changes: StateChanges) throws {
        if !changes.newHolders.isEmpty {
            let s = try db.cachedStatement(
                sql: "INSERT INTO holders(code, kind, name, parent, closed, added_seq) VALUES (?, ?, ?, ?, ?, ?)")
            // Parents first: a batch may add a subtree.
            for h in Self.parentsFirst(changes.newHolders) {
                let seq = events.first { $0.0.event.holder?.code == h.code && $0.0.event.kind == .holderAdd }?.0.seq ?? 0
                try s.execute(arguments: [h.code, h.kind.rawValue, h.name, h.parent, h.closed, seq])
            }
        }
        if !changes.changedHolders.isEmpty {
            let s = try db.cachedStatement(sql: "UPDATE holders SET name = ?, parent = ?, closed = ? WHERE code = ?")
            for h in changes.changedHolders { try s.execute(arguments: [h.name, h.parent, h.closed, h.code]) }
        }
        if !changes.newLots.isEmpty {
            let s = try db.cachedStatement(
                sql: "INSERT INTO lots(id, lot, manufacturer, calibre, type, year, registered_seq) VALUES (?, ?, ?, ?, ?, ?, ?)")
            for l in changes.newLots {
                let m = l.marking
                try s.execute(arguments: [l.id, m.lot, m.manufacturer, m.calibre, m.type, m.year, l.registeredSeq])
            }
        }
        if !changes.newItems.isEmpty {
            let s = try db.cachedStatement(
                sql: """
                    INSERT INTO items(\(SQLiteStateLoader.itemColumns))
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for r in changes.newItems {
                let m = r.marking, st = r.state
                s.setUncheckedArguments([
                    r.id, m.category.rawValue, m.manufacturer, m.country, m.model, m.calibre, m.serial, m.year,
                    m.importCountry, m.importYear, m.marks, m.assignedMark, r.registeredSeq, st.status.rawValue, st.holder,
                    st.account, st.condition.rawValue, st.dueBack, st.transit, st.lastCounted, st.lastSeq,
                ])
                try s.execute()
            }
        }
        if !changes.changedItems.isEmpty {
            let s = try db.cachedStatement(
                sql: """
                    UPDATE items SET status = ?, holder = ?, account = ?, condition = ?, due_back = ?, transit = ?,
                    last_counted = ?, last_seq = ? WHERE id = ?
                    """)
            for r in changes.changedItems {
                let st = r.state
                s.setUncheckedArguments([
                    st.status.rawValue, st.holder, st.account, st.condition.rawValue, st.dueBack, st.transit, st.lastCounted,
                    st.lastSeq, r.id,
                ])
                try s.execute()
            }
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
        let insertEvent = try db.cachedStatement(sql: "INSERT INTO events(seq, kind, occurred_at, leaf) VALUES (?, ?, ?, ?)")
        let link = try db.cachedStatement(sql: "INSERT INTO event_items(item_id, seq) VALUES (?, ?)")
        let linkLot = try db.cachedStatement(sql: "INSERT OR IGNORE INTO event_lots(lot_id, seq) VALUES (?, ?)")
        for (applied, leaf) in events {
            insertEvent.setUncheckedArguments([
                applied.seq, applied.event.kind.rawValue, applied.event.occurredAt, Self.blob(leaf),
            ])
            try insertEvent.execute()
            if applied.event.kind != .register {
                for id in applied.itemIDs {
                    link.setUncheckedArguments([id, applied.seq])
                    try link.execute()
                }
            }
            for id in applied.lotIDs { try linkLot.execute(arguments: [id, applied.seq]) }
        }
    }

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

import Foundation
