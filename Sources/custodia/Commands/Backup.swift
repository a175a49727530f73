import ArgumentParser
import CustodiaLedger
import CustodiaSQLite
import CustodiaStore
import Foundation

/// `custodia backup FILE`: a consistent copy of a live store, taken while the server writes.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the store, as it is at one moment, to FILE, while the server keeps writing.",
        discussion: """
            The copy is one consistent state (whole batches, with their tiles and checkpoints), a single file. It \
            does not contain the log key: keep the key file (custodia.db.key) backed up apart; the copy names the \
            key's fingerprint (its verifier key), and `custodia restore` checks that the key file matches it.
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: "The backup file to write (must not exist).") var file: String

    func run() async throws {
        let opened = try store.openSQLite("custodia backup")
        let summary = try opened.backup(to: file)
        try opened.close()
        print(describe(summary, file: file))
        print("the key file is not in the backup: keep \(store.keyPath) backed up apart (its fingerprint is the verifier key above)")
    }
}

/// `custodia restore FILE`: a backup put in place as a new store, checked against its key and
/// verified.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup in place as a new store (--db, which must not exist), check its key, and verify it.",
        discussion: """
            The key file (--key, default the database path + .key) must be the register's own: restore it from its \
            backup first. The restored store is verified in full, like `custodia verify`. Then compare its latest \
            checkpoint with one an inspector or a witness kept: the store may only have lost what was written after \
            the backup, never changed what was before.
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: "The backup file (from `custodia backup`).") var file: String

    func run() async throws {
        if store.databaseURL != nil {
            throw UserError("custodia restore puts an SQLite backup in place (--db); for PostgreSQL see docs/storage.md")
        }
        guard FileManager.default.fileExists(atPath: file) else { throw UserError("there is no backup at \(file)") }
        let key = try LogKeyFile.load(from: store.keyPath)
        let summary = try SQLiteStore.restore(backup: file, to: store.databasePath, key: key)
        print(describe(summary, file: store.databasePath))
        let restored = try SQLiteStore(path: store.databasePath, key: key)
        let report = try await restored.verify()
        try await restored.recordVerification(
            VerificationRecord(
                verifiedAt: Clock.now(), size: report.events, ok: report.divergence == nil, divergence: report.divergence))
        try restored.close()
        if let divergence = report.divergence {
            throw UserError("the restored store does NOT verify: \(divergence); keep the backup and report it")
        }
        print("verified: \(report.events) events, \(report.checkpoints) checkpoints, every state row replayed")
    }
}

func describe(_ summary: BackupSummary, file: String) -> String {
    let lines = summary.checkpoint?.split(separator: "\n", omittingEmptySubsequences: false) ?? []
    let checkpoint = lines.count >= 3 ? "checkpoint size \(lines[1]) root \(lines[2])" : "no checkpoint"
    return "\(file): \(summary.events) events, \(checkpoint), signed by \(summary.verifierKey)"
}
