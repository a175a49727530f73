import ArgumentParser
import CustodiaCore
import CustodiaPostgres
import CustodiaSQLite
import CustodiaStore
import Foundation

/// `custodia migrate --from SOURCE --to DESTINATION`: a register moved between backends.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a register to another backend: an SQLite file to a PostgreSQL database, or back.",
        discussion: """
            SOURCE and DESTINATION are each an SQLite file path or a postgres://USER@HOST[:PORT]/DB URL. The \
            destination must be new (a file that does not exist, or a database without a register). Every recorded \
            event is copied as recorded, replayed through the custody rules, and every signed checkpoint kept as \
            signed after checking it signs the copied tree: the copy's roots and checkpoints are identical to the \
            source's. People's names, password hashes, token secrets, used confirmations, witnesses' cosignatures and \
            verification records are copied too, all in one transaction. The copy is then verified in full. The log \
            key is not needed and not copied: the servers of the copy use the source's key file.
            """)

    @Option(help: "The register to copy: an SQLite file or a postgres:// URL.") var from: String
    @Option(help: "The new register: an SQLite file that does not exist, or a postgres:// URL of a database without one.")
    var to: String

    static func isPostgres(_ s: String) -> Bool { s.hasPrefix("postgres://") || s.hasPrefix("postgresql://") }

    func run() async throws {
        guard from != to else { throw UserError("--from and --to name the same register; name a new one with --to") }
        let source: any OpenedStore
        if Self.isPostgres(from) {
            source = try await PostgresStore.open(url: from, key: nil)
        } else {
            guard FileManager.default.fileExists(atPath: from) else { throw StoreError.missingDatabase(from) }
            source = try SQLiteStore(path: from, key: nil)
        }
        let started = ContinuousClock.now
        let copied: Int64
        let destination: any OpenedStore
        do {
            if Self.isPostgres(to) {
                copied = try await PostgresStore.copy(from: source, to: to)
                destination = try await PostgresStore.open(url: to, key: nil)
            } else {
                copied = try await SQLiteStore.copy(from: source, to: to)
                destination = try SQLiteStore(path: to, key: nil)
            }
        } catch {
            await source.closeStore()
            throw error
        }
        let sourceCheckpoint = try await source.checkpoint(size: nil)
        await source.closeStore()
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let shown = Self.isPostgres(to) ? ((try? PostgresLocation(url: to).redacted) ?? "the database") : to
        print("copied \(copied) events to \(shown) in \(String(format: "%.1f", seconds)) s")
        let report = try await destination.verify()
        try await destination.recordVerification(
            VerificationRecord(
                verifiedAt: Clock.now(), size: report.events, ok: report.divergence == nil, divergence: report.divergence))
        let copiedCheckpoint = try await destination.checkpoint(size: nil)
        await destination.closeStore()
        if let divergence = report.divergence {
            throw UserError("the copy does NOT verify: \(divergence); keep the source and report it")
        }
        guard copiedCheckpoint == sourceCheckpoint else {
            throw UserError("the copy's latest checkpoint differs from the source's; keep the source and report it")
        }
        print(
            "verified: \(report.events) events, \(report.checkpoints) checkpoints identical to the source's, every state row replayed")
        if let note = copiedCheckpoint {
            print("latest checkpoint (the same in both):")
            print(note, terminator: "")
        }
    }
}
