/// A C2SP tlog-checkpoint: the note text a log signs to commit to its tree.
///
/// ```
/// registry.example.org/custodia
/// 1234
/// <base64 root hash>
/// <optional extension lines>
/// ```
public struct Checkpoint: Hashable, Sendable {
    /// The log's origin line, e.g. `registry.example.org/custodia`.
    public let origin: String
    /// The number of entries in the tree.
    public let size: Int64
    /// The tree's RFC 6962 root hash.
    public let root: TreeHash
    /// Extension lines after the root, without their newlines.
    public let extensions: [String]

    /// A checkpoint from its fields.
    ///
    /// - Throws: `CheckpointError` when the origin or an extension line is empty or holds
    ///   a control character (newlines included), or the size is negative.
    public init(origin: String, size: Int64, root: TreeHash, extensions: [String] = []) throws(CheckpointError) {
        try Self.checkLine(origin, "the origin line")
        for line in extensions { try Self.checkLine(line, "an extension line") }
        guard size >= 0 else {
            throw CheckpointError("the tree size \(size) is negative: a checkpoint's size counts entries from 0")
        }
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// Parses a checkpoint text strictly: origin, decimal size without sign or leading
    /// zeros, canonical base64 of a 32-byte root, then non-empty extension lines, each
    /// line ending in a newline.
    ///
    /// - Throws: `CheckpointError` saying which line is wrong.
    public init(text: String) throws(CheckpointError) {
        guard text.utf8.last == 0x0A else {
            throw CheckpointError(
                "the checkpoint text does not end with a newline: pass the whole note text, up to the blank line before the signatures"
            )
        }
        let lines = text.utf8.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard lines.count >= 3 else {
            throw CheckpointError(
                "a checkpoint has at least 3 lines (origin, size, root), this one has \(lines.count): pass the whole note text")
        }
        guard let size = Self.parseSize(lines[1]) else {
            throw CheckpointError(
                "the checkpoint's size line \"\(lines[1].prefix(40))\" is not a decimal number without sign or leading zeros: the checkpoint is corrupt; fetch it again"
            )
        }
        guard let root = TreeHash(base64: lines[2]) else {
            throw CheckpointError(
                "the checkpoint's root line is not base64 of a 32-byte hash: the checkpoint is corrupt; fetch it again")
        }
        try self.init(origin: lines[0], size: size, root: root, extensions: Array(lines[3...]))
    }

    /// The note text: origin, size, base64 root and extension lines, each ending in "\n".
    public var text: String {
        var text = origin + "\n" + String(size) + "\n" + root.base64 + "\n"
        for line in extensions { text += line + "\n" }
        return text
    }

    private static func checkLine(_ line: String, _ what: String) throws(CheckpointError) {
        guard !line.isEmpty else { throw CheckpointError("\(what) of the checkpoint is empty: give it text") }
        guard !line.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw CheckpointError("\(what) of the checkpoint contains a newline or control character: remove it")
        }
    }

    private static func parseSize(_ line: String) -> Int64? {
        let digits = line.utf8
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }),
            digits.count == 1 || digits.first != 0x30
        else { return nil }
        return Int64(line)
    }
}
