/// C2SP tlog-tiles entry bundles (`tile/entries/<N>`): up to 256 entries, each written as
/// a big-endian UInt16 length followed by that many bytes.
public enum TileEntries {
    /// The most bytes one entry can have in a bundle.
    public static let maxEntryLength = Int(UInt16.max)

    /// Joins entries into a bundle.
    ///
    /// - Throws: `TreeError` (`.malformedEntryBundle`) for more than 256 entries or an
    ///   entry longer than 65,535 bytes.
    public static func bundle(_ entries: [[UInt8]]) throws(TreeError) -> [UInt8] {
        guard entries.count <= Tiles.width else {
            throw TreeError(
                .malformedEntryBundle,
                "an entry bundle holds at most 256 entries, not \(entries.count): split the entries by tile")
        }
        var out = [UInt8]()
        out.reserveCapacity(entries.reduce(0) { $0 + 2 + $1.count })
        for (position, entry) in entries.enumerated() {
            guard entry.count <= maxEntryLength else {
                throw TreeError(
                    .malformedEntryBundle,
                    "entry \(position) of the bundle is \(entry.count) bytes; tlog-tiles allows at most 65535: shorten the entry")
            }
            out.append(UInt8(entry.count >> 8))
            out.append(UInt8(entry.count & 0xFF))
            out.append(contentsOf: entry)
        }
        return out
    }

    /// Splits a bundle into its entries.
    ///
    /// - Throws: `TreeError` (`.malformedEntryBundle`) when a length prefix or entry is
    ///   cut short or there are more than 256 entries.
    public static func parse(_ bundle: [UInt8]) throws(TreeError) -> [[UInt8]] {
        var entries = [[UInt8]]()
        var position = 0
        while position < bundle.count {
            guard entries.count < Tiles.width else {
                throw TreeError(
                    .malformedEntryBundle,
                    "the entry bundle holds more than 256 entries: fetch the tile again; if it persists the server's tile is corrupt"
                )
            }
            guard position + 2 <= bundle.count else {
                throw TreeError(
                    .malformedEntryBundle,
                    "the entry bundle ends inside the length of entry \(entries.count): fetch the tile again; it was cut short")
            }
            let length = Int(bundle[position]) << 8 | Int(bundle[position + 1])
            position += 2
            guard position + length <= bundle.count else {
                throw TreeError(
                    .malformedEntryBundle,
                    "entry \(entries.count) of the bundle needs \(length) bytes but only \(bundle.count - position) remain: fetch the tile again; it was cut short"
                )
            }
            entries.append(Array(bundle[position..<(position + length)]))
            position += length
        }
        return entries
    }
}
