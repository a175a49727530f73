import CustodiaCore
import CustodiaStore
import Foundation
import HTTPTypes
import Testing

@testable import CustodiaServer

/// Every role × every endpoint × a holder inside and outside the user's scope, in one table.
///
/// The users are scoped to region R1; "inside" names S1 and its items, "outside" S2 (region
/// R2) and its items. Writes are dry runs, so that each row meets the same state.
@Suite struct AuthorizationMatrixTests {
    enum Side: String, CaseIterable, Sendable { case inside, outside }

    struct Endpoint: Sendable {
        let name: String
        let method: HTTPRequest.Method
        let path: @Sendable (Side, Fixture) -> String
        let body: (@Sendable (Side, String) -> String)?
        /// The expected status for a role on a side.
        let expect: @Sendable (Role, Side) -> Int
    }

    struct Fixture: Sendable {
        let item: [Side: Int64]
        let lot: [Side: Int64]
        let holder: [Side: String]
        let event: [Side: Int]
    }

    static let readers: @Sendable (Role, Side) -> Int = { _, side in side == .inside ? 200 : 404 }
    static let lists: @Sendable (Role, Side) -> Int = { _, _ in 200 }
    /// Writes: 403 for a role that may not record the kind; outside the scope, refused by the
    /// rules as if the holder or item did not exist (409).
    static func recorder(_ kinds: Set<Role>) -> @Sendable (Role, Side) -> Int {
        { role, side in kinds.contains(role) ? (side == .inside ? 200 : 409) : 403 }
    }

    static let endpoints: [Endpoint] = [
        Endpoint(name: "item", method: .get, path: { "/api/v1/items/\($1.item[$0]!)" }, body: nil, expect: readers),
        Endpoint(name: "history", method: .get, path: { "/api/v1/items/\($1.item[$0]!)/history" }, body: nil, expect: readers),
        Endpoint(name: "holder", method: .get, path: { "/api/v1/holders/\($1.holder[$0]!)" }, body: nil, expect: readers),
        Endpoint(
            name: "holdings", method: .get, path: { "/api/v1/holders/\($1.holder[$0]!)/holdings?recursive=true" }, body: nil,
            expect: readers),
        Endpoint(name: "lot", method: .get, path: { "/api/v1/lots/\($1.lot[$0]!)" }, body: nil, expect: readers),
        Endpoint(name: "event", method: .get, path: { "/api/v1/events/\($1.event[$0]!)" }, body: nil, expect: readers),
        Endpoint(name: "items", method: .get, path: { "/api/v1/items?holder=\($1.holder[$0]!)" }, body: nil, expect: lists),
        Endpoint(name: "holders", method: .get, path: { "/api/v1/holders?parent=\($1.holder[$0]!)" }, body: nil, expect: lists),
        // A search answers every reader, with only what lies inside the scope (MarkSearchAPITests).
        Endpoint(
            name: "mark search", method: .get, path: { side, _ in "/api/v1/items/search?mark=\(side == .inside ? "AK-1" : "AK-21")" },
            body: nil, expect: lists),
        Endpoint(name: "lots", method: .get, path: { "/api/v1/lots?holder=\($1.holder[$0]!)" }, body: nil, expect: lists),
        Endpoint(name: "events", method: .get, path: { "/api/v1/events?holder=\($1.holder[$0]!)" }, body: nil, expect: lists),
        Endpoint(name: "summary", method: .get, path: { _, _ in "/api/v1/summary" }, body: nil, expect: lists),
        Endpoint(name: "checkpoint", method: .get, path: { _, _ in "/api/v1/ledger/checkpoint" }, body: nil, expect: lists),
        Endpoint(name: "key", method: .get, path: { _, _ in "/api/v1/ledger/key" }, body: nil, expect: lists),
        // The entries are the whole register: none of these users (all scoped) reads them.
        Endpoint(
            name: "entries", method: .get, path: { _, _ in "/api/v1/ledger/entries?from=0&to=3" }, body: nil,
            expect: { _, _ in 403 }),
        Endpoint(
            name: "entry bundle", method: .get, path: { _, _ in "/tlog/tile/entries/000.p/3" }, body: nil,
            expect: { _, _ in 403 }),
        Endpoint(
            name: "inclusion", method: .get,
            path: { side, f in "/api/v1/ledger/proofs/inclusion?index=\(f.event[side]!)" }, body: nil, expect: readers),
        Endpoint(
            name: "consistency", method: .get, path: { _, _ in "/api/v1/ledger/proofs/consistency?old=3" }, body: nil,
            expect: lists),
        Endpoint(
            name: "record issue", method: .post, path: { _, _ in "/api/v1/events?dryRun=true" },
            body: { side, _ in
                side == .inside
                    ? J.move("issue", ["AK-1"], from: "S1", to: "U1") : J.move("issue", ["AK-21"], from: "S2", to: "U2")
            }, expect: recorder([.clerk, .admin])),
        Endpoint(
            name: "record count", method: .post, path: { _, _ in "/api/v1/events?dryRun=true" },
            body: { side, _ in side == .inside ? J.move("count", ["AK-1"], from: "S1") : J.move("count", ["AK-21"], from: "S2") },
            expect: recorder([.clerk, .custodian, .inspector, .admin])),
        Endpoint(
            name: "record holder-add", method: .post, path: { _, _ in "/api/v1/events?dryRun=true" },
            body: { side, _ in
                "{\"kind\":\"holder-add\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"holder\":{\"code\":\"U9\",\"kind\":\"unit\",\"name\":\"Nine\",\"parent\":\"\(side == .inside ? "S1" : "S2")\"}}"
            }, expect: recorder([.admin])),
        Endpoint(
            name: "confirm", method: .post, path: { _, _ in "/api/v1/confirmations" },
            body: { side, user in
                J.move(
                    "count", [side == .inside ? "AK-1" : "AK-21"], from: side == .inside ? "S1" : "S2",
                    extra: "\"confirmedBy\":[\"\(user)\"]")
            },
            expect: { role, side in
                guard [.clerk, .custodian, .inspector, .admin].contains(role) else { return 403 }
                return side == .inside ? 201 : 403
            }),
        Endpoint(name: "policy", method: .get, path: { _, _ in "/api/v1/policy" }, body: nil, expect: lists),
        Endpoint(name: "alerts", method: .get, path: { side, f in "/api/v1/alerts?holder=\(f.holder[side]!)" }, body: nil, expect: lists),
        Endpoint(
            name: "record alert-waiver", method: .post, path: { _, _ in "/api/v1/events?dryRun=true" },
            body: { side, _ in
                "{\"kind\":\"alert-waiver\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"reason\":\"r\",\"waiver\":{\"rule\":\"closed-holder\",\"subject\":\"\(side == .inside ? "S1" : "S2")\",\"until\":\"2026-03-10\"}}"
            }, expect: { role, _ in role == .admin ? 409 : 403 }),
        // The pack is the whole register's: an admin scoped to a region is refused by the rules.
        Endpoint(
            name: "record policy-set", method: .post, path: { _, _ in "/api/v1/events?dryRun=true" },
            body: { _, _ in "{\"kind\":\"policy-set\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"policy\":{\"rules\":[]}}" },
            expect: { role, _ in role == .admin ? 409 : 403 }),
        Endpoint(
            name: "record authorisation", method: .post, path: { _, _ in "/api/v1/events?dryRun=true" },
            body: { side, _ in
                "{\"kind\":\"authorisation\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"authorisation\":{\"holder\":\"\(side == .inside ? "S1" : "S2")\",\"purpose\":\"lot-testing\",\"validFrom\":\"2026-03-01\",\"validUntil\":\"2026-03-10\",\"authorisedBy\":\"\(side == .inside ? "Z1" : "R2")\"}}"
            }, expect: recorder([.admin])),
        Endpoint(name: "stocktakes", method: .get, path: { side, f in "/api/v1/stocktakes?holder=\(f.holder[side]!)" }, body: nil, expect: lists),
        Endpoint(name: "discrepancies", method: .get, path: { _, _ in "/api/v1/discrepancies" }, body: nil, expect: lists),
        Endpoint(name: "samples", method: .get, path: { _, _ in "/api/v1/samples" }, body: nil, expect: lists),
        Endpoint(
            name: "open stocktake", method: .post, path: { _, _ in "/api/v1/stocktakes?dryRun=true" },
            body: { side, _ in "{\"holder\":\"\(side == .inside ? "S1" : "S2")\"}" }, expect: recorder([.clerk, .inspector, .admin])),
        Endpoint(
            name: "users", method: .get, path: { _, _ in "/api/v1/users" }, body: nil,
            expect: { role, _ in role == .admin ? 200 : 403 }),
        Endpoint(
            name: "disable user", method: .post, path: { side, _ in "/api/v1/users/\(side == .inside ? "gone" : "P3")/disable" },
            body: nil,
            expect: { role, side in role == .admin ? (side == .inside ? 200 : 404) : 403 }),
    ]

    @Test func everyRoleEveryEndpointInsideAndOutsideTheScope() async throws {
        let server = try await TestServer.make()
        let store = server.store
        let l1 = try #require(try await store.searchLots(LotQuery(lot: "L1")).elements.first).record.id
        let l2 = try #require(try await store.searchLots(LotQuery(lot: "L2")).elements.first).record.id
        let fixture = Fixture(
            item: [.inside: try await server.itemID("AK-1"), .outside: try await server.itemID("AK-21")],
            lot: [.inside: l1, .outside: l2], holder: [.inside: "S1", .outside: "S2"], event: [.inside: 11, .outside: 12])
        let before = try await store.ledgerSize()
        try await server.run { client in
            var checked = 0
            for (user, role) in TestServer.roleUsers {
                for endpoint in Self.endpoints {
                    for side in Side.allCases {
                        let path = endpoint.path(side, fixture)
                        let r = try await client.request(
                            endpoint.method, path, as: user, body: endpoint.body?(side, user))
                        let expected = endpoint.expect(role, side)
                        #expect(
                            r.status == expected,
                            "\(role.rawValue) \(endpoint.name) \(side.rawValue): \(r.status), expected \(expected): \(r.detail)")
                        if r.status >= 400 { #expect(r.isProblem, "\(role.rawValue) \(endpoint.name) \(side.rawValue)") }
                        checked += 1
                    }
                }
            }
            #expect(checked == TestServer.roleUsers.count * Self.endpoints.count * 2)
            // The entries: the auditor and the administrator of the whole register.
            for user in ["root", "auditor"] {
                #expect(try await client.get("/api/v1/ledger/entries?from=0&to=3", as: user).status == 200, "\(user)")
                #expect(try await client.get("/tlog/tile/entries/000.p/3", as: user).status == 200, "\(user)")
            }
            #expect(try await client.get("/tlog/tile/entries/000.p/3").status == 401, "no account")

            // Listing outside the scope finds nothing, inside finds something.
            let inside = try await client.get("/api/v1/items?holder=S1", as: "viewer-n")
            let outside = try await client.get("/api/v1/items?holder=S2", as: "viewer-n")
            #expect((inside.json["items"] as? [Any])?.count == 6)
            #expect((outside.json["items"] as? [Any])?.isEmpty == true)
            #expect((try await client.get("/api/v1/events?holder=S2", as: "viewer-n").json["events"] as? [Any])?.isEmpty == true)
            #expect((try await client.get("/api/v1/lots?holder=S2", as: "viewer-n").json["lots"] as? [Any])?.isEmpty == true)
            #expect(
                (try await client.get("/api/v1/holders?parent=S2", as: "viewer-n").json["holders"] as? [Any])?.isEmpty == true)
            #expect(try await store.ledgerSize() == before, "every write was a dry run")
        }
    }

    @Test func withoutAnAccountOnlyTheOpenRoutesAnswer() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            for route in APIRoutes.all {
                let path = route.path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{code}", with: "S1")
                    .replacingOccurrences(of: "{seq}", with: "1").replacingOccurrences(of: "**", with: "0/000.p/1")
                let r = try await client.request(route.method, path, body: route.method == .post ? "{}" : nil)
                let open = ["/healthz", "/api/openapi.yaml", "/tlog/checkpoint", "/tlog/tile/**"].contains(route.path)
                if open {
                    #expect(r.status == 200, "\(route.method) \(route.path)")
                } else if route.path == "/api/v1/session" && route.method == .post {
                    #expect(r.status == 400, "signing in needs user and password")
                } else {
                    #expect(r.status == 401, "\(route.method) \(route.path) answered \(r.status)")
                    #expect(r.problem == "unauthenticated")
                }
            }
        }
    }
}
