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
    /// What the last `prefetch` read ahead, for the events it was given (each `prefetch`
    /// replaces it). It may be read before the previous chunk is written: the rules keep in
    /// memory what they changed, but for the items and lots they registered, which `write`
    /// adds here.
    private var ahead = ReadAhead()

    struct ReadAhead {
        var bySerial: [String: [ItemRecord]] = [:]
        var bySerialKey: [String: [ItemRecord]] = [:]
        var lots: [String: [LotRecord]] = [:]
        var balances: [LotHolder: Int64] = [:]
    }

    /// Writes sent and not yet waited for (at most one chunk's), with the number of rows
    /// each must change (nil: any).
    private var inFlight: [(answer: EventLoopFuture<PostgresQueryResult>, rows: Int?)] = []

    init(_ link: PostgresLink) {
        self.link = link
    }

    /// Sends a write without waiting: the connection runs its statements in order, so a
    /// later read sees it, and the rules work on the next chunk meanwhile.
    private func send(_ query: PostgresQuery, changing rows: Int? = nil) {
        inFlight.append((link.send(query), rows))
    }

    /// Waits for every write sent; the first failure is the error.
    func settle() throws {
        let waiting = inFlight
        inFlight.removeAll()
        var failure: (any Error)?
        for (answer, rows) in waiting {
            do {
                let changed = try answer.wait().metadata.rows ?? 0
                if let rows, changed != rows, failure == nil {
                    failure = StoreError(
                        .storage,
                        "the writer changed \(changed) of \(rows) rows, so nothing was recorded; "
                            + "this is a defect in Custodia: report it with the input that caused it")
                }
            } catch {
                if failure == nil { failure = PostgresLink.storeError(error) }
            }
        }
        if let failure { throw failure }
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
            // The ids first, from the marking table alone, so that the planner never joins
            // the two item tables by a guess of how many rows match.
            for row in try link.rows(
                """
                SELECT \(unescaped: Self.itemColumns) FROM items WHERE id = ANY(ARRAY(
                    SELECT id FROM item_markings
                    WHERE (serial, manufacturer) IN (SELECT * FROM unnest(\(serials)::text[], \(manufacturers)::text[]))))
                """)
            {
                let item = try Self.item(row)
                ahead.bySerial[Self.serialPair(item.marking.manufacturer, item.marking.serial), default: []].append(item)
            }
        }
        if !keys.isEmpty {
            for key in keys { ahead.bySerialKey[key] = [] }
            for (key, items) in try itemsBySerialKey(Array(keys)) { ahead.bySerialKey[key] = items }
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

    static let itemColumns = itemStateTableColumns

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

    /// Read once per transaction (the append lock is held from its start), in one statement
    /// with the holder tree's generation and the tree's right edge (the partial tile of each
    /// level), which are what an append reads next: one round trip instead of up to seven.
    private var readHeads: AppendHeads?
    private var readGeneration: Int64?
    private var edge: [Int: (index: Int64, hashes: [TreeHash])] = [:]

    func heads() throws -> AppendHeads {
        if let readHeads { return readHeads }
        let rows = try link.rows(Self.headsQuery)
        let c = Cells(rows[0])
        let heads = AppendHeads(size: try c(0), nextItemID: try c(1), nextLotID: try c(2))
        readGeneration = try c(3)
        for row in rows {
            let c = Cells(row)
            guard let level = try c(4, Int?.self), let index = try c(5, Int64?.self) else { continue }
            edge[level] = (index, Self.hashes(try c.bytes(6)))
        }
        readHeads = heads
        return heads
    }

    /// The seq of the last event that changed the holder tree (-1 when none has), as an
    /// expression: for each kind of change, one step down the (kind, seq) index. The range
    /// on `kind` (not an equality) keeps the order by (kind, seq) from being simplified
    /// away, so the planner cannot walk the whole ledger backwards by seq looking for the
    /// few holder events at its start, whatever its statistics say.
    static let generationExpression: String = {
        let kinds = EventKind.allCases.filter(\.isHolderChange).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return """
            (SELECT coalesce(max(x.seq), -1) FROM unnest(ARRAY[\(kinds)]) AS k(kind),
                LATERAL (SELECT e.seq FROM events e WHERE e.kind >= k.kind AND e.kind <= k.kind
                         ORDER BY e.kind DESC, e.seq DESC LIMIT 1) x)
            """
    }()

    static let headsQuery: PostgresQuery = {
        PostgresQuery(
            unsafeSQL: """
                WITH h AS (SELECT coalesce(max(seq) + 1, 0) AS size FROM events),
                e AS (
                    SELECT l AS level, (h.size >> (8 * l)) / 256 AS idx FROM h, generate_series(0, 7) AS l
                    WHERE (h.size >> (8 * l)) % 256 > 0)
                SELECT h.size, (SELECT coalesce(max(id) + 1, 1) FROM item_markings), (SELECT coalesce(max(id) + 1, 1) FROM lots),
                    \(generationExpression),
                    t.level, t.idx, t.hashes
                FROM h LEFT JOIN (e JOIN tiles t ON t.level = e.level AND t.idx = e.idx) ON true
                """)
    }()

    /// The seq of the last event that changed the holder tree (-1 when none has), as of
    /// this transaction's heads.
    func holderGeneration() throws -> Int64 {
        if readGeneration == nil { _ = try heads() }
        return readGeneration ?? -1
    }

    static func hashes(_ raw: [UInt8]) -> [TreeHash] {
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

    static let holderGenerationQuery = PostgresQuery(unsafeSQL: "SELECT \(generationExpression)")

    func stateLoader() throws -> any StateLoader { self }
    func holders() throws -> [String: Holder] { try Self.holders(link.rows(Self.holdersQuery)) }

    func tile(level: Int, index: Int64) throws -> [TreeHash]? {
        if let known = edge[level], known.index == index { return known.hashes }
        guard let row = try link.rows("SELECT hashes FROM tiles WHERE level = \(level) AND idx = \(index)").first else {
            return nil
        }
        return Self.hashes(try Cells(row).bytes(0))
    }

    func writeTiles(_ tiles: [(level: Int, index: Int64, hashes: [TreeHash])]) throws {
        guard !tiles.isEmpty else { return }
        edge = [:]  // read as stored from now on
        var c = Columns()
        c.add("level", tiles.map(\.level))
        c.add("idx", tiles.map(\.index))
        c.add(
            "hashes",
            tiles.map { tile in
                var buffer = ByteBuffer()
                buffer.reserveCapacity(tile.hashes.count * 32)
                for h in tile.hashes { h.withUnsafeBytes { _ = buffer.writeBytes($0) } }
                return buffer
            })
        send(c.insert(into: "tiles", tail: " ON CONFLICT(level, idx) DO UPDATE SET hashes = excluded.hashes"))
    }

    func finish() throws { try settle() }

    func insertCheckpoint(size: Int64, note: String, signedAt: String) throws {
        try link.rows("INSERT INTO checkpoints(size, note, signed_at) VALUES (\(size), \(note), \(signedAt))")
    }

    // MARK: Rows

    func write(events: [PendingEvent], changes: StateChanges) throws {
        // One chunk in flight at a time.
        try settle()
        // The rules forget the items they registered once written, and ask again: what was
        // read ahead before these writes gets them too.
        for (n, item) in changes.newItems.enumerated() {
            let pair = Self.serialPair(item.marking.manufacturer, item.marking.serial)
            if ahead.bySerial[pair] != nil { ahead.bySerial[pair]!.append(item) }
            if n < changes.newItemSerialKeys.count, ahead.bySerialKey[changes.newItemSerialKeys[n]] != nil {
                ahead.bySerialKey[changes.newItemSerialKeys[n]]!.append(item)
            }
        }
        for lot in changes.newLots where ahead.lots[lot.marking.lot] != nil { ahead.lots[lot.marking.lot]!.append(lot) }
        for h in parentsFirst(changes.newHolders) {
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
        if !lots.isEmpty {
            var c = Columns()
            c.add("id", lots.map(\.id))
            c.add("lot", lots.map(\.marking.lot))
            c.add("manufacturer", lots.map(\.marking.manufacturer))
            c.add("calibre", lots.map(\.marking.calibre))
            c.add("type", lots.map(\.marking.type))
            c.add("year", lots.map { $0.marking.year.map(Int64.init) })
            c.add("registered_seq", lots.map(\.registeredSeq))
            send(c.insert(into: "lots"))
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
        if !balanceRows.isEmpty {
            var c = Columns()
            c.add("lot_id", balanceRows.map(\.key.lot))
            c.add("holder", balanceRows.map(\.key.holder))
            c.add("quantity", balanceRows.map(\.value))
            send(c.insert(into: "lot_balances", tail: " ON CONFLICT(lot_id, holder) DO UPDATE SET quantity = excluded.quantity"))
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
                INSERT INTO dispatches(document, seq, from_holder, to_holder, items_in_transit, last_received_at)
                VALUES (\(d.document), \(d.seq), \(d.from), \(d.to), \(d.itemsInTransit), \(d.lastReceivedAt))
                """)
        }
        for d in changes.changedDispatches {
            try link.rows(
                """
                UPDATE dispatches SET items_in_transit = \(d.itemsInTransit), last_received_at = \(d.lastReceivedAt)
                WHERE document = \(d.document)
                """)
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
        guard !items.isEmpty else { return }
        var c = Columns()
        c.add("id", items.map(\.id))
        c.add("category", items.map(\.marking.category.rawValue))
        c.add("manufacturer", items.map(\.marking.manufacturer))
        c.add("country", items.map(\.marking.country))
        c.add("model", items.map(\.marking.model))
        c.add("calibre", items.map(\.marking.calibre))
        c.add("serial", items.map(\.marking.serial))
        c.add("year", items.map { $0.marking.year.map(Int64.init) })
        c.add("import_country", items.map(\.marking.importCountry))
        c.add("import_year", items.map { $0.marking.importYear.map(Int64.init) })
        c.add("marks", items.map(\.marking.marks))
        c.add("assigned_mark", items.map(\.marking.assignedMark))
        c.add("registered_seq", items.map(\.registeredSeq))
        send(c.insert(into: "item_markings"))
        send(Self.stateColumns(items).insert(into: "item_states"))
        var k = Columns()
        k.add("serial_key", changes.newItemSerialKeys)
        k.add("item_id", items.prefix(changes.newItemSerialKeys.count).map(\.id))
        if !changes.newItemSerialKeys.isEmpty { send(k.insert(into: "item_serial_keys")) }
        var t = Columns()
        t.add("item_id", items.map(\.id))
        t.add("key", items.map { MarkPattern.traceKey($0.marking.serial) })
        send(t.insert(into: "item_trace_keys"))
    }

    /// Every changed item's state in one statement.
    private func writeChangedItems(_ changes: StateChanges) throws {
        let items = changes.changedItems
        guard !items.isEmpty else { return }
        let c = Self.stateColumns(items)
        let set = ["status", "holder", "account", "condition", "due_back", "transit", "last_counted", "last_seq"]
            .map { "\($0) = \(c.value($0, in: "v"))" }.joined(separator: ", ")
        send(
            PostgresQuery(
                unsafeSQL: "UPDATE item_states AS i SET \(set) FROM \(c.unnest(as: "v")) WHERE i.id = v.c1", binds: c.binds),
            changing: items.count)
    }

    /// The items' ids and states, as the columns of `item_states`.
    private static func stateColumns(_ items: [ItemRecord]) -> Columns {
        var c = Columns()
        c.add("id", items.map(\.id))
        c.add("status", items.map(\.state.status.rawValue))
        c.add("holder", items.map(\.state.holder))
        c.add("account", items.map(\.state.account))
        c.add("condition", items.map(\.state.condition.rawValue))
        c.add("due_back", items.map(\.state.dueBack))
        c.add("transit", items.map(\.state.transit))
        c.add("last_counted", items.map(\.state.lastCounted))
        c.add("last_seq", items.map(\.state.lastSeq))
        return c
    }

    private func writeEvents(_ events: [PendingEvent]) throws {
        guard !events.isEmpty else { return }
        var c = Columns()
        c.add("seq", events.map(\.seq))
        c.add("kind", events.map(\.kind.rawValue))
        c.add("occurred_at", events.map(\.occurredAt))
        c.add("leaf", events.map { ByteBuffer(bytes: $0.leaf) })
        send(c.insert(into: "events"))
        var holderCodes: [String] = [], holderSeqs: [Int64] = []
        var itemIDs: [Int64] = [], itemSeqs: [Int64] = []
        var lotIDs: [Int64] = [], lotSeqs: [Int64] = []
        for e in events {
            // Each holder once per event (an event may name one twice: from and to).
            let named = [e.holders.0, e.holders.1, e.holders.2, e.holders.3]
            for (n, code) in named.enumerated() {
                guard let code, !named[..<n].contains(code) else { continue }
                holderCodes.append(code)
                holderSeqs.append(e.seq)
            }
            if e.kind != .register {
                for id in e.itemIDs {
                    itemIDs.append(id)
                    itemSeqs.append(e.seq)
                }
            }
            for id in e.lotIDs {
                lotIDs.append(id)
                lotSeqs.append(e.seq)
            }
        }
        if !holderCodes.isEmpty {
            var h = Columns()
            h.add("holder", holderCodes)
            h.add("seq", holderSeqs)
            send(h.insert(into: "event_holders"))
        }
        if !itemIDs.isEmpty {
            var i = Columns()
            i.add("item_id", itemIDs)
            i.add("seq", itemSeqs)
            send(i.insert(into: "event_items"))
        }
        if !lotIDs.isEmpty {
            var l = Columns()
            l.add("lot_id", lotIDs)
            l.add("seq", lotSeqs)
            send(l.insert(into: "event_lots", tail: " ON CONFLICT DO NOTHING"))
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
                "SELECT seq, from_holder, to_holder, items_in_transit, last_received_at FROM dispatches WHERE document = \(document)"
            ).first
        else { return nil }
        var lots: [Int64: Int64] = [:]
        for lotRow in try link.rows("SELECT lot_id, quantity FROM dispatch_lots WHERE document = \(document)") {
            let c = Cells(lotRow)
            lots[try c(0)] = try c(1)
        }
        let c = Cells(row)
        return DispatchRecord(
            document: document, seq: try c(0), from: try c(1), to: try c(2), itemsInTransit: try c(3), lotsInTransit: lots,
            lastReceivedAt: try c(4, String?.self))
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
        return try itemsBySerialKey([serialKey])[serialKey] ?? []
    }

    /// The items whose serials have each look-alike key, in two statements (the keys' item
    /// ids, then those items by id), so that the planner never joins the item tables by a
    /// guess of how many keys match.
    private func itemsBySerialKey(_ keys: [String]) throws -> [String: [ItemRecord]] {
        var keysByItem: [Int64: [String]] = [:]
        for row in try link.rows("SELECT serial_key, item_id FROM item_serial_keys WHERE serial_key = ANY(\(keys))") {
            let c = Cells(row)
            keysByItem[try c(1), default: []].append(try c(0))
        }
        guard !keysByItem.isEmpty else { return [:] }
        var out: [String: [ItemRecord]] = [:]
        for row in try link.rows(
            "SELECT \(unescaped: Self.itemColumns) FROM items WHERE id = ANY(\(Array(keysByItem.keys))) ORDER BY id")
        {
            let item = try Self.item(row)
            for key in keysByItem[item.id] ?? [] { out[key, default: []].append(item) }
        }
        return out
    }

    func event(seq: Int64) throws -> Event? {
        guard let row = try link.rows("SELECT leaf FROM events WHERE seq = \(seq)").first else { return nil }
        let leaf = try Cells(row).bytes(0)
        let value = try leaf.withUnsafeBufferPointer { try JSONParser.parse($0) }
        return try Event(json: value, source: .ledger)
    }

    func eventHead(seq: Int64) throws -> Event? {
        guard let row = try link.rows("SELECT leaf FROM events WHERE seq = \(seq)").first else { return nil }
        return LeafHead.event(try Cells(row).bytes(0))
    }

    func confirmationUsed(id: String) throws -> Bool {
        try !link.rows("SELECT 1 FROM confirmations_used WHERE id = \(id)").isEmpty
    }

    func userCodes() throws -> [String] {
        try link.rows("SELECT code FROM users").map { try Cells($0)(0, String.self) }
    }

    func seqs(ofKind kind: EventKind) throws -> [Int64] {
        try link.rows("SELECT seq FROM events WHERE kind = \(kind.rawValue) ORDER BY seq").map { try Cells($0)(0, Int64.self) }
    }

    func heldCounts(category: Category, holders: [String]) throws -> [String: Int] {
        guard !holders.isEmpty else { return [:] }
        var out: [String: Int] = [:]
        for row in try link.rows(
            """
            SELECT s.holder, count(*)::bigint FROM item_states s JOIN item_markings m ON m.id = s.id
            WHERE s.holder = ANY(\(holders)) AND m.category = \(category.rawValue) AND s.status = 'held'
            GROUP BY s.holder
            """)
        {
            let c = Cells(row)
            out[try c(0, String.self)] = Int(try c(1, Int64.self))
        }
        return out
    }
}
