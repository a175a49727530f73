import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import PostgresNIO

/// `verify` for the PostgreSQL store, in two passes over one snapshot:
///
/// 1. The backend-neutral hash pass (`LedgerHashCheck`): leaves, tiles, checkpoints.
/// 2. Every event replayed through the custody rules into a scratch schema created inside
///    the verifying transaction, and every state table compared with the stored one by
///    set difference in the database. The transaction is rolled back at the end, so the
///    scratch schema never outlives it, whatever happens.
extension PostgresStore {
    public func verify() async throws -> VerifyReport {
        let key = self.key
        let origin = self.origin
        let location = self.location
        let link = try await PostgresLink.connect(location, logger: Self.logger)
        defer { Task { await link.close() } }
        return try await Self.run(on: readQueue) {
            try link.script("BEGIN ISOLATION LEVEL REPEATABLE READ")
            defer { try? link.script("ROLLBACK") }
            var report = VerifyReport(
                events: 0, leafBytes: 0, tiles: 0, checkpoints: 0, items: 0, lotBalances: 0, holders: 0, hashSeconds: 0,
                replaySeconds: 0, divergence: nil)
            let hashStart = ContinuousClock.now
            if let d = try LedgerHashCheck(key: key, origin: origin).run(PostgresHashSource(link: link), &report) {
                report.divergence = d
                return report
            }
            report.hashSeconds = Self.seconds(since: hashStart)
            let replayStart = ContinuousClock.now
            report.divergence = try Self.replayPass(link, &report)
            report.replaySeconds = Self.seconds(since: replayStart)
            return report
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func replayPass(_ link: PostgresLink, _ report: inout VerifyReport) throws -> String? {
        let stored = try Cells(link.rows("SELECT current_schema()")[0])(0, String.self)
        let scratch = "custodia_verify_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12))"
        let saltedFrom =
            try link.rows("SELECT value FROM \(unescaped: stored).meta WHERE key = 'saltedFrom'").first.flatMap {
                Int64(try Cells($0)(0, String.self))
            } ?? Int64.max
        try link.script("CREATE SCHEMA \(scratch); SET LOCAL search_path TO \(scratch)")
        try link.script(PostgresSchema.migrations.joined(separator: ";\n"))
        let tx = PostgresAppendTransaction(link)
        var engine = CustodyEngine(loader: tx, holders: [:], nextSeq: 0, nextItemID: 1, nextLotID: 1)
        var next: Int64 = 0
        while true {
            let rows = try link.rows(
                """
                SELECT seq, kind, occurred_at, leaf FROM \(unescaped: stored).events WHERE seq >= \(next) ORDER BY seq LIMIT 4096
                """)
            if rows.isEmpty { break }
            var pending: [PendingEvent] = []
            // The chunk's events, parsed once, and what the rules will ask about them read ahead.
            var parsed: [(seq: Int64, kind: String, occurredAt: String, leaf: [UInt8], event: Event?)] = []
            for row in rows {
                let c = Cells(row)
                let leaf = try c.bytes(3)
                let event = try? leaf.withUnsafeBufferPointer { try Event(json: try JSONParser.parse($0), source: .ledger) }
                parsed.append((try c(0), try c(1), try c(2), leaf, event))
            }
            try tx.prefetch(parsed.compactMap(\.event))
            for row in parsed {
                let seq = row.seq
                let leaf = row.leaf
                do {
                    let event = try row.event ?? {
                        let value = try leaf.withUnsafeBufferPointer { try JSONParser.parse($0) }
                        return try Event(json: value, source: .ledger)
                    }()
                    if let d = LedgerHashCheck.checkLeaf(leaf, event: event, seq: seq, kind: row.kind, occurredAt: row.occurredAt) {
                        return d
                    }
                    if seq >= saltedFrom, event.salt == nil {
                        return
                            "events: event \(seq) has no salt, but every leaf from \(saltedFrom) on has one (leaf format 2); the leaf was rewritten"
                    }
                    let applied = try engine.apply(event)
                    pending.append(PendingEvent(applied, leaf: leaf))
                } catch {
                    return "events: event \(seq) does not replay: \(error)"
                }
                next = seq + 1
            }
            try tx.write(events: pending, changes: engine.takeChanges())
        }
        try tx.settle()
        func count(_ table: String) throws -> Int64 {
            try Cells(link.rows("SELECT count(*) FROM \(unescaped: scratch).\(unescaped: table)")[0])(0)
        }
        report.items = try count("items")
        report.lotBalances = try count("lot_balances")
        report.holders = try count("holders")
        report.users = try count("users")
        report.tokens = try count("tokens")
        for table in verifiedStateTables {
            if let d = try compare(link, table, stored: stored, replayed: scratch) { return d }
        }
        return nil
    }

    /// The first row (in key order) that is in one table and not the other, described.
    static func compare(
        _ link: PostgresLink, _ table: (name: String, key: String, columns: String), stored: String, replayed: String
    ) throws -> String? {
        func firstMissing(from a: String, in b: String) throws -> (key: String, row: String)? {
            // Each side's rows as (key text, row text), compared as text.
            let keys = table.key.split(separator: ",").map { "(\($0.trimmingCharacters(in: .whitespaces)))::text" }
                .joined(separator: " || ', ' || ")
            let sql = """
                SELECT k, r FROM (
                    SELECT \(keys) AS k, ROW(\(table.columns))::text AS r, \(table.key) FROM \(a).\(table.name)
                    EXCEPT SELECT \(keys), ROW(\(table.columns))::text, \(table.key) FROM \(b).\(table.name)) d
                ORDER BY \(table.key) LIMIT 1
                """
            return try link.rows(PostgresQuery(unsafeSQL: sql)).first.map {
                let c = Cells($0)
                return (try c(0), try c(1))
            }
        }
        let extra = try firstMissing(from: stored, in: replayed)
        let lacking = try firstMissing(from: replayed, in: stored)
        switch (extra, lacking) {
        case (nil, nil):
            return nil
        case (let x?, let y?) where x.key == y.key:
            return
                "\(table.name): row \(table.key)=\(x.key) is \(x.row) but the events give \(y.row); the state table was changed outside Custodia"
        case (let x?, _):
            return
                "\(table.name): row \(table.key)=\(x.key) is stored but no event produces it; the state table was changed outside Custodia"
        case (nil, let y?):
            return
                "\(table.name): row \(table.key)=\(y.key) follows from the events but is not stored; the state table was changed outside Custodia"
        }
    }
}

/// The stored ledger as the hash check reads it, inside the verifying transaction.
struct PostgresHashSource: LedgerHashSource {
    let link: PostgresLink

    func storedVerifierKey() throws -> String? {
        try link.rows("SELECT value FROM meta WHERE key = 'verifierKey'").first.map { try Cells($0)(0) }
    }

    func storedCheckpoints() throws -> [(size: Int64, note: String)] {
        try link.rows("SELECT size, note FROM checkpoints ORDER BY size").map {
            let c = Cells($0)
            return (size: try c(0), note: try c(1))
        }
    }

    func eventCounts() throws -> (count: Int64, next: Int64) {
        let c = Cells(try link.rows("SELECT count(*), coalesce(max(seq) + 1, 0) FROM events")[0])
        return (try c(0), try c(1))
    }

    func storedTileCount() throws -> Int64 { try Cells(link.rows("SELECT count(*) FROM tiles")[0])(0) }

    func tile(level: Int, index: Int64) throws -> [TreeHash]? {
        try PostgresAppendTransaction(link).tile(level: level, index: index)
    }

    func forEachLeaf(_ body: (Int64, UnsafeRawBufferPointer) throws -> Bool) throws {
        var next: Int64 = 0
        while true {
            let rows = try link.rows("SELECT seq, leaf FROM events WHERE seq >= \(next) ORDER BY seq LIMIT 4096")
            if rows.isEmpty { return }
            for row in rows {
                let c = Cells(row)
                let seq: Int64 = try c(0)
                let leaf = try c.bytes(1)
                let more = try leaf.withUnsafeBytes { try body(seq, $0) }
                if !more { return }
                next = seq + 1
            }
        }
    }
}
