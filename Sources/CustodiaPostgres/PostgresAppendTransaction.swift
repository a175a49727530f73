import CustodiaCore
import CustodiaLedger
import CustodiaStore
import NIOCore
import PostgresNIO

/// The PostgreSQL side of an append: reads and rows inside the transaction the store holds,
/// with the log's advisory lock, while the coordinator runs. Rows go in multi-row statements
/// (a few thousand rows a round trip), never one round trip per row of a bulk path.
final class PostgresAppendTransaction: AppendTransaction, StateLoader {
    let link: PostgresLink
    /// What `prefetch` read ahead, until the next `write`.
    private var ahead = ReadAhead()

    struct ReadAhead {
        var bySerial: [String: [ItemRecord]] = [:]
        var bySerialKey: [String: [ItemRecord]] = [:]
        var lots: [String: [LotRecord]] = [:]
        var balances: [LotHolder: Int64] = [:]
    }

    init(_ link: PostgresLink) {
        self.link = link
    }

    static func serialPair(_ manufacturer: String, _ serial: String) -> String { manufacturer + "\u{0}" + serial }

    /// Reads ahead, in four statements, the items, look-alike keys, lots and balances the
    /// rules will ask about for `events`.
    func prefetch(_ events: [Event]) throws {
        ahead = ReadAhead()
        var manufacturers: [String] = [], serials: [String] = [], seen = Set<String>()
        var keys = Set<String>(), numbers = Set<String>(), holders = Set<String>()
        for raw in events {
            let e = raw.normalizedText()
            func pair(_ m: String, _ s: String) {
                if seen.insert(Self.serialPair(m, s)).inserted {
                    manufacturers.append(m)
                    serials.append(s)
                }
            }
            for ref in e.items { if case .marking(let m, let s, _) = ref { pair(m, s) } }
            for r in e.registrations {
                pair(r.manufacturer, r.serial)
                keys.insert(Identifier.serialKey(r.serial))
            }
            for l in e.lots { numbers.insert(l.lot) }
            for l in e.lotRegistrations { numbers.insert(l.marking.lot) }
            if !e.lots.isEmpty || !e.lotRegistrations.isEmpty {
                if let f = e.from { holders.insert(f) }
                if let t = e.to { holders.insert(t) }
            }
        }
        if !seen.isEmpty {
            for key in seen { ahead.bySerial[key] = [] }
            for row in try link.rows(
                """
                SELECT \(unescaped: Self.itemColumns) FROM items
                WHERE (serial, manufacturer) IN (SELECT * FROM unnest(\(serials)::text[], \(manufacturers)::text[]))
                """)
            {
                let item = try Self.item(row)
                ahead.bySerial[Self.serialPair(item.marking.manufacturer, item.marking.serial), default: []].append(item)
            }
        }
        if !keys.isEmpty {
            for key in keys { ahead.bySerialKey[key] = [] }
            let columns = Self.itemColumns.split(separator: ",").map { "i." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .joined(separator: ", ")
            for row in try link.rows(
                """
                SELECT \(unescaped: columns), k.serial_key FROM item_serial_keys k JOIN items i ON i.id = k.item_id
                WHERE k.serial_key = ANY(\(Array(keys)))
                """)
            {
                let key = try Cells(row)(21, String.self)
                ahead.bySerialKey[key, default: []].append(try Self.item(row))
            }
        }
        if !numbers.isEmpty {
            for n in numbers { ahead.lots[n] = [] }
            var ids: [Int64] = []
            for lot in try lotRows("WHERE lot = ANY($1::text[])", Array(numbers)) {
                ahead.lots[lot.marking.lot, default: []].append(lot)
                ids.append(lot.id)
            }
            if !ids.isEmpty, !holders.isEmpty {
                for id in ids { for h in holders { ahead.balances[LotHolder(lot: id, holder: h)] = 0 } }
                for row in try link.rows(
                    "SELECT lot_id, holder, quantity FROM lot_balances WHERE lot_id = ANY(\(ids)) AND holder = ANY(\(Array(holders)))")
                {
                    let c = Cells(row)
                    ahead.balances[LotHolder(lot: try c(0), holder: try c(1))] = try c(2)
                }
            }
        }
    }

    private func lotRows(_ condition: String, _ values: [String]) throws -> [LotRecord] {
        var binds = PostgresBindings()
        binds.append(values)
        return try link.rows(
            PostgresQuery(
                unsafeSQL: "SELECT id, lot, manufacturer, calibre, type, year, registered_seq FROM lots \(condition)", binds: binds)
        ).map {
            let c = Cells($0)
            return LotRecord(
                id: try c(0),
                marking: LotMarking(lot: try c(1), manufacturer: try c(2), calibre: try c(3), type: try c(4), year: try c(5, Int?.self)),
                registeredSeq: try c(6))
        }
    }

    static let itemColumns = """
        id, category, manufacturer, country, model, calibre, serial, year, import_country, import_year, marks,
        assigned_mark, registered_seq, status, holder, account, condition, due_back, transit, last_counted, last_seq
        """

    static func item(_ row: PostgresRow) throws -> ItemRecord {
        let c = Cells(row)
        let marking = ItemMarking(
            category: Category(rawValue: try c(1)) ?? .other, manufacturer: try c(2), country: try c(3), model: try c(4),
            calibre: try c(5), serial: try c(6), year: try c(7, Int?.self), importCountry: try c(8, String?.self),
            importYear: try c(9, Int?.self), marks: try c(10, String?.self), assignedMark: try c(11, Bool.self))
        let state = ItemState(
            status: ItemStatus(rawValue: try c(13)) ?? .held, holder: try c(14, String?.self), account: try c(15, String?.self),
            condition: Condition(rawValue: try c(16)) ?? .serviceable, dueBack: try c(17, String?.self),
            transit: try c(18, String?.self), lastCounted: try c(19, String?.self), lastSeq: try c(20, Int64.self))
        return ItemRecord(id: try c(0), marking: marking, state: state, registeredSeq: try c(12))
    }

    static func holders(_ rows: [PostgresRow]) throws -> [String: Holder] {
        var out: [String: Holder] = [:]
        for row in rows {
            let c = Cells(row)
            let h = Holder(
                code: try c(0), kind: HolderKind(rawValue: try c(1)) ?? .external, name: try c(2),
                parent: try c(3, String?.self), closed: try c(4))
            out[h.code] = h
        }
        return out
    }

    static let holdersQuery: PostgresQuery = "SELECT code, kind, name, parent, closed FROM holders"

    // MARK: AppendTransaction

    func heads() throws -> AppendHeads {
        let row = try link.rows(
            """
            SELECT (SELECT coalesce(max(seq) + 1, 0) FROM events), (SELECT coalesce(max(id) + 1, 1) FROM items),
                   (SELECT coalesce(max(id) + 1, 1) FROM lots)
            """)[0]
        let c = Cells(row)
        return AppendHeads(size: try c(0), nextItemID: try c(1), nextLotID: try c(2))
    }

    func stateLoader() throws -> any StateLoader { self }
    func holders() throws -> [String: Holder] { try Self.holders(link.rows(Self.holdersQuery)) }

    func tile(level: Int, index: Int64) throws -> [TreeHash]? {
        guard let row = try link.rows("SELECT hashes FROM tiles WHERE level = \(level) AND idx = \(index)").first else {
            return nil
        }
        let raw = try Cells(row).bytes(0)
        var out: [TreeHash] = []
        out.reserveCapacity(raw.count / 32)
        raw.withUnsafeBytes { buffer in
            var offset = 0
            while offset + 32 <= buffer.count {
                out.append(TreeHash(raw: UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + 32]))!)
                offset += 32
            }
        }
        return out
    }

    func writeTiles(_ tiles: [(level: Int, index: Int64, hashes: [TreeHash])]) throws {
        let statement = RowStatement(
            "INSERT INTO tiles(level, idx, hashes)", casts: ["$::integer", "$::bigint", "$::bytea"],
            tail: " ON CONFLICT(level, idx) DO UPDATE SET hashes = excluded.hashes")
        for query in statement.queries(count: tiles.count, bind: { b, i in
            var buffer = ByteBuffer()
            for h in tiles[i].hashes { h.withUnsafeBytes { _ = buffer.writeBytes($0) } }
            b.append(tiles[i].level)
            b.append(tiles[i].index)
            b.append(buffer)
        }) {
            try link.rows(query)
        }
    }

    func finish() throws {}

    func insertCheckpoint(size: Int64, note: String, signedAt: String) throws {
        try link.rows("INSERT INTO checkpoints(size, note, signed_at) VALUES (\(size), \(note), \(signedAt))")
    }

    // MARK: Rows

    func write(events: [PendingEvent], changes: StateChanges) throws {
        ahead = ReadAhead()
        for h in Self.parentsFirst(changes.newHolders) {
            let seq = changes.holderAddedSeq[h.code] ?? 0
            try link.rows(
                """
                INSERT INTO holders(code, kind, name, parent, closed, added_seq)
                VALUES (\(h.code), \(h.kind.rawValue), \(h.name), \(h.parent), \(h.closed), \(seq))
                """)
        }
        for h in changes.changedHolders {
            try link.rows("UPDATE holders SET name = \(h.name), parent = \(h.parent), closed = \(h.closed) WHERE code = \(h.code)")
        }
        for u in changes.newUsers {
            try link.rows(
                """
                INSERT INTO users(code, role, scope, active, added_seq)
                VALUES (\(u.code), \(u.role.rawValue), \(u.scope), \(u.active), \(u.addedSeq))
                """)
        }
        for u in changes.changedUsers {
            try link.rows(
                "UPDATE users SET role = \(u.role.rawValue), scope = \(u.scope), active = \(u.active) WHERE code = \(u.code)")
        }
        for t in changes.newTokens {
            try link.rows(
                "INSERT INTO tokens(id, \"user\", active, created_seq) VALUES (\(t.id), \(t.user), \(t.active), \(t.createdSeq))")
        }
        for t in changes.changedTokens {
            try link.rows("UPDATE tokens SET active = \(t.active) WHERE id = \(t.id)")
        }
        let lots = changes.newLots
        for query in RowStatement(
            "INSERT INTO lots(id, lot, manufacturer, calibre, type, year, registered_seq)",
            casts: ["$::bigint", "$::text", "$::text", "$::text", "$::text", "$::bigint", "$::bigint"]
        ).queries(count: lots.count, bind: { b, i in
            let m = lots[i].marking
            b.append(lots[i].id)
            b.append(m.lot)
            b.append(m.manufacturer)
            b.append(m.calibre)
            b.append(m.type)
            b.append(m.year.map(Int64.init))
            b.append(lots[i].registeredSeq)
        }) {
            try link.rows(query)
        }
        try writeNewItems(changes)
        for c in changes.usedConfirmations {
            try link.rows("INSERT INTO confirmations_used(id, \"user\", seq) VALUES (\(c.id), \(c.user), \(c.seq))")
        }
        try writeChangedItems(changes)
        // The engine lists a balance once per key and step; the last value is the state.
        var balances: [LotHolder: Int64] = [:]
        for (key, quantity) in changes.balances { balances[key] = quantity }
        let balanceRows = balances.sorted { ($0.key.lot, $0.key.holder) < ($1.key.lot, $1.key.holder) }
        for query in RowStatement(
            "INSERT INTO lot_balances(lot_id, holder, quantity)", casts: ["$::bigint", "$::text", "$::bigint"],
            tail: " ON CONFLICT(lot_id, holder) DO UPDATE SET quantity = excluded.quantity"
        ).queries(count: balanceRows.count, bind: { b, i in
            b.append(balanceRows[i].key.lot)
            b.append(balanceRows[i].key.holder)
            b.append(balanceRows[i].value)
        }) {
            try link.rows(query)
        }
        var missing: [Int64: Int64] = [:]
        for (lot, quantity) in changes.missingLots { missing[lot] = quantity }
        for (lot, quantity) in missing.sorted(by: { $0.key < $1.key }) {
            try link.rows(
                """
                INSERT INTO lot_missing(lot_id, quantity) VALUES (\(lot), \(quantity))
                ON CONFLICT(lot_id) DO UPDATE SET quantity = excluded.quantity
                """)
        }
        for d in changes.newDispatches {
            try link.rows(
                """
                INSERT INTO dispatches(document, seq, from_holder, to_holder, items_in_transit)
                VALUES (\(d.document), \(d.seq), \(d.from), \(d.to), \(d.itemsInTransit))
                """)
        }
        for d in changes.changedDispatches {
            try link.rows("UPDATE dispatches SET items_in_transit = \(d.itemsInTransit) WHERE document = \(d.document)")
        }
        for d in changes.newDispatches + changes.changedDispatches {
            for (lot, quantity) in d.lotsInTransit.sorted(by: { $0.key < $1.key }) {
                try link.rows(
                    """
                    INSERT INTO dispatch_lots(document, lot_id, quantity) VALUES (\(d.document), \(lot), \(quantity))
                    ON CONFLICT(document, lot_id) DO UPDATE SET quantity = excluded.quantity
                    """)
            }
        }
        try writeEvents(events)
    }

    private func writeNewItems(_ changes: StateChanges) throws {
        let items = changes.newItems
        let casts = [
            "$::bigint", "$::text", "$::text", "$::text", "$::text", "$::text", "$::text", "$::bigint", "$::text", "$::bigint",
            "$::text", "$::boolean", "$::bigint", "$::text", "$::text", "$::text", "$::text", "$::text", "$::text", "$::text",
            "$::bigint",
        ]
        for query in RowStatement("INSERT INTO items(\(Self.itemColumns))", casts: casts).queries(
            count: items.count,
            bind: { b, i in
                let r = items[i]
                let m = r.marking, st = r.state
                b.append(r.id)
                b.append(m.category.rawValue)
                b.append(m.manufacturer)
                b.append(m.country)
                b.append(m.model)
                b.append(m.calibre)
                b.append(m.serial)
                b.append(m.year.map(Int64.init))
                b.append(m.importCountry)
                b.append(m.importYear.map(Int64.init))
                b.append(m.marks)
                b.append(m.assignedMark)
                b.append(r.registeredSeq)
                b.append(st.status.rawValue)
                b.append(st.holder)
                b.append(st.account)
                b.append(st.condition.rawValue)
                b.append(st.dueBack)
                b.append(st.transit)
                b.append(st.lastCounted)
                b.append(st.lastSeq)
            })
        {
            try link.rows(query)
        }
        let keys = changes.newItemSerialKeys
        for query in RowStatement("INSERT INTO item_serial_keys(serial_key, item_id)", casts: ["$::text", "$::bigint"]).queries(
            count: keys.count, bind: { b, i in
                b.append(keys[i])
                b.append(items[i].id)
            })
        {
            try link.rows(query)
        }
    }

    /// Every changed item's state in one statement per few thousand items.
    private func writeChangedItems(_ changes: StateChanges) throws {
        let items = changes.changedItems
        let casts = ["$::bigint", "$::text", "$::text", "$::text", "$::text", "$::text", "$::text", "$::text", "$::bigint"]
        var updated = 0
        for query in RowStatement(
            "UPDATE items AS i SET status = v.status, holder = v.holder, account = v.account, condition = v.condition, "
                + "due_back = v.due_back, transit = v.transit, last_counted = v.last_counted, last_seq = v.last_seq FROM (",
            casts: casts,
            tail: ") AS v(id, status, holder, account, condition, due_back, transit, last_counted, last_seq) WHERE i.id = v.id"
                + " RETURNING i.id"
        ).queries(
            count: items.count,
            bind: { b, i in
                let st = items[i].state
                b.append(items[i].id)
                b.append(st.status.rawValue)
                b.append(st.holder)
                b.append(st.account)
                b.append(st.condition.rawValue)
                b.append(st.dueBack)
                b.append(st.transit)
                b.append(st.lastCounted)
                b.append(st.lastSeq)
            })
        {
            updated += try link.rows(query).count
        }
        guard updated == items.count else {
            throw StoreError(
                .storage,
                "the writer updated \(updated) of \(items.count) changed items, so nothing was recorded; "
                    + "this is a defect in Custodia: report it with the input that caused it")
        }
    }

    private func writeEvents(_ events: [PendingEvent]) throws {
        for query in RowStatement(
            "INSERT INTO events(seq, kind, occurred_at, leaf)", casts: ["$::bigint", "$::text", "$::text", "$::bytea"]
        ).queries(
            count: events.count,
            bind: { b, i in
                b.append(events[i].seq)
                b.append(events[i].kind.rawValue)
                b.append(events[i].occurredAt)
                b.append(ByteBuffer(bytes: events[i].leaf))
            })
        {
            try link.rows(query)
        }
        var holderLinks: [(String, Int64)] = []
        var itemLinks: [(Int64, Int64)] = []
        var lotLinks: [(Int64, Int64)] = []
        for e in events {
            for code in [e.holders.0, e.holders.1, e.holders.2, e.holders.3].compactMap({ $0 }) { holderLinks.append((code, e.seq)) }
            if e.kind != .register { for id in e.itemIDs { itemLinks.append((id, e.seq)) } }
            for id in e.lotIDs { lotLinks.append((id, e.seq)) }
        }
        for query in RowStatement(
            "INSERT INTO event_holders(holder, seq)", casts: ["$::text", "$::bigint"], tail: " ON CONFLICT DO NOTHING"
        ).queries(count: holderLinks.count, bind: { b, i in
            b.append(holderLinks[i].0)
            b.append(holderLinks[i].1)
        }) {
            try link.rows(query)
        }
        for query in RowStatement("INSERT INTO event_items(item_id, seq)", casts: ["$::bigint", "$::bigint"]).queries(
            count: itemLinks.count, bind: { b, i in
                b.append(itemLinks[i].0)
                b.append(itemLinks[i].1)
            })
        {
            try link.rows(query)
        }
        for query in RowStatement(
            "INSERT INTO event_lots(lot_id, seq)", casts: ["$::bigint", "$::bigint"], tail: " ON CONFLICT DO NOTHING"
        ).queries(count: lotLinks.count, bind: { b, i in
            b.append(lotLinks[i].0)
            b.append(lotLinks[i].1)
        }) {
            try link.rows(query)
        }
        for e in events {
            if let corrected = e.corrects { try link.rows(Self.linkCorrectionHolders(seq: e.seq, corrected: corrected)) }
        }
    }

    /// Lists correction `seq` under the holders of the event it corrects, following a chain
    /// of corrections to the event that names holders.
    static func linkCorrectionHolders(seq: Int64, corrected: Int64) -> PostgresQuery {
        """
        WITH RECURSIVE chain(seq) AS (
            SELECT \(corrected)::bigint
            UNION SELECT (convert_from(e.leaf, 'UTF8')::jsonb ->> 'corrects')::bigint
                FROM events e JOIN chain c ON e.seq = c.seq WHERE e.kind = 'correction'),
        named(code) AS (
            SELECT x FROM events e JOIN chain c ON e.seq = c.seq,
                LATERAL (SELECT convert_from(e.leaf, 'UTF8')::jsonb AS j) l,
                LATERAL unnest(ARRAY[j ->> 'from', j ->> 'to', j #>> '{holder,code}', j #>> '{holder,parent}']) x)
        INSERT INTO event_holders(holder, seq) SELECT DISTINCT code, \(seq)::bigint FROM named WHERE code IS NOT NULL
        ON CONFLICT DO NOTHING
        """
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

    // MARK: StateLoader

    func items(manufacturer: String, serial: String) throws -> [ItemRecord] {
        if let known = ahead.bySerial[Self.serialPair(manufacturer, serial)] { return known }
        return try link.rows(
            "SELECT \(unescaped: Self.itemColumns) FROM items WHERE serial = \(serial) AND manufacturer = \(manufacturer)"
        ).map(Self.item)
    }

    func item(id: Int64) throws -> ItemRecord? {
        try link.rows("SELECT \(unescaped: Self.itemColumns) FROM items WHERE id = \(id)").first.map(Self.item)
    }

    func lots(number: String) throws -> [LotRecord] {
        if let known = ahead.lots[number] { return known }
        return try lotRows("WHERE lot = ANY($1::text[])", [number])
    }

    func balance(_ key: LotHolder) throws -> Int64 {
        if let known = ahead.balances[key] { return known }
        return try link.rows("SELECT quantity FROM lot_balances WHERE lot_id = \(key.lot) AND holder = \(key.holder)").first.map {
            try Cells($0)(0, Int64.self)
        } ?? 0
    }

    func missingQuantity(lot: Int64) throws -> Int64 {
        try link.rows("SELECT quantity FROM lot_missing WHERE lot_id = \(lot)").first.map { try Cells($0)(0, Int64.self) } ?? 0
    }

    func dispatch(document: String) throws -> DispatchRecord? {
        guard
            let row = try link.rows(
                "SELECT seq, from_holder, to_holder, items_in_transit FROM dispatches WHERE document = \(document)"
            ).first
        else { return nil }
        var lots: [Int64: Int64] = [:]
        for lotRow in try link.rows("SELECT lot_id, quantity FROM dispatch_lots WHERE document = \(document)") {
            let c = Cells(lotRow)
            lots[try c(0)] = try c(1)
        }
        let c = Cells(row)
        return DispatchRecord(
            document: document, seq: try c(0), from: try c(1), to: try c(2), itemsInTransit: try c(3), lotsInTransit: lots)
    }

    func user(code: String) throws -> UserRecord? {
        try link.rows("SELECT code, role, scope, active, added_seq FROM users WHERE code = \(code)").first.map {
            let c = Cells($0)
            return UserRecord(
                code: try c(0), role: Role(rawValue: try c(1)) ?? .viewer, scope: try c(2, String?.self), active: try c(3),
                addedSeq: try c(4))
        }
    }

    func token(id: String) throws -> APITokenRecord? {
        try link.rows("SELECT id, \"user\", active, created_seq FROM tokens WHERE id = \(id)").first.map {
            let c = Cells($0)
            return APITokenRecord(id: try c(0), user: try c(1), active: try c(2), createdSeq: try c(3))
        }
    }

    func items(serialKey: String) throws -> [ItemRecord] {
        if let known = ahead.bySerialKey[serialKey] { return known }
        let columns = Self.itemColumns.split(separator: ",").map { "i." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .joined(separator: ", ")
        return try link.rows(
            """
            SELECT \(unescaped: columns) FROM item_serial_keys k JOIN items i ON i.id = k.item_id
            WHERE k.serial_key = \(serialKey)
            """
        ).map(Self.item)
    }

    func event(seq: Int64) throws -> Event? {
        guard let row = try link.rows("SELECT leaf FROM events WHERE seq = \(seq)").first else { return nil }
        let leaf = try Cells(row).bytes(0)
        let value = try leaf.withUnsafeBufferPointer { try JSONParser.parse($0) }
        return try Event(json: value, source: .ledger)
    }

    func confirmationUsed(id: String) throws -> Bool {
        try !link.rows("SELECT 1 FROM confirmations_used WHERE id = \(id)").isEmpty
    }

    func userCodes() throws -> [String] {
        try link.rows("SELECT code FROM users").map { try Cells($0)(0, String.self) }
    }
}
