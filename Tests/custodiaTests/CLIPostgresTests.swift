import CustodiaLedger
import Foundation
import Testing

/// The command-line tool on PostgreSQL: the same commands, the same answers as on SQLite, and
/// `custodia migrate` between the two.
@Suite(
    .serialized,
    .enabled(
        if: ProcessInfo.processInfo.environment["CUSTODIA_TEST_POSTGRES_URL"] != nil,
        "PostgreSQL tests need a server: run `eval \"$(scripts/pg-cluster.sh start)\"` to set CUSTODIA_TEST_POSTGRES_URL"))
struct CLIPostgresTests {
    /// The same register built on a backend: holders, items, a lot, movements, a holder
    /// change, a user and a token.
    static func build(_ cli: CLI) throws {
        try cli.seededStore()
        try cli.record([
            event("issue", ["AK-1"], from: "S1", to: "P1", extra: ["dueBack": "2026-03-31"]),
            event("issue", from: "S1", to: "U1", extra: ["lots": [["lot": "L1", "quantity": 200] as [String: Any]]]),
            event("loss", ["AK-2"], from: "S1"),
            event("return", ["AK-1"], from: "P1", to: "S1"),
            event("condition", ["G-1"], manufacturer: "Glock", from: "S1", extra: ["condition": "repairable"]),
        ])
        try cli.ok("holder", "add", "S3", "--kind", "site", "--name", "Depot Three", "--parent", "R2")
        try cli.ok("user", "add", "clerk", "--role", "clerk", "--scope", "S1", "--bcrypt-cost", "4", stdin: Data("a long enough password\n".utf8))
        try cli.ok("token", "create", "clerk")
    }

    @Test(.timeLimit(.minutes(3)))
    func everyCommandAnswersOnPostgreSQLAsOnSQLite() async throws {
        try await withCLI { sqlite in
            try await withPostgresCLI { pg in
                try Self.build(sqlite)
                try Self.build(pg)
                for arguments in [
                    ["where", "AK-1", "--json"], ["where", "AK-2", "--json"], ["holdings", "S1", "--json"],
                    ["holdings", "R1", "--recursive", "--json"], ["summary"], ["holder", "list"], ["user", "list"],
                ] {
                    let a = try sqlite.run(arguments), b = try pg.run(arguments)
                    #expect(a.succeeded && b.succeeded, "\(arguments): \(b)")
                    #expect(a.stdout == b.stdout, "\(arguments) differs:\n\(a.stdout)\n---\n\(b.stdout)")
                }
                let historyA = try #require(try sqlite.ok("history", "AK-1", "--json").json() as? [[String: Any]])
                let historyB = try #require(try pg.ok("history", "AK-1", "--json").json() as? [[String: Any]])
                #expect(historyA.map { $0["seq"] as? Int } == historyB.map { $0["seq"] as? Int })
                #expect(historyA.map { $0["kind"] as? String } == historyB.map { $0["kind"] as? String })
                #expect(try pg.ok("token", "list", "clerk").stdout.contains("active"))

                // The ledger: entries, checkpoint, proofs and a receipt, as on SQLite.
                let entries = try pg.ok("ledger", "entries").stdout.split(separator: "\n")
                #expect(entries.count == (try sqlite.ok("ledger", "entries").stdout.split(separator: "\n").count))
                let checkpoint = try pg.ok("ledger", "checkpoint").stdout.split(separator: "\n", omittingEmptySubsequences: false)
                let size = try #require(Int64(checkpoint[1]))
                #expect(size == Int64(entries.count))
                let root = try #require(TreeHash(base64: checkpoint[2]))
                #expect(root == Merkle.root(of: entries.map { Merkle.leafHash(Array($0.utf8)) }))
                let p = try #require(try pg.ok("ledger", "prove", "inclusion", "9", "--json").json() as? [String: Any])
                let proof = try #require((p["proof"] as? [String])?.compactMap { TreeHash(hex: $0) })
                try Merkle.verifyInclusion(
                    leafHash: Merkle.leafHash(Array(entries[9].utf8)), index: 9, size: size, proof: proof, root: root)
                let c = try #require(try pg.ok("ledger", "prove", "consistency", "8", "\(size)", "--json").json() as? [String: Any])
                #expect(c["newRoot"] as? String == root.hex)
                try pg.write("receipt.txt", try pg.ok("receipt", "12").stdout)
                try pg.ok("ledger", "check-receipt", "receipt.txt", "--key", try pg.ok("ledger", "key").stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                let verified = try pg.ok("verify").stdout
                #expect(verified.contains("verified: all \(size) events"))
                // A refused append writes nothing on PostgreSQL either.
                try pg.write("bad.jsonl", event("issue", ["AK-2"], from: "S1", to: "P1") + "\n")
                try pg.fails("record", "bad.jsonl")
                #expect(try pg.ok("ledger", "checkpoint").stdout == checkpoint.joined(separator: "\n"))
                // The SQLite-only commands say what to do instead.
                #expect(try pg.fails("backup", "x.db").stderr.contains("docs/storage.md"))
            }
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func migrateMovesARegisterBothWaysWithIdenticalCheckpoints() async throws {
        try await withCLI { sqlite in
            try Self.build(sqlite)
            try await withPostgresCLI { pg in
                let url = try #require(pg.environment["CUSTODIA_DATABASE_URL"])
                let moved = try sqlite.ok("migrate", "--from", "custodia.db", "--to", url).stdout
                #expect(moved.contains("verified:"), "\(moved)")
                try sqlite.ok("migrate", "--from", url, "--to", "back.db")
                // Identical leaves and checkpoints at every size the source signed.
                let original = try sqlite.ok("ledger", "entries").stdout
                #expect(try pg.ok("ledger", "entries").stdout == original)
                #expect(try sqlite.ok("ledger", "entries", "--db", "back.db").stdout == original)
                let size = original.split(separator: "\n").count
                for s in [8, 11, 12, 17, size] {
                    let signed = try sqlite.run(["ledger", "checkpoint", "--size", "\(s)"])
                    guard signed.succeeded else { continue }
                    #expect(try pg.ok("ledger", "checkpoint", "--size", "\(s)").stdout == signed.stdout)
                    #expect(try sqlite.ok("ledger", "checkpoint", "--size", "\(s)", "--db", "back.db").stdout == signed.stdout)
                }
                // People's names, users and their secrets came along.
                #expect(try pg.ok("holdings", "P1", "--json").stdout == (try sqlite.ok("holdings", "P1", "--json").stdout))
                #expect(try pg.ok("user", "list").stdout == (try sqlite.ok("user", "list").stdout))
                #expect(try pg.ok("token", "list", "clerk").stdout == (try sqlite.ok("token", "list", "clerk").stdout))
                // The copy takes new events with the register's key.
                let key = try String(contentsOfFile: sqlite.path("custodia.db.key"), encoding: .utf8)
                try key.write(toFile: pg.path("custodia.key"), atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pg.path("custodia.key"))
                try pg.record([event("issue", ["G-1"], manufacturer: "Glock", from: "S1", to: "U1")])
                try pg.ok("verify")
                // Never onto an existing register.
                #expect(try sqlite.fails("migrate", "--from", "custodia.db", "--to", url).stderr.contains("already holds"))
                #expect(try sqlite.fails("migrate", "--from", url, "--to", "back.db").stderr.contains("already exists"))
                #expect(try sqlite.fails("migrate", "--from", "missing.db", "--to", "x.db").stderr.contains("missing.db"))
            }
        }
    }
}
