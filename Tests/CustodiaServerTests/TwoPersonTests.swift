import CustodiaCore
import CustodiaStore
import Foundation
import HTTPTypes
import Testing

@testable import CustodiaServer

/// The two-person rule: an event naming people in `confirmedBy` is recorded only with each
/// of those people's confirmation of exactly that event.
@Suite struct TwoPersonTests {
    /// AK-1 issued from S1 to P1, naming P1 as the confirming person.
    static let handOver = J.move(
        "issue", ["AK-1"], from: "S1", to: "P1", extra: "\"document\":\"VO-1\",\"confirmedBy\":[\"P1\"]")

    static func confirm(_ client: TestServer.Client, _ event: String, as user: String) async throws -> APIResponse {
        try await client.post("/api/v1/confirmations", as: user, json: event)
    }

    @Test func anEventNamingAConfirmerNeedsTheirToken() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let missing = try await client.post("/api/v1/events", as: "clerk-n", json: Self.handOver)
            #expect(missing.status == 403)
            #expect(missing.problem == "confirmation-required")
            #expect(missing.errors.first?["field"] as? String == "confirmedBy[0]")
            #expect((missing.errors.first?["message"] as? String)?.contains("POST /api/v1/confirmations") == true)

            let confirmed = try await Self.confirm(client, Self.handOver, as: "P1")
            #expect(confirmed.status == 201)
            #expect(confirmed.json["user"] as? String == "P1")
            #expect(confirmed.json["expiresAt"] as? String == "2026-03-01T08:15:00Z")
            let token = try #require(confirmed.json["confirmation"] as? String)

            // The same content with the members in another order and other spacing is the same event.
            let reordered =
                "{ \"confirmedBy\": [\"P1\"], \"document\": \"VO-1\", \"to\": \"P1\", \"from\": \"S1\", \"kind\": \"issue\", \"occurredAt\": \"2026-03-01T07:00:00Z\", \"items\": [{\"manufacturer\": \"Kalashnikov\", \"serial\": \"AK-1\"}] }"
            let recorded = try await client.post(
                "/api/v1/events", as: "clerk-n", json: reordered, headers: [.confirmation: token])
            #expect(recorded.status == 201, "\(recorded.text)")
            let seq = try #require(recorded.json["firstSeq"] as? Int)
            let leaf = try #require(try await server.store.event(seq: Int64(seq))).json
            #expect(leaf.contains("\"confirmedBy\":[\"P1\"]"))
            #expect(leaf.contains("\"recordedBy\":\"clerk-n\""))
        }
    }

    @Test func aTokenIsForThatEventOnly() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let token = try #require(try await Self.confirm(client, Self.handOver, as: "P1").json["confirmation"] as? String)
            let changed = Self.handOver.replacingOccurrences(of: "VO-1", with: "VO-2")
            let r = try await client.post("/api/v1/events", as: "clerk-n", json: changed, headers: [.confirmation: token])
            #expect(r.status == 403)
            #expect((r.errors.first?["message"] as? String)?.contains("no confirmation from P1") == true)

            // A token with its user changed no longer matches its MAC.
            let parts = token.split(separator: ".")
            let forged = ["c2", Secrets.base64URL(Array("P2".utf8)), String(parts[2]), String(parts[3]), String(parts[4])]
                .joined(separator: ".")
            let withP2 = Self.handOver.replacingOccurrences(of: "[\"P1\"]", with: "[\"P2\"]")
            let f = try await client.post("/api/v1/events", as: "root", json: withP2, headers: [.confirmation: forged])
            #expect(f.status == 403)
            #expect(try await server.store.item(id: try await server.itemID("AK-1"))?.state.holder == "S1")
        }
    }

    @Test func anExpiredConfirmationIsRefused() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let token = try #require(try await Self.confirm(client, Self.handOver, as: "P1").json["confirmation"] as? String)
            server.clock.advance(16 * 60)
            let r = try await client.post("/api/v1/events", as: "clerk-n", json: Self.handOver, headers: [.confirmation: token])
            #expect(r.status == 403)
            #expect((r.errors.first?["message"] as? String)?.contains("expired") == true)
        }
    }

    @Test func theRecorderCannotBeTheSecondPerson() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let event = J.move("issue", ["AK-1"], from: "S1", to: "U1", extra: "\"confirmedBy\":[\"P2\"]")
            let token = try #require(try await Self.confirm(client, event, as: "P2").json["confirmation"] as? String)
            let r = try await client.post("/api/v1/events", as: "P2", json: event, headers: [.confirmation: token])
            #expect(r.status == 403)
            #expect((r.errors.first?["message"] as? String)?.contains("cannot also confirm") == true)
            #expect(
                try await client.post("/api/v1/events", as: "clerk-n", json: event, headers: [.confirmation: token]).status == 201
            )
        }
    }

    @Test func aConfirmerMustBeAllowedActiveAndPartyToTheEvent() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            // P3 (scope R2) is not party to a hand-over inside R1.
            let forP3 = Self.handOver.replacingOccurrences(of: "[\"P1\"]", with: "[\"P3\"]")
            let outside = try await Self.confirm(client, forP3, as: "P3")
            #expect(outside.status == 403)
            #expect(outside.problem == "out-of-scope")
            // A viewer may not confirm at all.
            #expect(try await Self.confirm(client, Self.handOver, as: "viewer-n").status == 403)
            // A confirmation must name its confirmer.
            let notNamed = try await Self.confirm(client, Self.handOver, as: "P2")
            #expect(notNamed.status == 400)
            #expect(notNamed.detail.contains("confirmedBy"))

            // A confirmer disabled after confirming no longer counts.
            let token = try #require(try await Self.confirm(client, Self.handOver, as: "P1").json["confirmation"] as? String)
            _ = try await server.users.disableUser(
                code: "P1", options: AppendOptions(recordedBy: "cli", recordedAt: "2026-03-01T08:00:00Z"))
            let r = try await client.post("/api/v1/events", as: "clerk-n", json: Self.handOver, headers: [.confirmation: token])
            #expect(r.status == 403)
            #expect((r.errors.first?["message"] as? String)?.contains("not an active user") == true)
        }
    }

    @Test func eachNamedPersonConfirmsOnceAndAMalformedTokenIsABadRequest() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let twice = J.move("issue", ["AK-1"], from: "S1", to: "P1", extra: "\"confirmedBy\":[\"P1\",\"P1\"]")
            let token = try #require(try await Self.confirm(client, twice, as: "P1").json["confirmation"] as? String)
            let r = try await client.post("/api/v1/events", as: "clerk-n", json: twice, headers: [.confirmation: token])
            #expect(r.status == 403)
            #expect(r.errors.map { $0["field"] as? String } == ["confirmedBy[1]"])

            let bad = try await client.post(
                "/api/v1/events", as: "clerk-n", json: Self.handOver, headers: [.confirmation: "not-a-token"])
            #expect(bad.status == 400)

            // Two people, two tokens in one header.
            let both = J.move("issue", ["AK-2"], from: "S1", to: "P1", extra: "\"confirmedBy\":[\"P1\",\"P2\"]")
            let t1 = try #require(try await Self.confirm(client, both, as: "P1").json["confirmation"] as? String)
            let t2 = try #require(try await Self.confirm(client, both, as: "P2").json["confirmation"] as? String)
            let onlyOne = try await client.post("/api/v1/events", as: "clerk-n", json: both, headers: [.confirmation: t1])
            #expect(onlyOne.status == 403)
            #expect(onlyOne.errors.map { $0["field"] as? String } == ["confirmedBy[1]"])
            let ok = try await client.post("/api/v1/events", as: "clerk-n", json: both, headers: [.confirmation: "\(t1), \(t2)"])
            #expect(ok.status == 201)
        }
    }
}
