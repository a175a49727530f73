/// C2SP signed-note: a text, a blank line, then signature lines
/// `— <key name> <base64(4-byte key ID ‖ signature)>` (U+2014, then a space).
public enum SignedNote {
    /// The signature-line prefix: EM DASH and a space.
    static let signaturePrefix = Array("\u{2014} ".utf8)
    /// Notes with more signature lines than this are refused unread.
    public static let maxSignatures = 100

    /// One signature line of a note.
    public struct Signature: Hashable, Sendable {
        /// The key name on the line.
        public let name: String
        /// The 4-byte key ID.
        public let keyID: [UInt8]
        /// The signature bytes after the key ID.
        public let signature: [UInt8]
    }

    /// A note whose signatures were checked.
    public struct Opened: Hashable, Sendable {
        /// The signed text, ending in a newline.
        public let text: String
        /// Signatures from known keys, each verified.
        public let signatures: [Signature]
        /// Signatures from keys not among the verifiers, unchecked.
        public let unverifiedSignatures: [Signature]
    }

    /// Signs `text` with `key`: returns `text`, a blank line and one signature line.
    ///
    /// - Throws: `NoteError` (`.malformedText`) unless `text` is non-empty, ends with a
    ///   newline and has no control characters other than newlines.
    public static func sign(text: String, key: LogKey) throws(NoteError) -> String {
        let message = Array(text.utf8)
        guard message.last == 0x0A else {
            throw NoteError(.malformedText, "the text to sign must end with a newline: append \"\\n\"")
        }
        guard !hasForbiddenControlCharacter(message) else {
            throw NoteError(.malformedText, "the text to sign contains a control character other than newline: remove it")
        }
        let signature = try key.signature(for: message)
        return text + "\n\u{2014} " + key.name + " " + Bytes.base64(key.keyID + signature) + "\n"
    }

    /// Parses `note` and checks its signatures against `verifiers`.
    ///
    /// Signatures from keys that are not among `verifiers` (matched by name and key ID)
    /// are ignored, but at least one signature must come from a known key, and every
    /// signature from a known key must verify.
    ///
    /// - Throws: `NoteError` for a malformed note, a note with no signature, a note no
    ///   known key signed, or a signature that does not verify (text or signature changed).
    public static func open(_ note: String, verifiers: [NoteVerifier]) throws(NoteError) -> Opened {
        let bytes = Array(note.utf8)
        guard !hasForbiddenControlCharacter(bytes) else {
            throw malformed("it contains a control character other than newline")
        }
        // The text ends at the last blank line; signature lines follow it.
        guard let split = lastBlankLine(in: bytes) else {
            if bytes.last == 0x0A, !bytes.isEmpty {
                throw NoteError(
                    .missingSignature, "the note has no signature lines: ask the log for the signed note, not the bare text")
            }
            throw malformed("it has no blank line before its signatures")
        }
        let textBytes = Array(bytes[...split])
        let signatureBlock = bytes[(split + 2)...]
        guard !signatureBlock.isEmpty else {
            if bytes.starts(with: signaturePrefix) || containsSignatureLine(bytes) {
                throw malformed("it ends with a blank line after its signatures")
            }
            throw NoteError(
                .missingSignature, "the note has no signature lines: ask the log for the signed note, not the bare text")
        }
        guard signatureBlock.last == 0x0A else { throw malformed("its last signature line does not end with a newline") }

        var verified = [Signature]()
        var unverified = [Signature]()
        var lineCount = 0
        for line in signatureBlock.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineCount += 1
            guard lineCount <= maxSignatures else { throw malformed("it has more than \(maxSignatures) signatures") }
            let signature = try parseSignatureLine(line)
            guard let verifier = verifiers.first(where: { $0.name == signature.name && $0.keyID == signature.keyID })
            else {
                if !unverified.contains(signature) { unverified.append(signature) }
                continue
            }
            if verified.contains(where: { $0.name == signature.name && $0.keyID == signature.keyID }) { continue }
            guard verifier.isValidSignature(signature.signature[...], for: textBytes) else {
                throw NoteError(
                    .invalidSignature,
                    "the signature by \(signature.name) does not match the note: the text or the signature was changed; do not trust this note and fetch it again from the log"
                )
            }
            verified.append(signature)
        }
        guard !verified.isEmpty else {
            let names = Set(unverified.map(\.name)).sorted().joined(separator: ", ")
            throw NoteError(
                .unknownSigners,
                "no known key signed the note (signed by: \(names)): check that the verifier key for this log is configured")
        }
        return Opened(text: String(decoding: textBytes, as: UTF8.self), signatures: verified, unverifiedSignatures: unverified)
    }

    private static func parseSignatureLine(_ line: ArraySlice<UInt8>) throws(NoteError) -> Signature {
        guard line.starts(with: signaturePrefix) else {
            throw malformed("a signature line does not start with \"\u{2014} \"")
        }
        let fields = line.dropFirst(signaturePrefix.count).split(
            separator: UInt8(ascii: " "), maxSplits: 1, omittingEmptySubsequences: false)
        guard fields.count == 2 else { throw malformed("a signature line is not `— name signature`") }
        let name = String(decoding: fields[0], as: UTF8.self)
        guard (try? NoteKeys.validateName(name)) != nil else {
            throw malformed("a signature line has an invalid key name")
        }
        guard let blob = Bytes.fromBase64(String(decoding: fields[1], as: UTF8.self)), blob.count >= 5 else {
            throw malformed("the signature by \(name) is not base64 of a key ID and a signature")
        }
        return Signature(name: name, keyID: Array(blob[..<4]), signature: Array(blob[4...]))
    }

    private static func malformed(_ reason: String) -> NoteError {
        NoteError(.malformedNote, "the signed note is malformed (\(reason)): fetch it again from the log unaltered")
    }

    /// Index of the first newline of the last "\n\n" in `bytes`.
    private static func lastBlankLine(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == 0x0A && bytes[i + 1] == 0x0A { return i }
            i -= 1
        }
        return nil
    }

    private static func containsSignatureLine(_ bytes: [UInt8]) -> Bool {
        let marker = [0x0A] + signaturePrefix
        guard bytes.count >= marker.count else { return false }
        return (0...(bytes.count - marker.count)).contains { bytes[$0..<($0 + marker.count)].elementsEqual(marker) }
    }

    private static func hasForbiddenControlCharacter(_ bytes: [UInt8]) -> Bool {
        bytes.contains { $0 < 0x20 && $0 != 0x0A }
    }
}
