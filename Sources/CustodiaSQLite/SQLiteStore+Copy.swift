import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import GRDB

/// Copying a register out of and into an SQLite store (`custodia migrate`).
extension SQLiteStore: RegisterExport {
    package func export<T: Sendable>(_ body: @escaping @Sendable (RegisterSideRows, any LedgerHashSource) throws -> T)
        async throws -> T
    {
        try await queue.read { db in
            try body(try Self.sideRows(db), SQLiteHashSource(db: db))
        }
    }

    static func sideRows(_ db: Database) throws -> RegisterSideRows {
        var meta: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta") { meta[row[0]] = row[1] }
        guard let origin = meta["origin"], let verifierKey = meta["verifierKey"] else {
            throw StoreError(.notACustodiaDatabase, "the source is not a Custodia store (no origin or verifier key)")
        }
        var side = RegisterSideRows(
            origin: origin, verifierKey: verifierKey, createdAt: meta["createdAt"] ?? "",
            saltedFrom: meta["saltedFrom"].flatMap(Int64.init) ?? 0)
        side.checkpoints = try Row.fetchAll(db, sql: "SELECT size, note, signed_at FROM checkpoints ORDER BY size").map {
            (size: $0[0], note: $0[1], signedAt: $0[2])
        }
        for row in try Row.fetchAll(db, sql: "SELECT code, name FROM holders") { side.holderNames[row[0]] = row[1] }
        side.passwordHashes = try Row.fetchAll(db, sql: "SELECT user, hash, set_at FROM password_hashes ORDER BY id").map {
            (user: $0[0], hash: $0[1], setAt: $0[2])
        }
        side.tokenSecrets = try Row.fetchAll(db, sql: "SELECT token_id, secret_hash FROM token_secrets ORDER BY token_id").map {
            (tokenID: $0[0], secretHash: $0[1])
        }
        side.confirmationsUsed = try Row.fetchAll(db, sql: "SELECT id, user, seq FROM confirmations_used ORDER BY seq, id").map {
            UsedConfirmation(id: $0[0], user: $0[1], seq: $0[2])
        }
        side.cosignatures = try Row.fetchAll(
            db, sql: "SELECT size, witness, line, received_at FROM cosignatures ORDER BY size, witness"
        ).map { (size: $0[0], witness: $0[1], line: $0[2], receivedAt: $0[3]) }
        side.verifications = try Row.fetchAll(
            db, sql: "SELECT verified_at, size, ok, divergence FROM verifications ORDER BY id"
        ).map { VerificationRecord(verifiedAt: $0[0], size: $0[1], ok: $0[2], divergence: $0[3]) }
        return side
    }

    /// Creates a new store at `path` holding a copy of `source`'s register: the same leaves,
    /// tiles, checkpoints (as signed) and side rows, in one transaction. Refuses an existing
    /// file; removes the new file when anything fails.
    package static func copy(from source: any RegisterExport, to path: String) async throws -> Int64 {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.databaseExists, "\(path) already exists; Custodia never overwrites a store (choose another path)")
        }
        let queue = try openQueue(path)
        do {
            try await queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try Schema.migrator.migrate(queue)
            let copied = try await source.export { side, leaves in
                try queue.write { db in
                    let s = try db.makeStatement(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)")
                    for (k, v) in [
                        ("application", "custodia"), ("schema", "\(Schema.version)"), ("origin", side.origin),
                        ("verifierKey", side.verifierKey), ("createdAt", side.createdAt), ("saltedFrom", "\(side.saltedFrom)"),
                    ] {
                        try s.execute(arguments: [k, v])
                    }
                    let count = try RegisterCopy(side: side).copyLedger(from: leaves, into: try SQLiteAppendTransaction(db, bulkItems: SQLiteStateWriter.bulkItems))
                    try Self.writeSideRows(db, side)
                    return count
                }
            }
            try queue.close()
            return copied
        } catch {
            try? queue.close()
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            throw error
        }
    }

    static func writeSideRows(_ db: Database, _ side: RegisterSideRows) throws {
        let rename = try db.makeStatement(sql: "UPDATE holders SET name = ? WHERE code = ? AND name <> ?")
        for (code, name) in side.holderNames.sorted(by: { $0.key < $1.key }) { try rename.execute(arguments: [name, code, name]) }
        let password = try db.makeStatement(sql: "INSERT INTO password_hashes(user, hash, set_at) VALUES (?, ?, ?)")
        for p in side.passwordHashes { try password.execute(arguments: [p.user, p.hash, p.setAt]) }
        let secret = try db.makeStatement(sql: "INSERT INTO token_secrets(token_id, secret_hash) VALUES (?, ?)")
        for t in side.tokenSecrets { try secret.execute(arguments: [t.tokenID, t.secretHash]) }
        let used = try db.makeStatement(sql: "INSERT INTO confirmations_used(id, user, seq) VALUES (?, ?, ?)")
        for c in side.confirmationsUsed { try used.execute(arguments: [c.id, c.user, c.seq]) }
        let cosigned = try db.makeStatement(
            sql: "INSERT INTO cosignatures(size, witness, line, received_at) VALUES (?, ?, ?, ?)")
        for c in side.cosignatures { try cosigned.execute(arguments: [c.size, c.witness, c.line, c.receivedAt]) }
        let verified = try db.makeStatement(sql: "INSERT INTO verifications(verified_at, size, ok, divergence) VALUES (?, ?, ?, ?)")
        for v in side.verifications { try verified.execute(arguments: [v.verifiedAt, v.size, v.ok, v.divergence]) }
    }
}
