import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import PostgresNIO

/// The web pages' reads on PostgreSQL: batch lookups for the recording forms, the dashboard's
/// lists, the search box, dispatches, item briefs for the counts the server keeps in memory,
/// and the record of `verify` runs and of witnesses' cosignatures.
///
/// Each read is one statement, so that it sees one committed state without a transaction on
/// the shared reader connection (what SQLite gets from its read transactions). Lists of
/// values (scopes, serials, lot numbers) are bound as arrays, so there is no batching.
/// Results are ordered as the SQLite store orders them; text columns sort in the database's
/// collation (the same as SQLite's byte order under the C or C.UTF-8 locale).
extension PostgresStore {
    /// At most this many holder codes make a small scope (as in the SQLite store): events
    /// are then found through `event_holders`, otherwise by the holders each leaf names.
    static let webSmallScope = 64

    static func webClampLimit(_ limit: Int) -> Int { min(max(limit, 1), 1000) }

    /// `text` with the LIKE wildcards and the escape character escaped by `\`.
    static func webEscapeLike(_ text: String) -> String {
        var out = ""
        for c in text {
            if c == "%" || c == "_" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// A scope's codes as an array parameter (sorted, for stable statements in logs).
    static func webCodes(_ scope: HolderScope) -> [String] { scope.codes.sorted() }

    /// The item columns, each prefixed with `alias.`, in `PostgresAppendTransaction.item`'s order.
    static func webItemColumns(_ alias: String) -> String {
        PostgresAppendTransaction.itemColumns.split(separator: ",")
            .map { alias + "." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .joined(separator: ", ")
    }

    /// Parameters of a statement built in pieces, numbered as they are bound.
    struct WebBinds {
        var binds = PostgresBindings()

        /// Binds `value`; returns its placeholder with `cast` (`$3::text[]`).
        mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value, _ cast: String) -> String {
            binds.append(value)
            return "$\(binds.count)::\(cast)"
        }

        func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
    }

    /// ` AND (<holder or account in scope>)` for `items` (or its alias), its array bound in
    /// `binds`; empty for everything.
    static func webScopeClause(_ scope: HolderScope, _ binds: inout WebBinds, table: String = "items") -> String {
        guard !scope.isEverything else { return "" }
        let codes = binds.bind(webCodes(scope), "text[]")
        return " AND (\(table).holder = ANY(\(codes)) OR \(table).account = ANY(\(codes)))"
    }

    // MARK: Items

    public func lookAlikes(of item: ItemRecord) async throws -> [ItemRecord] {
        let key = Identifier.serialKey(item.marking.serial)
        let rows = try await reader.rowsAsync(
            """
            SELECT \(unescaped: Self.webItemColumns("i")) FROM items i
            WHERE i.id = ANY(ARRAY(SELECT item_id FROM item_serial_keys WHERE serial_key = \(key)))
            """)
        // Compared in Swift, as the SQLite store does (String equality, not byte equality).
        return try rows.map(PostgresAppendTransaction.item).filter {
            $0.id != item.id && $0.marking.manufacturer == item.marking.manufacturer && $0.marking.model == item.marking.model
        }.sorted { $0.id < $1.id }
    }

    public func items(serials: [String]) async throws -> [ItemRecord] {
        let wanted = Array(Set(serials)).sorted()
        guard !wanted.isEmpty else { return [] }
        return try await reader.rowsAsync(
            """
            SELECT \(unescaped: PostgresAppendTransaction.itemColumns) FROM items
            WHERE serial = ANY(\(wanted)) ORDER BY serial, manufacturer, model
            """
        ).map(PostgresAppendTransaction.item)
    }

    public func items(heldBy holder: String, limit: Int, offset: Int) async throws -> [ItemRecord] {
        let limit = Self.webClampLimit(limit)
        let offset = max(0, offset)
        return try await reader.rowsAsync(
            """
            SELECT \(unescaped: PostgresAppendTransaction.itemColumns) FROM items WHERE holder = \(holder)
            ORDER BY id LIMIT \(limit) OFFSET \(offset)
            """
        ).map(PostgresAppendTransaction.item)
    }

    /// The search box. A holder's code: what it holds, in id order. Text: items whose serial
    /// contains it or whose model is it, both ignoring case, in serial order. One statement
    /// whichever the text (the SQLite store's trigram candidates and its walk of the identity
    /// index return the same rows); `pg_trgm` on `serial` and an index on `lower(model)` let
    /// the planner take the same two routes.
    public func findItems(_ search: ItemSearch) async throws -> [ItemRecord] {
        let limit = Self.webClampLimit(search.limit)
        let offset = max(0, search.offset)
        let text = search.text
        var b = WebBinds()
        let sql: String
        if let holder = search.heldBy {
            let holderP = b.bind(holder, "text")
            let scopeSQL = Self.webScopeClause(search.scope, &b)
            let limitP = b.bind(limit, "bigint")
            let offsetP = b.bind(offset, "bigint")
            sql = """
                SELECT \(PostgresAppendTransaction.itemColumns) FROM items WHERE holder = \(holderP)\(scopeSQL)
                ORDER BY id LIMIT \(limitP) OFFSET \(offsetP)
                """
        } else {
            guard !text.isEmpty else { return [] }
            let patternP = b.bind("%" + Self.webEscapeLike(text) + "%", "text")
            let modelP = b.bind(text, "text")
            let scopeSQL = Self.webScopeClause(search.scope, &b)
            let limitP = b.bind(limit, "bigint")
            let offsetP = b.bind(offset, "bigint")
            sql = """
                SELECT \(PostgresAppendTransaction.itemColumns) FROM items
                WHERE (items.serial ILIKE \(patternP) ESCAPE '\\' OR lower(items.model) = lower(\(modelP)))\(scopeSQL)
                ORDER BY serial, manufacturer, model LIMIT \(limitP) OFFSET \(offsetP)
                """
        }
        return try await reader.rowsAsync(b.query(sql)).map(PostgresAppendTransaction.item)
    }

    public func overdueItems(before day: String, scope: HolderScope, limit: Int) async throws -> [ItemRecord] {
        var b = WebBinds()
        let dayP = b.bind(day, "text")
        let scopeSQL = Self.webScopeClause(scope, &b)
        let limitP = b.bind(Self.webClampLimit(limit), "bigint")
        return try await reader.rowsAsync(
            b.query(
                """
                SELECT \(PostgresAppendTransaction.itemColumns) FROM items
                WHERE due_back IS NOT NULL AND due_back < \(dayP) AND status = 'held'\(scopeSQL)
                ORDER BY due_back, id LIMIT \(limitP)
                """)
        ).map(PostgresAppendTransaction.item)
    }

    public func missingItems(scope: HolderScope, limit: Int) async throws -> [ItemRecord] {
        var b = WebBinds()
        let scopeSQL = Self.webScopeClause(scope, &b)
        let limitP = b.bind(Self.webClampLimit(limit), "bigint")
        return try await reader.rowsAsync(
            b.query(
                """
                SELECT \(PostgresAppendTransaction.itemColumns) FROM items
                WHERE status = 'missing'\(scopeSQL) ORDER BY last_seq DESC, id DESC LIMIT \(limitP)
                """)
        ).map(PostgresAppendTransaction.item)
    }

    public func heldIdentities() async throws -> (ledgerSize: Int64, items: [HeldIdentity]) {
        let rows = try await reader.rowsAsync(
            """
            SELECT s.size, i.manufacturer, i.model, i.serial, i.category, i.holder
            FROM (SELECT coalesce(max(seq) + 1, 0)::bigint AS size FROM events) s
            LEFT JOIN items i ON i.status = 'held'
            """)
        var size: Int64 = 0
        var items: [HeldIdentity] = []
        items.reserveCapacity(rows.count)
        for row in rows {
            let c = Cells(row)
            size = try c(0, Int64.self)
            guard let manufacturer = try c(1, String?.self) else { continue }
            items.append(
                HeldIdentity(
                    identity: ItemIdentity(manufacturer: manufacturer, model: try c(2, String.self), serial: try c(3, String.self)),
                    category: CustodiaCore.Category(rawValue: try c(4, String.self)) ?? .other, holder: try c(5, String.self)))
        }
        return (size, items)
    }

    public func itemBriefs() async throws -> ItemBriefs {
        // One statement, so that the size and the items are of one state: the size rides on
        // every row (and on the one row of NULLs when there are no items).
        let rows = try await reader.rowsAsync(
            """
            SELECT s.size, i.id, i.category, i.status, i.condition, i.holder, i.account, i.due_back
            FROM (SELECT coalesce(max(seq) + 1, 0)::bigint AS size FROM events) s LEFT JOIN items i ON true
            ORDER BY i.id
            """)
        var size: Int64 = 0
        var items: [ItemBrief] = []
        items.reserveCapacity(rows.count)
        for row in rows {
            let c = Cells(row)
            size = try c(0, Int64.self)
            guard let id = try c(1, Int64?.self) else { continue }
            items.append(
                ItemBrief(
                    id: id, category: CustodiaCore.Category(rawValue: try c(2, String.self)) ?? .other,
                    status: ItemStatus(rawValue: try c(3, String.self)) ?? .held,
                    condition: Condition(rawValue: try c(4, String.self)) ?? .serviceable, holder: try c(5, String?.self),
                    account: try c(6, String?.self), dueBack: try c(7, String?.self)))
        }
        return ItemBriefs(ledgerSize: size, items: items)
    }

    // MARK: Events

    public func recentEvents(kinds: [EventKind], scope: HolderScope, limit: Int) async throws -> [RecordedEvent] {
        guard !kinds.isEmpty else { return [] }
        let limit = Self.webClampLimit(limit)
        var b = WebBinds()
        let kindsP = b.bind(Set(kinds).map(\.rawValue).sorted(), "text[]")
        var scopeSQL = ""
        if !scope.isEverything {
            let codes = b.bind(Self.webCodes(scope), "text[]")
            if scope.codes.count <= Self.webSmallScope {
                scopeSQL = " AND e.seq IN (SELECT h.seq FROM event_holders h WHERE h.holder = ANY(\(codes)))"
            } else {
                // A large scope: test the holders each leaf names against it (as SQLite does).
                scopeSQL = """
                     AND EXISTS (SELECT 1 FROM (SELECT convert_from(e.leaf, 'UTF8')::jsonb AS j) l
                        WHERE (l.j ->> 'from') = ANY(\(codes)) OR (l.j ->> 'to') = ANY(\(codes))
                            OR (l.j #>> '{holder,code}') = ANY(\(codes)) OR (l.j #>> '{holder,parent}') = ANY(\(codes)))
                    """
            }
        }
        let limitP = b.bind(limit, "bigint")
        // One walk per kind down the kind index (newest first), merged: the newest `limit`.
        let rows = try await reader.rowsAsync(
            b.query(
                """
                SELECT x.seq, x.leaf FROM unnest(\(kindsP)) AS k(kind),
                    LATERAL (SELECT e.seq, e.leaf FROM events e WHERE e.kind = k.kind\(scopeSQL)
                        ORDER BY e.seq DESC LIMIT \(limitP)) x
                ORDER BY x.seq DESC LIMIT \(limitP)
                """))
        return try rows.map {
            let c = Cells($0)
            return RecordedEvent(seq: try c(0), leaf: try c.bytes(1))
        }
    }

    // MARK: Lots

    public func lotQuantities(holders: [String]?) async throws -> [String: Int64] {
        let rows: [PostgresRow]
        if let holders {
            guard !holders.isEmpty else { return [:] }
            let wanted = Array(Set(holders)).sorted()
            rows = try await reader.rowsAsync(
                """
                SELECT holder, sum(quantity)::bigint FROM lot_balances
                WHERE holder = ANY(\(wanted)) AND quantity > 0 GROUP BY holder
                """)
        } else {
            rows = try await reader.rowsAsync(
                "SELECT holder, sum(quantity)::bigint FROM lot_balances WHERE quantity > 0 GROUP BY holder")
        }
        var out: [String: Int64] = [:]
        for row in rows {
            let c = Cells(row)
            out[try c(0, String.self)] = try c(1, Int64.self)
        }
        return out
    }

    public func lots(heldBy holder: String) async throws -> [LotQuantity] {
        try await reader.rowsAsync(
            """
            SELECT l.lot, l.manufacturer, l.calibre, l.type, l.year, b.quantity FROM lot_balances b
            JOIN lots l ON l.id = b.lot_id WHERE b.holder = \(holder) AND b.quantity > 0 ORDER BY l.lot, l.manufacturer
            """
        ).map {
            let c = Cells($0)
            return LotQuantity(
                marking: LotMarking(
                    lot: try c(0), manufacturer: try c(1), calibre: try c(2), type: try c(3), year: try c(4, Int?.self)),
                quantity: try c(5))
        }
    }

    public func lotCount(scope: HolderScope) async throws -> Int64 {
        let rows =
            if scope.isEverything {
                try await reader.rowsAsync("SELECT count(DISTINCT lot_id) FROM lot_balances WHERE quantity > 0")
            } else {
                try await reader.rowsAsync(
                    """
                    SELECT count(DISTINCT lot_id) FROM lot_balances
                    WHERE quantity > 0 AND holder = ANY(\(Self.webCodes(scope)))
                    """)
            }
        return try rows.first.map { try Cells($0)(0, Int64.self) } ?? 0
    }

    public func lots(numbers: [String]) async throws -> [LotRecord] {
        let wanted = Array(Set(numbers)).sorted()
        guard !wanted.isEmpty else { return [] }
        return try await reader.rowsAsync(
            """
            SELECT id, lot, manufacturer, calibre, type, year, registered_seq FROM lots
            WHERE lot = ANY(\(wanted)) ORDER BY lot, manufacturer
            """
        ).map {
            let c = Cells($0)
            return LotRecord(
                id: try c(0),
                marking: LotMarking(
                    lot: try c(1), manufacturer: try c(2), calibre: try c(3), type: try c(4), year: try c(5, Int?.self)),
                registeredSeq: try c(6))
        }
    }

    public func lotBalance(lotID: Int64, holder: String) async throws -> Int64 {
        try await reader.rowsAsync("SELECT quantity FROM lot_balances WHERE lot_id = \(lotID) AND holder = \(holder)").first
            .map { try Cells($0)(0, Int64.self) } ?? 0
    }

    // MARK: Dispatches

    /// The dispatches `inner` selects (columns `document, seq, from_holder, to_holder,
    /// occurred_at, items_in_transit`, newest first), each with its lots still in transit, in
    /// one statement: one row per lot, or one row of NULL lot columns when none.
    static func webDispatchesSQL(_ inner: String) -> String {
        """
        SELECT v.document, v.seq, v.from_holder, v.to_holder, v.occurred_at, v.items_in_transit,
               l.lot, l.manufacturer, l.calibre, l.type, l.year, x.quantity, v.last_received_at
        FROM (\(inner)) v
        LEFT JOIN (dispatch_lots x JOIN lots l ON l.id = x.lot_id) ON x.document = v.document AND x.quantity > 0
        ORDER BY v.seq DESC, v.document, l.lot, l.manufacturer
        """
    }

    static let webDispatchColumns =
        "d.document, d.seq, d.from_holder, d.to_holder, e.occurred_at, d.items_in_transit, d.last_received_at"

    /// Groups the rows of `webDispatchesSQL` (a dispatch's rows are together) into views.
    static func webDispatches(_ rows: [PostgresRow]) throws -> [DispatchView] {
        var out: [DispatchView] = []
        for row in rows {
            let c = Cells(row)
            let document = try c(0, String.self)
            if out.last?.document != document {
                out.append(
                    DispatchView(
                        document: document, seq: try c(1), from: try c(2), to: try c(3), occurredAt: try c(4, String?.self),
                        itemsInTransit: try c(5), lotsInTransit: [], lastReceivedAt: try c(12, String?.self)))
            }
            if let lot = try c(6, String?.self) {
                out[out.count - 1].lotsInTransit.append(
                    LotQuantity(
                        marking: LotMarking(
                            lot: lot, manufacturer: try c(7), calibre: try c(8), type: try c(9), year: try c(10, Int?.self)),
                        quantity: try c(11)))
            }
        }
        return out
    }

    public func dispatch(document: String) async throws -> DispatchView? {
        var b = WebBinds()
        let documentP = b.bind(document, "text")
        let inner = """
            SELECT \(Self.webDispatchColumns) FROM dispatches d LEFT JOIN events e ON e.seq = d.seq
            WHERE d.document = \(documentP)
            """
        return try Self.webDispatches(try await reader.rowsAsync(b.query(Self.webDispatchesSQL(inner)))).first
    }

    public func alertItems(_ query: AlertQuery) async throws -> [AlertItem] {
        var b = WebBinds()
        let cutoffs = JSONValue.object(query.countCutoffs.map { ($0.key.rawValue, .string($0.value)) })
        let cutP = b.bind(String(decoding: CanonicalJSON.encode(cutoffs), as: UTF8.self), "jsonb")
        let dueP = b.bind(query.dueBefore ?? "", "text")
        let missingP = b.bind(query.missingCategories.map(\.rawValue), "text[]")
        let closedP = b.bind(query.closedHolders, "text[]")
        let rows = try await reader.rowsAsync(
            b.query(
                """
                SELECT * FROM (
                    SELECT \(PostgresAppendTransaction.itemColumns),
                        (SELECT occurred_at FROM events WHERE seq = items.registered_seq) AS registered_at,
                        (SELECT occurred_at FROM events WHERE seq = items.last_seq) AS last_at
                    FROM items) x
                WHERE (x.status = 'held' AND (\(cutP) ->> x.category) IS NOT NULL
                        AND coalesce(x.last_counted, x.registered_at) < (\(cutP) ->> x.category))
                    OR (x.status = 'held' AND \(dueP) <> '' AND x.due_back IS NOT NULL AND x.due_back < \(dueP))
                    OR (x.status = 'missing' AND x.category = ANY(\(missingP)))
                    OR x.holder = ANY(\(closedP)) OR x.account = ANY(\(closedP))
                ORDER BY x.id
                """))
        return try rows.map { row in
            let c = Cells(row)
            return AlertItem(
                record: try PostgresAppendTransaction.item(row), registeredAt: try c(21, String?.self) ?? "",
                lastEventAt: try c(22, String?.self) ?? "")
        }
    }

    public func openDispatches(to scope: HolderScope, limit: Int) async throws -> [DispatchView] {
        var b = WebBinds()
        var inner = """
            SELECT \(Self.webDispatchColumns) FROM dispatches d LEFT JOIN events e ON e.seq = d.seq
            WHERE (d.items_in_transit > 0 OR EXISTS (
                SELECT 1 FROM dispatch_lots o WHERE o.document = d.document AND o.quantity > 0))
            """
        if !scope.isEverything {
            inner += " AND d.to_holder = ANY(\(b.bind(Self.webCodes(scope), "text[]")))"
        }
        inner += " ORDER BY d.seq DESC LIMIT \(b.bind(Self.webClampLimit(limit), "bigint"))"
        return try Self.webDispatches(try await reader.rowsAsync(b.query(Self.webDispatchesSQL(inner))))
    }

    // MARK: Cosignatures and verifications

    /// Insert-only, and outside the ledger and its lock: a second line from the same witness
    /// for the same size is ignored.
    public func recordCosignature(size: Int64, witness: String, line: String, receivedAt: String) async throws {
        _ = try await reader.rowsAsync(
            """
            INSERT INTO cosignatures(size, witness, line, received_at) VALUES (\(size), \(witness), \(line), \(receivedAt))
            ON CONFLICT DO NOTHING
            """)
    }

    public func cosignatures(size: Int64) async throws -> [String: String] {
        var lines: [String: String] = [:]
        for row in try await reader.rowsAsync("SELECT witness, line FROM cosignatures WHERE size = \(size)") {
            let c = Cells(row)
            lines[try c(0, String.self)] = try c(1, String.self)
        }
        return lines
    }

    public func latestCosigned(by witnesses: [String]) async throws -> [String: Int64] {
        let wanted = Array(Set(witnesses)).sorted()
        guard !wanted.isEmpty else { return [:] }
        var sizes: [String: Int64] = [:]
        for row in try await reader.rowsAsync(
            "SELECT witness, max(size) FROM cosignatures WHERE witness = ANY(\(wanted)) GROUP BY witness")
        {
            let c = Cells(row)
            sizes[try c(0, String.self)] = try c(1, Int64.self)
        }
        return sizes
    }

    public func latestCosignedSize(witnesses: [String], quorum: Int, atLeast: Int64) async throws -> Int64? {
        guard !witnesses.isEmpty else {
            return try await reader.rowsAsync("SELECT max(size) FROM cosignatures WHERE size >= \(atLeast)").first.flatMap {
                try Cells($0)(0, Int64?.self)
            }
        }
        // Duplicates in `witnesses` count once, as with SQLite's `IN (…)`.
        return try await reader.rowsAsync(
            """
            SELECT size FROM cosignatures WHERE witness = ANY(\(witnesses)) AND size >= \(atLeast)
            GROUP BY size HAVING count(*) >= \(Int64(quorum)) ORDER BY size DESC LIMIT 1
            """
        ).first.map { try Cells($0)(0, Int64.self) }
    }

    public func firstCosignedSize(after size: Int64) async throws -> Int64? {
        try await reader.rowsAsync("SELECT min(size) FROM cosignatures WHERE size > \(size)").first.flatMap {
            try Cells($0)(0, Int64?.self)
        }
    }

    /// Insert-only (a trigger refuses changes); `id` numbers the runs.
    public func recordVerification(_ record: VerificationRecord) async throws {
        _ = try await reader.rowsAsync(
            """
            INSERT INTO verifications(verified_at, size, ok, divergence)
            VALUES (\(record.verifiedAt), \(record.size), \(record.ok), \(record.divergence))
            """)
    }

    public func lastVerification() async throws -> VerificationRecord? {
        try await reader.rowsAsync("SELECT verified_at, size, ok, divergence FROM verifications ORDER BY id DESC LIMIT 1")
            .first.map {
                let c = Cells($0)
                return VerificationRecord(
                    verifiedAt: try c(0), size: try c(1), ok: try c(2, Bool.self), divergence: try c(3, String?.self))
            }
    }
}
