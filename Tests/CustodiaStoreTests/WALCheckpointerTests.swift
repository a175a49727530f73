import CustodiaLedger
import Foundation
import GRDB
import Testing

@testable import CustodiaSQLite
@testable import CustodiaStore

/// The server store's checkpointer: commits hand their checkpoints to it, the log stays
/// bounded under a steady stream of commits, and nothing committed is lost.
@Suite struct WALCheckpointerTests {
    /// A WAL database with one table, written through a connection of its own.
    func walDatabase(_ dir: URL) throws -> (path: String, writer: DatabaseQueue) {
        let path = dir.appendingPathComponent("wal.db").path
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let writer = try DatabaseQueue(path: path, configuration: config)
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "CREATE TABLE t(n INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
        }
        return (path, writer)
    }

    func walBytes(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path + "-wal")
        return (attributes[.size] as? Int) ?? 0
    }

    @Test func commitsHandCheckpointsOverAndTheLogStartsAgain() async throws {
        try await withTemporaryDirectory { dir in
            let (path, writer) = try walDatabase(dir)
            let checkpointer = try #require(WALCheckpointer(path: path, threshold: 20, restart: 200))
            try writer.writeWithoutTransaction { db in checkpointer.install(on: db.sqliteConnection!) }
            // 300 commits of 4 pages each: 1,200 pages, six times the restart size.
            let payload = Data(repeating: 0xA5, count: 3000)
            var largestLog = 0
            for commit in 0..<300 {
                try writer.write { db in
                    for row in 0..<4 {
                        try db.execute(
                            sql: "INSERT INTO t(n, payload) VALUES (?, ?)", arguments: [commit * 4 + row, payload])
                    }
                }
                largestLog = max(largestLog, try walBytes(path))
            }
            #expect(checkpointer.checkpoints > 0, "no commit handed a checkpoint over")
            // 4 KiB pages plus a 24-byte frame header each; a 32-byte file header. The log
            // never holds much more than `restart` pages and the commit that passed it.
            let bound = 32 + (200 + 20) * (4096 + 24)
            #expect(largestLog <= bound, "the log grew to \(largestLog) bytes, past \(bound): it never started again")
            try writer.close()
            checkpointer.close()

            let reader = try DatabaseQueue(path: path)
            try reader.read { db in
                let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM t")
                let check = try String.fetchOne(db, sql: "PRAGMA integrity_check")
                #expect(rows == 1200)
                #expect(check == "ok")
            }
        }
    }

    @Test func onlyAPoolHasACheckpointer() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("custodia.db").path
            let key = try LogKey.generate(name: testOrigin)
            try SQLiteStore.create(path: path, origin: testOrigin, key: key, now: recordedAt).close()
            let single = try SQLiteStore(path: path, key: key)
            #expect(single.checkpointer == nil)
            try single.close()
            let pool = try SQLiteStore(path: path, key: key, connections: .pool(readers: 2))
            #expect(pool.checkpointer != nil)
            try pool.close()
        }
    }
}
