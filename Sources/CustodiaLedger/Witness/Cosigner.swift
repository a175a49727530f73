import Crypto

/// A witness's key: Ed25519, cosignature type 0x04 (C2SP tlog-cosignature, `cosignature/v1`).
///
/// A cosignature says: as of its timestamp, this is the largest tree of the log, consistent
/// with every earlier one, that the witness has seen. Keep `rawPrivateKey` secret.
public struct CosignerKey: Sendable, Equatable, CustomStringConvertible {
    /// The witness's name, e.g. `witness.inspectorate.example/w1`.
    public let name: String
    public let rawPrivateKey: [UInt8]
    public let publicKey: [UInt8]

    public static func generate(name: String) throws(NoteError) -> CosignerKey {
        try CosignerKey(name: name, rawPrivateKey: Array(Curve25519.Signing.PrivateKey().rawRepresentation))
    }

    public init(name: String, rawPrivateKey: [UInt8]) throws(NoteError) {
        try NoteKeys.validateName(name)
        guard rawPrivateKey.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
        else {
            throw NoteError(
                .invalidPrivateKey,
                "the witness key is \(rawPrivateKey.count) bytes, not a 32-byte Ed25519 key: restore the key file or make a new one"
            )
        }
        self.name = name
        self.rawPrivateKey = rawPrivateKey
        publicKey = Array(key.publicKey.rawRepresentation)
    }

    /// SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key), first 4 bytes.
    public var keyID: [UInt8] { NoteKeys.keyID(name: name, type: NoteKeys.cosignatureV1, publicKey: publicKey) }

    /// The key to publish: `name+<8 hex key ID>+<base64(0x04 ‖ public key)>`.
    public var verifierKey: String { NoteKeys.verifierKey(name: name, type: NoteKeys.cosignatureV1, publicKey: publicKey) }

    public var description: String { "CosignerKey(\(name), key ID \(Bytes.hex(keyID)))" }

    /// The cosignature line, `— <name> base64(key ID ‖ timestamp ‖ signature)` and a
    /// newline, of the checkpoint `text` (the note text, ending in a newline) at `timestamp`
    /// (seconds since 1970).
    public func cosign(_ text: String, timestamp: UInt64) throws(NoteError) -> String {
        let signature: [UInt8]
        do {
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
            signature = Array(try key.signature(for: Cosignature.message(text: text, timestamp: timestamp)))
        } catch {
            throw NoteError(.invalidPrivateKey, "cosigning with key \(name) failed: restore the key file")
        }
        return "\u{2014} \(name) \(Bytes.base64(keyID + Cosignature.bigEndian(timestamp) + signature))\n"
    }
}

/// A witness's public key, which checks its cosignatures.
public struct CosignatureVerifier: Hashable, Sendable {
    public let name: String
    public let keyID: [UInt8]
    public let publicKey: [UInt8]

    /// Parses `name+<8 hex key ID>+<base64(0x04 ‖ Ed25519 public key)>`.
    public init(verifierKey: String) throws(NoteError) {
        let (name, publicKey) = try NoteKeys.parseVerifierKey(verifierKey, type: NoteKeys.cosignatureV1, what: "witness")
        self.name = name
        self.publicKey = publicKey
        keyID = NoteKeys.keyID(name: name, type: NoteKeys.cosignatureV1, publicKey: publicKey)
    }

    public var verifierKey: String { NoteKeys.verifierKey(name: name, type: NoteKeys.cosignatureV1, publicKey: publicKey) }

    /// The timestamp of `signature` when it is this witness's valid cosignature of the
    /// checkpoint `text`; nil otherwise.
    public func timestamp(of signature: SignedNote.Signature, on text: String) -> UInt64? {
        guard signature.name == name, signature.keyID == keyID, signature.signature.count == 72,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        else { return nil }
        let timestamp = signature.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard timestamp <= UInt64(Int64.max),
            key.isValidSignature(signature.signature.dropFirst(8), for: Cosignature.message(text: text, timestamp: timestamp))
        else { return nil }
        return timestamp
    }
}

/// The cosigned message of C2SP tlog-cosignature v1 (Ed25519).
public enum Cosignature {
    /// `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint text.
    public static func message(text: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + Array(text.utf8)
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }
}
