import CustodiaStore
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Where a PostgreSQL store lives: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`.
public struct PostgresLocation: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    /// Parses a database URL; the error says which part is wrong.
    public init(url: String) throws {
        guard let c = URLComponents(string: url), let scheme = c.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw StoreError(
                .invalidRequest, "the database URL must look like postgres://USER@HOST[:PORT]/DATABASE (got a URL that does not)")
        }
        guard let host = c.host, !host.isEmpty else {
            throw StoreError(.invalidRequest, "the database URL names no host; write postgres://USER@HOST[:PORT]/DATABASE")
        }
        let database = String(c.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else {
            throw StoreError(.invalidRequest, "the database URL names no database; write postgres://USER@HOST[:PORT]/DATABASE")
        }
        self.host = host
        self.port = c.port ?? 5432
        self.user = c.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        self.password = c.password.flatMap { $0.removingPercentEncoding }
        self.database = database
    }

    /// The URL without its password, for messages.
    public var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    var configuration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }
}

/// One connection used synchronously from a thread that is not one of the connection's event
/// loops: what the append coordinator, which is synchronous, needs of a transaction. Every
/// call waits for its answer; callers serialise their use of one link.
final class PostgresLink: @unchecked Sendable {
    let connection: PostgresConnection
    let logger: Logger

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
        Self.open.withLock { $0[ObjectIdentifier(self)] = self }
    }

    /// Every link not yet closed, kept alive until `close()`: a connection must be closed
    /// before it is released, and a command-line run may end without closing its store.
    private static let open = Mutex<[ObjectIdentifier: PostgresLink]>([:])

    /// The event loop every connection of this process reads and writes on: a thread of its
    /// own, so that the database's replies (a group commit waits on a dozen) are not queued
    /// behind the HTTP server's work on the shared loops.
    static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    static func connect(_ location: PostgresLocation, logger: Logger) async throws -> PostgresLink {
        do {
            let connection = try await PostgresConnection.connect(
                on: loops.next(), configuration: location.configuration, id: Int.random(in: 1...Int(Int32.max)),
                logger: logger
            ).get()
            return PostgresLink(connection: connection, logger: logger)
        } catch {
            throw StoreError(
                .missingDatabase,
                "cannot connect to \(location.redacted) (\(Self.describe(error))); check that PostgreSQL runs there and the URL")
        }
    }

    /// Rows of one statement.
    @discardableResult
    func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        do {
            return try connection.query(query, logger: logger).wait().rows
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Statements separated by semicolons (a `$$` body may hold its own), no parameters.
    func script(_ sql: String) throws {
        for statement in Self.statements(sql) { try rows(PostgresQuery(unsafeSQL: statement)) }
    }

    /// Splits a script at the semicolons outside `$$ … $$` and quotes.
    static func statements(_ sql: String) -> [String] {
        var out: [String] = []
        var current = ""
        var inDollar = false
        var inQuote = false
        var previous: Character = " "
        for ch in sql {
            if ch == "$", previous == "$", !inQuote { inDollar.toggle() }
            if ch == "'", !inDollar { inQuote.toggle() }
            if ch == ";", !inDollar, !inQuote {
                let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty { out.append(trimmed) }
                current = ""
            } else {
                current.append(ch)
            }
            previous = ch
        }
        let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { out.append(trimmed) }
        return out
    }

    /// Runs one statement and answers how many rows it changed.
    @discardableResult
    func change(_ query: PostgresQuery) throws -> Int {
        do {
            return try connection.query(query, logger: logger).wait().metadata.rows ?? 0
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Sends one statement and returns at once; the answer is waited for later.
    func send(_ query: PostgresQuery) -> EventLoopFuture<PostgresQueryResult> {
        connection.query(query, logger: logger)
    }

    /// Rows of one statement, without blocking a thread.
    func rowsAsync(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            var out: [PostgresRow] = []
            for try await row in try await connection.query(query, logger: logger) { out.append(row) }
            return out
        } catch {
            throw Self.storeError(error)
        }
    }

    /// One statement given as text (administration and tests; never with outside input).
    func execute(sql: String) async throws {
        _ = try await rowsAsync(PostgresQuery(unsafeSQL: sql))
    }

    func close() async {
        try? await connection.close()
        Self.open.withLock { $0[ObjectIdentifier(self)] = nil }
    }

    /// The server's own message, without the query text or its parameters.
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            return "\(psql.code)"
        }
        return "\(error)"
    }

    static func storeError(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        return StoreError(.storage, "the database refused the operation: \(describe(error))")
    }
}

/// Reading a row's cells by position.
struct Cells {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = PostgresRandomAccessRow(row) }

    func callAsFunction<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws -> T {
        try row[index].decode(T.self)
    }

    func bytes(_ index: Int) throws -> [UInt8] {
        let buffer = try row[index].decode(ByteBuffer.self)
        return Array(buffer.readableBytesView)
    }
}

/// Rows given column by column, each column one array parameter, written by one statement
/// whatever their number: `INSERT INTO t(a, b) SELECT c1, c2 FROM unnest($1::T[], $2::U[])`.
/// The server parses a short statement once and takes the arrays whole. Arrays hold no
/// NULL, so a nullable column travels with a sentinel that `NULLIF` turns back into NULL:
/// `Columns.noText` (U+0001, which no identifier or text field may contain) and
/// `Columns.noNumber` (`Int64.min`).
struct Columns {
    static let noText = "\u{1}"
    static let noNumber = Int64.min

    private var names: [String] = []
    private var types: [String] = []
    private var expressions: [String] = []
    private(set) var binds = PostgresBindings()

    mutating func add(_ name: String, _ values: [Int64]) { append(name, "bigint", values, nullable: false) }
    mutating func add(_ name: String, _ values: [Int64?]) {
        append(name, "bigint", values.map { $0 ?? Self.noNumber }, nullable: true)
    }
    mutating func add(_ name: String, _ values: [Int]) { append(name, "integer", values.map(Int32.init), nullable: false) }
    mutating func add(_ name: String, _ values: [String]) { append(name, "text", values, nullable: false) }
    mutating func add(_ name: String, _ values: [String?]) {
        append(name, "text", values.map { $0 ?? Self.noText }, nullable: true)
    }
    mutating func add(_ name: String, _ values: [Bool]) { append(name, "boolean", values, nullable: false) }
    mutating func add(_ name: String, _ values: [ByteBuffer]) { append(name, "bytea", values, nullable: false) }

    private mutating func append<T: PostgresArrayEncodable & PostgresNonThrowingEncodable>(
        _ name: String, _ type: String, _ values: [T], nullable: Bool
    ) {
        names.append(name)
        types.append(type)
        let column = "c\(names.count)"
        if nullable {
            expressions.append(type == "text" ? "NULLIF(\(column), chr(1))" : "NULLIF(\(column), \(Self.noNumber))")
        } else {
            expressions.append(column)
        }
        binds.append(values)
    }

    /// `unnest($1::T[], …) AS alias(c1, …)`.
    func unnest(as alias: String) -> String {
        let arrays = types.enumerated().map { "$\($0.offset + 1)::\($0.element)[]" }.joined(separator: ", ")
        let columns = (1...names.count).map { "c\($0)" }.joined(separator: ", ")
        return "unnest(\(arrays)) AS \(alias)(\(columns))"
    }

    /// The value of column `name` (NULLs restored), for an UPDATE … FROM.
    func value(_ name: String, in alias: String) -> String {
        let i = names.firstIndex(of: name)!
        return expressions[i].replacingOccurrences(of: "c\(i + 1)", with: "\(alias).c\(i + 1)")
    }

    /// `INSERT INTO table(names) SELECT … FROM unnest(…) tail`.
    func insert(into table: String, tail: String = "") -> PostgresQuery {
        PostgresQuery(
            unsafeSQL: "INSERT INTO \(table)(\(names.joined(separator: ", "))) SELECT \(expressions.joined(separator: ", ")) FROM \(unnest(as: "t"))\(tail)",
            binds: binds)
    }
}
