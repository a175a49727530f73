import Crypto
import CustodiaLedger

/// API tokens: `cust_<id>_<secret>`.
///
/// The id (16 lowercase hex digits) is public: it is what the ledger's `token-create` and
/// `token-revoke` entries name and what `custodia token revoke` takes. The secret (32
/// random bytes, 64 lowercase hex digits) is shown once, when the token is made, and never
/// stored: the store keeps only `secretHash(token)` and finds a presented token by it.
///
/// A client sends the whole token string (e.g. `Authorization: Bearer cust_…`); the server
/// checks `parse(_:)`, then looks up `UserStore.token(secretHash: APIToken.secretHash(token))`.
public enum APIToken {
    /// What every Custodia token starts with, so that a leaked one is recognisable.
    public static let prefix = "cust_"
    static let idLength = 16
    static let secretLength = 64

    /// Makes a new token from the system's cryptographic random source.
    ///
    /// - Returns: the token's public id and the full token string to hand to its owner.
    public static func generate() -> (id: String, token: String) {
        let id = hex(SymmetricKey(size: SymmetricKeySize(bitCount: idLength * 4)))
        let secret = hex(SymmetricKey(size: .bits256))
        return (id, prefix + id + "_" + secret)
    }

    /// The id of a well-formed token string; nil when `token` is not shaped like a token
    /// this type makes (`cust_`, 16 hex digits, `_`, 64 hex digits).
    public static func parse(_ token: String) -> String? {
        let bytes = Array(token.utf8)
        let prefixLength = prefix.utf8.count
        guard bytes.count == prefixLength + idLength + 1 + secretLength,
            bytes[..<prefixLength].elementsEqual(prefix.utf8),
            bytes[prefixLength + idLength] == UInt8(ascii: "_")
        else { return nil }
        let id = bytes[prefixLength..<prefixLength + idLength]
        let secret = bytes[(prefixLength + idLength + 1)...]
        guard id.allSatisfy(isHexDigit), secret.allSatisfy(isHexDigit) else { return nil }
        return String(decoding: id, as: UTF8.self)
    }

    /// The SHA-256 of the full token string, as 64 lowercase hex digits: what the store
    /// keeps instead of the token.
    public static func secretHash(_ token: String) -> String {
        Bytes.hex(SHA256.hash(data: Array(token.utf8)))
    }

    /// Whether `hash` has the form `secretHash` returns.
    public static func isSecretHash(_ hash: String) -> Bool {
        hash.utf8.count == 64 && hash.utf8.allSatisfy(isHexDigit)
    }

    private static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f"))
    }

    private static func hex(_ key: SymmetricKey) -> String {
        key.withUnsafeBytes { Bytes.hex($0) }
    }
}
