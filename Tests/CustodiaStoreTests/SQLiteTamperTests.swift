import CustodiaCore
import CustodiaLedger
import CustodiaSQLite
import CustodiaStore
import CustodiaTestSupport
import Foundation
import Testing

/// A store of 317 events in four appends, for tampering with behind Custodia's back.
///
/// Events: 0–7 the holder tree; 8–307 rifles R-000…R-299 registered at S1 (item ids 1–300);
/// 308 lot L1 (1000) at S1; 309 issue R-000 S1→P1; 310 issue 100 of L1 S1→U1;
/// 311 condition R-001; 312 return R-000 P1→S1; 313 dispatch R-002 S1→S2 (D-1);
/// 314 receive D-1 at S2; 315 issue R-003 S1→P1; 316 loss R-004. Checkpoints at 8, 309,
/// 315 and 317. Tiles: 0/0 (full), 0/1 (61 hashes), 1/0 (1 hash).
struct TamperFixture {
    let path: String
    let key: LogKey
    let leaves: [[UInt8]]
    let roots: [Int64: TreeHash]

    static func make(in dir: URL) async throws -> TamperFixture {
        let key = try LogKey.generate(name: testOrigin)
        let store = try SQLiteStore.create(
            path: dir.appendingPathComponent("custodia.db").path, origin: testOrigin, key: key, now: recordedAt)
        var reports = [try await store.recordValid(Fixture.holderTree)]
        reports.append(
            try await store.recordValid(
                (0..<300).map { E.register(E.item(String(format: "R-%03d", $0)), to: "S1") } + [
                    E.registerLot("L1", quantity: 1000, to: "S1")
                ]))
        reports.append(
            try await store.recordValid([
                E.move(.issue, ["R-000"], from: "S1", to: "P1"),
                E.move(.issue, lots: [("L1", 100)], from: "S1", to: "U1"),
                E.move(.condition, ["R-001"], from: "S1", condition: .unserviceable),
                E.move(.return, ["R-000"], from: "P1", to: "S1"),
                E.move(.dispatch, ["R-002"], from: "S1", to: "S2", document: "D-1"),
                E.move(.receive, ["R-002"], to: "S2", document: "D-1"),
            ]))
        reports.append(
            try await store.recordValid([E.move(.issue, ["R-003"], from: "S1", to: "P1"), E.move(.loss, ["R-004"], from: "S1")]))
        try #require(reports.map(\.size) == [8, 309, 315, 317])
        var roots: [Int64: TreeHash] = [:]
        for r in reports { roots[r.size] = try await store.signedCheckpoint(try #require(r.checkpoint)).root }
        let verified = try await store.verify()
        try #require(verified.divergence == nil, "the fixture verifies before tampering")
        return TamperFixture(
            path: store.path, key: key, leaves: try await store.entries(from: 0, to: 317).map(\.leaf), roots: roots)
    }

    /// The stored hashes of a tile, as hex.
    func tileHex(level: Int, index: Int) throws -> String {
        try sqlite3(path, "SELECT hex(hashes) FROM tiles WHERE level = \(level) AND idx = \(index);")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// SQL that zeroes hash `entry` of a tile.
    func zeroHash(level: Int, index: Int, entry: Int) throws -> String {
        var hex = Array(try tileHex(level: level, index: index))
        for i in entry * 64..<(entry + 1) * 64 { hex[i] = "0" }
        return "UPDATE tiles SET hashes = X'\(String(hex))' WHERE level = \(level) AND idx = \(index);"
    }

    /// A checkpoint note for `size` and `root`, signed by `key`.
    func note(size: Int64, root: TreeHash, key: LogKey) throws -> String {
        try SignedNote.sign(text: try Checkpoint(origin: testOrigin, size: size, root: root).text, key: key)
    }
}

func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02X", $0) }.joined() }

/// One way of changing the database behind Custodia's back, and what `verify` must name.
struct Tampering: Sendable, CustomTestStringConvertible {
    let name: String
    let sql: @Sendable (TamperFixture) throws -> String
    let expected: [String]
    var testDescription: String { name }

    static let all: [Tampering] = [
        Tampering(
            name: "an event's content edited",
            sql: { _ in
                """
                DROP TRIGGER events_no_update;
                UPDATE events SET leaf = CAST(replace(CAST(leaf AS TEXT), '"to":"P1"', '"to":"U1"') AS BLOB) WHERE seq = 309;
                """
            }, expected: ["events: event 309 ", "does not hash"]),
        Tampering(
            name: "an event's kind column edited",
            sql: { _ in "DROP TRIGGER events_no_update; UPDATE events SET kind = 'return' WHERE seq = 309;" },
            expected: ["event 309", "kind or occurredAt"]),
        Tampering(
            name: "an event deleted",
            sql: { _ in "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq = 100;" },
            expected: ["events:", "event 100 is missing", "jumps from 99 to 101"]),
        Tampering(
            name: "an event and every checkpoint deleted",
            sql: { _ in
                """
                DROP TRIGGER events_no_delete; DROP TRIGGER checkpoints_no_delete;
                DELETE FROM events WHERE seq = 100; DELETE FROM checkpoints;
                """
            }, expected: ["events: event 100 is missing"]),
        Tampering(
            name: "two events swapped",
            sql: { _ in
                """
                DROP TRIGGER events_no_update;
                CREATE TEMP TABLE swap AS SELECT seq, kind, occurred_at, leaf FROM events WHERE seq IN (309, 312);
                UPDATE events SET
                    kind = (SELECT kind FROM swap WHERE swap.seq = 621 - events.seq),
                    occurred_at = (SELECT occurred_at FROM swap WHERE swap.seq = 621 - events.seq),
                    leaf = (SELECT leaf FROM swap WHERE swap.seq = 621 - events.seq)
                WHERE seq IN (309, 312);
                """
            }, expected: ["events: event 309 ", "does not hash"]),
        Tampering(
            name: "an event rewritten with consistently rehashed tiles",
            sql: { f in
                var leaves = f.leaves
                let text = String(decoding: leaves[312], as: UTF8.self)
                try #require(text.contains("\"to\":\"S1\""))
                leaves[312] = Array(text.replacingOccurrences(of: "\"to\":\"S1\"", with: "\"to\":\"S2\"").utf8)
                var tree = TreeAppender()
                for leaf in leaves { tree.append(leafHash: Merkle.leafHash(leaf)) }
                let tiles = tree.takeDirtyTiles().map {
                    "INSERT INTO tiles VALUES (\($0.level), \($0.index), X'\(hex($0.hashes.flatMap(\.bytes)))');"
                }
                return
                    "DROP TRIGGER events_no_update; UPDATE events SET leaf = X'\(hex(leaves[312]))' WHERE seq = 312; DELETE FROM tiles;\n"
                    + tiles.joined(separator: "\n")
            }, expected: ["checkpoints: the checkpoint for size 315 signs root"]),
        Tampering(
            name: "an item's state row edited",
            sql: { _ in "UPDATE items SET holder = 'U1' WHERE serial = 'R-010';" },
            expected: ["items: row id=11", "holder is", "U1"]),
        Tampering(
            name: "an item row inserted without an event",
            sql: { _ in
                """
                INSERT INTO items(id, category, manufacturer, country, model, calibre, serial, year, import_country, import_year,
                    marks, assigned_mark, registered_seq, status, holder, account, condition, due_back, transit, last_counted, last_seq)
                VALUES (999, 'assault-rifle', 'Ghost', 'XX', 'G', '5.56', 'GHOST-1', NULL, NULL, NULL, NULL, 0, 5, 'held', 'S1', 'S1',
                    'serviceable', NULL, NULL, NULL, 5);
                """
            }, expected: ["items: row id=999", "no event produces it"]),
        Tampering(
            name: "a lot balance edited",
            sql: { _ in "UPDATE lot_balances SET quantity = quantity + 50 WHERE holder = 'S1';" },
            expected: ["lot_balances:", "S1", "quantity is 950", "900"]),
        Tampering(
            name: "a holder row deleted",
            sql: { _ in "DELETE FROM holders WHERE code = 'EXT';" },
            expected: ["holders:", "EXT", "not stored"]),
        Tampering(
            name: "a leaf hash in tile 0/0 edited",
            sql: { f in try f.zeroHash(level: 0, index: 0, entry: 5) },
            expected: ["event 5 ", "tile 0/0"]),
        Tampering(
            name: "an interior tree hash (tile 1/0) edited",
            sql: { f in try f.zeroHash(level: 1, index: 0, entry: 0) },
            expected: ["tiles: tile 1/0 differs"]),
        Tampering(
            name: "a tile deleted",
            sql: { _ in "DELETE FROM tiles WHERE level = 1;" },
            expected: ["tiles: tile 1/0 is missing"]),
        Tampering(
            name: "a tile added",
            sql: { _ in "INSERT INTO tiles VALUES (2, 0, zeroblob(32));" },
            expected: ["tiles:", "4 tiles are stored", "317 events make 3"]),
        Tampering(
            name: "a checkpoint replaced by an older one",
            sql: { _ in
                "DROP TRIGGER checkpoints_no_update; UPDATE checkpoints SET note = (SELECT note FROM checkpoints WHERE size = 309) WHERE size = 315;"
            }, expected: ["checkpoints:", "size 315", "signed for size 309"]),
        Tampering(
            name: "a checkpoint replaced by one signed with another key",
            sql: { f in
                let forged = try f.note(size: 317, root: try #require(f.roots[317]), key: try LogKey.generate(name: testOrigin))
                return "DROP TRIGGER checkpoints_no_update; UPDATE checkpoints SET note = '\(forged)' WHERE size = 317;"
            }, expected: ["checkpoints: the checkpoint for size 317 does not verify"]),
        Tampering(
            name: "a checkpoint re-signed over another root",
            sql: { f in
                let resigned = try f.note(size: 317, root: try #require(f.roots[315]), key: f.key)
                return "DROP TRIGGER checkpoints_no_update; UPDATE checkpoints SET note = '\(resigned)' WHERE size = 317;"
            }, expected: ["checkpoints: the checkpoint for size 317 signs root"]),
        Tampering(
            name: "the ledger truncated",
            sql: { _ in "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq >= 315;" },
            expected: ["events:", "315 events", "size 317", "removed"]),
        Tampering(
            name: "the ledger truncated with its last checkpoint",
            sql: { _ in
                """
                DROP TRIGGER events_no_delete; DROP TRIGGER checkpoints_no_delete;
                DELETE FROM events WHERE seq >= 315; DELETE FROM checkpoints WHERE size = 317;
                """
            }, expected: ["event 315"]),
    ]
}

@Suite struct SQLiteTamperTests {
    @Test("verify names the divergence", arguments: Tampering.all)
    func verifyNamesTheDivergence(_ tampering: Tampering) async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try await TamperFixture.make(in: dir)
            try sqlite3(fixture.path, try tampering.sql(fixture))
            let store = try SQLiteStore(path: fixture.path, key: fixture.key)
            let report = try await store.verify()
            let divergence = try #require(report.divergence, "verify found nothing")
            for expected in tampering.expected {
                #expect(divergence.contains(expected), "\(divergence)")
            }
        }
    }

    @Test func aReplacedVerifierKeyIsCaughtWithAndWithoutTheKeyFile() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try await TamperFixture.make(in: dir)
            let stranger = try LogKey.generate(name: testOrigin)
            try sqlite3(fixture.path, "UPDATE meta SET value = '\(stranger.verifierKey)' WHERE key = 'verifierKey';")
            #expect {
                _ = try SQLiteStore(path: fixture.path, key: fixture.key)
            } throws: { error in
                (error as? StoreError)?.code == .keyMismatch
            }
            let withoutKey = try SQLiteStore(path: fixture.path, key: nil)
            let divergence = try #require(try await withoutKey.verify().divergence)
            #expect(divergence.contains("checkpoints:"))
            #expect(divergence.contains("does not verify"))
        }
    }

    @Test func theTriggersRefuseEditsToEventsCheckpointsAndMarkings() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try await TamperFixture.make(in: dir)
            for sql in [
                "UPDATE events SET kind = 'return' WHERE seq = 309;",
                "DELETE FROM events WHERE seq = 316;",
                "UPDATE checkpoints SET signed_at = 'x';",
                "DELETE FROM checkpoints;",
                "UPDATE items SET serial = 'X' WHERE id = 1;",
            ] {
                let process = try ChildProcess.run(sqlite3Executable.path, ["-batch", "-bail", fixture.path, sql])
                #expect(process.terminationStatus != 0, "\(sql) was allowed")
            }
            let store = try SQLiteStore(path: fixture.path, key: fixture.key)
            #expect(try await store.verify().divergence == nil)
            #expect(try await store.ledgerSize() == 317)
        }
    }
}
