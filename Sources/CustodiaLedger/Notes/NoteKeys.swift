import Crypto
import Foundation

/// Rules shared by signing keys and verifier keys (C2SP signed-note).
enum NoteKeys {
    /// The signature type byte of Ed25519 keys.
    static let ed25519: UInt8 = 0x01
    /// The signature type byte of timestamped Ed25519 cosignatures (C2SP tlog-cosignature).
    static let cosignatureV1: UInt8 = 0x04

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
    static func keyID(name: String, type: UInt8 = ed25519, publicKey: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8))
        hasher.update(data: [0x0A, type])
        hasher.update(data: publicKey)
        return Array(hasher.finalize().prefix(4))
    }

    /// `name+hexkeyid+base64(type ‖ public key)`.
    static func verifierKey(name: String, type: UInt8 = ed25519, publicKey: [UInt8]) -> String {
        name + "+" + Bytes.hex(keyID(name: name, type: type, publicKey: publicKey)) + "+"
            + Bytes.base64([type] + publicKey)
    }

    /// Parses `name+hexkeyid+base64(type ‖ 32-byte Ed25519 key)` of the given type.
    static func parseVerifierKey(_ text: String, type: UInt8, what: String) throws(NoteError) -> (
        name: String, publicKey: [UInt8]
    ) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].utf8.count == 8, let id = Bytes.fromHex(parts[1]),
            let key = Bytes.fromBase64(parts[2])
        else {
            throw NoteError(
                .malformedVerifierKey,
                "the \(what) key is not `name+keyid+key` with an 8-digit hex key ID and a base64 Ed25519 key: copy it again exactly as published"
            )
        }
        let name = String(parts[0])
        try validateName(name)
        guard key.count == 33, key[0] == type, (try? Curve25519.Signing.PublicKey(rawRepresentation: key[1...])) != nil
        else {
            throw NoteError(
                .malformedVerifierKey,
                "the \(what) key for \(name) is not an Ed25519 key of type 0x\(String(format: "%02x", type)) followed by 32 bytes"
            )
        }
        let publicKey = Array(key[1...])
        guard id == keyID(name: name, type: type, publicKey: publicKey) else {
            throw NoteError(
                .verifierKeyIDMismatch,
                "the \(what) key for \(name) has key ID \(Bytes.hex(id)), which its name and key do not give: it was altered or mistyped; copy it again"
            )
        }
        return (name, publicKey)
    }
}
