import CustodiaCore
import Foundation
import Testing

@testable import CustodiaServer

/// The register at a past moment through the API: `at` on an item, a holding, the summary
/// and the alerts; bad moments refused with what to give; scope applied to the state then.
@Suite struct PastAPITests {
    static func holder(_ r: APIResponse) -> String? { (r.json["state"] as? [String: Any])?["holder"] as? String }
    static func serials(_ r: APIResponse) -> [String] {
        (r.json["items"] as? [[String: Any]] ?? []).compactMap { ($0["marking"] as? [String: Any])?["serial"] as? String }
    }

    @Test func anItemAHoldingAndTheCountsAtAPastMoment() async throws {
        let server = try await TestServer.make()
        let ak1 = try await server.itemID("AK-1")
        try await server.run { client in
            // AK-1 issued to U1 on 1 March, due back on the 5th; the clock ten days later.
            let issue = J.move("issue", ["AK-1"], from: "S1", to: "U1", extra: "\"dueBack\":\"2026-03-05\"")
            try #require(try await client.post("/api/v1/events", as: "root", json: issue).status == 201)
            server.clock.advance(10 * 86_400)

            let before = try await client.get("/api/v1/items/\(ak1)?at=2026-02-01", as: "root")
            #expect(before.status == 200)
            #expect(Self.holder(before) == "S1")
            #expect((before.json["at"] as? [String: Any])?["time"] as? String == "2026-02-01T23:59:59Z")
            #expect(Self.holder(try await client.get("/api/v1/items/\(ak1)", as: "root")) == "U1")
            #expect(Self.holder(try await client.get("/api/v1/items/\(ak1)?at=2026-03-01T07:00:00Z", as: "root")) == "U1")
            #expect(try await client.get("/api/v1/items/\(ak1)?at=3", as: "root").status == 404, "not registered by entry 3")

            let u1Then = try await client.get("/api/v1/holders/U1/holdings?at=2026-02-01", as: "viewer-n")
            #expect(u1Then.status == 200 && Self.serials(u1Then).isEmpty)
            #expect(Self.serials(try await client.get("/api/v1/holders/U1/holdings", as: "viewer-n")) == ["AK-1"])
            let s1Then = try await client.get("/api/v1/holders/S1/holdings?at=2026-02-01&recursive=true", as: "viewer-n")
            #expect(Self.serials(s1Then) == (1...6).map { "AK-\($0)" })

            let then = try await client.get("/api/v1/summary?at=2026-02-01", as: "root")
            #expect(then.status == 200)
            #expect(then.json["items"] as? Int == 8 && then.json["leftOut"] as? Int == 0)
            #expect((then.json["byStatus"] as? [String: Int]) == ["held": 8])
            let scoped = try await client.get("/api/v1/summary?at=2026-02-01", as: "viewer-n")
            #expect(scoped.json["items"] as? Int == 6, "R1's six, not S2's two")
            let early = try await client.get("/api/v1/summary?at=10", as: "root")
            #expect(early.json["items"] as? Int == 0 && early.json["events"] as? Int == 11, "entries 0–10 are the holders")

            // Overdue on the 8th; returned on the 9th: the past alert stays in the past.
            let ret = J.move("return", ["AK-1"], from: "U1", to: "S1").replacingOccurrences(
                of: "2026-03-01T07:00:00Z", with: "2026-03-09T07:00:00Z")
            try #require(try await client.post("/api/v1/events", as: "root", json: ret).status == 201)
            let past = try await client.get("/api/v1/alerts?at=2026-03-08T12:00:00Z&rule=overdue-return", as: "root")
            #expect(past.status == 200)
            #expect(past.json["judgedAt"] as? String == "2026-03-08T12:00:00Z")
            #expect((past.json["alerts"] as? [[String: Any]])?.count == 1)
            let now = try await client.get("/api/v1/alerts?rule=overdue-return", as: "root")
            #expect((now.json["alerts"] as? [[String: Any]])?.count == 0)
        }
    }

    @Test func badMomentsAreRefusedWithWhatToGive() async throws {
        let server = try await TestServer.make()
        let ak1 = try await server.itemID("AK-1")
        try await server.run { client in
            let cases: [(String, String)] = [
                ("/api/v1/summary?at=yesterday", "neither a ledger entry number"),
                ("/api/v1/summary?at=2027-01-01", "after now"),
                ("/api/v1/summary?at=2025-01-01", "before the first event"),
                ("/api/v1/holders/S1/holdings?at=99999", "after the last entry of the ledger"),
                ("/api/v1/items/\(ak1)?at=99999", "after the last entry of the ledger"),
                ("/api/v1/holders/S2/holdings?at=2", "was added at"),
            ]
            for (uri, words) in cases {
                let r = try await client.get(uri, as: "root")
                #expect(r.status == 400, "\(uri)")
                #expect(r.detail.contains(words), "\(uri): \(r.detail)")
            }
        }
    }

    @Test func aScopedReaderSeesAnItemThenOnlyIfItWasInTheirScopeThen() async throws {
        let server = try await TestServer.make()
        let ak21 = try await server.itemID("AK-21")
        let ak1 = try await server.itemID("AK-1")
        try await server.run { client in
            let hidden = try await client.get("/api/v1/items/\(ak21)?at=2026-02-01", as: "viewer-n")
            #expect(hidden.status == 404 && hidden.detail.contains("no item \(ak21) in your scope"))
            let seen = try await client.get("/api/v1/items/\(ak21)?at=2026-02-01", as: "auditor")
            #expect(seen.status == 200)
            let own = try await client.get("/api/v1/items/\(ak1)?at=2026-02-01", as: "viewer-n")
            #expect(own.status == 200)
            let holding = try await client.get("/api/v1/holders/S2/holdings?at=2026-02-01", as: "viewer-n")
            #expect(holding.status == 404)
        }
    }
}
