import CustodiaCore
import Foundation
import HTTPTypes
import Testing

@testable import CustodiaServer

/// Bad input of every kind gets a 4xx problem that says what is wrong, never a 5xx, and
/// changes nothing.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let method: HTTPRequest.Method
        let path: String
        var user: String? = "root"
        var headers: HTTPFields = [:]
        var body: String? = nil
        let status: Int
        let slug: String
        /// Words the detail or an error message must contain.
        var mentions: String? = nil
        var testDescription: String { name }
    }

    static let event = J.move("issue", ["AK-1"], from: "S1", to: "U1")

    static let cases: [Case] = [
        // Malformed JSON.
        Case(
            name: "truncated JSON", method: .post, path: "/api/v1/events", body: "{\"kind\":\"issue\"", status: 400,
            slug: "invalid-json"),
        Case(name: "not JSON", method: .post, path: "/api/v1/events", body: "kind=issue", status: 400, slug: "invalid-json"),
        Case(name: "empty body", method: .post, path: "/api/v1/events", body: "", status: 400, slug: "invalid-json"),
        Case(
            name: "a floating-point number", method: .post, path: "/api/v1/events",
            body: J.move("issue", [], from: "S1", to: "U1", extra: "\"corrects\":1.5"), status: 400, slug: "invalid-json",
            mentions: "whole numbers"),
        Case(
            name: "a duplicate member", method: .post, path: "/api/v1/events",
            body: "{\"kind\":\"issue\",\"kind\":\"return\",\"occurredAt\":\"2026-03-01T07:00:00Z\"}", status: 400,
            slug: "invalid-json"),
        Case(
            name: "a JSON string", method: .post, path: "/api/v1/events", body: "\"issue\"", status: 400, slug: "invalid-request"),
        Case(name: "an empty batch", method: .post, path: "/api/v1/events", body: "[]", status: 400, slug: "invalid-request"),
        Case(
            name: "sign-in body not an object", method: .post, path: "/api/v1/session", user: nil, body: "[1]", status: 400,
            slug: "invalid-request"),
        // Wrong types.
        Case(
            name: "kind a number", method: .post, path: "/api/v1/events",
            body: "{\"kind\":3,\"occurredAt\":\"2026-03-01T07:00:00Z\"}", status: 400, slug: "invalid-event", mentions: "kind"),
        Case(
            name: "items an object", method: .post, path: "/api/v1/events",
            body: "{\"kind\":\"issue\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"from\":\"S1\",\"to\":\"U1\",\"items\":{}}",
            status: 400, slug: "invalid-event", mentions: "items"),
        Case(
            name: "a time that is not RFC 3339", method: .post, path: "/api/v1/events",
            body: J.move("issue", ["AK-1"], from: "S1", to: "U1").replacingOccurrences(
                of: "2026-03-01T07:00:00Z", with: "yesterday"),
            status: 400, slug: "invalid-event", mentions: "RFC 3339"),
        Case(
            name: "password a number", method: .post, path: "/api/v1/session", user: nil,
            body: "{\"user\":\"root\",\"password\":1}",
            status: 400, slug: "invalid-request", mentions: "password"),
        Case(
            name: "limit not a number", method: .get, path: "/api/v1/items?limit=ten", status: 400, slug: "invalid-request",
            mentions: "limit"),
        Case(name: "limit too large", method: .get, path: "/api/v1/items?limit=100000", status: 400, slug: "invalid-request"),
        Case(
            name: "an unknown status", method: .get, path: "/api/v1/items?status=lost", status: 400, slug: "invalid-request",
            mentions: "missing"),
        Case(name: "an id that is not a number", method: .get, path: "/api/v1/items/abc", status: 400, slug: "invalid-request"),
        Case(name: "a negative seq", method: .get, path: "/api/v1/events/-1", status: 400, slug: "invalid-request"),
        Case(
            name: "a huge seq", method: .get, path: "/api/v1/events/99999999999999999999999", status: 400, slug: "invalid-request"
        ),
        Case(
            name: "dryRun not a boolean", method: .post, path: "/api/v1/events?dryRun=yes", body: event, status: 400,
            slug: "invalid-request"),
        Case(
            name: "a holder that is not a code", method: .get, path: "/api/v1/items?holder=%20x%20", status: 400,
            slug: "invalid-request"),
        // Unknown fields and parameters.
        Case(
            name: "an unknown event field", method: .post, path: "/api/v1/events",
            body: J.move("issue", ["AK-1"], from: "S1", to: "U1", extra: "\"colour\":\"red\""), status: 400,
            slug: "invalid-event",
            mentions: "unknown field"),
        Case(
            name: "an unknown field in a batch", method: .post, path: "/api/v1/events",
            body: J.batch([event, J.move("issue", ["AK-2"], from: "S1", to: "U1", extra: "\"x\":1")]), status: 400,
            slug: "invalid-event"),
        Case(
            name: "an unknown sign-in field", method: .post, path: "/api/v1/session", user: nil,
            body: "{\"user\":\"root\",\"password\":\"x\",\"remember\":\"yes\"}", status: 400, slug: "invalid-request",
            mentions: "remember"),
        Case(
            name: "an unknown query parameter", method: .get, path: "/api/v1/items?serail=AK-1", status: 400,
            slug: "invalid-request", mentions: "serail"),
        Case(
            name: "a repeated query parameter", method: .get, path: "/api/v1/items?serial=A&serial=B", status: 400,
            slug: "invalid-request"),
        Case(name: "an empty query parameter", method: .get, path: "/api/v1/items?serial=", status: 400, slug: "invalid-request"),
        // Media type and size.
        Case(
            name: "a form posted to the API", method: .post, path: "/api/v1/events",
            headers: [.contentType: "application/x-www-form-urlencoded"], body: "kind=issue", status: 415,
            slug: "unsupported-media-type"),
        Case(
            name: "a body over the batch limit", method: .post, path: "/api/v1/events",
            body: "[" + String(repeating: "\"\(String(repeating: "x", count: 1000))\",", count: 9000) + "1]", status: 413,
            slug: "too-large", mentions: "8388608"),
        Case(
            name: "a sign-in body over 64 KiB", method: .post, path: "/api/v1/session", user: nil,
            body: "{\"user\":\"root\",\"password\":\"\(String(repeating: "p", count: 70_000))\"}", status: 413, slug: "too-large"),
        // Cursors.
        Case(
            name: "a forged cursor", method: .get, path: "/api/v1/items?cursor=aXRlbTphYmM", status: 400, slug: "invalid-cursor"),
        Case(
            name: "a cursor of another listing", method: .get, path: "/api/v1/items?cursor=ZXZlbnQ6Mg", status: 400,
            slug: "invalid-cursor"),
        Case(
            name: "garbage as a cursor", method: .get, path: "/api/v1/events?cursor=%00%FF", status: 400, slug: "invalid-cursor"),
        // Tile paths.
        Case(
            name: "path traversal in a tile path", method: .get, path: "/tlog/tile/../../etc/passwd", user: nil, status: 404,
            slug: "not-found"),
        Case(name: "encoded traversal", method: .get, path: "/tlog/tile/0/%2e%2e/000", user: nil, status: 404, slug: "not-found"),
        Case(name: "a level above 5", method: .get, path: "/tlog/tile/6/000", user: nil, status: 404, slug: "not-found"),
        Case(name: "a non-canonical index", method: .get, path: "/tlog/tile/0/0", user: nil, status: 404, slug: "not-found"),
        Case(name: "a width of 0", method: .get, path: "/tlog/tile/0/000.p/0", user: nil, status: 404, slug: "not-found"),
        Case(
            name: "a width of 256 marked partial", method: .get, path: "/tlog/tile/0/000.p/256", user: nil, status: 404,
            slug: "not-found"),
        Case(
            name: "an index past Int64", method: .get, path: "/tlog/tile/0/x999/x999/x999/x999/x999/x999/x999/000", user: nil,
            status: 404, slug: "not-found"),
        Case(
            name: "a query on a tile", method: .get, path: "/tlog/tile/0/000.p/1?x=1", user: nil, status: 400,
            slug: "invalid-request"),
        // Credentials.
        Case(name: "a forged token", method: .get, path: "/api/v1/items", user: "nobody", status: 401, slug: "unauthenticated"),
        Case(
            name: "a forged session", method: .get, path: "/api/v1/items", user: nil,
            headers: [.cookie: "custodia_session=forged"],
            status: 401, slug: "unauthenticated"),
        Case(
            name: "a forged session changing something", method: .post, path: "/api/v1/events", user: nil,
            headers: [.cookie: "custodia_session=forged"], body: event, status: 401, slug: "unauthenticated"),
        Case(
            name: "a malformed authorization", method: .get, path: "/api/v1/items", user: nil,
            headers: [.authorization: "Bearer"], status: 401, slug: "unauthenticated"),
        Case(
            name: "a wrong password", method: .post, path: "/api/v1/session", user: nil,
            body: "{\"user\":\"root\",\"password\":\"guess\"}",
            status: 401, slug: "unauthenticated"),
        Case(
            name: "a malformed confirmation", method: .post, path: "/api/v1/events",
            headers: [.confirmation: "c1.x.y.z"],
            body: J.move("issue", ["AK-1"], from: "S1", to: "U1", extra: "\"confirmedBy\":[\"P1\"]"),
            status: 400, slug: "invalid-request"),
        // Rules.
        Case(
            name: "an event the rules refuse", method: .post, path: "/api/v1/events",
            body: J.move("issue", ["AK-1"], from: "S2", to: "U2"), status: 409, slug: "refused-by-rules"),
        Case(
            name: "an unknown holder", method: .post, path: "/api/v1/events",
            body: J.move("issue", ["AK-1"], from: "S1", to: "NOPE"), status: 409, slug: "refused-by-rules",
            mentions: "unknown holder"),
        Case(
            name: "a proof beyond the ledger", method: .get, path: "/api/v1/ledger/proofs/consistency?old=5&new=500", status: 400,
            slug: "invalid-request"),
        Case(
            name: "entries backwards", method: .get, path: "/api/v1/ledger/entries?from=9&to=2", status: 400,
            slug: "invalid-request"),
        Case(
            name: "inclusion without an index", method: .get, path: "/api/v1/ledger/proofs/inclusion", status: 400,
            slug: "invalid-request"),
    ]

    @Test("bad input is a 4xx problem and changes nothing", arguments: cases)
    func badInputIsRefused(_ c: Case) async throws {
        let server = try await TestServer.make()
        let before = try await server.store.ledgerSize()
        try await server.run { client in
            var headers = c.headers
            if c.body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
            let r = try await client.request(c.method, c.path, as: c.user, headers: headers, body: c.body)
            #expect(r.status == c.status, "\(r.text.prefix(300))")
            #expect(r.isProblem)
            #expect(r.problem == c.slug)
            #expect(r.json["status"] as? Int == c.status)
            #expect(!r.detail.isEmpty)
            if let words = c.mentions {
                let messages = [r.detail] + r.errors.compactMap { $0["message"] as? String }
                #expect(messages.contains { $0.contains(words) }, "\(messages)")
            }
            #expect(try await server.store.ledgerSize() == before)
        }
    }

    @Test func aBatchOverTheEventLimitIsRefusedWithTheLimit() async throws {
        let server = try await TestServer.make { $0.maxBatchEvents = 3 }
        try await server.run { client in
            let r = try await client.post("/api/v1/events", as: "root", json: J.batch(Array(repeating: Self.event, count: 4)))
            #expect(r.status == 400)
            #expect(r.detail.contains("at most 3"))
        }
    }

    @Test func everyMalformedEventOfABatchIsListedWithItsIndex() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let r = try await client.post(
                "/api/v1/events", as: "root",
                json: J.batch([
                    Self.event, "{\"kind\":\"issue\"}", Self.event, "[]", J.move("teleport", ["AK-1"], from: "S1", to: "U1"),
                ]))
            #expect(r.status == 400)
            #expect(r.errors.map { $0["index"] as? Int } == [1, 3, 4])
            #expect(r.errors.map { $0["field"] as? String } == ["occurredAt", "", "kind"])
            #expect(r.detail.contains("3 of 5"))
        }
    }
}
