import CustodiaCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CustodiaServer

@Suite struct SystemTests {
    @Test func healthAnswersWithTheLedgerSize() async throws {
        let operatorToken = String(repeating: "op", count: 20)
        let server = try await TestServer.make { $0.operatorToken = operatorToken }
        let size = Int(try await server.store.ledgerSize())
        try await server.run { client in
            let r = try await client.get("/healthz")
            #expect(r.status == 200)
            #expect(r.json.keys.sorted() == ["status"], "anyone learns only that the server answers")
            #expect(r.json["status"] as? String == "ok")
            // The detail is for operators: their token, or an administrator or auditor of
            // the whole register.
            #expect(try await client.get("/healthz?detail=true").status == 401)
            #expect(try await client.get("/healthz?detail=true", as: "clerk-n").status == 403)
            #expect(try await client.get("/healthz?detail=true", as: "admin-n").status == 403, "a scoped administrator")
            for detail in [
                try await client.get("/healthz?detail=true", as: "auditor"),
                try await client.request(
                    .get, "/healthz?detail=true", headers: [.authorization: "Bearer \(operatorToken)"]),
            ] {
                #expect(detail.status == 200)
                #expect(detail.json["ledgerSize"] as? Int == size)
                #expect(detail.json["ready"] is Bool)
            }
        }
    }

    @Test func theOpenAPIDocumentIsServedAsInTheRepository() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let r = try await client.get("/api/openapi.yaml")
            #expect(r.status == 200)
            #expect(r.headers[.contentType]?.hasPrefix("application/yaml") == true)
            #expect(r.text.hasPrefix("openapi: 3.1.0"))
            let onDisk = try String(
                contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().appendingPathComponent("Sources/CustodiaServer/OpenAPI/openapi.yaml"),
                encoding: .utf8)
            #expect(r.text == onDisk)
        }
    }

    @Test func everyResponseCarriesARequestIDAndASensibleOneIsKept() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let given = try await client.request(.get, "/healthz", headers: [.requestID: "abc-123.x"])
            #expect(given.headers[.requestID] == "abc-123.x")
            let fresh = try await client.get("/healthz")
            let id = try #require(fresh.headers[.requestID])
            #expect(id.count >= 10, "a process prefix and a counter")
            let other = try await client.get("/healthz")
            #expect(other.headers[.requestID] != id)
            let hostile = try await client.request(.get, "/healthz", headers: [.requestID: "a b\"<script>"])
            #expect(hostile.headers[.requestID] != "a b\"<script>")
            let problem = try await client.get("/api/v1/items", as: nil)
            #expect(problem.json["requestId"] as? String == problem.headers[.requestID])
        }
    }

    @Test func anUnknownPathIsAProblemNotAnEmptyPage() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            for path in ["/nothing", "/api/v2/items", "/api/v1/items/1/nothing"] {
                let r = try await client.request(.get, path)
                #expect(r.status == 404)
                #expect(r.problem == "no-such-route")
                #expect(r.detail.contains("openapi.yaml"))
            }
            let wrongMethod = try await client.request(.put, "/api/v1/items", as: "root", body: "{}")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.problem == "method-not-allowed")
            #expect(wrongMethod.headers[.allow] == "GET, HEAD")
            let session = try await client.request(.patch, "/api/v1/session", as: "root")
            #expect(session.headers[.allow] == "POST, GET, DELETE, HEAD")
            #expect(try await client.request(.post, "/tlog/tile/0/000", body: "{}").headers[.allow] == "GET, HEAD")
        }
    }

    /// HEAD is answered for every GET: same status and headers (with the GET's length), no body.
    @Test func headAnswersLikeGetWithoutTheBody() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let bearer: HTTPFields = [.authorization: "Bearer \(server.tokens["root"]!)"]
            for (path, headers, status) in [
                ("/healthz", HTTPFields(), 200), ("/api/v1/items?serial=AK-1", bearer, 200),
                ("/api/v1/items?serial=AK-1", HTTPFields(), 401), ("/tlog/checkpoint", HTTPFields(), 200),
            ] {
                let get = try await client.client.executeRequest(uri: path, method: .get, headers: headers, body: nil)
                let head = try await client.client.executeRequest(uri: path, method: .head, headers: headers, body: nil)
                #expect(get.status.code == status, "GET \(path)")
                #expect(head.status == get.status, "HEAD \(path)")
                #expect(head.body.readableBytes == 0, "HEAD \(path) has no body")
                #expect(head.headers[.contentType] == get.headers[.contentType], "HEAD \(path)")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "HEAD \(path) gives the GET's length")
            }
        }
    }

    @Test func metricsCountRequestsByRouteAndStatusAndTheLedger() async throws {
        let server = try await TestServer.make()
        let size = try await server.store.ledgerSize()
        try await server.run { client in
            _ = try await client.get("/api/v1/items", as: "root")
            _ = try await client.get("/api/v1/items/999999", as: "root")
            let posted = try await client.post(
                "/api/v1/events", as: "root", json: J.move("issue", ["AK-1"], from: "S1", to: "U1"))
            #expect(posted.status == 201)
            #expect(try await client.get("/metrics").status == 401, "metrics are for operators")
            #expect(try await client.get("/metrics", as: "viewer-n").status == 403)
            let r = try await client.get("/metrics", as: "root")
            #expect(r.status == 200)
            let text = r.text
            #expect(text.contains("custodia_http_requests_total{route=\"/api/v1/items\",method=\"GET\",status=\"200\"} 1"))
            #expect(text.contains("custodia_http_requests_total{route=\"/api/v1/items/{id}\",method=\"GET\",status=\"404\"} 1"))
            #expect(
                text.contains(
                    "custodia_http_request_duration_seconds_bucket{route=\"/api/v1/items\",method=\"GET\",status=\"200\""))
            #expect(text.contains("custodia_events_appended_total 1"))
            #expect(text.contains("custodia_ledger_size \(size + 1)"))
            #expect(!text.contains("AK-1"), "no register data in metrics")
        }
    }
}
