import CustodiaStore
import Dispatch
import GRDBSQLite
import Synchronization

/// Copies committed pages from the write-ahead log into the database file on a thread of its
/// own, for the server's store (a pool).
///
/// SQLite's own automatic checkpoint runs inside the commit that takes the log past 1,000
/// pages: that commit then also writes those pages into the database file and flushes it,
/// and the next group commit waits for both. Here the writer's commit waits for its own log
/// flush only; the checkpointer's connection copies the pages (`PASSIVE`: it never waits for
/// the writer or a reader, and copies what no reader still needs) while the next group is
/// being written. Durability is unchanged: a commit is durable once its log frames are
/// flushed (`synchronous = FULL`), copied or not.
///
/// The log starts again from its beginning only when a write transaction begins with every
/// page of it copied, which a checkpointer running beside a steady stream of commits never
/// leaves: it is always copying the commit before. So once the log passes `restart` pages,
/// the commit that passed it waits for the checkpointer and copies the rest itself (by then
/// mostly the last group), and the next transaction starts the log again.
final class WALCheckpointer: Sendable {
    /// Log pages after which a commit asks for a checkpoint (SQLite's default is 1,000).
    let threshold: Int32
    /// Log pages after which the commit finishes the checkpoint itself, so that the log
    /// starts again rather than growing (16,384 pages of 4 KiB: 64 MiB).
    let restart: Int32

    private struct State {
        var db: OpaquePointer?
        var running = false
        var again = false
        var closed = false
        var checkpoints = 0
    }

    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "custodia.wal-checkpoint")

    /// Nil when the connection cannot be opened; the writer then checkpoints as SQLite does.
    init?(path: String, threshold: Int32 = 1000, restart: Int32 = 16_384) {
        self.threshold = threshold
        self.restart = restart
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
            sqlite3_exec(db, "PRAGMA synchronous = FULL", nil, nil, nil) == SQLITE_OK
        else {
            sqlite3_close(db)
            return nil
        }
        sqlite3_busy_timeout(db, 0)
        state = Mutex(State(db: db))
    }

    /// Checkpoints run so far (for tests).
    var checkpoints: Int { state.withLock { $0.checkpoints } }

    /// Makes the writer connection `db` hand its checkpoints to this checkpointer. SQLite's
    /// automatic checkpoint is a hook of the same kind, which this one replaces.
    func install(on db: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(
            db,
            { context, db, name, frames in
                guard let context else { return SQLITE_OK }
                let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
                if frames >= checkpointer.restart {
                    checkpointer.wait()
                    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                } else if frames >= checkpointer.threshold {
                    checkpointer.request()
                }
                return SQLITE_OK
            }, context)
    }

    /// Asks for a checkpoint: one starts now unless one is running, in which case another
    /// follows it (requests made meanwhile are served by that one).
    func request() {
        let start = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            if s.running {
                s.again = true
                return false
            }
            s.running = true
            return true
        }
        if start { queue.async { self.run() } }
    }

    private func run() {
        while true {
            let db = state.withLock { $0.db }
            // A busy or failed checkpoint leaves the log as it was; the next commit asks again.
            sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            let again = state.withLock { s -> Bool in
                s.checkpoints += 1
                if s.again, !s.closed {
                    s.again = false
                    return true
                }
                s.running = false
                return false
            }
            if !again { return }
        }
    }

    /// Returns when no checkpoint is running or asked for. A `PASSIVE` checkpoint never waits
    /// for the writer, so the writer may wait for it.
    func wait() { queue.sync {} }

    /// Waits for a running checkpoint, then closes the connection. Close the writer first.
    func close() {
        state.withLock { $0.closed = true }
        queue.sync {}
        state.withLock { s in
            sqlite3_close(s.db)
            s.db = nil
        }
    }

    deinit { close() }
}
