/// An error from a store, with a message that says what to do.
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: Sendable, Equatable {
        case missingDatabase
        case databaseExists
        case locked
        case notACustodiaDatabase
        case schemaTooNew
        case keyMissing
        case keyPermissions
        case keyInvalid
        case keyMismatch
        case notFound
        case invalidRequest
        /// A listing was given a cursor it did not produce.
        case invalidCursor
        /// The database server refused or failed an operation (its message says why).
        case storage
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The store file does not exist: says to run `custodia init`.
    public static func missingDatabase(_ path: String) -> StoreError {
        StoreError(.missingDatabase, "no Custodia database at \(path); run `custodia init` to create one (or pass --db PATH)")
    }

    package static func locked(_ path: String) -> StoreError {
        StoreError(
            .locked,
            "the database \(path) is locked by another process (waited 5 seconds); wait for it to finish and try again")
    }
}
