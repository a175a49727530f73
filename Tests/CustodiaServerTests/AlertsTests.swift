import CustodiaCore
import CustodiaStore
import Foundation
import HTTPTypes
import Testing

@testable import CustodiaServer

/// The alerts of the pack in force over the API, `/metrics` and the web: scoped, filtered,
/// paginated, ended by a waiver or by the state changing.
@Suite struct AlertsServerTests {
    static let missile =
        "{\"kind\":\"register\",\"to\":\"S1\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"items\":[{\"category\":\"manpads-missile\",\"manufacturer\":\"KBM\",\"country\":\"RU\",\"model\":\"9M342\",\"calibre\":\"72mm\",\"serial\":\"MS-1\"}]}"
    static let theft =
        "{\"kind\":\"theft\",\"from\":\"S1\",\"occurredAt\":\"2026-03-01T07:30:00Z\",\"items\":[{\"serial\":\"MS-1\",\"manufacturer\":\"KBM\"}]}"

    static func issue(_ serial: String, from: String, to: String) -> String {
        J.move("issue", [serial], from: from, to: to, extra: "\"dueBack\":\"2026-03-05\"")
    }

    /// MS-1 stolen at S1; AK-1 and AK-2 issued in R1 and AK-21 in R2, all due on 5 March;
    /// the clock ten days later.
    static func scene(_ server: TestServer, _ client: TestServer.Client) async throws {
        for (user, event) in [
            ("root", missile), ("root", theft), ("root", issue("AK-1", from: "S1", to: "U1")),
            ("root", issue("AK-2", from: "S1", to: "U1")), ("root", issue("AK-21", from: "S2", to: "U2")),
        ] {
            let r = try await client.post("/api/v1/events", as: user, json: event)
            try #require(r.status == 201, "\(r.text)")
        }
        server.clock.advance(10 * 86_400)
    }

    static func alerts(_ r: APIResponse) -> [[String: Any]] { r.json["alerts"] as? [[String: Any]] ?? [] }

    @Test func theAPIListsTheAlertsInsideTheScopeMostSevereFirst() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            try await Self.scene(server, client)
            #expect(try await client.get("/api/v1/alerts").status == 401)
            let all = try await client.get("/api/v1/alerts", as: "root")
            #expect(all.status == 200, "\(all.text)")
            let list = Self.alerts(all)
            #expect(list.first?["rule"] as? String == "manpads-loss")
            #expect(list.first?["severity"] as? String == "critical")
            #expect((list.first?["message"] as? String)?.contains("report is due to the exporting state (RU)") == true)
            #expect(list.filter { $0["rule"] as? String == "overdue-return" }.count == 3)
            #expect(all.json["total"] as? Int == list.count)

            // The clerk of R1 sees R1's alerts only; S2 is outside their scope.
            let clerk = Self.alerts(try await client.get("/api/v1/alerts", as: "clerk-n"))
            #expect(clerk.contains { $0["subject"] as? String == "MS-1 (KBM 9M342)" })
            #expect(!clerk.contains { ($0["subject"] as? String)?.hasPrefix("AK-21") == true }, "\(clerk)")
            #expect(try await client.get("/api/v1/alerts?holder=S2", as: "clerk-n").json["total"] as? Int == 0)
            #expect(try await client.get("/api/v1/alerts?holder=S2", as: "root").json["total"] as? Int == 1)
            let overdue = try await client.get("/api/v1/alerts?rule=overdue-return", as: "root")
            #expect(Self.alerts(overdue).allSatisfy { $0["rule"] as? String == "overdue-return" } && Self.alerts(overdue).count == 3)
            #expect(try await client.get("/api/v1/alerts?rule=sleepy", as: "root").status == 400)

            // Pages follow one another; a cursor is only good for whom it was given.
            let first = try await client.get("/api/v1/alerts?limit=2", as: "root")
            let cursor = try #require(first.json["nextCursor"] as? String)
            let second = try await client.get("/api/v1/alerts?limit=2&cursor=\(cursor)", as: "root")
            #expect(Self.alerts(second).first?["subject"] as? String == list[2]["subject"] as? String)
            #expect(try await client.get("/api/v1/alerts?limit=2&cursor=\(cursor)", as: "clerk-n").status == 400)

            // The gauges count them by rule and severity.
            let metrics = try await client.get("/metrics", as: "root").text
            #expect(metrics.contains("custodia_alerts{rule=\"manpads-loss\",severity=\"critical\"} 1"), "\(metrics)")
            #expect(metrics.contains("custodia_alerts{rule=\"overdue-return\",severity=\"warning\"} 3"))
            #expect(metrics.contains("custodia_alerts{rule=\"lot-shortfall\",severity=\"warning\"} 0"))
        }
    }

    @Test func aWaiverOrAChangeOfStateEndsAnAlert() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            try await Self.scene(server, client)
            let waiver =
                "{\"kind\":\"alert-waiver\",\"occurredAt\":\"2026-03-11T07:00:00Z\",\"reason\":\"unit on exercise until April\",\"waiver\":{\"rule\":\"overdue-return\",\"subject\":\"AK-1 (Kalashnikov AK-74M)\",\"until\":\"2026-04-15\"}}"
            #expect(try await client.post("/api/v1/events", as: "clerk-n", json: waiver).status == 403)
            let scoped = try await client.post("/api/v1/events", as: "admin-n", json: waiver)
            #expect(scoped.status == 409)
            #expect(scoped.errors.first?["code"] as? String == "policy.whole-register")
            let noReason = waiver.replacingOccurrences(of: "\"reason\":\"unit on exercise until April\",", with: "")
            #expect(try await client.post("/api/v1/events", as: "root", json: noReason).status == 400)
            #expect(try await client.post("/api/v1/events", as: "root", json: waiver).status == 201)
            var subjects = Self.alerts(try await client.get("/api/v1/alerts?rule=overdue-return", as: "root")).compactMap {
                $0["subject"] as? String
            }
            #expect(!subjects.contains("AK-1 (Kalashnikov AK-74M)"), "\(subjects)")
            #expect(subjects.contains("AK-2 (Kalashnikov AK-74M)"))
            // The return of AK-2 ends its alert.
            let back = J.move("return", ["AK-2"], from: "U1", to: "S1").replacingOccurrences(of: "2026-03-01T07:00:00Z", with: "2026-03-11T07:00:00Z")
            #expect(try await client.post("/api/v1/events", as: "root", json: back).status == 201)
            subjects = Self.alerts(try await client.get("/api/v1/alerts?rule=overdue-return", as: "root")).compactMap {
                $0["subject"] as? String
            }
            #expect(subjects == ["AK-21 (Kalashnikov AK-74M)"], "\(subjects)")
            // After the waiver lapses the alert is back.
            server.clock.advance(40 * 86_400)
            subjects = Self.alerts(try await client.get("/api/v1/alerts?rule=overdue-return", as: "root")).compactMap {
                $0["subject"] as? String
            }
            #expect(subjects.contains("AK-1 (Kalashnikov AK-74M)"))
        }
    }

    /// The server's writes are folded into the alerts as they happen, whatever the refresh
    /// interval; a write by another process is seen once the interval has passed.
    @Test func theServersWritesAreFoldedInAndOthersAreSeenAfterTheInterval() async throws {
        let server = try await TestServer.make { $0.alertRefresh = 3600 }
        try await server.run { client in
            let before = try await client.get("/api/v1/alerts", as: "root").json["total"] as? Int ?? 0
            try await Self.scene(server, client)
            let after = Self.alerts(try await client.get("/api/v1/alerts", as: "root"))
            #expect(after.filter { $0["rule"] as? String == "manpads-loss" }.count == 1, "\(after)")
            #expect(after.filter { $0["rule"] as? String == "overdue-return" }.count == 3, "\(after)")
            #expect(after.count > before)
            // A return ends its alert at once.
            let back = try await client.post(
                "/api/v1/events", as: "root", json: J.move("return", ["AK-1"], from: "U1", to: "S1"))
            #expect(back.status == 201, "\(back.text)")
            let returned = Self.alerts(try await client.get("/api/v1/alerts", as: "root"))
            #expect(returned.filter { $0["rule"] as? String == "overdue-return" }.count == 2, "\(returned)")
            let metrics = try await client.get("/metrics", as: "root").text
            #expect(metrics.contains("custodia_alert_update_events_total 6"), "\(metrics)")
            // Written by another process (straight into the store): not heard, and within the
            // interval the alerts computed before still serve.
            var other = Event(kind: .theft, occurredAt: "2026-02-01T07:30:00Z")
            other.from = "S1"
            other.items = [.marking(manufacturer: "Kalashnikov", serial: "AK-3", model: nil)]
            try await server.record([other])
            let unheard = Self.alerts(try await client.get("/api/v1/alerts", as: "root"))
            #expect(unheard.count == returned.count)
        }
        let fresh = try await TestServer.make { $0.alertRefresh = 0 }
        try await fresh.run { client in
            let before = try await client.get("/api/v1/alerts", as: "root").json["total"] as? Int ?? 0
            let register = W.registerMANPADS("MS-9", occurredAt: "2026-02-01T07:00:00Z")
            var theft = Event(kind: .theft, occurredAt: "2026-02-01T07:30:00Z")
            theft.from = "S1"
            theft.items = [.marking(manufacturer: "KBM", serial: "MS-9", model: nil)]
            try await fresh.record([register, theft])
            // With no interval, the next read gathers again and sees it.
            #expect((try await client.get("/api/v1/alerts", as: "root").json["total"] as? Int ?? 0) == before + 1)
        }
    }

    @Test(arguments: ["en", "es"])
    func theDashboardAndTheAlertsPageShowThemInTheReadersLanguage(_ language: String) async throws {
        let server = try await TestServer.make()
        let register = W.registerMANPADS("MS-1")
        var theft = Event(kind: .theft, occurredAt: W.t)
        theft.from = "S1"
        theft.items = [.marking(manufacturer: "KBM", serial: "MS-1", model: nil)]
        func issue(_ serial: String, _ from: String, _ to: String) -> Event {
            var e = Event(kind: .issue, occurredAt: W.t)
            e.from = from
            e.to = to
            e.dueBack = "2026-02-05"
            e.items = [.marking(manufacturer: "Kalashnikov", serial: serial, model: nil)]
            return e
        }
        try await server.record([register, theft, issue("AK-1", "S1", "U1"), issue("AK-21", "S2", "U2")])
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: language)
            let dashboard = try await browser.get("/")
            let (panel, missing, overdue) =
                language == "en"
                ? ("Alerts", "a MANPADS component, is missing", "was due back on")
                : ("Alertas", "componente de MANPADS, ha desaparecido", "debía volver el")
            #expect(dashboard.text.contains(panel))
            #expect(dashboard.text.contains(missing), "\(dashboard.text.prefix(3000))")
            let page = try await browser.get("/alerts")
            #expect(page.status == 200)
            #expect(page.text.contains(missing) && page.text.contains(overdue))
            #expect(!page.text.contains("AK-21"), "R2's alert is outside the clerk's scope")
            let filtered = try await browser.get("/alerts?rule=overdue-return")
            #expect(filtered.text.contains(overdue) && !filtered.text.contains(missing))
        }
    }
}
