import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import GRDB

/// Reads custody state from the SQLite tables, inside the transaction that will write the
/// engine's changes.
struct SQLiteStateLoader: StateLoader {
    let db: Database
    private let bySerial: FastStatement
    private let byID: FastStatement

    init(db: Database) throws {
        self.db = db
        bySerial = try FastStatement(db, "SELECT \(Self.itemColumns) FROM items WHERE serial = ? AND manufacturer = ?")
        byID = try FastStatement(db, "SELECT \(Self.itemColumns) FROM items WHERE id = ?")
    }

    /// Decodes the current row of a statement selecting `itemColumns`.
    static func item(_ s: FastStatement) -> ItemRecord {
        let marking = ItemMarking(
            category: Category(rawValue: s.string(1)) ?? .other, manufacturer: s.string(2), country: s.string(3),
            model: s.string(4), calibre: s.string(5), serial: s.string(6), year: s.int(7), importCountry: s.text(8),
            importYear: s.int(9), marks: s.text(10), assignedMark: s.int64(11) == 1)
        let state = ItemState(
            status: ItemStatus(rawValue: s.string(13)) ?? .held, holder: s.text(14), account: s.text(15),
            condition: Condition(rawValue: s.string(16)) ?? .serviceable, dueBack: s.text(17), transit: s.text(18),
            lastCounted: s.text(19), lastSeq: s.int64(20) ?? 0)
        return ItemRecord(id: s.int64(0) ?? 0, marking: marking, state: state, registeredSeq: s.int64(12) ?? 0)
    }

    static let itemColumns = itemStateTableColumns

    static func item(_ row: Row) -> ItemRecord {
        let marking = ItemMarking(
            category: Category(rawValue: row[1]) ?? .other, manufacturer: row[2], country: row[3], model: row[4],
            calibre: row[5], serial: row[6], year: row[7], importCountry: row[8], importYear: row[9], marks: row[10],
            assignedMark: row[11])
        let state = ItemState(
            status: ItemStatus(rawValue: row[13]) ?? .held, holder: row[14], account: row[15],
            condition: Condition(rawValue: row[16]) ?? .serviceable, dueBack: row[17], transit: row[18],
            lastCounted: row[19], lastSeq: row[20])
        return ItemRecord(id: row[0], marking: marking, state: state, registeredSeq: row[12])
    }

    func items(manufacturer: String, serial: String) throws -> [ItemRecord] {
        bySerial.bind(1, serial)
        bySerial.bind(2, manufacturer)
        var out: [ItemRecord] = []
        while try bySerial.step() { out.append(Self.item(bySerial)) }
        return out
    }

    func item(id: Int64) throws -> ItemRecord? {
        byID.bind(1, id)
        guard try byID.step() else { return nil }
        let record = Self.item(byID)
        byID.reset()
        return record
    }

    func lots(number: String) throws -> [LotRecord] {
        let statement = try db.cachedStatement(
            sql: "SELECT id, lot, manufacturer, calibre, type, year, registered_seq FROM lots WHERE lot = ?")
        return try Row.fetchAll(statement, arguments: [number]).map { row in
            LotRecord(
                id: row[0], marking: LotMarking(lot: row[1], manufacturer: row[2], calibre: row[3], type: row[4], year: row[5]),
                registeredSeq: row[6])
        }
    }

    func balance(_ key: LotHolder) throws -> Int64 {
        let statement = try db.cachedStatement(sql: "SELECT quantity FROM lot_balances WHERE lot_id = ? AND holder = ?")
        return try Int64.fetchOne(statement, arguments: [key.lot, key.holder]) ?? 0
    }

    func missingQuantity(lot: Int64) throws -> Int64 {
        let statement = try db.cachedStatement(sql: "SELECT quantity FROM lot_missing WHERE lot_id = ?")
        return try Int64.fetchOne(statement, arguments: [lot]) ?? 0
    }

    func dispatch(document: String) throws -> DispatchRecord? {
        let statement = try db.cachedStatement(
            sql: "SELECT seq, from_holder, to_holder, items_in_transit, last_received_at FROM dispatches WHERE document = ?")
        guard let row = try Row.fetchOne(statement, arguments: [document]) else { return nil }
        let lotStatement = try db.cachedStatement(sql: "SELECT lot_id, quantity FROM dispatch_lots WHERE document = ?")
        var lots: [Int64: Int64] = [:]
        for lotRow in try Row.fetchAll(lotStatement, arguments: [document]) { lots[lotRow[0]] = lotRow[1] }
        return DispatchRecord(
            document: document, seq: row[0], from: row[1], to: row[2], itemsInTransit: row[3], lotsInTransit: lots,
            lastReceivedAt: row[4])
    }

    func user(code: String) throws -> UserRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.userColumns) FROM users WHERE code = ?")
        return try Row.fetchOne(statement, arguments: [code]).map(Self.user)
    }

    func token(id: String) throws -> APITokenRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.tokenColumns) FROM tokens WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(Self.token)
    }

    static let userColumns = "code, role, scope, active, added_seq"
    static let tokenColumns = "id, user, active, created_seq"

    /// Decodes a row selecting `userColumns`.
    func items(serialKey: String) throws -> [ItemRecord] {
        let statement = try db.cachedStatement(
            sql: """
                SELECT \(Self.prefixed("i.")) FROM item_serial_keys k JOIN items i ON i.id = k.item_id
                WHERE k.serial_key = ?
                """)
        return try Row.fetchAll(statement, arguments: [serialKey]).map(Self.item)
    }

    func event(seq: Int64) throws -> Event? {
        let statement = try db.cachedStatement(sql: "SELECT leaf FROM events WHERE seq = ?")
        guard let leaf = try Data.fetchOne(statement, arguments: [seq]) else { return nil }
        let value = try [UInt8](leaf).withUnsafeBufferPointer { try JSONParser.parse($0) }
        return try Event(json: value, source: .ledger)
    }

    func eventHead(seq: Int64) throws -> Event? {
        let statement = try db.cachedStatement(sql: "SELECT leaf FROM events WHERE seq = ?")
        return try Data.fetchOne(statement, arguments: [seq]).flatMap { LeafHead.event([UInt8]($0)) }
    }

    func confirmationUsed(id: String) throws -> Bool {
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM confirmations_used WHERE id = ?")
        return try Bool.fetchOne(statement, arguments: [id]) ?? false
    }

    func userCodes() throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT code FROM users"))
    }

    func seqs(ofKind kind: EventKind) throws -> [Int64] {
        try Int64.fetchAll(db.cachedStatement(sql: "SELECT seq FROM events WHERE kind = ? ORDER BY seq"), arguments: [kind.rawValue])
    }

    func heldCounts(category: Category, holders: [String]) throws -> [String: Int] {
        guard !holders.isEmpty else { return [:] }
        let list = String(decoding: CanonicalJSON.encode(.array(holders.map { .string($0) })), as: UTF8.self)
        let statement = try db.cachedStatement(
            sql: """
                SELECT holder, count(*) FROM items
                WHERE holder IN (SELECT value FROM json_each(?)) AND category = ? AND status = 'held' GROUP BY holder
                """)
        var out: [String: Int] = [:]
        for row in try Row.fetchAll(statement, arguments: [list, category.rawValue]) { out[row[0]] = row[1] }
        return out
    }

    /// `itemColumns`, each with a table alias.
    static func prefixed(_ alias: String) -> String {
        itemColumns.split(separator: ",").map { alias + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(
            separator: ", ")
    }

    static func user(_ row: Row) -> UserRecord {
        UserRecord(code: row[0], role: Role(rawValue: row[1]) ?? .viewer, scope: row[2], active: row[3], addedSeq: row[4])
    }

    /// Decodes a row selecting `tokenColumns`.
    static func token(_ row: Row) -> APITokenRecord {
        APITokenRecord(id: row[0], user: row[1], active: row[2], createdSeq: row[3])
    }

    static func holders(_ db: Database) throws -> [String: Holder] {
        var out: [String: Holder] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT code, kind, name, parent, closed FROM holders") {
            let h = Holder(
                code: row[0], kind: HolderKind(rawValue: row[1]) ?? .external, name: row[2], parent: row[3], closed: row[4])
            out[h.code] = h
        }
        return out
    }
}
