import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import GRDB

/// The server's reads: searches with cursors, point reads, scoped counts and tiles.
///
/// Scopes reach SQL as one JSON array parameter (`json_each`). A small scope (a unit, a
/// person) is searched through the holder indexes; a large one (a region) by walking the
/// listing's own order and testing membership, which finds a page after a few times its
/// length of rows.
extension SQLiteStore {
    /// Scopes with at most this many holders are searched through the holder indexes.
    static let smallScope = 64

    static func jsonArray(_ codes: Set<String>) -> String {
        var out = "["
        for (n, code) in codes.sorted().enumerated() {
            if n > 0 { out += "," }
            out += "\""
            for scalar in code.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                default:
                    if scalar.value < 0x20 {
                        out += String(format: "\\u%04x", scalar.value)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            out += "\""
        }
        return out + "]"
    }

    static func clampLimit(_ limit: Int) -> Int { min(max(limit, 1), 1000) }

    static func escapeLike(_ text: String) -> String {
        var out = ""
        for c in text {
            if c == "%" || c == "_" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    // MARK: Items

    public func searchItems(_ query: ItemQuery) async throws -> Page<ItemRecord> {
        let limit = Self.clampLimit(query.limit)
        let after = try query.cursor.map { try Cursor.decode($0, kind: "item") } ?? 0
        var sql = "SELECT \(SQLiteStateLoader.itemColumns) FROM items WHERE id > ?"
        var arguments: StatementArguments = [after]
        if let serial = query.serial {
            sql += " AND serial = ?"
            arguments += [serial]
        }
        if let part = query.serialContains {
            sql += " AND serial LIKE ? ESCAPE '\\'"
            arguments += ["%" + Self.escapeLike(part) + "%"]
        }
        if let manufacturer = query.manufacturer {
            sql += " AND manufacturer = ?"
            arguments += [manufacturer]
        }
        if let model = query.model {
            sql += " AND model = ?"
            arguments += [model]
        }
        if let category = query.category {
            sql += " AND category = ?"
            arguments += [category.rawValue]
        }
        if let status = query.status {
            sql += " AND status = ?"
            arguments += [status.rawValue]
        }
        if let holder = query.holder {
            sql += " AND holder = ?"
            arguments += [holder]
        }
        if !query.scope.isEverything {
            let codes = Self.jsonArray(query.scope.codes)
            if query.scope.codes.count <= Self.smallScope {
                sql += """
                     AND id IN (SELECT id FROM items WHERE holder IN (SELECT value FROM json_each(?))
                        UNION SELECT id FROM items WHERE account IN (SELECT value FROM json_each(?)))
                    """
            } else {
                // The unary + keeps SQLite walking ids in order instead of collecting the
                // whole scope through the holder index first.
                sql +=
                    " AND (+holder IN (SELECT value FROM json_each(?)) OR +account IN (SELECT value FROM json_each(?)))"
            }
            arguments += [codes, codes]
        }
        sql += " ORDER BY id LIMIT ?"
        arguments += [limit + 1]
        return try readOne { db in
            let records = try FastStatement.fetchAll(db, sql, arguments, SQLiteStateLoader.item)
            return Self.page(records, limit: limit) { Cursor.encode(kind: "item", key: $0.id) }
        }
    }

    /// A trace key holding a character beyond ASCII (the condition of its partial index).
    static let unusualKey = "key GLOB '*[^ -~]*'"

    public func markCandidates(_ candidates: MarkCandidates, filters: MarkFilters, scope: HolderScope, limit: Int) async throws
        -> [ItemRecord]
    {
        var sql: String
        var arguments: StatementArguments
        switch candidates {
        case .like(let like):
            // The keys' three-letter index gives the rows whose key is like the pattern (it
            // reads the pattern's runs of three characters or more).
            sql = "SELECT \(SQLiteStateLoader.prefixed("i.")) FROM item_traces t JOIN items i ON i.id = t.rowid WHERE t.key LIKE ?"
            arguments = [like]
        case .keys(let keys, let unusual):
            sql = """
                SELECT \(SQLiteStateLoader.prefixed("i.")) FROM items i WHERE i.id IN (
                    SELECT item_id FROM item_trace_keys WHERE key IN (SELECT value FROM json_each(?))
                    UNION ALL SELECT item_id FROM item_trace_keys INDEXED BY item_trace_keys_unusual
                        WHERE \(Self.unusualKey) AND key LIKE ?)
                """
            arguments = [Self.jsonArray(Set(keys)), unusual]
        }
        let equal: [(String, (any DatabaseValueConvertible)?)] = [
            ("manufacturer", filters.manufacturer), ("country", filters.country), ("model", filters.model),
            ("calibre", filters.calibre), ("year", filters.year), ("category", filters.category?.rawValue),
        ]
        for (column, value) in equal {
            guard let value else { continue }
            sql += " AND i.\(column) = ?"
            arguments += [value]
        }
        let (scopeSQL, scopeArguments) = Self.itemScopeClause(scope, table: "i")
        sql += scopeSQL + " LIMIT ?"
        arguments += scopeArguments
        arguments += [max(0, limit)]
        return try read { db in try FastStatement.fetchAll(db, sql, arguments, SQLiteStateLoader.item) }
    }

    static func page<T>(_ rows: [T], limit: Int, cursor: (T) -> String) -> Page<T> {
        guard rows.count > limit else { return Page(elements: rows, nextCursor: nil) }
        let elements = Array(rows.prefix(limit))
        return Page(elements: elements, nextCursor: cursor(elements[limit - 1]))
    }

    public func item(id: Int64) async throws -> ItemRecord? {
        try readOne { db in
            try FastStatement.fetchOne(
                db, "SELECT \(SQLiteStateLoader.itemColumns) FROM items WHERE id = ?", [id], SQLiteStateLoader.item)
        }
    }

    public func holder(code: String) async throws -> Holder? {
        try readOne { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT code, kind, name, parent, closed FROM holders WHERE code = ?"),
                arguments: [code]
            ).map { row in
                Holder(
                    code: row[0], kind: HolderKind(rawValue: row[1]) ?? .external, name: row[2], parent: row[3], closed: row[4])
            }
        }
    }

    // MARK: Lots

    public func searchLots(_ query: LotQuery) async throws -> Page<LotView> {
        let limit = Self.clampLimit(query.limit)
        let after = try query.cursor.map { try Cursor.decode($0, kind: "lot") } ?? 0
        var sql = "SELECT id, lot, manufacturer, calibre, type, year, registered_seq FROM lots WHERE id > ?"
        var arguments: StatementArguments = [after]
        if let lot = query.lot {
            sql += " AND lot = ?"
            arguments += [lot]
        }
        if let holder = query.holder {
            sql += " AND id IN (SELECT lot_id FROM lot_balances WHERE holder = ? AND quantity > 0)"
            arguments += [holder]
        }
        if !query.scope.isEverything {
            sql +=
                " AND id IN (SELECT lot_id FROM lot_balances WHERE quantity > 0 AND holder IN (SELECT value FROM json_each(?)))"
            arguments += [Self.jsonArray(query.scope.codes)]
        }
        sql += " ORDER BY id LIMIT ?"
        arguments += [limit + 1]
        return try read { db in
            let records = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(Self.lotRecord)
            let page = Self.page(records, limit: limit) { Cursor.encode(kind: "lot", key: $0.id) }
            return Page(
                elements: try page.elements.map { try Self.lotView(db, $0, scope: query.scope) }, nextCursor: page.nextCursor)
        }
    }

    public func lot(id: Int64) async throws -> LotView? {
        try read { db in
            guard
                let record = try Row.fetchOne(
                    db, sql: "SELECT id, lot, manufacturer, calibre, type, year, registered_seq FROM lots WHERE id = ?",
                    arguments: [id]
                ).map(Self.lotRecord)
            else { return nil }
            return try Self.lotView(db, record, scope: .everything)
        }
    }

    static func lotRecord(_ row: Row) -> LotRecord {
        LotRecord(
            id: row[0], marking: LotMarking(lot: row[1], manufacturer: row[2], calibre: row[3], type: row[4], year: row[5]),
            registeredSeq: row[6])
    }

    static func lotView(_ db: Database, _ record: LotRecord, scope: HolderScope) throws -> LotView {
        let balances = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT holder, quantity FROM lot_balances WHERE lot_id = ? AND quantity > 0 ORDER BY holder"),
            arguments: [record.id]
        ).compactMap { row -> LotView.Balance? in
            let holder: String = row[0]
            return scope.contains(holder) ? LotView.Balance(holder: holder, quantity: row[1]) : nil
        }
        guard scope.isEverything else { return LotView(record: record, balances: balances, inTransit: 0, missing: 0) }
        let transit =
            try Int64.fetchOne(
                db, sql: "SELECT coalesce(sum(quantity), 0) FROM dispatch_lots WHERE lot_id = ?", arguments: [record.id]) ?? 0
        let missing =
            try Int64.fetchOne(db, sql: "SELECT quantity FROM lot_missing WHERE lot_id = ?", arguments: [record.id]) ?? 0
        return LotView(record: record, balances: balances, inTransit: transit, missing: missing)
    }

    // MARK: Events

    public func searchEvents(_ query: EventQuery) async throws -> Page<RecordedEvent> {
        let limit = Self.clampLimit(query.limit)
        let ascending = query.order == .ascending
        var sql = "SELECT e.seq, e.leaf FROM events e WHERE 1"
        var arguments: StatementArguments = []
        if let cursor = query.cursor {
            let last = try Cursor.decode(cursor, kind: "event")
            sql += ascending ? " AND e.seq > ?" : " AND e.seq < ?"
            arguments += [last]
        }
        if let from = query.fromSeq {
            sql += " AND e.seq >= ?"
            arguments += [from]
        }
        if let to = query.toSeq {
            sql += " AND e.seq < ?"
            arguments += [to]
        }
        if let kind = query.kind {
            sql += " AND e.kind = ?"
            arguments += [kind.rawValue]
        }
        if let holder = query.holder {
            sql += " AND e.seq IN (SELECT seq FROM event_holders WHERE holder = ?)"
            arguments += [holder]
        }
        if let item = query.itemID {
            sql +=
                " AND e.seq IN (SELECT seq FROM event_items WHERE item_id = ? UNION SELECT registered_seq FROM items WHERE id = ?)"
            arguments += [item, item]
        }
        // A holder inside the scope already keeps the listing inside it.
        if !query.scope.isEverything, !(query.holder.map(query.scope.contains) ?? false) {
            let codes = Self.jsonArray(query.scope.codes)
            if query.scope.codes.count <= Self.smallScope {
                sql += " AND e.seq IN (SELECT seq FROM event_holders WHERE holder IN (SELECT value FROM json_each(?)))"
                arguments += [codes]
            } else {
                // Walk the events in order and test the holders each leaf names (a
                // correction: those of the event it corrects).
                sql += """
                     AND (EXISTS (SELECT 1 FROM json_each(?) s WHERE s.value IN (
                            json_extract(CAST(e.leaf AS TEXT), '$.from'), json_extract(CAST(e.leaf AS TEXT), '$.to'),
                            json_extract(CAST(e.leaf AS TEXT), '$.holder.code'),
                            json_extract(CAST(e.leaf AS TEXT), '$.holder.parent')))
                        OR (e.kind = 'correction' AND EXISTS (
                            SELECT 1 FROM events c, json_each(?) s
                            WHERE c.seq = json_extract(CAST(e.leaf AS TEXT), '$.corrects') AND s.value IN (
                                json_extract(CAST(c.leaf AS TEXT), '$.from'), json_extract(CAST(c.leaf AS TEXT), '$.to'),
                                json_extract(CAST(c.leaf AS TEXT), '$.holder.code'),
                                json_extract(CAST(c.leaf AS TEXT), '$.holder.parent')))))
                    """
                arguments += [codes, codes]
            }
        }
        sql += ascending ? " ORDER BY e.seq LIMIT ?" : " ORDER BY e.seq DESC LIMIT ?"
        arguments += [limit + 1]
        return try readOne { db in
            let events = try FastStatement.fetchAll(db, sql, arguments) {
                RecordedEvent(seq: $0.int64(0) ?? 0, leaf: $0.bytes(1))
            }
            return Self.page(events, limit: limit) { Cursor.encode(kind: "event", key: $0.seq) }
        }
    }

    public func event(seq: Int64) async throws -> RecordedEvent? {
        try readOne { db in
            try FastStatement.fetchOne(db, "SELECT seq, leaf FROM events WHERE seq = ?", [seq]) {
                RecordedEvent(seq: $0.int64(0) ?? 0, leaf: $0.bytes(1))
            }
        }
    }

    // MARK: Summary

    public func summary(scope: HolderScope) async throws -> Summary {
        guard !scope.isEverything else { return try await wholeSummary() }
        return try read { db in
            var s = try Self.itemCounts(db, holders: try SQLiteStateLoader.holders(db), scope: scope)
            let codes = Self.jsonArray(scope.codes)
            s.holders = Int64(scope.codes.count)
            s.lots =
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT count(DISTINCT lot_id) FROM lot_balances
                        WHERE quantity > 0 AND holder IN (SELECT value FROM json_each(?))
                        """, arguments: [codes]) ?? 0
            s.events =
                try Int64.fetchOne(
                    db,
                    sql: "SELECT count(DISTINCT seq) FROM event_holders WHERE holder IN (SELECT value FROM json_each(?))",
                    arguments: [codes]) ?? 0
            return s
        }
    }

    /// Item counts by category, status, condition and region, for items whose holder (or
    /// account, when not held) is in `scope`.
    static func itemCounts(_ db: Database, holders: [String: Holder], scope: HolderScope) throws -> Summary {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT category, status, condition, holder, account, count(*) FROM items
                GROUP BY category, status, condition, holder, account
                """)
        var tally = RegisterCounts.ItemTally(holders: holders, scope: scope)
        while let row = try rows.next() {
            tally.add(category: row[0], status: row[1], condition: row[2], holder: row[3], account: row[4], count: row[5])
        }
        return tally.summary
    }

    // MARK: Tiles

    public func tile(level: Int, index: Int64, width: Int) async throws -> [UInt8]? {
        guard (0...TilePath.maxLevel).contains(level), index >= 0, (1...256).contains(width) else { return nil }
        return try readOne { db in
            guard
                let data = try Data.fetchOne(
                    db.cachedStatement(sql: "SELECT hashes FROM tiles WHERE level = ? AND idx = ?"), arguments: [level, index])
            else { return nil }
            // A stored tile only grows; a partial tile is a prefix of it.
            guard data.count >= width * 32 else { return nil }
            return [UInt8](data.prefix(width * 32))
        }
    }
}
