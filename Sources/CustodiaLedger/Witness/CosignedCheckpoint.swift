/// The witnesses a reader trusts, and how many of them must have cosigned a checkpoint
/// before the reader believes it.
public struct WitnessPolicy: Sendable, Equatable {
    public let witnesses: [CosignatureVerifier]
    public let quorum: Int

    /// No witnesses: the log's own signature is enough.
    public static let none = WitnessPolicy(uncheckedWitnesses: [], quorum: 0)

    /// - Throws: `LogCheckFailure` (`.usage`) when the quorum is negative or larger than the
    ///   number of witnesses, or a witness is named twice.
    public init(witnesses: [CosignatureVerifier], quorum: Int? = nil) throws(LogCheckFailure) {
        let quorum = quorum ?? witnesses.count
        guard quorum >= 0, quorum <= witnesses.count else {
            throw LogCheckFailure(
                .usage, "a quorum of \(quorum) among \(witnesses.count) witnesses cannot be met: give a quorum from 0 to \(witnesses.count)")
        }
        guard Set(witnesses.map(\.verifierKey)).count == witnesses.count else {
            throw LogCheckFailure(.usage, "a witness key is given twice: name each witness once")
        }
        self.init(uncheckedWitnesses: witnesses, quorum: quorum)
    }

    private init(uncheckedWitnesses: [CosignatureVerifier], quorum: Int) {
        witnesses = uncheckedWitnesses
        self.quorum = quorum
    }
}

/// Why a checkpoint, a receipt or a log's history does not hold. `kind` tells the cases
/// apart (a monitor exits with a different status for each); `description` says what was
/// found and what to do.
public struct LogCheckFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The arguments cannot work (a quorum above the number of witnesses, a bad key).
        case usage
        /// The checkpoint or receipt is not what it should be (bad text, bad signature).
        case malformed
        /// The log's signature does not verify with the key the reader holds.
        case signature
        /// Fewer trusted witnesses cosigned than the quorum.
        case quorum
        /// The log is smaller than a checkpoint seen before.
        case rollback
        /// Two checkpoints of the same size with different roots, or a newer one that does
        /// not extend an older one: the log shows different histories to different readers.
        case fork
        /// An inclusion proof or an entry does not match the checkpoint.
        case inclusion
        /// The log could not be read (network, missing tiles).
        case unavailable
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// A checkpoint whose log signature verified, with the trusted witnesses that cosigned it.
public struct VerifiedCheckpoint: Sendable, Equatable {
    /// A witness's valid cosignature: who, and as of when (seconds since 1970).
    public struct Cosigner: Sendable, Equatable {
        public let name: String
        public let timestamp: UInt64
    }

    public let checkpoint: Checkpoint
    /// The signed text.
    public let text: String
    /// The note as given (log signature and cosignatures).
    public let note: String
    /// Trusted witnesses whose cosignature verified, in the policy's order.
    public let cosigners: [Cosigner]
    /// Trusted witnesses whose line is there but does not verify.
    public let invalidCosigners: [String]
}

/// Checking a checkpoint with cosignatures, and joining cosignature lines to a note.
public enum CosignedCheckpoint {
    /// Opens `note` with the log's key and counts the valid cosignatures of the witnesses
    /// in `policy`.
    ///
    /// - Throws: `LogCheckFailure`: `.malformed` or `.signature` for the note itself,
    ///   `.quorum` when fewer than `policy.quorum` trusted witnesses cosigned it (naming
    ///   those missing).
    public static func verify(_ note: String, log: NoteVerifier, policy: WitnessPolicy) throws(LogCheckFailure)
        -> VerifiedCheckpoint
    {
        let opened: SignedNote.Opened
        do { opened = try SignedNote.open(note, verifiers: [log]) } catch {
            if error.code == .malformedNote || error.code == .malformedText {
                throw LogCheckFailure(.malformed, "the checkpoint is not a signed note: \(error.description)")
            }
            throw LogCheckFailure(.signature, "the checkpoint is not signed by the log's key \(log.name): \(error.description)")
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: opened.text) } catch {
            throw LogCheckFailure(.malformed, "the note is not a checkpoint: \(error)")
        }
        guard checkpoint.origin == log.name else {
            throw LogCheckFailure(
                .signature, "the checkpoint is of the log \(checkpoint.origin), not of \(log.name): check the key and the URL")
        }
        var cosigners: [VerifiedCheckpoint.Cosigner] = []
        var invalid: [String] = []
        for witness in policy.witnesses {
            let lines = opened.unverifiedSignatures.filter { $0.name == witness.name && $0.keyID == witness.keyID }
            guard !lines.isEmpty else { continue }
            if let timestamp = lines.lazy.compactMap({ witness.timestamp(of: $0, on: opened.text) }).first {
                cosigners.append(.init(name: witness.name, timestamp: timestamp))
            } else {
                invalid.append(witness.name)
            }
        }
        let verified = VerifiedCheckpoint(
            checkpoint: checkpoint, text: opened.text, note: note, cosigners: cosigners, invalidCosigners: invalid)
        guard cosigners.count >= policy.quorum else {
            let missing = policy.witnesses.map(\.name).filter { name in !cosigners.contains { $0.name == name } }
            var message =
                "\(cosigners.count) of the \(policy.quorum) witness cosignatures needed for size \(checkpoint.size); missing: \(missing.joined(separator: ", "))"
            if !invalid.isEmpty { message += "; cosignatures that do not verify: \(invalid.joined(separator: ", "))" }
            throw LogCheckFailure(.quorum, message + ". Ask the log's operator whether its witnesses are reachable")
        }
        return verified
    }

    /// `note` with cosignature `lines` (each `— name base64…` ending in a newline) after its
    /// signatures, skipping any already there.
    public static func adding(_ lines: [String], to note: String) -> String {
        var result = note
        for line in lines where !note.contains(line) { result += line }
        return result
    }

    /// Parses one cosignature line as a witness answers it, and checks it is `witness`'s
    /// valid cosignature of `text`.
    ///
    /// - Returns: the line's timestamp; nil when the line is not that.
    public static func check(line: String, by witness: CosignatureVerifier, on text: String) -> UInt64? {
        guard line.utf8.count < 1000, let signature = parse(line: line) else { return nil }
        return witness.timestamp(of: signature, on: text)
    }

    /// The fields of a signature line `— name base64(key ID ‖ signature)` and its newline.
    static func parse(line: String) -> SignedNote.Signature? {
        guard line.hasPrefix("\u{2014} "), line.hasSuffix("\n") else { return nil }
        let fields = line.dropFirst(2).dropLast().split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 2, (try? NoteKeys.validateName(String(fields[0]))) != nil,
            let blob = Bytes.fromBase64(String(fields[1])), blob.count > 4
        else { return nil }
        return SignedNote.Signature(name: String(fields[0]), keyID: Array(blob.prefix(4)), signature: Array(blob.dropFirst(4)))
    }
}
