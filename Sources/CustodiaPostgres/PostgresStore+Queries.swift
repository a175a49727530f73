import CustodiaCore
import CustodiaLedger
import CustodiaStore
import PostgresNIO

/// The register's reads on PostgreSQL: the same answers, orders, pages and cursors as the
/// SQLite store's.
///
/// Scopes reach SQL as one text array parameter (`= ANY($n::text[])`). Text is ordered with
/// `COLLATE "C"` (byte order), as SQLite orders it, whatever the database's collation.
/// Reads that SQLite makes in one transaction are separate statements here.
extension PostgresStore {
    /// Scopes with at most this many holders list events through `event_holders`; larger
    /// ones walk the events in order and test the holders each leaf names.
    static let pgSmallScope = 64

    /// The kinds of event that change the holder tree.

    static func pgClampLimit(_ limit: Int) -> Int { min(max(limit, 1), 1000) }

    static func pgEscapeLike(_ text: String) -> String {
        var out = ""
        for c in text {
            if c == "%" || c == "_" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static func pgPage<T: Sendable>(_ rows: [T], limit: Int, cursor: (T) -> String) -> Page<T> {
        guard rows.count > limit else { return Page(elements: rows, nextCursor: nil) }
        let elements = Array(rows.prefix(limit))
        return Page(elements: elements, nextCursor: cursor(elements[limit - 1]))
    }

    /// The holder tree as stored, by code.
    static func pgHolders(_ reader: PostgresLink) async throws -> [String: Holder] {
        try PostgresAppendTransaction.holders(try await reader.rowsAsync(PostgresAppendTransaction.holdersQuery))
    }

    static func pgRecordedEvent(_ row: PostgresRow) throws -> RecordedEvent {
        let c = Cells(row)
        return RecordedEvent(seq: try c(0), leaf: try c.bytes(1))
    }

    // MARK: Register

    public func items(serial: String, manufacturer: String?, model: String?) async throws -> [ItemView] {
        var s = PgStatement("SELECT \(PostgresAppendTransaction.itemColumns) FROM items WHERE serial = ")
        s.append(serial, as: "text")
        if let manufacturer {
            s.sql += " AND manufacturer = "
            s.append(manufacturer, as: "text")
        }
        if let model {
            s.sql += " AND model = "
            s.append(model, as: "text")
        }
        s.sql += " ORDER BY manufacturer COLLATE \"C\", model COLLATE \"C\""
        return try await reader.rowsAsync(s.query).map { row in
            let record = try PostgresAppendTransaction.item(row)
            return ItemView(record: record, registeredSeq: record.registeredSeq)
        }
    }

    public func history(itemID: Int64) async throws -> [RecordedEvent] {
        try await reader.rowsAsync(
            """
            SELECT seq, leaf FROM events WHERE seq IN (
                SELECT registered_seq FROM items WHERE id = \(itemID)
                UNION SELECT seq FROM event_items WHERE item_id = \(itemID))
            ORDER BY seq
            """
        ).map(Self.pgRecordedEvent)
    }

    public func historySeqs(itemIDs: [Int64]) async throws -> [Int64: [(seq: Int64, occurredAt: String)]] {
        let ids = Array(Set(itemIDs)).sorted()
        guard !ids.isEmpty else { return [:] }
        let rows = try await reader.rowsAsync(
            """
            SELECT x.item_id, e.seq, e.occurred_at FROM (
                SELECT id AS item_id, registered_seq AS seq FROM items WHERE id = ANY(\(ids))
                UNION SELECT item_id, seq FROM event_items WHERE item_id = ANY(\(ids))) x
            JOIN events e ON e.seq = x.seq ORDER BY x.item_id, e.seq
            """)
        var out: [Int64: [(seq: Int64, occurredAt: String)]] = [:]
        for row in rows {
            let c = Cells(row)
            out[try c(0, Int64.self), default: []].append((try c(1, Int64.self), try c(2, String.self)))
        }
        return out
    }

    public func events(seqs: [Int64]) async throws -> [RecordedEvent] {
        let wanted = Array(Set(seqs)).sorted()
        guard !wanted.isEmpty else { return [] }
        return try await reader.rowsAsync("SELECT seq, leaf FROM events WHERE seq = ANY(\(wanted)) ORDER BY seq")
            .map(Self.pgRecordedEvent)
    }

    public func holdings(of code: String, recursive: Bool) async throws -> Holdings? {
        let holders = try await Self.pgHolders(reader)
        guard let holder = holders[code] else { return nil }
        let codes = RegisterCounts.holdingsOrder(of: code, in: holders, recursive: recursive)
        // One statement each for items and lots over every code; each holder's rows keep the
        // statement's order, and holders come in the order of `codes`.
        var itemsByHolder: [String: [Holdings.Item]] = [:]
        for row in try await reader.rowsAsync(
            """
            SELECT \(unescaped: PostgresAppendTransaction.itemColumns) FROM items WHERE holder = ANY(\(codes))
            ORDER BY category COLLATE "C", manufacturer COLLATE "C", model COLLATE "C", serial COLLATE "C"
            """)
        {
            let r = try PostgresAppendTransaction.item(row)
            guard let h = r.state.holder else { continue }
            itemsByHolder[h, default: []].append(
                Holdings.Item(
                    id: r.id, holder: h, marking: r.marking, status: r.state.status, condition: r.state.condition,
                    dueBack: r.state.dueBack))
        }
        var lotsByHolder: [String: [Holdings.Lot]] = [:]
        for row in try await reader.rowsAsync(
            """
            SELECT b.holder, l.lot, l.manufacturer, l.calibre, l.type, l.year, b.quantity FROM lot_balances b
            JOIN lots l ON l.id = b.lot_id WHERE b.holder = ANY(\(codes)) AND b.quantity > 0
            ORDER BY l.lot COLLATE "C", l.manufacturer COLLATE "C"
            """)
        {
            let c = Cells(row)
            let h: String = try c(0)
            lotsByHolder[h, default: []].append(
                Holdings.Lot(
                    holder: h,
                    marking: LotMarking(
                        lot: try c(1), manufacturer: try c(2), calibre: try c(3), type: try c(4), year: try c(5, Int?.self)),
                    quantity: try c(6)))
        }
        var items: [Holdings.Item] = []
        var lots: [Holdings.Lot] = []
        for c in codes {
            items += itemsByHolder[c] ?? []
            lots += lotsByHolder[c] ?? []
        }
        return Holdings(holder: holder, items: items, lots: lots)
    }

    /// `summary(scope: .everything)`: every item, lot, event and holder.
    func wholeSummary() async throws -> Summary {
        var s = try await Self.pgItemCounts(reader, holders: try await Self.pgHolders(reader), scope: .everything)
        let row = try await reader.rowsAsync(
            "SELECT (SELECT count(*) FROM lots), (SELECT coalesce(max(seq) + 1, 0) FROM events)")[0]
        let c = Cells(row)
        s.lots = try c(0, Int64.self)
        s.events = try c(1, Int64.self)
        return s
    }

    /// The seq of the last event that changed the holder tree, -1 when none has.
    public func holderGeneration() async throws -> Int64 {
        try Cells(try await reader.rowsAsync(PostgresAppendTransaction.holderGenerationQuery)[0])(0, Int64.self)
    }

    // MARK: Items

    public func searchItems(_ query: ItemQuery) async throws -> Page<ItemRecord> {
        let limit = Self.pgClampLimit(query.limit)
        let after = try query.cursor.map { try Cursor.decode($0, kind: "item") } ?? 0
        var s = PgStatement("SELECT \(PostgresAppendTransaction.itemColumns) FROM items WHERE id > ")
        s.append(after, as: "bigint")
        if let serial = query.serial {
            s.sql += " AND serial = "
            s.append(serial, as: "text")
        }
        if let part = query.serialContains {
            // Case-insensitive for ASCII letters only, as SQLite's LIKE (lower() under the
            // "C" collation folds ASCII only).
            s.sql += " AND serial COLLATE \"C\" ILIKE "
            s.append("%" + Self.pgEscapeLike(part) + "%", as: "text")
            s.sql += " ESCAPE '\\'"
        }
        if let manufacturer = query.manufacturer {
            s.sql += " AND manufacturer = "
            s.append(manufacturer, as: "text")
        }
        if let model = query.model {
            s.sql += " AND model = "
            s.append(model, as: "text")
        }
        if let category = query.category {
            s.sql += " AND category = "
            s.append(category.rawValue, as: "text")
        }
        if let status = query.status {
            s.sql += " AND status = "
            s.append(status.rawValue, as: "text")
        }
        if let holder = query.holder {
            s.sql += " AND holder = "
            s.append(holder, as: "text")
        }
        if !query.scope.isEverything {
            let codes = s.bind(query.scope.codes.sorted(), as: "text[]")
            s.sql += " AND (holder = ANY(\(codes)) OR account = ANY(\(codes)))"
        }
        s.sql += " ORDER BY id LIMIT "
        s.append(Int64(limit + 1), as: "bigint")
        let records = try await reader.rowsAsync(s.query).map { try PostgresAppendTransaction.item($0) }
        return Self.pgPage(records, limit: limit) { Cursor.encode(kind: "item", key: $0.id) }
    }

    public func markCandidates(_ candidates: MarkCandidates, filters: MarkFilters, scope: HolderScope, limit: Int) async throws
        -> [ItemRecord]
    {
        var s = PgStatement("SELECT \(PostgresAppendTransaction.itemColumns) FROM items WHERE id IN (SELECT item_id FROM item_trace_keys WHERE ")
        switch candidates {
        case .like(let like):
            s.sql += "key LIKE "
            s.append(like, as: "text")
        case .keys(let keys, let unusual):
            s.sql += "key = ANY("
            s.append(keys, as: "text[]")
            s.sql += ") UNION ALL SELECT item_id FROM item_trace_keys WHERE \(PostgresSchema.unusualKey) AND key LIKE "
            s.append(unusual, as: "text")
        }
        s.sql += ")"
        let equal: [(String, String?)] = [
            ("manufacturer", filters.manufacturer), ("country", filters.country), ("model", filters.model),
            ("calibre", filters.calibre), ("category", filters.category?.rawValue),
        ]
        for (column, value) in equal {
            guard let value else { continue }
            s.sql += " AND \(column) = "
            s.append(value, as: "text")
        }
        if let year = filters.year {
            s.sql += " AND year = "
            s.append(Int64(year), as: "bigint")
        }
        if !scope.isEverything {
            let codes = s.bind(scope.codes.sorted(), as: "text[]")
            s.sql += " AND (holder = ANY(\(codes)) OR account = ANY(\(codes)))"
        }
        s.sql += " LIMIT "
        s.append(Int64(max(0, limit)), as: "bigint")
        return try await reader.rowsAsync(s.query).map { try PostgresAppendTransaction.item($0) }
    }

    public func item(id: Int64) async throws -> ItemRecord? {
        let rows = try await reader.rowsAsync(
            "SELECT \(unescaped: PostgresAppendTransaction.itemColumns) FROM items WHERE id = \(id)")
        guard let row = rows.first else { return nil }
        return try PostgresAppendTransaction.item(row)
    }

    public func holder(code: String) async throws -> Holder? {
        try PostgresAppendTransaction.holders(
            try await reader.rowsAsync("SELECT code, kind, name, parent, closed FROM holders WHERE code = \(code)"))[code]
    }

    // MARK: Lots

    /// The lots' columns, then the quantity in transit and the quantity missing (zeros for a
    /// scoped view, which shows neither), from `lots l`.
    static func pgLotSelect(totals: Bool) -> String {
        let extra =
            totals
            ? """
            coalesce((SELECT sum(d.quantity) FROM dispatch_lots d WHERE d.lot_id = l.id), 0)::bigint,
            coalesce((SELECT m.quantity FROM lot_missing m WHERE m.lot_id = l.id), 0)::bigint
            """
            : "0::bigint, 0::bigint"
        return "SELECT l.id, l.lot, l.manufacturer, l.calibre, l.type, l.year, l.registered_seq, \(extra) FROM lots l"
    }

    /// A lot as `pgLotSelect` reads it, without its balances.
    static func pgLotView(_ row: PostgresRow) throws -> LotView {
        let c = Cells(row)
        let record = LotRecord(
            id: try c(0),
            marking: LotMarking(
                lot: try c(1), manufacturer: try c(2), calibre: try c(3), type: try c(4), year: try c(5, Int?.self)),
            registeredSeq: try c(6))
        return LotView(record: record, balances: [], inTransit: try c(7, Int64.self), missing: try c(8, Int64.self))
    }

    /// `views` with their positive balances inside `scope`, by holder code, read in one
    /// statement.
    static func pgWithBalances(_ reader: PostgresLink, _ views: [LotView], scope: HolderScope) async throws -> [LotView] {
        guard !views.isEmpty else { return views }
        let ids = views.map(\.record.id)
        var balances: [Int64: [LotView.Balance]] = [:]
        for row in try await reader.rowsAsync(
            """
            SELECT lot_id, holder, quantity FROM lot_balances WHERE lot_id = ANY(\(ids)) AND quantity > 0
            ORDER BY lot_id, holder COLLATE "C"
            """)
        {
            let c = Cells(row)
            let lot: Int64 = try c(0)
            let holder: String = try c(1)
            guard scope.contains(holder) else { continue }
            balances[lot, default: []].append(LotView.Balance(holder: holder, quantity: try c(2)))
        }
        return views.map { view in
            var view = view
            view.balances = balances[view.record.id] ?? []
            return view
        }
    }

    public func searchLots(_ query: LotQuery) async throws -> Page<LotView> {
        let limit = Self.pgClampLimit(query.limit)
        let after = try query.cursor.map { try Cursor.decode($0, kind: "lot") } ?? 0
        var s = PgStatement(Self.pgLotSelect(totals: query.scope.isEverything) + " WHERE l.id > ")
        s.append(after, as: "bigint")
        if let lot = query.lot {
            s.sql += " AND l.lot = "
            s.append(lot, as: "text")
        }
        if let holder = query.holder {
            s.sql += " AND l.id IN (SELECT lot_id FROM lot_balances WHERE holder = "
            s.append(holder, as: "text")
            s.sql += " AND quantity > 0)"
        }
        if !query.scope.isEverything {
            s.sql += " AND l.id IN (SELECT lot_id FROM lot_balances WHERE quantity > 0 AND holder = ANY("
            s.append(query.scope.codes.sorted(), as: "text[]")
            s.sql += "))"
        }
        s.sql += " ORDER BY l.id LIMIT "
        s.append(Int64(limit + 1), as: "bigint")
        let views = try await reader.rowsAsync(s.query).map(Self.pgLotView)
        let page = Self.pgPage(views, limit: limit) { Cursor.encode(kind: "lot", key: $0.record.id) }
        return Page(
            elements: try await Self.pgWithBalances(reader, page.elements, scope: query.scope), nextCursor: page.nextCursor)
    }

    public func lot(id: Int64) async throws -> LotView? {
        let rows = try await reader.rowsAsync("\(unescaped: Self.pgLotSelect(totals: true)) WHERE l.id = \(id)")
        guard let row = rows.first else { return nil }
        return try await Self.pgWithBalances(reader, [try Self.pgLotView(row)], scope: .everything).first
    }

    // MARK: Events

    /// The holders the leaf in `leaf` (an SQL expression) names, as a text array: from, to,
    /// and the holder a holder-tree change is about with its parent (NULL where absent). The
    /// leaf is parsed once (OFFSET 0 keeps the planner from inlining the parse four times).
    static func pgNamedHolders(_ leaf: String) -> String {
        """
        (SELECT ARRAY[j ->> 'from', j ->> 'to', j #>> '{holder,code}', j #>> '{holder,parent}'] \
        FROM (SELECT convert_from(\(leaf), 'UTF8')::jsonb AS j OFFSET 0) AS named)
        """
    }

    public func searchEvents(_ query: EventQuery) async throws -> Page<RecordedEvent> {
        let limit = Self.pgClampLimit(query.limit)
        let ascending = query.order == .ascending
        var s = PgStatement("SELECT e.seq, e.leaf FROM events e WHERE true")
        if let cursor = query.cursor {
            let last = try Cursor.decode(cursor, kind: "event")
            s.sql += ascending ? " AND e.seq > " : " AND e.seq < "
            s.append(last, as: "bigint")
        }
        if let from = query.fromSeq {
            s.sql += " AND e.seq >= "
            s.append(from, as: "bigint")
        }
        if let to = query.toSeq {
            s.sql += " AND e.seq < "
            s.append(to, as: "bigint")
        }
        if let kind = query.kind {
            s.sql += " AND e.kind = "
            s.append(kind.rawValue, as: "text")
        }
        if let holder = query.holder {
            s.sql += " AND e.seq IN (SELECT seq FROM event_holders WHERE holder = "
            s.append(holder, as: "text")
            s.sql += ")"
        }
        if let item = query.itemID {
            let p = s.bind(item, as: "bigint")
            s.sql += " AND e.seq IN (SELECT seq FROM event_items WHERE item_id = \(p) UNION SELECT registered_seq FROM items WHERE id = \(p))"
        }
        // A holder inside the scope already keeps the listing inside it.
        if !query.scope.isEverything, !(query.holder.map(query.scope.contains) ?? false) {
            let codes = s.bind(query.scope.codes.sorted(), as: "text[]")
            if query.scope.codes.count <= Self.pgSmallScope {
                s.sql += " AND e.seq IN (SELECT seq FROM event_holders WHERE holder = ANY(\(codes)))"
            } else {
                // Walk the events in order and test the holders each leaf names (a
                // correction: those of the event it corrects).
                s.sql += """
                     AND (\(Self.pgNamedHolders("e.leaf")) && \(codes)
                        OR (e.kind = 'correction' AND EXISTS (
                            SELECT 1 FROM events c
                            WHERE c.seq = (convert_from(e.leaf, 'UTF8')::jsonb ->> 'corrects')::bigint
                                AND \(Self.pgNamedHolders("c.leaf")) && \(codes))))
                    """
            }
        }
        s.sql += ascending ? " ORDER BY e.seq LIMIT " : " ORDER BY e.seq DESC LIMIT "
        s.append(Int64(limit + 1), as: "bigint")
        let events = try await reader.rowsAsync(s.query).map(Self.pgRecordedEvent)
        return Self.pgPage(events, limit: limit) { Cursor.encode(kind: "event", key: $0.seq) }
    }

    public func event(seq: Int64) async throws -> RecordedEvent? {
        let rows = try await reader.rowsAsync("SELECT seq, leaf FROM events WHERE seq = \(seq)")
        guard let row = rows.first else { return nil }
        return try Self.pgRecordedEvent(row)
    }

    // MARK: Summary

    public func summary(scope: HolderScope) async throws -> Summary {
        guard !scope.isEverything else { return try await wholeSummary() }
        var s = try await Self.pgItemCounts(reader, holders: try await Self.pgHolders(reader), scope: scope)
        let codes = scope.codes.sorted()
        s.holders = Int64(scope.codes.count)
        let row = try await reader.rowsAsync(
            """
            SELECT (SELECT count(DISTINCT lot_id) FROM lot_balances WHERE quantity > 0 AND holder = ANY(\(codes))),
                   (SELECT count(DISTINCT seq) FROM event_holders WHERE holder = ANY(\(codes)))
            """)[0]
        let c = Cells(row)
        s.lots = try c(0, Int64.self)
        s.events = try c(1, Int64.self)
        return s
    }

    /// Item counts by category, status, condition and region, for items whose holder (or
    /// account, when not held) is in `scope`.
    static func pgItemCounts(_ reader: PostgresLink, holders: [String: Holder], scope: HolderScope) async throws -> Summary {
        let rows: [PostgresRow]
        if scope.isEverything {
            rows = try await reader.rowsAsync(
                """
                SELECT category, status, condition, holder, account, count(*) FROM items
                GROUP BY category, status, condition, holder, account
                """)
        } else {
            let codes = scope.codes.sorted()
            rows = try await reader.rowsAsync(
                """
                SELECT category, status, condition, holder, account, count(*) FROM items
                WHERE holder = ANY(\(codes)) OR account = ANY(\(codes))
                GROUP BY category, status, condition, holder, account
                """)
        }
        var tally = RegisterCounts.ItemTally(holders: holders, scope: scope)
        for row in rows {
            let c = Cells(row)
            tally.add(
                category: try c(0), status: try c(1), condition: try c(2), holder: try c(3, String?.self),
                account: try c(4, String?.self), count: try c(5))
        }
        return tally.summary
    }
}

/// A statement built from pieces: each bound value gets the next `$n`, with a cast.
private struct PgStatement {
    var sql: String
    var binds = PostgresBindings()

    init(_ sql: String) { self.sql = sql }

    /// Binds `value` and returns its placeholder (`$n::type`), to use once or several times.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value, as type: String) -> String {
        binds.append(value)
        return "$\(binds.count)::\(type)"
    }

    /// Binds `value` and appends its placeholder to the SQL.
    mutating func append<Value: PostgresDynamicTypeEncodable>(_ value: Value, as type: String) {
        let placeholder = bind(value, as: type)
        sql += placeholder
    }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
