import CustodiaCore
import CustodiaStore
import Foundation
import Testing

@testable import CustodiaServer

/// A stocktake over the API, from opening to resolution, with the scope and the blind rule.
@Suite struct StocktakeAPITests {
    @Test func aStocktakeRunsFromOpeningToResolutionInsideTheScope() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            // The inspector of region R1 opens a stocktake of S1 (AK-1…AK-6 and lot L1).
            let opened = try await client.post("/api/v1/stocktakes", as: "inspector-n", json: #"{"holder":"S1"}"#)
            #expect(opened.status == 201, "\(opened.detail)")
            let id = try #require(opened.json["id"] as? Int)
            #expect((opened.json["expected"] as? [String: Any])?["items"] as? Int == 6)
            #expect(opened.json["status"] as? String == "open")
            // A second one of the same holder, and one outside the scope, are refused.
            let twice = try await client.post("/api/v1/stocktakes", as: "inspector-n", json: #"{"holder":"S1"}"#)
            #expect(twice.status == 409)
            #expect(twice.errors.first?["code"] as? String == "stocktake.open")
            #expect(try await client.post("/api/v1/stocktakes", as: "clerk-n", json: #"{"holder":"S2"}"#).status == 409)
            #expect(try await client.post("/api/v1/stocktakes", as: "viewer-n", json: #"{"holder":"S1"}"#).status == 403)

            // Readers of R2 do not see it.
            #expect((try await client.get("/api/v1/stocktakes", as: "P3").json["stocktakes"] as? [Any])?.isEmpty == true)
            #expect(try await client.get("/api/v1/stocktakes/\(id)", as: "P3").status == 404)
            #expect((try await client.get("/api/v1/stocktakes?status=open&holder=S1", as: "viewer-n").json["stocktakes"] as? [Any])?.count == 1)

            // A read of S2's item without unlisted is refused by its index; nothing is written.
            let size = try await server.store.ledgerSize()
            let refused = try await client.post(
                "/api/v1/stocktakes/\(id)/counts", as: "inspector-n", json: #"{"serials":["AK-1","AK-2","AK-21"]}"#)
            #expect(refused.status == 409)
            #expect(refused.errors.map { $0["index"] as? Int } == [2])
            let message = refused.errors.first?["message"] as? String
            #expect(message?.contains("not on the books of S1") == true)
            #expect(message?.contains("S2") == false, "S2 lies outside the inspector's scope")
            #expect(try await server.store.ledgerSize() == size)
            // The custodian of U1 does not see a stocktake of S1, and does not count U1 itself.
            #expect(try await client.post("/api/v1/stocktakes/\(id)/counts", as: "P1", json: #"{"serials":["AK-3"]}"#).status == 404)
            let unit = try await client.post("/api/v1/stocktakes", as: "inspector-n", json: #"{"holder":"U1"}"#)
            let unitID = try #require(unit.json["id"] as? Int)
            let own = try await client.post(
                "/api/v1/stocktakes/\(unitID)/counts", as: "P1", json: #"{"serials":["NEW-1"],"unlisted":true}"#)
            #expect(own.status == 409)
            #expect(own.errors.first?["code"] as? String == "stocktake.counter-scope")
            let counted = try await client.post(
                "/api/v1/stocktakes/\(id)/counts", as: "inspector-n",
                json: #"{"serials":["AK-1",{"serial":"AK-2","manufacturer":"Kalashnikov"},"AK-21","NEW-77"],"lots":[{"lot":"L1","quantity":990}],"unlisted":true}"#)
            #expect(counted.status == 201, "\(counted.detail)")
            #expect(counted.json["items"] as? Int == 2 && counted.json["unlisted"] as? Int == 2)
            let progress = try #require(counted.json["progress"] as? [String: Any])
            #expect(progress["items"] as? Int == 2 && progress["expectedItems"] as? Int == 6)

            let closed = try await client.post("/api/v1/stocktakes/\(id)/close", as: "inspector-n", json: "{}")
            #expect(closed.status == 201, "\(closed.detail)")
            #expect(closed.json["openingMatches"] as? Bool == true)
            let counts = try #require(closed.json["counts"] as? [String: Int])
            #expect(counts["found"] == 2 && counts["not-found"] == 4 && counts["elsewhere"] == 1 && counts["unregistered"] == 1 && counts["lot"] == 1)
            let lines = try #require(closed.json["lines"] as? [[String: Any]])
            let elsewhere = try #require(lines.first { $0["finding"] as? String == "elsewhere" })
            #expect(elsewhere["holder"] == nil, "whose books: outside the inspector's scope")
            #expect(try await client.post("/api/v1/stocktakes/\(id)/close", as: "inspector-n", json: "{}").status == 409)
            #expect(try await client.post("/api/v1/stocktakes/\(id)/counts", as: "inspector-n", json: #"{"serials":["AK-3"]}"#).status == 409)
            let read = try await client.get("/api/v1/stocktakes/\(id)", as: "root")
            #expect(read.json["listMatches"] as? Bool == true)
            let rootLines = try #require(read.json["lines"] as? [[String: Any]])
            #expect(rootLines.first { $0["finding"] as? String == "elsewhere" }?["holder"] as? String == "held by S2")
            let csv = try await client.get("/api/v1/stocktakes/\(id)/reconciliation.csv", as: "viewer-n")
            #expect(csv.status == 200)
            #expect(csv.text.hasPrefix("finding,category,manufacturer,model,serial,lot,holder,expected,counted,note\nfound,"))

            // Discrepancies: open until resolved; an explanation settles AK-3.
            let open = try #require(try await client.get("/api/v1/discrepancies", as: "viewer-n").json["discrepancies"] as? [Any])
            #expect(open.count == 7)
            #expect((try await client.get("/api/v1/discrepancies", as: "P3").json["discrepancies"] as? [Any])?.isEmpty == true)
            let resolved = try await client.post(
                "/api/v1/stocktakes/\(id)/resolutions", as: "inspector-n",
                json: #"{"items":[{"serial":"AK-3"}],"reason":"in the armourer's workshop, seen on return"}"#)
            #expect(resolved.status == 201, "\(resolved.detail)")
            #expect((try await client.get("/api/v1/discrepancies", as: "viewer-n").json["discrepancies"] as? [Any])?.count == 6)
            let again = try await client.post(
                "/api/v1/stocktakes/\(id)/resolutions", as: "inspector-n", json: #"{"items":[{"serial":"AK-3"}],"reason":"again"}"#)
            #expect(again.status == 409)
            let noReason = try await client.post("/api/v1/stocktakes/\(id)/resolutions", as: "inspector-n", json: #"{"items":[{"serial":"AK-4"}]}"#)
            #expect(noReason.status == 409)
            #expect(noReason.errors.first?["field"] as? String == "reason")

            // The generic events endpoint does not open or close stocktakes.
            let forged = try await client.post(
                "/api/v1/events", as: "root",
                json: #"{"kind":"stocktake-close","occurredAt":"2026-03-01T08:00:00Z","from":"S1","stocktake":1,"reconciliation":{}}"#)
            #expect(forged.status == 400)

            // The next stocktake of S1 is counted by someone else: inspector-n counted this one
            // (read back from its closing by the engine of a later write).
            let next = try await client.post("/api/v1/stocktakes", as: "inspector-n", json: #"{"holder":"S1"}"#)
            let nextID = try #require(next.json["id"] as? Int)
            let repeated = try await client.post("/api/v1/stocktakes/\(nextID)/counts", as: "inspector-n", json: #"{"serials":["AK-1"]}"#)
            #expect(repeated.status == 409)
            #expect(repeated.errors.first?["code"] as? String == "stocktake.counter-repeat")
            let other = try await client.post("/api/v1/stocktakes/\(nextID)/counts", as: "root", json: #"{"serials":["AK-1"]}"#)
            #expect(other.status == 201, "\(other.detail)")
        }
    }

    @Test func aBlindStocktakeShowsNobodyWhatIsExpectedWhileOpen() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let opened = try await client.post("/api/v1/stocktakes", as: "root", json: #"{"holder":"S2","blind":true}"#)
            #expect(opened.status == 201, "\(opened.detail)")
            #expect(opened.json["expected"] == nil)
            let id = try #require(opened.json["id"] as? Int)
            let counted = try await client.post("/api/v1/stocktakes/\(id)/counts", as: "auditor", json: #"{"serials":["AK-21"]}"#)
            #expect(counted.status == 403, "an auditor never writes")
            let byRoot = try await client.post("/api/v1/stocktakes/\(id)/counts", as: "root", json: #"{"serials":["AK-21"]}"#)
            #expect(byRoot.status == 201, "\(byRoot.detail)")
            #expect((byRoot.json["progress"] as? [String: Any])?["expectedItems"] == nil)
            let shown = try await client.get("/api/v1/stocktakes/\(id)", as: "auditor")
            #expect((shown.json["stocktake"] as? [String: Any])?["expected"] == nil)
            #expect((shown.json["progress"] as? [String: Any])?["expectedItems"] == nil)
            #expect(try await client.get("/api/v1/stocktakes/\(id)/reconciliation.csv", as: "auditor").status == 409)
            let closed = try await client.post("/api/v1/stocktakes/\(id)/close", as: "root", json: "{}")
            #expect(closed.status == 201)
            #expect(((closed.json["stocktake"] as? [String: Any])?["expected"] as? [String: Any])?["items"] as? Int == 2)
        }
    }
}
