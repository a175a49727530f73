import Testing

@testable import CustodiaLedger

@Suite struct TilePathTests {
    @Test(arguments: [
        (TilePath.Kind.hashes(level: 0), Int64(0), 256, "tile/0/000"),
        (.hashes(level: 0), 1234067, 256, "tile/0/x001/x234/067"),
        (.hashes(level: 1), 1000, 256, "tile/1/x001/000"),
        (.hashes(level: 5), 999, 7, "tile/5/999.p/7"),
        (.hashes(level: 2), 1_000_000, 255, "tile/2/x001/x000/000.p/255"),
        (.entries, 0, 1, "tile/entries/000.p/1"),
        (.entries, 48, 256, "tile/entries/048"),
        (.entries, Int64.max, 256, "tile/entries/x009/x223/x372/x036/x854/x775/807"),
    ])
    func pathsEncodeAndParseBack(_ kind: TilePath.Kind, _ index: Int64, _ width: Int, _ path: String) throws {
        let tile = try #require(TilePath(kind: kind, index: index, width: width))
        #expect(tile.path == path)
        #expect(TilePath(path) == tile)
        #expect(tile.isPartial == (width < 256))
    }

    @Test(arguments: [
        "", "tile", "tile/", "tile/0", "tile/0/", "/tile/0/000", "tile/0/000/", "tile//000",
        "tile/0/00", "tile/0/0000", "tile/0/1", "tile/0/x001", "tile/0/001/002", "tile/0/x000/001",
        "tile/0/x001/x002", "tile/0/y001/002", "tile/0/X001/002", "tile/0/x01/002",
        "tile/6/000", "tile/00/000", "tile/-1/000", "tile/a/000", "tile/0/-01",
        "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/05", "tile/0/000.p/", "tile/0/000.p",
        "tile/0/000.p/1/", "tile/0/000.p/1/2", "tile/0/000.q/1", "tile/0/000p/1", "tile/0/x000.p/1/001",
        "tile/0/../000", "tile/0/x001/../000", "../tile/0/000", "tile/./0/000", "tile/0/00%31",
        "tile/entries", "tile/entries/", "tile/entry/000", "tile/entries/x001", "tile/entries/000.p/999",
        "tile/0/x009/x223/x372/x036/x854/x775/808", "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
        "tile/0/000\n", " tile/0/000", "tile/0/０００", "tile\\0\\000", "TILE/0/000",
    ])
    func malformedPathsAreRejected(_ path: String) {
        #expect(TilePath(path) == nil)
    }

    @Test func invalidFieldsCannotMakeAPath() {
        #expect(TilePath(kind: .hashes(level: 6), index: 0) == nil)
        #expect(TilePath(kind: .hashes(level: -1), index: 0) == nil)
        #expect(TilePath(kind: .entries, index: -1) == nil)
        #expect(TilePath(kind: .entries, index: 0, width: 0) == nil)
        #expect(TilePath(kind: .entries, index: 0, width: 257) == nil)
    }

    @Test func entryBundlesRoundTrip() throws {
        let entries: [[UInt8]] = [[], [1], Array(repeating: 7, count: 300), Array("{\"a\":1}".utf8)]
        let bundle = try TileEntries.bundle(entries)
        #expect(Array(bundle.prefix(5)) == [0, 0, 0, 1, 1])
        #expect(bundle[5...6] == [0x01, 0x2C])
        #expect(try TileEntries.parse(bundle) == entries)
        #expect(try TileEntries.parse([]) == [])
    }

    @Test(arguments: [[0x00], [0x00, 0x02, 0x41], [0x00, 0x01, 0x41, 0x00]] as [[UInt8]])
    func truncatedBundlesAreRejected(_ bundle: [UInt8]) {
        #expect { try TileEntries.parse(bundle) } throws: { ($0 as? TreeError)?.code == .malformedEntryBundle }
    }

    @Test func oversizedBundlesAreRejected() {
        #expect(throws: TreeError.self) { try TileEntries.bundle([Array(repeating: 0, count: 65536)]) }
        #expect(throws: TreeError.self) { try TileEntries.bundle(Array(repeating: [1], count: 257)) }
        #expect(throws: TreeError.self) { try TileEntries.parse(Array(repeating: 0, count: 2 * 257)) }
        #expect(throws: Never.self) { try TileEntries.bundle([Array(repeating: 0, count: 65535)]) }
    }
}
