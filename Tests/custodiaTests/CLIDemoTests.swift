import Foundation
import Testing

/// `custodia demo`: the story ends on the day asked (yesterday by default), and the alerts
/// of the standard pack judged the next evening are the handful the story has.
@Suite(.timeLimit(.minutes(5))) struct CLIDemoTests {
    @Test func theDemoEndsOnTheDayAskedWithAHandfulOfEachAlert() async throws {
        try await withCLI { cli in
            try cli.ok("demo", "--ending", "2026-12-05")
            // The last event (the disbanding) happens on that day.
            let last = try cli.ok("ledger", "entries", "--from", "19999", "--to", "20000").stdout
            #expect(last.contains("\"kind\":\"holder-close\""), "\(last)")
            #expect(last.contains("\"occurredAt\":\"2026-12-05T"), "\(last)")
            let alerts = try cli.ok("alerts", "--json", "--at", "2026-12-05T21:00:00Z").stdout
            let list = try #require(try JSONSerialization.jsonObject(with: Data(alerts.utf8)) as? [[String: Any]])
            var byRule: [String: Int] = [:]
            for a in list { byRule[a["rule"] as? String ?? "?", default: 0] += 1 }
            // Two MANPADS missiles stolen and not recovered: critical, with the exporting state.
            #expect(byRule["manpads-loss"] == 2, "\(byRule)")
            #expect(list.contains { ($0["message"] as? String)?.contains("exporting state") == true })
            // The unit disbanded on the last day still holds its weapons.
            #expect((byRule["closed-holder"] ?? 0) > 0, "\(byRule)")
            #expect(list.contains { ($0["since"] as? String)?.hasPrefix("2026-12-05") == true && $0["rule"] as? String == "closed-holder" })
            // Returns that never came, stock not counted, repeated losses: present, and a
            // handful (a few percent of the 3,000 items at most), not the whole register.
            for rule in ["overdue-return", "not-counted", "loss-cluster"] {
                #expect((byRule[rule] ?? 0) > 0, "\(rule): \(byRule)")
            }
            #expect(list.count < 150, "\(byRule)")
            // Nothing happens after the day asked.
            let late = try cli.ok("alerts", "--json", "--at", "2026-12-05T21:00:00Z", "--rule", "manpads-loss").stdout
            #expect(!late.contains("2026-12-06"))
        }
    }
}
