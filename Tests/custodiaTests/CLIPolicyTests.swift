import Foundation
import Testing

/// `custodia policy`: a pack file checked with FILE:LINE, put in force as a ledger entry, and
/// enforced on `record`; the pack in force stays when a file is refused.
@Suite(.timeLimit(.minutes(5))) struct CLIPolicyTests {
    static func manpads(_ category: String, _ serial: String, at holder: String) -> String {
        "{\"kind\":\"register\",\"occurredAt\":\"2026-03-01T08:00:00Z\",\"to\":\"\(holder)\",\"items\":[{\"category\":\"\(category)\",\"manufacturer\":\"KBM\",\"country\":\"RU\",\"model\":\"M\",\"calibre\":\"72mm\",\"serial\":\"\(serial)\"}]}"
    }

    @Test func aBadPackIsRefusedLineByLineAndThePackInForceStays() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.write(
                "bad.yaml",
                """
                version: 1
                rules:
                  - for: rockets
                    two-person: [issue]
                  - for: manpads
                    longest-due-back-days: soon
                separation:
                  - [manpads-missile]

                """)
            let r = try cli.fails("policy", "check", "bad.yaml")
            #expect(r.stderrLines.contains { $0.hasPrefix("bad.yaml:3: rules[0].for: unknown category \"rockets\"") }, "\(r)")
            #expect(r.stderrLines.contains { $0.hasPrefix("bad.yaml:6: rules[1].longest-due-back-days:") }, "\(r)")
            #expect(r.stderrLines.contains { $0.hasPrefix("bad.yaml:8: separation[0]:") }, "\(r)")
            let before = try cli.state()
            #expect(try cli.fails("policy", "set", "bad.yaml").stderr.contains("the pack in force stays"))
            #expect(try cli.state() == before)
            #expect(try cli.ok("policy", "show").stdout.contains("# The standard pack"))
        }
    }

    @Test func aPackSetIsALedgerEntryThatRecordEnforces() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.record([Self.manpads("manpads-missile", "MS-1", at: "S1")])
            // The standard pack keeps launch mechanisms away from the missiles' site.
            try cli.write("launcher.jsonl", Self.manpads("manpads-launch-mechanism", "LM-1", at: "U1") + "\n")
            let refused = try cli.fails("record", "launcher.jsonl")
            #expect(refused.stderr.contains("launcher.jsonl:1: to:"), "\(refused)")
            #expect(refused.stderr.contains("[policy.separation]"), "\(refused)")

            // Put in force a pack without separation; the standard one is shown as YAML.
            let shown = try cli.ok("policy", "show").stdout
            try cli.write("loose.yaml", shown.replacingOccurrences(of: "  - [manpads-missile, manpads-launch-mechanism]\n", with: "")
                .replacingOccurrences(of: "separation:\n", with: "separation: []\n"))
            try cli.ok("policy", "check", "loose.yaml")
            let set = try cli.ok("policy", "set", "loose.yaml", "--reason", "trial")
            #expect(set.stdout.contains("recorded 1 event"), "\(set)")
            let json = try #require(try cli.ok("policy", "show", "--json").json() as? [String: Any])
            #expect(json["seq"] as? Int == 13)
            #expect(((json["policy"] as? [String: Any])?["separation"] as? [Any])?.isEmpty == true)
            try cli.ok("record", "launcher.jsonl")

            // Checking the standard pack again lists the site now out of it.
            try cli.write("standard.yaml", shown)
            let check = try cli.ok("policy", "check", "standard.yaml")
            #expect(check.stdout.contains("S1: holds 1 manpads-missile and 1 manpads-launch-mechanism"), "\(check)")
            #expect(try cli.ok("verify").stdout.contains("verified"))
        }
    }

    @Test func alertsAreListedFilteredJudgedAtATimeAndWaived() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.record([event("issue", ["AK-1"], from: "S1", to: "U1", extra: ["dueBack": "2026-03-05"])])
            let all = try #require(try cli.ok("alerts", "--json").json() as? [[String: Any]])
            let overdue = all.filter { $0["rule"] as? String == "overdue-return" }
            #expect(overdue.count == 1 && overdue.first?["subject"] as? String == "AK-1 (Kalashnikov AK-74M)", "\(all)")
            #expect(overdue.first?["severity"] as? String == "warning")
            let ruled = try #require(try cli.ok("alerts", "--json", "--rule", "overdue-return").json() as? [[String: Any]])
            #expect(ruled.count == 1)
            #expect((try cli.ok("alerts", "--json", "--holder", "S2").json() as? [Any])?.isEmpty == true)
            // Judged on 4 March, the issue was not yet due.
            let before = try #require(try cli.ok("alerts", "--json", "--at", "2026-03-04T00:00:00Z").json() as? [[String: Any]])
            #expect(!before.contains { $0["rule"] as? String == "overdue-return" })
            #expect(try cli.fails("alerts", "--at", "yesterday").stderr.contains("neither a ledger entry number, a day nor a UTC time"))
            #expect(try cli.fails("alerts", "--rule", "sleepy").stderr.contains("unknown rule sleepy"))
            #expect(try cli.fails("alerts", "--holder", "NOPE").stderr.contains("unknown holder NOPE"))
            // A waiver ends it until its last day.
            try cli.record([
                "{\"kind\":\"alert-waiver\",\"occurredAt\":\"2026-03-06T08:00:00Z\",\"reason\":\"on exercise\",\"waiver\":{\"rule\":\"overdue-return\",\"subject\":\"AK-1 (Kalashnikov AK-74M)\",\"until\":\"2099-12-31\"}}"
            ])
            let after = try #require(try cli.ok("alerts", "--json", "--rule", "overdue-return").json() as? [Any])
            #expect(after.isEmpty)
        }
    }
}
