import ArgumentParser
import CustodiaCore
import CustodiaLedger
import CustodiaPostgres
import CustodiaSQLite
import CustodiaStore
import Foundation

/// A register as the command-line tool uses it, on either backend.
protocol OpenedStore: Store, UserStore, RegisterExport {
    /// The tokens of a user, active and revoked, oldest first (ids only, never secrets).
    func tokens(user: String) async throws -> [TokenRecord]
    /// Closes the store's connections.
    func closeStore() async
}

extension SQLiteStore: OpenedStore {
    func closeStore() async { try? close() }
}

extension PostgresStore: OpenedStore {
    func closeStore() async { await close() }
}

/// Where the register and its log key are: a PostgreSQL database (`--database URL` or
/// `CUSTODIA_DATABASE_URL`), else an SQLite file (`--db`, then `CUSTODIA_DB`, then
/// `custodia.db`).
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite database file (default: $CUSTODIA_DB or custodia.db).")
    var db: String?

    @Option(
        name: .long,
        help: "A PostgreSQL database instead of the SQLite file: postgres://USER[:PASSWORD]@HOST[:PORT]/DB (default: $CUSTODIA_DATABASE_URL).")
    var database: String?

    @Option(
        name: .long,
        help: "The log key file (default: $CUSTODIA_KEY, else the SQLite path + .key, or custodia.key with PostgreSQL).")
    var key: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The PostgreSQL URL, when the register is on PostgreSQL.
    var databaseURL: String? {
        if let database { return database }
        if db != nil { return nil }
        guard let url = environment["CUSTODIA_DATABASE_URL"], !url.isEmpty else { return nil }
        return url
    }

    var databasePath: String { db ?? environment["CUSTODIA_DB"] ?? "custodia.db" }

    /// How messages name the register (a path, or the URL without its password).
    var location: String { databaseURL.map { (try? PostgresLocation(url: $0).redacted) ?? "the database" } ?? databasePath }

    var keyPath: String {
        if let key { return key }
        if let env = environment["CUSTODIA_KEY"], !env.isEmpty { return env }
        return databaseURL == nil ? LogKeyFile.defaultPath(forDatabase: databasePath) : "custodia.key"
    }

    /// Whether there is a register to open (a PostgreSQL URL, or an existing SQLite file).
    var exists: Bool { databaseURL != nil || FileManager.default.fileExists(atPath: databasePath) }

    /// Opens the store for reading: the key is loaded when present but not required.
    func openForReading() async throws -> any OpenedStore {
        let key = FileManager.default.fileExists(atPath: keyPath) ? try LogKeyFile.load(from: keyPath) : nil
        if let url = databaseURL { return try await PostgresStore.open(url: url, key: key) }
        return try SQLiteStore(path: databasePath, key: key)
    }

    /// Opens the store for appending: the key is required (every batch is signed).
    func openForWriting() async throws -> any OpenedStore {
        if let url = databaseURL { return try await PostgresStore.open(url: url, key: try LogKeyFile.load(from: keyPath)) }
        let path = databasePath
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.missingDatabase(path)
        }
        return try SQLiteStore(path: path, key: try LogKeyFile.load(from: keyPath))
    }

    /// Creates a new, empty register (and refuses an existing one) with its origin and key.
    func create(origin: String, key: LogKey) async throws -> any OpenedStore {
        if let url = databaseURL {
            return try await PostgresStore.create(url: url, origin: origin, key: key, now: Clock.now())
        }
        return try SQLiteStore.create(path: databasePath, origin: origin, key: key, now: Clock.now())
    }

    /// Refuses to go on when the register or the key file already exists.
    func refuseExisting(_ purpose: String) throws {
        if databaseURL == nil, FileManager.default.fileExists(atPath: databasePath) {
            throw UserError("\(databasePath) already exists; \(purpose) (choose another --db)")
        }
        if FileManager.default.fileExists(atPath: keyPath) {
            throw UserError("the key file \(keyPath) already exists; move it away or pass another --key")
        }
    }

    /// The SQLite store, for what only it does (a file backup, the ledger's cost benchmark);
    /// refuses a PostgreSQL register with what to do instead.
    func openSQLite(_ what: String, ledger: SQLiteStore.LedgerMode = .on, forWriting: Bool = false) throws -> SQLiteStore {
        if databaseURL != nil {
            throw UserError("\(what) works on an SQLite store (--db); for PostgreSQL see docs/storage.md")
        }
        let path = databasePath
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missingDatabase(path) }
        let key = forWriting || FileManager.default.fileExists(atPath: keyPath) ? try LogKeyFile.load(from: keyPath) : nil
        return try SQLiteStore(path: path, key: key, ledger: ledger)
    }
}

/// Options for commands that record events.
struct RecordingOptions: ParsableArguments {
    @Flag(name: .long, help: "Check everything, write nothing.")
    var dryRun = false

    @Option(
        name: .long,
        help:
            "The code of who records the events (default: $CUSTODIA_USER or cli). A user's code applies that user's role, scope and the two-person rule."
    )
    var recordedBy: String?

    /// The append's options. When the recorder is a user of the store, their role and scope
    /// apply exactly as on the server (a disabled user records nothing); any other code is
    /// the operator's, who holds the database and its key.
    func appendOptions(now: String, store: any OpenedStore) async throws -> AppendOptions {
        let code = recordedBy ?? ProcessInfo.processInfo.environment["CUSTODIA_USER"] ?? "cli"
        var authority = Authority.operator
        if let user = try await store.user(code: code) {
            guard user.active else {
                throw UserError("user \(code) is disabled and records nothing; record as an active user (--recorded-by)")
            }
            authority = .user(code: user.code, role: user.role, scope: user.scope)
        }
        return AppendOptions(dryRun: dryRun, recordedBy: code, recordedAt: now, authority: authority)
    }
}

enum Clock {
    /// The current time as RFC 3339 UTC with seconds.
    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }
}

/// A failure the user can act on: printed without a stack of context, exit status 1.
struct UserError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Runs an append and prints its outcome; every refused line as `FILE:LINE: field: reason`.
func runAppend(
    store: any OpenedStore, source: inout some EventSource, options: AppendOptions, file: String, noun: String
) async throws {
    let background = BackgroundEventSource(source, preparing: options)
    var parallel = background
    let report: AppendReport
    do {
        report = try await store.append(&parallel, options: options)
        background.finish()
    } catch {
        background.finish()
        throw error
    }
    if !report.errors.isEmpty {
        var err = StandardError()
        for e in report.errors.sorted(by: { $0.line < $1.line }) {
            let field = source.inputField(for: e.field)
            let code = e.rule.map { $0 == "input" ? "" : " [\($0)]" } ?? ""
            print(
                (field.isEmpty ? "\(file):\(e.line): \(e.message)" : "\(file):\(e.line): \(field): \(e.message)") + code, to: &err)
        }
        let more = report.errors.count >= 1000 ? " (stopped after 1000; fix these first)" : ""
        throw UserError(
            "\(report.errors.count) invalid \(report.errors.count == 1 ? "line" : "lines")\(more); nothing was written")
    }
    let counted = report.accepted == 1 ? "1 \(noun.dropLast())" : "\(report.accepted) \(noun)"
    if options.dryRun {
        print("dry run: \(counted) valid; nothing was written")
    } else if report.accepted == 0 {
        print("nothing to record: the input has no \(noun)")
    } else {
        let range = report.accepted == 1 ? "event \(report.firstSeq)" : "events \(report.firstSeq)–\(report.size - 1)"
        print("recorded \(counted) as \(range); the ledger now has \(report.size) events")
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}

/// Reads a whole input file (or standard input for `-`), with a clear error when missing.
func readInput(_ path: String) throws -> [UInt8] {
    guard path == "-" || FileManager.default.isReadableFile(atPath: path) else {
        throw UserError("cannot read \(path): no such file, or not readable")
    }
    return try readFileBytes(path)
}
