import Foundation
import Testing

/// `custodia trace search`: a damaged mark's items, closest first, as text and as JSON;
/// bad marks and filters refused with what to give.
@Suite(.timeLimit(.minutes(5))) struct CLITraceTests {
    @Test func aDamagedMarkFromTheCommandLine() async throws {
        try await withCLI { cli in
            try cli.seededStore()  // AK-1 (1990), AK-2 (1991), G-1
            try cli.write(
                "more.csv",
                itemsHeader + """
                    assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,AK-1001,1990,,,,
                    assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,AK-1002,1991,,,,

                    """)
            try cli.ok("import", "items", "--holder", "S1", "more.csv")

            // Typed in Cyrillic, the last character unread.
            let text = try cli.ok("trace", "search", "ак-100?")
            #expect(text.stdout.contains("AK-1001  Kalashnikov AK-74M  held S1  1 unread"), "\(text)")
            #expect(text.stdout.contains("AK-1002  Kalashnikov AK-74M"))
            #expect(!text.stdout.contains("AK-1 "))

            // Two small Ls read for ones.
            let json = try #require(try cli.ok("trace", "search", "AK-l00l", "--json").json() as? [[String: Any]])
            #expect(json.map { $0["serial"] as? String } == ["AK-1001"])
            let closeness = json.first?["closeness"] as? [String: Any]
            #expect(closeness?["substitutions"] as? Int == 2 && closeness?["exact"] as? Bool == false)
            #expect(json.first?["manufacturer"] as? String == "Kalashnikov" && json.first?["holder"] as? String == "S1")

            let narrowed = try #require(try cli.ok("trace", "search", "AK-100?", "--year", "1991", "--json").json() as? [[String: Any]])
            #expect(narrowed.map { $0["serial"] as? String } == ["AK-1002"])
            #expect(try cli.ok("trace", "search", "AK-100?", "--category", "revolver-pistol").stdout.contains("no registered serial matches"))
            #expect(try cli.ok("trace", "search", "AK-100?", "--limit", "1").stdout.contains("… and 1 more"))

            #expect(try cli.fails("trace", "search", "AK-?").stderr.contains("give at least 3 letters or digits"))
            #expect(try cli.fails("trace", "search", "??*").stderr.contains("no character read"))
            #expect(try cli.fails("trace", "search", "AK-100?", "--category", "rifles").stderr.contains("unknown category rifles"))
        }
    }
}
