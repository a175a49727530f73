import Foundation
import Testing

/// `where`, `holdings` and `summary` with `--at`: the register as the ledger had it at an
/// entry, or as it was at a time; moments outside the ledger refused with what to give.
@Suite(.timeLimit(.minutes(5))) struct CLIPastTests {
    @Test func theRegisterAtAPastMomentFromTheCommandLine() async throws {
        try await withCLI { cli in
            try cli.seededStore()  // entries 0–11
            try cli.record([event("issue", ["AK-1"], from: "S1", to: "U1", extra: ["dueBack": "2026-03-05"])])  // entry 12

            let then = try #require(try cli.ok("where", "AK-1", "--at", "11", "--json").json() as? [String: Any])
            #expect(then["holder"] as? String == "S1" && then["dueBack"] is NSNull)
            #expect((then["at"] as? [String: Any])?["entry"] as? Int == 11)
            let now = try #require(try cli.ok("where", "AK-1", "--json").json() as? [String: Any])
            #expect(now["holder"] as? String == "U1" && now["dueBack"] as? String == "2026-03-05")
            #expect(try cli.ok("where", "AK-1", "--at", "12").stdout.contains("as of entry 12"))

            let u1Then = try #require(try cli.ok("holdings", "U1", "--at", "11", "--json").json() as? [String: Any])
            #expect((u1Then["items"] as? [Any])?.isEmpty == true)
            let s1Then = try #require(try cli.ok("holdings", "S1", "--recursive", "--at", "11", "--json").json() as? [String: Any])
            let serials = (s1Then["items"] as? [[String: Any]] ?? []).compactMap { $0["serial"] as? String }
            #expect(serials == ["AK-1", "AK-2", "G-1"], "\(serials)")
            let u1Now = try #require(try cli.ok("holdings", "U1", "--json").json() as? [String: Any])
            #expect((u1Now["items"] as? [[String: Any]])?.first?["serial"] as? String == "AK-1")

            let summary = try cli.ok("summary", "--at", "5")
            #expect(summary.stdout.contains("as of entry 5"), "\(summary)")
            #expect(summary.stdout.contains("Custodia: 0 items"), "entries 0–5 are holders: \(summary)")

            // The issue happened on 1 March, before the import of the holders and items it
            // names was recorded: on that day it does not fit, and the note says so.
            let march = try cli.ok("summary", "--at", "2026-03-02")
            #expect(march.stderr.contains("note: 1 events that happened by then were recorded after later ones"), "\(march)")
            #expect(march.stderr.contains("entries 12"))

            #expect(try cli.fails("where", "AK-1", "--at", "99").stderr.contains("after the last entry of the ledger (12)"))
            #expect(try cli.fails("summary", "--at", "2099-01-01").stderr.contains("after now"))
            #expect(try cli.fails("summary", "--at", "2020-01-01").stderr.contains("before the first event of the register"))
            #expect(try cli.fails("holdings", "U1", "--at", "soon").stderr.contains("neither a ledger entry number, a day nor a UTC time"))
            #expect(try cli.fails("where", "AK-1", "--at", "2").stderr.contains("AK-1 was not registered yet at entry 2"))
        }
    }
}
