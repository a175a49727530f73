import Crypto

/// A 32-byte SHA-256 hash in the ledger's Merkle tree: a leaf hash, an interior node or a
/// root.
///
/// Stored inline as four machine words holding the hash bytes in order, so comparing,
/// hashing and copying never allocate; a tile of 256 hashes is one 8 KiB array.
public struct TreeHash: Hashable, Sendable, CustomStringConvertible {
    /// The byte length of every tree hash.
    public static let byteCount = 32

    // The words hold the hash bytes in memory order (not a numeric value), so
    // `withUnsafeBytes(of:)` yields the hash itself. A homogeneous tuple is laid out
    // contiguously.
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// Copies a hash from exactly 32 bytes; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        words = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { target in
            _ = target.initializeMemory(as: UInt8.self, from: bytes)
        }
    }

    /// Copies a hash from raw bytes; nil unless exactly 32. Not generic, so decoding a
    /// stored tile (256 hashes) stays a memory copy per hash.
    public init?(raw buffer: UnsafeRawBufferPointer) {
        guard buffer.count == Self.byteCount else { return nil }
        self.init(unchecked: buffer)
    }

    /// Copies a hash from a buffer the caller guarantees to hold exactly 32 bytes.
    init(unchecked buffer: UnsafeRawBufferPointer) {
        precondition(buffer.count == Self.byteCount, "a tree hash is 32 bytes")
        words = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: buffer) }
    }

    init(_ digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { TreeHash(unchecked: $0) }
    }

    /// Parses 64 hexadecimal digits (either case); nil for anything else.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 2 * Self.byteCount, let bytes = Bytes.fromHex(hex) else {
            return nil
        }
        self.init(bytes: bytes)
    }

    /// Parses standard padded base64 of 32 bytes (44 characters, as in checkpoints); nil
    /// for anything else, including non-canonical spellings.
    public init?(base64: some StringProtocol) {
        guard let bytes = Bytes.fromBase64(base64) else { return nil }
        self.init(bytes: bytes)
    }

    /// The 32 hash bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Lowercase hexadecimal, 64 characters.
    public var hex: String { withUnsafeBytes { Bytes.hex($0) } }

    /// Standard padded base64, 44 characters (the checkpoint form).
    public var base64: String { withUnsafeBytes { Bytes.base64($0) } }

    public var description: String { hex }

    /// Calls `body` with the 32 hash bytes, without copying them.
    public func withUnsafeBytes<Result>(
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public static func == (lhs: TreeHash, rhs: TreeHash) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1
            && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
