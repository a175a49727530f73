import Crypto

/// A public key that checks signed-note signatures, parsed from a verifier key string
/// `name+<8 hex key ID>+<base64(0x01 ‖ Ed25519 public key)>`.
public struct NoteVerifier: Hashable, Sendable {
    /// The key name signatures must carry.
    public let name: String
    /// The 4-byte key ID signatures must start with.
    public let keyID: [UInt8]
    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]

    /// Parses and checks a verifier key string.
    ///
    /// - Throws: `NoteError` when the string is not three `+`-separated parts, the name is
    ///   invalid, the key is not Ed25519, or the key ID does not match name and key.
    public init(verifierKey: String) throws(NoteError) {
        let parts = verifierKey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        let malformed = NoteError(
            .malformedVerifierKey,
            "the verifier key is not `name+keyid+key` with an 8-digit hex key ID and a base64 Ed25519 key: copy the key again exactly as the log publishes it"
        )
        guard parts.count == 3, parts[1].utf8.count == 8, let id = Bytes.fromHex(parts[1]),
            let key = Bytes.fromBase64(parts[2])
        else { throw malformed }
        let name = String(parts[0])
        try NoteKeys.validateName(name)
        guard key.count == 33, key[0] == NoteKeys.ed25519,
            (try? Curve25519.Signing.PublicKey(rawRepresentation: key[1...])) != nil
        else {
            throw NoteError(
                .malformedVerifierKey,
                "the verifier key for \(name) is not an Ed25519 key (type 0x01 followed by 32 bytes): only Ed25519 logs are supported"
            )
        }
        self.init(name: name, publicKey: Array(key[1...]))
        guard id == keyID else {
            throw NoteError(
                .verifierKeyIDMismatch,
                "the verifier key for \(name) has key ID \(Bytes.hex(id)) but its name and key give \(Bytes.hex(keyID)): the key was altered or mistyped; copy it again from the log"
            )
        }
    }

    init(name: String, publicKey: [UInt8]) {
        self.name = name
        self.publicKey = publicKey
        keyID = NoteKeys.keyID(name: name, publicKey: publicKey)
    }

    /// The verifier key string this verifier was parsed from.
    public var verifierKey: String { NoteKeys.verifierKey(name: name, publicKey: publicKey) }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    func isValidSignature(_ signature: ArraySlice<UInt8>, for message: [UInt8]) -> Bool {
        guard signature.count == 64,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        else { return false }
        return key.isValidSignature(signature, for: message)
    }
}
