import Crypto

/// Rules shared by signing keys and verifier keys (C2SP signed-note).
enum NoteKeys {
    /// The signature type byte of Ed25519 keys.
    static let ed25519: UInt8 = 0x01

    /// A key name is non-empty with no Unicode whitespace and no `+`.
    static func validateName(_ name: String) throws(NoteError) {
        guard !name.isEmpty,
            !name.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0 == "+" })
        else {
            throw NoteError(
                .invalidKeyName,
                "key name \"\(name)\" is not allowed: use a non-empty name without spaces or '+', such as the log's origin")
        }
    }

    /// First 4 bytes of SHA-256(name ‖ 0x0A ‖ type ‖ public key).
    static func keyID(name: String, publicKey: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8))
        hasher.update(data: [0x0A, ed25519])
        hasher.update(data: publicKey)
        return Array(hasher.finalize().prefix(4))
    }

    /// `name+hexkeyid+base64(type ‖ public key)`.
    static func verifierKey(name: String, publicKey: [UInt8]) -> String {
        name + "+" + Bytes.hex(keyID(name: name, publicKey: publicKey)) + "+"
            + Bytes.base64([ed25519] + publicKey)
    }
}
