import CustodiaLedger
import CustodiaStore
import Foundation
import GRDB

/// What a backup holds: enough to tell later which ledger it is and which key signs it.
public struct BackupSummary: Sendable, Equatable {
    public var events: Int64
    /// The latest signed checkpoint in the copy.
    public var checkpoint: String?
    /// The log's verifier key (`name+hexkeyid+base64(0x01‖pubkey)`): the fingerprint of the
    /// key file, which a backup never contains.
    public var verifierKey: String
}

extension SQLiteStore {
    /// Copies the store, as it is at one moment, to a new file at `destination`, while other
    /// connections (a running server) go on writing: SQLite's online backup, in one step
    /// inside one read transaction, so the copy is one consistent state: whole batches only,
    /// their tiles and checkpoints with them.
    ///
    /// - Throws: `StoreError` (`.databaseExists`) when `destination` exists.
    public func backup(to destination: String) throws -> BackupSummary {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError(.databaseExists, "\(destination) already exists; a backup never overwrites a file (choose another name)")
        }
        let target = try DatabaseQueue(path: destination)
        do {
            try queue.backup(to: target)
            // A single file, not in WAL mode, so that it can be copied and moved as it is.
            try target.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try target.close()
        } catch {
            try? target.close()
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
        return try Self.summary(of: destination)
    }

    /// What the store file at `path` holds (a backup or a store), read without migrating it.
    public static func summary(of path: String) throws -> BackupSummary {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            guard try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'application'") == "custodia",
                let key = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'verifierKey'")
            else {
                throw StoreError(.notACustodiaDatabase, "\(path) is not a Custodia store")
            }
            return BackupSummary(
                events: try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM events") ?? 0,
                checkpoint: try String.fetchOne(db, sql: "SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1"),
                verifierKey: key)
        }
    }

    /// Puts the backup at `backup` in place as a new store at `destination` (which must not
    /// exist), after checking that it is a Custodia store signed by `key`.
    ///
    /// - Throws: `StoreError` when the destination exists, the file is not a store, or the
    ///   key is not the one that signed it.
    public static func restore(backup: String, to destination: String, key: LogKey) throws -> BackupSummary {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError(
                .databaseExists, "\(destination) already exists; restore to a new path (move the old store away first)")
        }
        let summary = try summary(of: backup)
        guard summary.verifierKey == key.verifierKey else {
            throw StoreError(
                .keyInvalid,
                "the backup was signed by the key \(summary.verifierKey), not by the key file given (\(key.verifierKey)); restore the key file of this register from its own backup"
            )
        }
        var configuration = Configuration()
        configuration.readonly = true
        let source = try DatabaseQueue(path: backup, configuration: configuration)
        defer { try? source.close() }
        let target = try DatabaseQueue(path: destination)
        do {
            try source.backup(to: target)
            try target.close()
        } catch {
            try? target.close()
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
        return summary
    }
}
