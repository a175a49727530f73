import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import GRDB

/// The web pages' reads: batch lookups for the recording forms, the dashboard's lists, the
/// search box, dispatches, item briefs for the counts the server keeps in memory, and the
/// record of `verify` runs.
///
/// Scopes work as in the server's searches (`SQLiteStore+Queries`): a small scope goes
/// through the holder indexes, a large one walks the listing's own order and tests
/// membership, so that a page costs a few times its length of rows.
extension SQLiteStore {
    /// SQLite allows 32766 parameters; batches stay well below.
    static let batchSize = 500

    /// ` AND (<holder or account in scope>)` for `items`, with its argument; empty for everything.
    static func itemScopeClause(_ scope: HolderScope, table: String = "items") -> (String, StatementArguments) {
        guard !scope.isEverything else { return ("", []) }
        let codes = jsonArray(scope.codes)
        if scope.codes.count <= smallScope {
            return (
                """
                 AND \(table).id IN (SELECT id FROM items WHERE holder IN (SELECT value FROM json_each(?))
                    UNION SELECT id FROM items WHERE account IN (SELECT value FROM json_each(?)))
                """, [codes, codes]
            )
        }
        return (
            " AND (+\(table).holder IN (SELECT value FROM json_each(?)) OR +\(table).account IN (SELECT value FROM json_each(?)))",
            [codes, codes]
        )
    }

    // MARK: Items

    public func lookAlikes(of item: ItemRecord) async throws -> [ItemRecord] {
        let key = Identifier.serialKey(item.marking.serial)
        return try read { db in try SQLiteStateLoader(db: db).items(serialKey: key) }.filter {
            $0.id != item.id && $0.marking.manufacturer == item.marking.manufacturer && $0.marking.model == item.marking.model
        }.sorted { $0.id < $1.id }
    }

    public func items(serials: [String]) async throws -> [ItemRecord] {
        let wanted = Array(Set(serials)).sorted()
        guard !wanted.isEmpty else { return [] }
        return try read { db in
            var out: [ItemRecord] = []
            for start in stride(from: 0, to: wanted.count, by: Self.batchSize) {
                let batch = Array(wanted[start..<min(start + Self.batchSize, wanted.count)])
                out += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(SQLiteStateLoader.itemColumns) FROM items
                        WHERE serial IN (SELECT value FROM json_each(?)) ORDER BY serial, manufacturer, model
                        """, arguments: [Self.jsonArray(Set(batch))]
                ).map(SQLiteStateLoader.item)
            }
            return out
        }
    }

    public func items(heldBy holder: String, limit: Int, offset: Int) async throws -> [ItemRecord] {
        try read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT \(SQLiteStateLoader.itemColumns) FROM items WHERE holder = ? ORDER BY id LIMIT ? OFFSET ?"),
                arguments: [holder, Self.clampLimit(limit), max(0, offset)]
            ).map(SQLiteStateLoader.item)
        }
    }

    /// Above this many candidates, the search walks the serial order instead of sorting them.
    static let searchCandidates = 2000

    public func findItems(_ search: ItemSearch) async throws -> [ItemRecord] {
        let limit = Self.clampLimit(search.limit)
        let offset = max(0, search.offset)
        let text = search.text
        let (scopeSQL, scopeArguments) = Self.itemScopeClause(search.scope)
        return try read { db in
            // A holder's code: what it holds, as on its page.
            if let holder = search.heldBy {
                var arguments: StatementArguments = [holder]
                arguments += scopeArguments
                arguments += [limit, offset]
                return try Row.fetchAll(
                    db,
                    sql: "SELECT \(SQLiteStateLoader.itemColumns) FROM items WHERE holder = ?" + scopeSQL
                        + " ORDER BY id LIMIT ? OFFSET ?", arguments: arguments
                ).map(SQLiteStateLoader.item)
            }
            guard !text.isEmpty else { return [] }
            let order = " ORDER BY serial, manufacturer, model LIMIT ? OFFSET ?"
            // Selective text: the serials' three-letter index and the model index give the
            // candidates; few enough, they are read and sorted.
            if let ids = try Self.searchCandidates(db, text: text) {
                var arguments: StatementArguments = ["[" + ids.map(String.init).joined(separator: ",") + "]"]
                arguments += scopeArguments
                arguments += [limit, offset]
                return try Row.fetchAll(
                    db,
                    sql: "SELECT \(SQLiteStateLoader.itemColumns) FROM items WHERE id IN (SELECT value FROM json_each(?))"
                        + scopeSQL + order, arguments: arguments
                ).map(SQLiteStateLoader.item)
            }
            // Common text (or under three characters): walk the identity index in serial order
            // and stop after the page; the serial and the model are in the index, so only
            // matches are read from the table.
            var arguments: StatementArguments = ["%" + Self.escapeLike(text) + "%", text]
            arguments += scopeArguments
            arguments += [limit, offset]
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(SQLiteStateLoader.itemColumns) FROM items INDEXED BY items_identity
                    WHERE (serial LIKE ? ESCAPE '\\' OR model = ? COLLATE NOCASE)
                    """ + scopeSQL + order, arguments: arguments
            ).map(SQLiteStateLoader.item)
        }
    }

    /// The ids of every item whose serial contains `text` or whose model is `text`, when
    /// there are at most `searchCandidates` of each; nil when there are more, or when the
    /// text is too short for the serials' index.
    static func searchCandidates(_ db: Database, text: String) throws -> [Int64]? {
        // The trigram index needs three characters and no LIKE wildcards of the text's own.
        guard text.count >= 3, !text.contains(where: { $0 == "%" || $0 == "_" || $0 == "\\" }) else { return nil }
        let serials = try Int64.fetchAll(
            db.cachedStatement(sql: "SELECT rowid FROM item_serials WHERE serial LIKE ? LIMIT ?"),
            arguments: ["%" + text + "%", searchCandidates + 1])
        let models = try Int64.fetchAll(
            db.cachedStatement(sql: "SELECT id FROM items INDEXED BY items_model WHERE model = ? COLLATE NOCASE LIMIT ?"),
            arguments: [text, searchCandidates + 1])
        guard serials.count <= searchCandidates, models.count <= searchCandidates else { return nil }
        return Array(Set(serials).union(models)).sorted()
    }

    public func overdueItems(before day: String, scope: HolderScope, limit: Int) async throws -> [ItemRecord] {
        let (scopeSQL, scopeArguments) = Self.itemScopeClause(scope)
        var arguments: StatementArguments = [day]
        arguments += scopeArguments
        arguments += [Self.clampLimit(limit)]
        return try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(SQLiteStateLoader.itemColumns) FROM items INDEXED BY items_due
                    WHERE due_back IS NOT NULL AND due_back < ? AND status = 'held'\(scopeSQL)
                    ORDER BY due_back, id LIMIT ?
                    """, arguments: arguments
            ).map(SQLiteStateLoader.item)
        }
    }

    public func missingItems(scope: HolderScope, limit: Int) async throws -> [ItemRecord] {
        let (scopeSQL, scopeArguments) = Self.itemScopeClause(scope)
        var arguments = scopeArguments
        arguments += [Self.clampLimit(limit)]
        return try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(SQLiteStateLoader.itemColumns) FROM items INDEXED BY items_missing
                    WHERE status = 'missing'\(scopeSQL) ORDER BY last_seq DESC, id DESC LIMIT ?
                    """, arguments: arguments
            ).map(SQLiteStateLoader.item)
        }
    }

    public func itemBriefs() async throws -> ItemBriefs {
        try await readWhole { db in
            let size = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM events") ?? 0
            var items: [ItemBrief] = []
            items.reserveCapacity(try Int.fetchOne(db, sql: "SELECT count(*) FROM items") ?? 0)
            let s = try FastStatement(
                db, "SELECT id, category, status, condition, holder, account, due_back FROM items ORDER BY id")
            while try s.step() {
                items.append(
                    ItemBrief(
                        id: s.int64(0) ?? 0, category: Category(rawValue: s.string(1)) ?? .other,
                        status: ItemStatus(rawValue: s.string(2)) ?? .held,
                        condition: Condition(rawValue: s.string(3)) ?? .serviceable, holder: s.text(4), account: s.text(5),
                        dueBack: s.text(6)))
            }
            return ItemBriefs(ledgerSize: size, items: items)
        }
    }

    public func heldIdentities() async throws -> (ledgerSize: Int64, items: [HeldIdentity]) {
        try await readWhole { db in
            let size = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM events") ?? 0
            var items: [HeldIdentity] = []
            let s = try FastStatement(db, "SELECT manufacturer, model, serial, category, holder FROM items WHERE status = 'held'")
            while try s.step() {
                items.append(
                    HeldIdentity(
                        identity: ItemIdentity(manufacturer: s.string(0), model: s.string(1), serial: s.string(2)),
                        category: Category(rawValue: s.string(3)) ?? .other, holder: s.string(4)))
            }
            return (size, items)
        }
    }

    // MARK: Events

    public func recentEvents(kinds: [EventKind], scope: HolderScope, limit: Int) async throws -> [RecordedEvent] {
        guard !kinds.isEmpty else { return [] }
        let limit = Self.clampLimit(limit)
        return try read { db in
            // One walk per kind down the kind index (newest first), merged.
            var merged: [RecordedEvent] = []
            for kind in Set(kinds).sorted(by: { $0.rawValue < $1.rawValue }) {
                var sql = "SELECT e.seq, e.leaf FROM events e INDEXED BY events_kind WHERE e.kind = ?"
                var arguments: StatementArguments = [kind.rawValue]
                if !scope.isEverything {
                    let codes = Self.jsonArray(scope.codes)
                    if scope.codes.count <= Self.smallScope {
                        sql += " AND e.seq IN (SELECT seq FROM event_holders WHERE holder IN (SELECT value FROM json_each(?)))"
                        arguments += [codes]
                    } else {
                        // A large scope: test the holders each leaf names against it, one lookup each.
                        sql += """
                             AND (json_extract(CAST(e.leaf AS TEXT), '$.from') IN (SELECT value FROM json_each(?))
                                OR json_extract(CAST(e.leaf AS TEXT), '$.to') IN (SELECT value FROM json_each(?))
                                OR json_extract(CAST(e.leaf AS TEXT), '$.holder.code') IN (SELECT value FROM json_each(?))
                                OR json_extract(CAST(e.leaf AS TEXT), '$.holder.parent') IN (SELECT value FROM json_each(?)))
                            """
                        arguments += [codes, codes, codes, codes]
                    }
                }
                sql += " ORDER BY e.seq DESC LIMIT ?"
                arguments += [limit]
                merged += try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                    RecordedEvent(seq: $0[0], leaf: [UInt8]($0[1] as Data))
                }
            }
            return Array(merged.sorted { $0.seq > $1.seq }.prefix(limit))
        }
    }

    // MARK: Lots

    public func lotQuantities(holders: [String]?) async throws -> [String: Int64] {
        try await readWhole { db in
            var out: [String: Int64] = [:]
            let rows: [Row]
            if let holders {
                guard !holders.isEmpty else { return [:] }
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT holder, sum(quantity) FROM lot_balances
                        WHERE holder IN (SELECT value FROM json_each(?)) AND quantity > 0 GROUP BY holder
                        """, arguments: [Self.jsonArray(Set(holders))])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT holder, sum(quantity) FROM lot_balances WHERE quantity > 0 GROUP BY holder")
            }
            for row in rows { out[row[0]] = row[1] }
            return out
        }
    }

    public func lots(heldBy holder: String) async throws -> [LotQuantity] {
        try read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT l.lot, l.manufacturer, l.calibre, l.type, l.year, b.quantity FROM lot_balances b
                        JOIN lots l ON l.id = b.lot_id WHERE b.holder = ? AND b.quantity > 0 ORDER BY l.lot, l.manufacturer
                        """), arguments: [holder]
            ).map {
                LotQuantity(
                    marking: LotMarking(lot: $0[0], manufacturer: $0[1], calibre: $0[2], type: $0[3], year: $0[4]),
                    quantity: $0[5])
            }
        }
    }

    public func lotCount(scope: HolderScope) async throws -> Int64 {
        try read { db in
            if scope.isEverything {
                return try Int64.fetchOne(db, sql: "SELECT count(DISTINCT lot_id) FROM lot_balances WHERE quantity > 0") ?? 0
            }
            return try Int64.fetchOne(
                db,
                sql: """
                    SELECT count(DISTINCT lot_id) FROM lot_balances
                    WHERE quantity > 0 AND holder IN (SELECT value FROM json_each(?))
                    """, arguments: [Self.jsonArray(scope.codes)]) ?? 0
        }
    }

    public func lots(numbers: [String]) async throws -> [LotRecord] {
        let wanted = Set(numbers)
        guard !wanted.isEmpty else { return [] }
        return try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, lot, manufacturer, calibre, type, year, registered_seq FROM lots
                    WHERE lot IN (SELECT value FROM json_each(?)) ORDER BY lot, manufacturer
                    """, arguments: [Self.jsonArray(wanted)]
            ).map(Self.lotRecord)
        }
    }

    public func lotBalance(lotID: Int64, holder: String) async throws -> Int64 {
        try read { db in
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT quantity FROM lot_balances WHERE lot_id = ? AND holder = ?"),
                arguments: [lotID, holder]) ?? 0
        }
    }

    // MARK: Dispatches

    static let dispatchColumns = """
        d.document, d.seq, d.from_holder, d.to_holder, e.occurred_at, d.items_in_transit, d.last_received_at
        """

    static func dispatches(_ db: Database, _ rows: [Row]) throws -> [DispatchView] {
        let lots = try db.cachedStatement(
            sql: """
                SELECT l.lot, l.manufacturer, l.calibre, l.type, l.year, x.quantity FROM dispatch_lots x
                JOIN lots l ON l.id = x.lot_id WHERE x.document = ? AND x.quantity > 0 ORDER BY l.lot, l.manufacturer
                """)
        return try rows.map { row in
            let document: String = row[0]
            let amounts = try Row.fetchAll(lots, arguments: [document]).map {
                LotQuantity(
                    marking: LotMarking(lot: $0[0], manufacturer: $0[1], calibre: $0[2], type: $0[3], year: $0[4]),
                    quantity: $0[5])
            }
            return DispatchView(
                document: document, seq: row[1], from: row[2], to: row[3], occurredAt: row[4], itemsInTransit: row[5],
                lotsInTransit: amounts, lastReceivedAt: row[6])
        }
    }

    public func dispatch(document: String) async throws -> DispatchView? {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.dispatchColumns) FROM dispatches d LEFT JOIN events e ON e.seq = d.seq
                    WHERE d.document = ?
                    """, arguments: [document])
            return try Self.dispatches(db, rows).first
        }
    }

    public func alertItems(_ query: AlertQuery) async throws -> [AlertItem] {
        // The cutoff of each category as a CASE over the category names (the enum's own
        // values), each cutoff bound: one comparison per row, no JSON to parse.
        let counted = query.countCutoffs.sorted { $0.key.rawValue < $1.key.rawValue }
        let cutoff =
            counted.isEmpty
            ? "NULL" : "CASE category " + counted.map { "WHEN '\($0.key.rawValue)' THEN ?" }.joined(separator: " ") + " END"
        var arguments = StatementArguments(counted.map(\.value))
        arguments += [
            query.dueBefore, Self.jsonArray(Set(query.missingCategories.map(\.rawValue))),
            Self.jsonArray(Set(query.closedHolders)), Self.jsonArray(Set(query.closedHolders)),
        ]
        return try read { db in
            try FastStatement.fetchAll(
                db,
                """
                SELECT \(SQLiteStateLoader.itemColumns),
                    (SELECT occurred_at FROM events WHERE seq = items.registered_seq),
                    (SELECT occurred_at FROM events WHERE seq = items.last_seq)
                FROM items
                WHERE (status = 'held'
                        AND coalesce(last_counted, (SELECT occurred_at FROM events WHERE seq = items.registered_seq)) < \(cutoff))
                    OR (status = 'held' AND due_back < ?)
                    OR (status = 'missing' AND category IN (SELECT value FROM json_each(?)))
                    OR holder IN (SELECT value FROM json_each(?)) OR account IN (SELECT value FROM json_each(?))
                """, arguments
            ) { s in
                AlertItem(record: SQLiteStateLoader.item(s), registeredAt: s.text(21) ?? "", lastEventAt: s.text(22) ?? "")
            }
        }
    }

    public func openDispatches(to scope: HolderScope, limit: Int) async throws -> [DispatchView] {
        var sql = """
            SELECT \(Self.dispatchColumns) FROM dispatches d LEFT JOIN events e ON e.seq = d.seq
            WHERE (d.items_in_transit > 0 OR EXISTS (
                SELECT 1 FROM dispatch_lots x WHERE x.document = d.document AND x.quantity > 0))
            """
        var arguments: StatementArguments = []
        if !scope.isEverything {
            sql += " AND d.to_holder IN (SELECT value FROM json_each(?))"
            arguments += [Self.jsonArray(scope.codes)]
        }
        sql += " ORDER BY d.seq DESC LIMIT ?"
        arguments += [Self.clampLimit(limit)]
        return try read { db in try Self.dispatches(db, try Row.fetchAll(db, sql: sql, arguments: arguments)) }
    }

    // MARK: Ledger

    public func checkpoint(including seq: Int64) async throws -> String? {
        try read { db in
            try String.fetchOne(
                db, sql: "SELECT note FROM checkpoints WHERE size > ? ORDER BY size LIMIT 1", arguments: [max(0, seq)])
        }
    }

    public func recordCosignature(size: Int64, witness: String, line: String, receivedAt: String) async throws {
        try await queue.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO cosignatures(size, witness, line, received_at) VALUES (?, ?, ?, ?)",
                arguments: [size, witness, line, receivedAt])
        }
    }

    public func cosignatures(size: Int64) async throws -> [String: String] {
        try read { db in
            var lines: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT witness, line FROM cosignatures WHERE size = ?", arguments: [size]) {
                lines[row[0]] = row[1]
            }
            return lines
        }
    }

    public func latestCosigned(by witnesses: [String]) async throws -> [String: Int64] {
        try read { db in
            var sizes: [String: Int64] = [:]
            for witness in witnesses {
                sizes[witness] = try Int64.fetchOne(
                    db, sql: "SELECT max(size) FROM cosignatures WHERE witness = ?", arguments: [witness])
            }
            return sizes
        }
    }

    public func latestCosignedSize(witnesses: [String], quorum: Int, atLeast: Int64) async throws -> Int64? {
        guard !witnesses.isEmpty else {
            return try read { db in
                try Int64.fetchOne(db, sql: "SELECT max(size) FROM cosignatures WHERE size >= ?", arguments: [atLeast])
            }
        }
        return try read { db in
            let marks = Array(repeating: "?", count: witnesses.count).joined(separator: ", ")
            return try Int64.fetchOne(
                db,
                sql: """
                    SELECT size FROM cosignatures WHERE witness IN (\(marks)) AND size >= ?
                    GROUP BY size HAVING count(*) >= ? ORDER BY size DESC LIMIT 1
                    """, arguments: StatementArguments(witnesses + [atLeast, quorum] as [any DatabaseValueConvertible]))
        }
    }

    public func firstCosignedSize(after size: Int64) async throws -> Int64? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT min(size) FROM cosignatures WHERE size > ?", arguments: [size]) }
    }

    public func recordVerification(_ record: VerificationRecord) async throws {
        try await queue.write { db in
            try db.execute(
                sql: "INSERT INTO verifications(verified_at, size, ok, divergence) VALUES (?, ?, ?, ?)",
                arguments: [record.verifiedAt, record.size, record.ok, record.divergence])
        }
    }

    public func lastVerification() async throws -> VerificationRecord? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT verified_at, size, ok, divergence FROM verifications ORDER BY id DESC LIMIT 1"
            ).map { VerificationRecord(verifiedAt: $0[0], size: $0[1], ok: $0[2], divergence: $0[3]) }
        }
    }
}
