import CustodiaStore
import Foundation
import GRDB
import GRDBSQLite

/// A prepared statement driven through SQLite's C API, for the bulk paths (millions of
/// rows a run) where boxing every value into GRDB's `StatementArguments` and `Row` costs
/// more than SQLite itself. Everything else uses GRDB.
///
/// The statement comes from GRDB's cache for the connection, so it is prepared once per
/// transaction; binding copies values (SQLITE_TRANSIENT), so no Swift memory is retained.
struct FastStatement {
    private let statement: Statement
    private let handle: OpaquePointer
    private let db: Database
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, _ sql: String) throws {
        self.db = db
        statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
    }

    /// The rows of a query built at run time (the server's searches), each decoded by
    /// `decode` straight from the statement: no `Row` and no copy of the column names.
    static func fetchAll<T>(
        _ db: Database, _ sql: String, _ arguments: StatementArguments, _ decode: (FastStatement) throws -> T
    ) throws -> [T] {
        let s = try FastStatement(db, sql)
        try s.statement.setArguments(arguments)
        var out: [T] = []
        do {
            while try s.step() { out.append(try decode(s)) }
        } catch {
            s.reset()
            throw error
        }
        return out
    }

    /// The first row of a query, decoded by `decode`; nil when there is none.
    static func fetchOne<T>(
        _ db: Database, _ sql: String, _ arguments: StatementArguments, _ decode: (FastStatement) throws -> T
    ) throws -> T? {
        let s = try FastStatement(db, sql)
        try s.statement.setArguments(arguments)
        defer { s.reset() }
        return try s.step() ? try decode(s) : nil
    }

    @inline(__always) func bind(_ index: Int32, _ value: String?) {
        guard let value else {
            sqlite3_bind_null(handle, index)
            return
        }
        var copy = value
        copy.withUTF8 { buffer in
            _ = sqlite3_bind_text(
                handle, index, UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(buffer.count),
                Self.transient)
        }
    }

    @inline(__always) func bind(_ index: Int32, _ value: Int64?) {
        guard let value else {
            sqlite3_bind_null(handle, index)
            return
        }
        sqlite3_bind_int64(handle, index, value)
    }

    @inline(__always) func bind(_ index: Int32, _ value: Int?) { bind(index, value.map(Int64.init)) }

    @inline(__always) func bind(_ index: Int32, _ value: Bool) { sqlite3_bind_int64(handle, index, value ? 1 : 0) }

    @inline(__always) func bind(_ index: Int32, blob: [UInt8]) {
        blob.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(
                handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(raw.count), Self.transient)
        }
    }

    /// Runs a statement that returns no rows, then resets it for the next use.
    func execute() throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    /// Steps to the next row; false at the end (and the statement is reset).
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw error(code) }
        return false
    }

    func reset() { sqlite3_reset(handle) }

    @inline(__always) func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, column) else { return nil }
        let n = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    @inline(__always) func string(_ column: Int32) -> String { text(column) ?? "" }

    /// Calls `body` with the bytes of a blob column of the current row (valid only inside).
    func withBlob<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let n = Int(sqlite3_column_bytes(handle, column))
        guard let p = sqlite3_column_blob(handle, column), n > 0 else {
            return body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return body(UnsafeRawBufferPointer(start: p, count: n))
    }

    @inline(__always) func int64(_ column: Int32) -> Int64? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
    }

    @inline(__always) func int(_ column: Int32) -> Int? { int64(column).map(Int.init) }

    /// A blob column of the current row, copied.
    @inline(__always) func bytes(_ column: Int32) -> [UInt8] { withBlob(column) { [UInt8]($0) } }

    private func error(_ code: Int32) -> DatabaseError {
        let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }
}
