import CustodiaStore
import Foundation
import Logging
import NIOCore
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

    static func connect(_ location: PostgresLocation, logger: Logger) async throws -> PostgresLink {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: location.configuration, id: Int.random(in: 1...Int(Int32.max)), logger: logger)
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

/// Multi-row statements: `head VALUES (…), (…) tail`, as many rows a statement as the
/// protocol's parameter limit allows.
struct RowStatement {
    let head: String
    let tail: String
    /// Each row's placeholders with their casts, `$` standing for the parameter number.
    let casts: [String]

    init(_ head: String, casts: [String], tail: String = "") {
        self.head = head
        self.casts = casts
        self.tail = tail
    }

    var rowsPerStatement: Int { max(1, 30_000 / casts.count) }

    /// The statements for `count` rows, each bound by `bind(&bindings, row)`.
    func queries(count: Int, bind: (inout PostgresBindings, Int) throws -> Void) rethrows -> [PostgresQuery] {
        var out: [PostgresQuery] = []
        var start = 0
        while start < count {
            let end = min(count, start + rowsPerStatement)
            var bindings = PostgresBindings(capacity: (end - start) * casts.count)
            var sql = head + " VALUES "
            var n = 1
            for row in start..<end {
                if row > start { sql += ", " }
                sql += "("
                for (i, cast) in casts.enumerated() {
                    if i > 0 { sql += ", " }
                    sql += cast.replacingOccurrences(of: "$", with: "$\(n)")
                    n += 1
                }
                sql += ")"
                try bind(&bindings, row)
            }
            sql += tail
            out.append(PostgresQuery(unsafeSQL: sql, binds: bindings))
            start = end
        }
        return out
    }
}
