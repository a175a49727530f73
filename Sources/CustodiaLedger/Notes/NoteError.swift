/// Why a signing key, verifier key or signed note was refused.
///
/// Compare `code` to tell cases apart; `description` says what is wrong and what to do.
public struct NoteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable {
        private enum Base: Hashable, Sendable {
            case invalidKeyName, invalidPrivateKey, malformedVerifierKey, verifierKeyIDMismatch
            case malformedText, malformedNote, missingSignature, unknownSigners, invalidSignature
        }
        private let base: Base

        /// A key name is empty or contains whitespace or `+`.
        public static let invalidKeyName = Code(base: .invalidKeyName)
        /// Private key bytes are not a 32-byte Ed25519 seed.
        public static let invalidPrivateKey = Code(base: .invalidPrivateKey)
        /// A verifier key string is not `name+keyid+base64key` with an Ed25519 key.
        public static let malformedVerifierKey = Code(base: .malformedVerifierKey)
        /// A verifier key's ID does not match its name and public key.
        public static let verifierKeyIDMismatch = Code(base: .verifierKeyIDMismatch)
        /// Text to sign is empty, lacks a final newline or contains control characters.
        public static let malformedText = Code(base: .malformedText)
        /// A note is not text, blank line, signature lines.
        public static let malformedNote = Code(base: .malformedNote)
        /// A note has no signature lines at all.
        public static let missingSignature = Code(base: .missingSignature)
        /// No signature on the note is from a known key.
        public static let unknownSigners = Code(base: .unknownSigners)
        /// A signature from a known key does not verify: the text or signature changed.
        public static let invalidSignature = Code(base: .invalidSignature)
    }

    /// The kind of failure.
    public let code: Code
    /// What is wrong and what to do about it.
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
