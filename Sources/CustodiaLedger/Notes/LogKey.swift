import Crypto

/// A log's Ed25519 signing key and its name (C2SP signed-note key type 0x01).
///
/// The name is what signature lines carry, normally the log's origin. Keep
/// `rawPrivateKey` secret: anyone holding it can sign checkpoints as the log.
public struct LogKey: Sendable, Equatable, CustomStringConvertible {
    /// The key name, e.g. `registry.example.org/custodia`.
    public let name: String
    /// The 32-byte Ed25519 private key (seed).
    public let rawPrivateKey: [UInt8]
    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]

    /// A new random key.
    ///
    /// - Throws: `NoteError` (`.invalidKeyName`) when `name` is empty or has whitespace
    ///   or `+`.
    public static func generate(name: String) throws(NoteError) -> LogKey {
        let key = Curve25519.Signing.PrivateKey()
        return try LogKey(name: name, key: key)
    }

    /// A key from its stored 32-byte private key.
    ///
    /// - Throws: `NoteError` for an invalid name or key bytes that are not a 32-byte
    ///   Ed25519 private key.
    public init(name: String, rawPrivateKey: [UInt8]) throws(NoteError) {
        guard rawPrivateKey.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
        else {
            throw NoteError(
                .invalidPrivateKey,
                "the private key is \(rawPrivateKey.count) bytes, not a 32-byte Ed25519 key: restore the key file from backup or generate a new key"
            )
        }
        try self.init(name: name, key: key)
    }

    private init(name: String, key: Curve25519.Signing.PrivateKey) throws(NoteError) {
        try NoteKeys.validateName(name)
        self.name = name
        rawPrivateKey = Array(key.rawRepresentation)
        publicKey = Array(key.publicKey.rawRepresentation)
    }

    /// The 4-byte key ID: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), first 4 bytes.
    public var keyID: [UInt8] { NoteKeys.keyID(name: name, publicKey: publicKey) }

    /// The public verifier key to publish: `name+<8 hex key ID>+<base64(0x01 ‖ public key)>`.
    public var verifierKey: String { NoteKeys.verifierKey(name: name, publicKey: publicKey) }

    /// The verifier for this key's signatures.
    public var verifier: NoteVerifier { NoteVerifier(name: name, publicKey: publicKey) }

    /// Shows the name and key ID only, never the private key.
    public var description: String { "LogKey(\(name), key ID \(Bytes.hex(keyID)))" }

    /// An Ed25519 signature of `message`.
    func signature(for message: [UInt8]) throws(NoteError) -> [UInt8] {
        do {
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
            return Array(try key.signature(for: message))
        } catch {
            throw NoteError(
                .invalidPrivateKey, "signing with key \(name) failed: restore the key file from backup or generate a new key")
        }
    }
}
