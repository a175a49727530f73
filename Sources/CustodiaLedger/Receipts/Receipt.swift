/// A receipt anyone can check: that entry `index`, whose leaf hash is `leafHash`, is in the
/// log whose signed (and cosigned) `checkpoint` it carries, by an RFC 6962 inclusion proof.
///
/// As text (one field per line, then a blank line and the checkpoint note as the log serves
/// it):
///
/// ```
/// custodia-receipt/v1
/// key <the log's verifier key>
/// index <entry index>
/// leaf <base64 leaf hash>
/// entry <base64 leaf bytes>        (optional: the entry itself, canonical JSON)
/// <base64 hash of the inclusion proof, leaf to root, one per line>
///
/// <checkpoint note: text, blank line, log signature, cosignatures>
/// ```
///
/// The key in a receipt says which key to check it with; whoever checks it compares that
/// key with the one the registry publishes (or passes their own).
public struct Receipt: Sendable, Equatable {
    public static let header = "custodia-receipt/v1"

    public let logKey: String
    public let index: Int64
    public let leafHash: TreeHash
    /// The leaf bytes, when the receipt carries them.
    public let entry: [UInt8]?
    public let proof: [TreeHash]
    /// The signed checkpoint note, with its cosignatures.
    public let checkpoint: String

    public init(logKey: String, index: Int64, leafHash: TreeHash, entry: [UInt8]?, proof: [TreeHash], checkpoint: String) {
        self.logKey = logKey
        self.index = index
        self.leafHash = leafHash
        self.entry = entry
        self.proof = proof
        self.checkpoint = checkpoint
    }

    /// The receipt as text.
    public var text: String {
        var lines = [Self.header, "key \(logKey)", "index \(index)", "leaf \(leafHash.base64)"]
        if let entry { lines.append("entry \(Bytes.base64(entry))") }
        lines += proof.map(\.base64)
        return lines.joined(separator: "\n") + "\n\n" + checkpoint
    }

    /// The receipt without the entry: what a QR code carries (smaller, and a reader of the
    /// code learns no more than the leaf hash).
    public var withoutEntry: Receipt {
        Receipt(logKey: logKey, index: index, leafHash: leafHash, entry: nil, proof: proof, checkpoint: checkpoint)
    }

    /// Reads a receipt (carriage returns are dropped, as a receipt may have been saved on
    /// another system, and spaces at the end of the lines before the checkpoint).
    ///
    /// - Throws: `LogCheckFailure` (`.malformed`) naming the line that is wrong.
    public init(text raw: String) throws(LogCheckFailure) {
        let text = raw.replacingCRLF()
        let bytes = Array(text.utf8)
        guard let split = bytes.indices.dropLast().first(where: { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }) else {
            throw LogCheckFailure(.malformed, "the receipt has no blank line before its checkpoint: pass the whole receipt")
        }
        let lines = String(decoding: bytes[..<split], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0).trimmingTrailingSpaces()
        }
        func bad(_ line: Int, _ why: String) -> LogCheckFailure {
            LogCheckFailure(.malformed, "line \(line) of the receipt: \(why)")
        }
        guard lines.first == Self.header else { throw bad(1, "a receipt starts with `\(Self.header)`") }
        func field(_ n: Int, _ name: String) throws(LogCheckFailure) -> String {
            guard n < lines.count, lines[n].hasPrefix(name + " ") else { throw bad(n + 1, "expected `\(name) …`") }
            return String(lines[n].dropFirst(name.count + 1))
        }
        logKey = try field(1, "key")
        guard let index = Int64(try field(2, "index")), index >= 0 else { throw bad(3, "the index is not a number from 0") }
        self.index = index
        guard let leaf = TreeHash(base64: try field(3, "leaf")) else { throw bad(4, "the leaf hash is not base64 of 32 bytes") }
        leafHash = leaf
        var next = 4
        if next < lines.count, lines[next].hasPrefix("entry ") {
            guard let bytes = Bytes.fromBase64(String(lines[next].dropFirst(6))) else {
                throw bad(next + 1, "the entry is not base64")
            }
            entry = bytes
            next += 1
        } else {
            entry = nil
        }
        var proof: [TreeHash] = []
        while next < lines.count {
            guard let hash = TreeHash(base64: lines[next]) else {
                throw bad(next + 1, "an inclusion proof line is not base64 of a 32-byte hash")
            }
            proof.append(hash)
            next += 1
        }
        guard proof.count <= 63 else { throw LogCheckFailure(.malformed, "the inclusion proof has more than 63 hashes") }
        self.proof = proof
        checkpoint = String(decoding: bytes[(split + 2)...], as: UTF8.self)
    }

    /// A receipt that held: the checkpoint it is proved in, and the entry when it carries it.
    public struct Verified: Sendable, Equatable {
        public let index: Int64
        public let checkpoint: VerifiedCheckpoint
        public let entry: [UInt8]?
    }

    /// Checks the receipt offline: the checkpoint's signature by `log` (the receipt's own
    /// key when nil; it must be the same key when given), the cosignatures `policy` asks for,
    /// the inclusion proof from the leaf hash to the checkpoint's root, and that the entry,
    /// when carried, hashes to the leaf hash.
    ///
    /// - Throws: `LogCheckFailure` saying which of these does not hold.
    public func verify(log given: NoteVerifier? = nil, policy: WitnessPolicy = .none) throws(LogCheckFailure) -> Verified {
        let own: NoteVerifier
        do { own = try NoteVerifier(verifierKey: logKey) } catch {
            throw LogCheckFailure(.malformed, "the receipt's key is not a log verifier key: \(error)")
        }
        if let given, given.verifierKey != own.verifierKey {
            throw LogCheckFailure(
                .signature, "the receipt names the key \(own.verifierKey), not the one given (\(given.verifierKey)): it is not from this log")
        }
        let verified = try CosignedCheckpoint.verify(checkpoint, log: own, policy: policy)
        let size = verified.checkpoint.size
        guard index < size else {
            throw LogCheckFailure(.inclusion, "entry \(index) cannot be in a checkpoint of \(size) entries")
        }
        if let entry, Merkle.leafHash(entry) != leafHash {
            throw LogCheckFailure(.inclusion, "the entry on the receipt does not hash to its leaf hash: the entry was changed")
        }
        do {
            try Merkle.verifyInclusion(
                leafHash: leafHash, index: index, size: size, proof: proof, root: verified.checkpoint.root)
        } catch {
            throw LogCheckFailure(
                .inclusion, "the inclusion proof of entry \(index) does not lead to the checkpoint's root: \(error)")
        }
        return Verified(index: index, checkpoint: verified, entry: entry)
    }
}

extension String {
    fileprivate func replacingCRLF() -> String {
        guard utf8.contains(13) else { return self }
        return String(decoding: utf8.filter { $0 != 13 }, as: UTF8.self)
    }

    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
