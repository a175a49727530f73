import CustodiaCore
import CustodiaStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import CustodiaServer

/// Confirmations that serve once, the second person MANPADS need, sign-in limits that hold
/// under bursts, identifiers without look-alikes, times that can have happened, signed
/// cursors and a sign-in that a foreign page cannot make.
@Suite struct HardeningTests {
    /// A count of AK-1 at S1 that P2 (a clerk of R1) confirms: valid however often it is
    /// recorded, so only the confirmation's single use can refuse a replay.
    static let countConfirmed = J.move("count", ["AK-1"], from: "S1", extra: "\"confirmedBy\":[\"P2\"]")

    @Test func aConfirmationIsUsedOnceAcrossServersAndRestarts() async throws {
        let secret = [UInt8](repeating: 7, count: 32)
        let server = try await TestServer.make { $0.confirmationSecret = secret }
        defer { server.discard() }
        let token = try await server.application().test(.router) { client in
            let c = TestServer.Client(client: client, server: server)
            let token = try #require(
                try await c.post("/api/v1/confirmations", as: "P2", json: Self.countConfirmed).json["confirmation"] as? String)
            let first = try await c.post("/api/v1/events", as: "clerk-n", json: Self.countConfirmed, headers: [.confirmation: token])
            #expect(first.status == 201, "\(first.text)")
            let replay = try await c.post(
                "/api/v1/events", as: "clerk-n", json: Self.countConfirmed, headers: [.confirmation: token])
            #expect(replay.status == 403)
            #expect(replay.problem == "confirmation-required")
            #expect((replay.errors.first?["message"] as? String)?.contains("already used") == true)
            // Two events of one batch cannot share one confirmation either.
            let pair = J.batch([Self.countConfirmed, Self.countConfirmed])
            let token2 = try #require(
                try await c.post("/api/v1/confirmations", as: "P2", json: Self.countConfirmed).json["confirmation"] as? String)
            let batch = try await c.post("/api/v1/events", as: "clerk-n", json: pair, headers: [.confirmation: token2])
            #expect(batch.status == 403)
            #expect(batch.errors.map { $0["index"] as? Int } == [1])
            return token
        }
        // Another server on the same store (as after a restart, or beside it), with the same
        // confirmation secret: the token is still valid cryptographically, and still used.
        try await server.application().test(.router) { client in
            let c = TestServer.Client(client: client, server: server)
            let again = try await c.post(
                "/api/v1/events", as: "clerk-n", json: Self.countConfirmed, headers: [.confirmation: token])
            #expect(again.status == 403)
            #expect((again.errors.first?["message"] as? String)?.contains("already used") == true)
        }
    }

    @Test func aMANPADSHandOverNeedsASecondPersonWhateverTheRecorderLists() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let register =
                "{\"kind\":\"register\",\"to\":\"S1\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"items\":[{\"category\":\"manpads-missile\",\"manufacturer\":\"KBM\",\"country\":\"RU\",\"model\":\"9M342\",\"calibre\":\"72mm\",\"serial\":\"MS-1\"}]}"
            #expect(try await client.post("/api/v1/events", as: "root", json: register).status == 201)
            let issue =
                "{\"kind\":\"issue\",\"from\":\"S1\",\"to\":\"U1\",\"dueBack\":\"2026-03-20\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"items\":[{\"serial\":\"MS-1\",\"manufacturer\":\"KBM\"}]"
            let alone = try await client.post("/api/v1/events", as: "clerk-n", json: issue + "}")
            #expect(alone.status == 403)
            #expect(alone.problem == "confirmation-required")
            #expect(alone.errors.first?["field"] as? String == "confirmedBy")
            #expect((alone.errors.first?["message"] as? String)?.contains("needs a second person") == true)
            // Even an administrator of the whole register needs one.
            #expect(try await client.post("/api/v1/events", as: "root", json: issue + "}").status == 403)
            // A count moves nothing and needs no second person.
            let count =
                "{\"kind\":\"count\",\"from\":\"S1\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"items\":[{\"serial\":\"MS-1\",\"manufacturer\":\"KBM\"}]}"
            #expect(try await client.post("/api/v1/events", as: "clerk-n", json: count).status == 201)
            let confirmed = issue + ",\"confirmedBy\":[\"P2\"]}"
            let token = try #require(
                try await client.post("/api/v1/confirmations", as: "P2", json: confirmed).json["confirmation"] as? String)
            let r = try await client.post("/api/v1/events", as: "clerk-n", json: confirmed, headers: [.confirmation: token])
            #expect(r.status == 201, "\(r.text)")
        }
    }

    @Test func aBurstOfWrongPasswordsGetsNoMoreTriesThanTheLimit() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<29 {
                    group.addTask {
                        try await client.post(
                            "/api/v1/session", json: "{\"user\":\"clerk-n\",\"password\":\"wrong-password-\(n)\"}"
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 401 }.count == 5, "\(statuses.sorted())")
            #expect(statuses.filter { $0 == 429 }.count == 24)
            let right = try await client.post("/api/v1/session", json: "{\"user\":\"clerk-n\",\"password\":\"pw-clerk-n\"}")
            #expect(right.status == 429, "even the right password waits after a burst")
            #expect(right.headers[.retryAfter] != nil)
        }
    }

    /// Behind a trusted reverse proxy, each client address counts apart: an attacker locks
    /// out only their own address and account pair, and the owner still signs in, slowed.
    @Test func nobodyCanLockAUserOutFromElsewhere() async throws {
        let server = try await TestServer.make {
            $0.trustedProxies = ["127.0.0.1"]
            $0.loginAccountCeiling = 6
            $0.loginSlowdown = 0.3
        }
        try await server.run(.live) { client in
            func signIn(_ password: String, from address: String) async throws -> APIResponse {
                try await client.post(
                    "/api/v1/session", json: "{\"user\":\"clerk-n\",\"password\":\"\(password)\"}",
                    headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9, \(address)"])
            }
            var attacker: [Int] = []
            for address in ["198.51.100.1", "198.51.100.2"] {
                for n in 0..<6 { attacker.append(try await signIn("guess-\(n)", from: address).status) }
            }
            #expect(attacker.filter { $0 == 401 }.count == 10, "\(attacker)")
            #expect(attacker.filter { $0 == 429 }.count == 2)
            // The attacker's addresses wait; the owner's does not, but is slowed past the
            // account's ceiling.
            #expect(try await signIn("pw-clerk-n", from: "198.51.100.1").status == 429)
            let start = ContinuousClock.now
            let owner = try await signIn("pw-clerk-n", from: "192.0.2.50")
            #expect(owner.status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(300), "slowed, not refused")
        }
    }

    /// Without a trusted proxy, a forwarded-for header is the client's own word and is
    /// ignored: changing it does not escape the address's limit.
    @Test func aForwardedHeaderFromAnUntrustedPeerIsIgnored() async throws {
        let server = try await TestServer.make { $0.loginAddressAttempts = 5 }
        try await server.run(.live) { client in
            var statuses: [Int] = []
            for n in 0..<6 {
                statuses.append(
                    try await client.post(
                        "/api/v1/session", json: "{\"user\":\"user-\(n)\",\"password\":\"x\"}",
                        headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.\(n)"]
                    ).status)
            }
            #expect(statuses == [401, 401, 401, 401, 401, 429])
        }
    }

    @Test func aSignInFromAnotherSitesPageIsRefused() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let body = "{\"user\":\"clerk-n\",\"password\":\"pw-clerk-n\"}"
            let host = HTTPField.Name("Host")!
            let foreign = try await client.post(
                "/api/v1/session", json: body, headers: [.origin: "https://evil.example", host: "custodia.example"])
            #expect(foreign.status == 403)
            #expect(foreign.problem == "foreign-origin")
            #expect(foreign.headers[.setCookie] == nil)
            #expect(
                try await client.post("/api/v1/session", json: body, headers: [.origin: "null", host: "custodia.example"]).status
                    == 403)
            let same = try await client.post(
                "/api/v1/session", json: body, headers: [.origin: "https://custodia.example", host: "custodia.example"])
            #expect(same.status == 200)
            #expect(try await client.post("/api/v1/session", json: body).status == 200, "scripts send no Origin")
        }
    }

    @Test func cursorsAreSignedForOneUserAndOneListing() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let first = try await client.get("/api/v1/items?limit=2", as: "viewer-n")
            let cursor = try #require(first.json["nextCursor"] as? String)
            #expect(try await client.get("/api/v1/items?limit=2&cursor=\(cursor)", as: "viewer-n").status == 200)
            for (path, user) in [
                ("/api/v1/items?limit=2&cursor=\(cursor)", "clerk-n"),  // another user's
                ("/api/v1/events?limit=2&cursor=\(cursor)", "viewer-n"),  // another listing
                ("/api/v1/items?limit=2&cursor=\(Cursor.encode(kind: "items", key: 5))", "viewer-n"),  // forged
                ("/api/v1/items?limit=2&cursor=\(String(cursor.dropLast()) + (cursor.last == "A" ? "B" : "A"))", "viewer-n"),
            ] {
                let r = try await client.get(path, as: user)
                #expect(r.status == 400, "\(path) as \(user)")
                #expect(r.problem == "invalid-cursor")
            }
        }
    }

    @Test func theAPIRefusesTimesThatCannotHaveHappened() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            for time in ["2099-01-01T00:00:00Z", "1899-12-31T00:00:00Z", "2026-03-02T08:00:01Z"] {
                let body = J.move("count", ["AK-1"], from: "S1").replacingOccurrences(of: "2026-03-01T07:00:00Z", with: time)
                let r = try await client.post("/api/v1/events", as: "clerk-n", json: body)
                #expect(r.status == 409, "\(time)")
                #expect(r.errors.first?["field"] as? String == "occurredAt")
            }
            let body = J.move("count", ["AK-1"], from: "S1").replacingOccurrences(
                of: "2026-03-01T07:00:00Z", with: "2026-03-02T07:59:59Z")
            #expect(try await client.post("/api/v1/events", as: "clerk-n", json: body).status == 201, "within a day")
        }
    }

    @Test func identifiersWithHiddenCharactersOrLookAlikesAreRefused() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            func register(_ serial: String, distinct: Bool = false) -> String {
                "{\"kind\":\"register\",\"to\":\"S1\",\"occurredAt\":\"2026-03-01T07:00:00Z\"\(distinct ? ",\"distinct\":true" : ""),\"items\":[{\"category\":\"assault-rifle\",\"manufacturer\":\"Kalashnikov\",\"country\":\"RU\",\"model\":\"AK-74M\",\"calibre\":\"5.45x39\",\"serial\":\"\(serial)\"}]}"
            }
            for serial in ["AK-\\u200b7", "AK-\\u202e7", "AK\\u00ad-7", "AK-7\\n", "AK\\u00a07"] {
                let r = try await client.post("/api/v1/events", as: "clerk-n", json: register(serial))
                #expect(r.status == 400, "\(serial)")
                #expect(r.problem == "invalid-event")
                #expect(r.errors.first?["field"] as? String == "items[0].serial")
            }
            // A Cyrillic К, small letters, a capital I for the one: against the registered AK-1.
            for serial in ["AК-1", "ak-1", "AK-I"] {
                let r = try await client.post("/api/v1/events", as: "clerk-n", json: register(serial))
                #expect(r.status == 409, "\(serial)")
                #expect((r.errors.first?["message"] as? String)?.contains("looks like AK-1") == true, "\(serial): \(r.text)")
            }
            let distinct = try await client.post("/api/v1/events", as: "clerk-n", json: register("AК-1", distinct: true))
            #expect(distinct.status == 201)
            let seq = try #require(distinct.json["firstSeq"] as? Int)
            #expect(try await server.store.event(seq: Int64(seq))?.json.contains("\"distinct\":true") == true)
            // Holder codes: another case or a look-alike of an existing code.
            for code in ["s1", "S-1", "Sl"] {
                let add =
                    "{\"kind\":\"holder-add\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"holder\":{\"code\":\"\(code)\",\"kind\":\"site\",\"name\":\"Twin\",\"parent\":\"Z1\"}}"
                let r = try await client.post("/api/v1/events", as: "root", json: add)
                if code == "S-1" {
                    #expect(r.status == 201, "S-1 looks like no code")
                } else {
                    #expect(r.status == 409, "\(code)")
                    #expect(r.errors.first?["field"] as? String == "holder.code")
                }
            }
            // A holder named in another case is the stored holder.
            let lower = try await client.post(
                "/api/v1/events", as: "clerk-n", json: J.move("issue", ["AK-2"], from: "s1", to: "u1"))
            #expect(lower.status == 201, "\(lower.text)")
            let lowerSeq = try #require(lower.json["firstSeq"] as? Int)
            let leaf = try #require(try await server.store.event(seq: Int64(lowerSeq)))
            #expect(leaf.json.contains("\"from\":\"S1\"") && leaf.json.contains("\"to\":\"U1\""))
        }
    }
}
