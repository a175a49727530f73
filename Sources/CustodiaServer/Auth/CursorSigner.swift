import Crypto
import Foundation

/// Signs the cursors of paginated listings, so that a client can only continue a listing
/// from where the server left it: a cursor carries an HMAC of the store's position, the
/// listing and the user it was given to. A forged, edited or borrowed cursor is refused
/// (400 `invalid-cursor`). The key is random per process unless `cursorSecret` is set (as it
/// must be, alike, on every server of one register).
struct CursorSigner: Sendable {
    private let secret: [UInt8]

    init(secret: [UInt8]?) {
        self.secret = secret ?? SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// The cursor to give out for the store's `cursor` of `listing`, for `user`.
    func sign(_ cursor: String?, listing: String, user: String) -> String? {
        cursor.map { "\($0).\(mac($0, listing: listing, user: user))" }
    }

    /// The store's cursor inside a signed one; nil when none was given.
    ///
    /// - Throws: a 400 problem for a cursor this server did not give `user` for `listing`.
    func open(_ signed: String?, listing: String, user: String) throws -> String? {
        guard let signed else { return nil }
        guard signed.utf8.count <= 160, let dot = signed.lastIndex(of: ".") else { throw Self.invalid }
        let cursor = String(signed[..<dot])
        guard Secrets.equal(String(signed[signed.index(after: dot)...]), mac(cursor, listing: listing, user: user)) else {
            throw Self.invalid
        }
        return cursor
    }

    static let invalid = Problem.invalidCursor(
        "the cursor is not one this listing gave you; start again without a cursor and follow nextCursor")

    private func mac(_ cursor: String, listing: String, user: String) -> String {
        let message = Array("custodia-cursor/v1\n\(listing)\n\(user)\n\(cursor)".utf8)
        return Secrets.base64URL(Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret)).prefix(16)))
    }
}
