import CustodiaCore
import CustodiaStore
import Foundation
import Testing

@testable import CustodiaServer

/// A sampling verification over the API: plan, draw once the next checkpoint exists,
/// findings only for drawn items, and the report's bounds.
@Suite struct SampleAPITests {
    @Test func aSampleIsPlannedDrawnExaminedAndReported() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            #expect(try await client.post("/api/v1/samples", as: "clerk-n", json: #"{"holder":"S1","size":3}"#).status == 403)
            #expect(try await client.post("/api/v1/samples", as: "inspector-n", json: #"{"size":3}"#).status == 409, "the whole register, by a scoped inspector")
            let bad = try await client.post("/api/v1/samples", as: "inspector-n", json: #"{"holder":"S1","size":30}"#)
            #expect(bad.status == 400)
            #expect(bad.errors.first?["field"] as? String == "size")
            let planned = try await client.post(
                "/api/v1/samples", as: "inspector-n", json: #"{"holder":"S1","declared":6,"confidence":"0.9","size":3}"#)
            #expect(planned.status == 201, "\(planned.detail)")
            let id = try #require(planned.json["seq"] as? Int)
            #expect(((planned.json["plan"] as? [String: Any])?["size"] as? Int) == 6)
            #expect((try await client.get("/api/v1/samples", as: "P3").json["samples"] as? [Any])?.isEmpty == true)
            #expect(try await client.get("/api/v1/samples/\(id)/draw", as: "P3").status == 404)

            let early = try await client.get("/api/v1/samples/\(id)/draw", as: "viewer-n")
            #expect(early.status == 409)
            #expect(early.detail.contains("waits for the first checkpoint after size"))
            let write = try await client.post(
                "/api/v1/events", as: "root",
                json: #"{"kind":"holder-add","occurredAt":"2026-03-01T07:00:00Z","holder":{"code":"U7","kind":"unit","name":"Seven","parent":"S1"}}"#)
            #expect(write.status == 201)
            let drawn = try await client.get("/api/v1/samples/\(id)/draw", as: "viewer-n")
            #expect(drawn.status == 200, "\(drawn.detail)")
            let items = try #require(drawn.json["items"] as? [[String: Any]]).compactMap { $0["serial"] as? String }
            #expect(items.count == 3 && Set(items).count == 3)
            #expect(try await client.get("/api/v1/samples/\(id)/draw", as: "auditor").json["items"] as? [[String: String]] == drawn.json["items"] as? [[String: String]])

            let notDrawn = ["AK-1", "AK-2", "AK-3", "AK-4", "AK-5", "AK-6"].first { !items.contains($0) }!
            let refused = try await client.post(
                "/api/v1/samples/\(id)/findings", as: "inspector-n", json: "{\"serials\":[\"\(notDrawn)\"],\"finding\":\"present\"}")
            #expect(refused.status == 409)
            #expect(refused.errors.first?["index"] as? Int == 0)
            let present = try await client.post(
                "/api/v1/samples/\(id)/findings", as: "inspector-n", json: "{\"serials\":[\"\(items[0])\",\"\(items[1])\"],\"finding\":\"present\"}")
            #expect(present.status == 201, "\(present.detail)")
            #expect(present.json["examined"] as? Int == 2)
            #expect(try await client.post(
                "/api/v1/samples/\(id)/findings", as: "clerk-n", json: "{\"serials\":[\"\(items[2])\"],\"finding\":\"not-found\"}").status == 403)
            let missing = try await client.post(
                "/api/v1/samples/\(id)/findings", as: "inspector-n", json: "{\"serials\":[\"\(items[2])\"],\"finding\":\"not-found\"}")
            #expect(missing.status == 201)

            let report = try await client.get("/api/v1/samples/\(id)/report", as: "viewer-n")
            #expect(report.status == 200, "\(report.detail)")
            #expect(report.json["examined"] as? Int == 3 && report.json["population"] as? Int == 6 && report.json["declared"] as? Int == 6)
            #expect(report.json["restsOnLogAlone"] as? Bool == true)
            let bound = (report.json["upperBounds"] as? [String: Int])?["not-found"]
            #expect(bound == Int(Hypergeometric.upperBound(population: 6, sample: 3, observed: 1, confidence: 0.9)))
            #expect(bound == 4)

            let forged = try await client.post(
                "/api/v1/events", as: "root",
                json: "{\"kind\":\"sample-finding\",\"occurredAt\":\"2026-03-01T08:00:00Z\",\"from\":\"S1\",\"sample\":\(id),\"finding\":\"present\",\"items\":[{\"serial\":\"\(notDrawn)\",\"manufacturer\":\"Kalashnikov\"}]}")
            #expect(forged.status == 400, "findings go through the draw")
        }
    }
}
