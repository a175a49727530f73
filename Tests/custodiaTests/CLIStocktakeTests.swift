import Foundation
import Testing

/// `custodia stocktake`: open, count from a sheet (bad lines named, nothing half written),
/// close with the reconciliation, list what is open and resolve it.
@Suite(.timeLimit(.minutes(5))) struct CLIStocktakeTests {
    @Test func aStocktakeFromTheCommandLine() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let opened = try cli.ok("stocktake", "open", "S1")
            #expect(opened.stdout.contains("stocktake 12 open at S1"), "\(opened)")
            #expect(opened.stdout.contains("expected: 3 items, 1 lot balances"), "\(opened)")
            #expect(try cli.fails("stocktake", "open", "S1").stderr.contains("[stocktake.open]"))
            #expect(try cli.fails("stocktake", "open", "NOPE").stderr.contains("unknown holder NOPE"))

            // Line 2 is not in the register, line 4 repeats line 1: both named, nothing recorded.
            try cli.write("sheet.txt", "AK-1\nZZ-9\n# shelf B\nAK-1\n")
            let before = try cli.state()
            let bad = try cli.fails("stocktake", "count", "12", "sheet.txt")
            #expect(bad.stderr.contains("sheet.txt:2: ZZ-9 is not in the register"), "\(bad)")
            #expect(bad.stderr.contains("sheet.txt:4: AK-1 is read twice (also on line 1)"), "\(bad)")
            #expect(try cli.state() == before)
            try cli.write("sheet.txt", "AK-1\nZZ-9\n")
            let counted = try cli.ok("stocktake", "count", "12", "sheet.txt", "--unlisted")
            #expect(counted.stdout.contains("counted 1 items, 0 lots, 1 unlisted"), "\(counted)")
            #expect(counted.stdout.contains("1 of 3 expected items counted"), "\(counted)")
            try cli.write("lots.csv", "serial,manufacturer,lot,quantity\nG-1,Glock,,\n,PPU,L1,998\n")
            try cli.ok("stocktake", "count", "12", "lots.csv")
            #expect(try cli.fails("stocktake", "count", "12", "lots.csv").stderr.contains("already counted"))

            let closed = try #require(try cli.ok("stocktake", "close", "12", "--json").json() as? [String: Any])
            #expect(closed["openingMatches"] as? Bool == true)
            let counts = try #require(closed["counts"] as? [String: Int])
            #expect(counts["found"] == 2 && counts["not-found"] == 1 && counts["unregistered"] == 1 && counts["lot"] == 1)
            let shown = try cli.ok("stocktake", "show", "12")
            #expect(shown.stdout.contains("reconciliation: matches the list the closing recorded"), "\(shown)")
            #expect(shown.stdout.contains("not-found AK-2 (Kalashnikov AK-74M) at S1"), "\(shown)")
            #expect(shown.stdout.contains("lot L1 (PPU): expected 1000, counted 998"), "\(shown)")
            let csv = try cli.ok("stocktake", "show", "12", "--format", "csv").stdout
            #expect(csv.split(separator: "\n").count == 6, "a header and five lines: \(csv)")

            let open = try cli.ok("stocktake", "discrepancies").stdout
            #expect(open.contains("3 open discrepancies"), "\(open)")
            try cli.record([event("loss", ["AK-2"], from: "S1")])
            #expect(try cli.fails("stocktake", "resolve", "12", "--item", "AK-1", "--reason", "x").stderr.contains("not an open discrepancy"))
            #expect(try cli.fails("stocktake", "resolve", "12", "--item", "AK-2", "--by", "11").stderr.contains("resolvedBy"))
            try cli.ok("stocktake", "resolve", "12", "--item", "AK-2", "--by", "16")
            try cli.ok("stocktake", "resolve", "12", "--mark", "ZZ-9", "--lot", "L1", "--reason", "a dummy; two rounds spent in training")
            #expect(try cli.ok("stocktake", "discrepancies").stdout.contains("no open discrepancies"))
            let list = try #require(try cli.ok("stocktake", "list", "--json").json() as? [[String: Any]])
            #expect(list.map { $0["status"] as? String } == ["closed"])
            #expect(try cli.ok("verify").stdout.contains("verified"))
        }
    }
}
