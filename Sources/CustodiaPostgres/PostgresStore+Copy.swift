import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import PostgresNIO

/// Copying a register out of and into a PostgreSQL store (`custodia migrate`).
extension PostgresStore: RegisterExport {
    package func export<T: Sendable>(_ body: @escaping @Sendable (RegisterSideRows, any LedgerHashSource) throws -> T)
        async throws -> T
    {
        let link = try await PostgresLink.connect(location, logger: Self.logger)
        do {
            let result = try await Self.run(on: readQueue) {
                try link.script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                defer { try? link.script("ROLLBACK") }
                return try body(try Self.sideRows(link), PostgresHashSource(link: link))
            }
            await link.close()
            return result
        } catch {
            await link.close()
            throw error
        }
    }

    static func sideRows(_ link: PostgresLink) throws -> RegisterSideRows {
        var meta: [String: String] = [:]
        for row in try link.rows("SELECT key, value FROM meta") {
            let c = Cells(row)
            meta[try c(0)] = try c(1)
        }
        guard let origin = meta["origin"], let verifierKey = meta["verifierKey"] else {
            throw StoreError(.notACustodiaDatabase, "the source is not a Custodia register (no origin or verifier key)")
        }
        var side = RegisterSideRows(
            origin: origin, verifierKey: verifierKey, createdAt: meta["createdAt"] ?? "",
            saltedFrom: meta["saltedFrom"].flatMap(Int64.init) ?? 0)
        side.checkpoints = try link.rows("SELECT size, note, signed_at FROM checkpoints ORDER BY size").map {
            let c = Cells($0)
            return (size: try c(0), note: try c(1), signedAt: try c(2))
        }
        for row in try link.rows("SELECT code, name FROM holders") {
            let c = Cells(row)
            side.holderNames[try c(0)] = try c(1)
        }
        side.passwordHashes = try link.rows("SELECT \"user\", hash, set_at FROM password_hashes ORDER BY id").map {
            let c = Cells($0)
            return (user: try c(0), hash: try c(1), setAt: try c(2))
        }
        side.tokenSecrets = try link.rows("SELECT token_id, secret_hash FROM token_secrets ORDER BY token_id").map {
            let c = Cells($0)
            return (tokenID: try c(0), secretHash: try c(1))
        }
        side.confirmationsUsed = try link.rows("SELECT id, \"user\", seq FROM confirmations_used ORDER BY seq, id").map {
            let c = Cells($0)
            return UsedConfirmation(id: try c(0), user: try c(1), seq: try c(2))
        }
        side.cosignatures = try link.rows("SELECT size, witness, line, received_at FROM cosignatures ORDER BY size, witness")
            .map {
                let c = Cells($0)
                return (size: try c(0), witness: try c(1), line: try c(2), receivedAt: try c(3))
            }
        side.verifications = try link.rows("SELECT verified_at, size, ok, divergence FROM verifications ORDER BY id").map {
            let c = Cells($0)
            return VerificationRecord(verifiedAt: try c(0), size: try c(1), ok: try c(2), divergence: try c(3, String?.self))
        }
        return side
    }

    /// Creates a copy of `source`'s register in the empty database at `url`: the same
    /// leaves, tiles, checkpoints (as signed) and side rows, in one transaction. Refuses a
    /// database that already holds a register; leaves it empty when anything fails.
    package static func copy(from source: any RegisterExport, to url: String) async throws -> Int64 {
        let location = try PostgresLocation(url: url)
        let link = try await PostgresLink.connect(location, logger: logger)
        do {
            if try await !Self.meta(link).isEmpty {
                throw StoreError(
                    .databaseExists,
                    "\(location.redacted) already holds a Custodia register; Custodia never overwrites one (name another database)")
            }
            let count = try await source.export { side, leaves in
                try link.script("BEGIN")
                do {
                    try link.script(PostgresSchema.migrations.joined(separator: ";\n"))
                    for (k, v) in [
                        ("application", "custodia"), ("schema", "\(PostgresSchema.version)"), ("origin", side.origin),
                        ("verifierKey", side.verifierKey), ("createdAt", side.createdAt), ("saltedFrom", "\(side.saltedFrom)"),
                    ] {
                        try link.rows("INSERT INTO meta(key, value) VALUES (\(k), \(v))")
                    }
                    let count = try RegisterCopy(side: side).copyLedger(from: leaves, into: PostgresAppendTransaction(link))
                    try Self.writeSideRows(link, side)
                    try link.script("COMMIT")
                    return count
                } catch {
                    try? link.script("ROLLBACK")
                    throw error
                }
            }
            await link.close()
            return count
        } catch {
            await link.close()
            throw error
        }
    }

    static func writeSideRows(_ link: PostgresLink, _ side: RegisterSideRows) throws {
        for (code, name) in side.holderNames.sorted(by: { $0.key < $1.key }) {
            try link.rows("UPDATE holders SET name = \(name) WHERE code = \(code) AND name <> \(name)")
        }
        for p in side.passwordHashes {
            try link.rows("INSERT INTO password_hashes(\"user\", hash, set_at) VALUES (\(p.user), \(p.hash), \(p.setAt))")
        }
        for t in side.tokenSecrets {
            try link.rows("INSERT INTO token_secrets(token_id, secret_hash) VALUES (\(t.tokenID), \(t.secretHash))")
        }
        for c in side.confirmationsUsed {
            try link.rows("INSERT INTO confirmations_used(id, \"user\", seq) VALUES (\(c.id), \(c.user), \(c.seq))")
        }
        for c in side.cosignatures {
            try link.rows(
                "INSERT INTO cosignatures(size, witness, line, received_at) VALUES (\(c.size), \(c.witness), \(c.line), \(c.receivedAt))")
        }
        for v in side.verifications {
            try link.rows(
                "INSERT INTO verifications(verified_at, size, ok, divergence) VALUES (\(v.verifiedAt), \(v.size), \(v.ok), \(v.divergence))"
            )
        }
    }
}
