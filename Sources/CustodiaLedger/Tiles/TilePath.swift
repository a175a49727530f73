/// A C2SP tlog-tiles resource path: `tile/<L>/<N>[.p/<W>]` for hash tiles and
/// `tile/entries/<N>[.p/<W>]` for entry bundles.
///
/// `<N>` is written in 3-digit groups, all but the last prefixed with `x`
/// (1234067 → `x001/x234/067`); `.p/<W>` marks a partial tile of W (1–255) entries.
/// Parsing accepts only the one canonical spelling of a path, so it can guard an HTTP
/// endpoint: no `..`, no empty or extra segments, no leading zeros beyond the grouping.
public struct TilePath: Hashable, Sendable, CustomStringConvertible {
    /// What the tile holds.
    public enum Kind: Hashable, Sendable {
        /// Hashes at the given tile level (0 = leaf hashes; at most `TilePath.maxLevel`).
        case hashes(level: Int)
        /// Entry bundle: the leaf data of 256 consecutive entries.
        case entries
    }

    /// The highest tile level tlog-tiles allows (`<L>` is a single digit 0–5).
    public static let maxLevel = 5

    /// What the tile holds.
    public let kind: Kind
    /// The tile's index within its level.
    public let index: Int64
    /// How many entries the tile holds: 256 for a full tile, 1–255 for a partial one.
    public let width: Int

    /// Whether this is a partial tile (`.p/<W>`).
    public var isPartial: Bool { width < Tiles.width }

    /// A tile path; nil when the level is outside 0–5, the index negative or the width
    /// outside 1–256.
    public init?(kind: Kind, index: Int64, width: Int = 256) {
        if case .hashes(let level) = kind, !(0...Self.maxLevel).contains(level) { return nil }
        guard index >= 0, (1...Tiles.width).contains(width) else { return nil }
        self.kind = kind
        self.index = index
        self.width = width
    }

    /// Parses a path such as `tile/0/x001/234.p/7` or `tile/entries/000` (no leading
    /// slash, no prefix); nil for anything that is not exactly a canonical tile path.
    public init?(_ path: some StringProtocol) {
        let text = String(path)
        var segments = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)[...]
        guard segments.count >= 3, segments.removeFirst().elementsEqual("tile".utf8) else { return nil }
        let first = segments.removeFirst()
        let kind: Kind
        if first.elementsEqual("entries".utf8) {
            kind = .entries
        } else if let level = Self.decimal(first) {
            kind = .hashes(level: level)
        } else {
            return nil
        }
        // A partial tile ends `<last group>.p/<W>`.
        var width = Tiles.width
        if segments.count >= 2, segments[segments.endIndex - 2].reversed().starts(with: "p.".utf8) {
            guard let w = Self.decimal(segments.removeLast()) else { return nil }
            width = w
            segments[segments.endIndex - 1] = segments[segments.endIndex - 1].dropLast(2)
        }
        var index: Int64 = 0
        for (position, segment) in segments.enumerated() {
            // All but the last group carry an `x`; the canonical check below insists on it.
            guard let group = Self.decimal(position < segments.count - 1 ? segment.dropFirst() : segment) else {
                return nil
            }
            let (scaled, overflow) = index.multipliedReportingOverflow(by: 1000)
            let (sum, carry) = scaled.addingReportingOverflow(Int64(group))
            guard !overflow, !carry else { return nil }
            index = sum
        }
        // Re-encoding rejects every other spelling: missing or extra `x`, group widths,
        // leading zeros, level or width out of range.
        guard let parsed = TilePath(kind: kind, index: index, width: width), parsed.path == text else { return nil }
        self = parsed
    }

    /// The path, e.g. `tile/1/x001/234.p/7`.
    public var path: String {
        var groups = [String]()
        var rest = index
        repeat {
            let group = String(rest % 1000)
            groups.append(String(repeating: "0", count: 3 - group.count) + group)
            rest /= 1000
        } while rest > 0
        var text = "tile/"
        switch kind {
        case .hashes(let level): text += String(level)
        case .entries: text += "entries"
        }
        for (position, group) in groups.reversed().enumerated() {
            text += position == groups.count - 1 ? "/" + group : "/x" + group
        }
        if isPartial { text += ".p/" + String(width) }
        return text
    }

    public var description: String { path }

    private static func decimal(_ digits: some Collection<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 3 else { return nil }
        var value = 0
        for char in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(char) else { return nil }
            value = value * 10 + Int(char - UInt8(ascii: "0"))
        }
        return value
    }
}
