import CustodiaStore
import GRDBSQLite
import Synchronization

/// Tells whether anything was committed to a database since an earlier look, without taking
/// a reader from the pool: a read-only connection of its own, asked `PRAGMA data_version`.
/// The number changes with every commit made through any other connection, in this process
/// (the store's writer) or in another (the command-line tool).
final class DataVersionWatch: Sendable {
    private let connection: Mutex<Connection>

    private struct Connection {
        var db: OpaquePointer?
        var statement: OpaquePointer?
    }

    /// Nil when the connection cannot be opened; callers then read without a cache.
    init?(path: String) {
        var db: OpaquePointer?
        var statement: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
            sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &statement, nil) == SQLITE_OK
        else {
            sqlite3_close(db)
            return nil
        }
        sqlite3_busy_timeout(db, 5000)
        connection = Mutex(Connection(db: db, statement: statement))
    }

    /// The current version, or nil when it cannot be read (the caller then reads the database).
    func current() -> Int64? {
        connection.withLock { c in
            guard let s = c.statement else { return nil }
            defer { sqlite3_reset(s) }
            guard sqlite3_step(s) == SQLITE_ROW else { return nil }
            return sqlite3_column_int64(s, 0)
        }
    }

    func close() {
        connection.withLock { c in
            sqlite3_finalize(c.statement)
            sqlite3_close(c.db)
            c = Connection()
        }
    }

    deinit { close() }
}
