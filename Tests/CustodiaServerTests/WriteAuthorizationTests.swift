import CustodiaCore
import CustodiaStore
import Foundation
import HTTPTypes
import Testing

@testable import CustodiaServer

/// Writes authorised by what an event touches, for every role, every kind, and a thing
/// inside the scope, outside it, and one that does not exist.
///
/// The users are scoped to region R1 (S1, U1, P1, P2 and their items and lots); R2 (S2, U2,
/// P3) is outside. Before the table runs, the register gets items in every state on both
/// sides: held (AK-1, AK-21), missing (AK-3 lost at S1, AK-22 lost at S2), in transit into
/// the scope (AK-23 on D-IN, S2 → S1) and outside it (AK-24 on D-OUT, S2 → U2), and missing
/// lot quantities of L1 and L2. Every write is a dry run, so every row meets that state.
///
/// For each row: a role that may not record the kind gets 403 whatever it names; a role
/// that may gets the inside event accepted, and for the outside one exactly the answer the
/// unknown one gets (status, problem and every error, with the name typed swapped).
@Suite struct WriteAuthorizationTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let kind: EventKind
        let inside: String
        let outside: String
        let unknown: String
        /// The name typed in `outside` and its counterpart in `unknown`.
        let swap: (String, String)
        /// What the inside event gets from a role that may record it.
        var insideStatus = 200
        var description: String { name }
    }

    static let t = "\"occurredAt\":\"2026-03-01T07:00:00Z\""

    static func correction(_ seq: Int) -> String {
        "{\"kind\":\"correction\",\(t),\"corrects\":\(seq),\"reason\":\"wrong voucher\"}"
    }

    static func register(at holder: String) -> String {
        "{\"kind\":\"register\",\"to\":\"\(holder)\",\(t),\"items\":[{\"category\":\"rifle-carbine\",\"manufacturer\":\"FN\",\"country\":\"BE\",\"model\":\"FAL\",\"calibre\":\"7.62x51\",\"serial\":\"FAL-1\"}]}"
    }

    static func holderAdd(parent: String) -> String {
        "{\"kind\":\"holder-add\",\(t),\"holder\":{\"code\":\"U9\",\"kind\":\"unit\",\"name\":\"Nine\",\"parent\":\"\(parent)\"}}"
    }

    static func holderChange(_ kind: String, _ code: String, extra: String = "") -> String {
        "{\"kind\":\"\(kind)\",\(t),\"holder\":{\"code\":\"\(code)\"\(extra)}}"
    }

    static let cases: [Case] = [
        Case(
            name: "issue: the item", kind: .issue, inside: J.move("issue", ["AK-1"], from: "S1", to: "U1"),
            outside: J.move("issue", ["AK-21"], from: "S1", to: "U1"), unknown: J.move("issue", ["AK-99"], from: "S1", to: "U1"),
            swap: ("AK-21", "AK-99")),
        Case(
            name: "issue: the sender", kind: .issue, inside: J.move("issue", ["AK-1"], from: "S1", to: "U1"),
            outside: J.move("issue", ["AK-21"], from: "S2", to: "U1"), unknown: J.move("issue", ["AK-21"], from: "S-99", to: "U1"),
            swap: ("S2", "S-99")),
        Case(
            name: "issue: the receiver", kind: .issue, inside: J.move("issue", ["AK-1"], from: "S1", to: "P1"),
            outside: J.move("issue", ["AK-1"], from: "S1", to: "U2"), unknown: J.move("issue", ["AK-1"], from: "S1", to: "U-99"),
            swap: ("U2", "U-99")),
        Case(
            name: "return", kind: .return, inside: J.move("return", ["AK-2"], from: "S1", to: "U1"),
            outside: J.move("return", ["AK-21"], from: "S1", to: "U1"),
            unknown: J.move("return", ["AK-99"], from: "S1", to: "U1"), swap: ("AK-21", "AK-99")),
        Case(
            name: "maintenance-out", kind: .maintenanceOut, inside: J.move("maintenance-out", ["AK-2"], from: "S1", to: "U1"),
            outside: J.move("maintenance-out", ["AK-21"], from: "S1", to: "U1"),
            unknown: J.move("maintenance-out", ["AK-99"], from: "S1", to: "U1"), swap: ("AK-21", "AK-99")),
        Case(
            name: "maintenance-in", kind: .maintenanceIn, inside: J.move("maintenance-in", ["AK-2"], from: "S1", to: "U1"),
            outside: J.move("maintenance-in", ["AK-2"], from: "S1", to: "U2"),
            unknown: J.move("maintenance-in", ["AK-2"], from: "S1", to: "U-99"), swap: ("U2", "U-99")),
        Case(
            name: "dispatch: to a person outside", kind: .dispatch,
            inside: J.move("dispatch", ["AK-1"], from: "S1", to: "S2", extra: "\"document\":\"D-NEW\""),
            outside: J.move("dispatch", ["AK-1"], from: "S1", to: "P3", extra: "\"document\":\"D-NEW\""),
            unknown: J.move("dispatch", ["AK-1"], from: "S1", to: "P-99", extra: "\"document\":\"D-NEW\""),
            swap: ("P3", "P-99")),
        Case(
            name: "dispatch: the item", kind: .dispatch,
            inside: J.move("dispatch", ["AK-1"], from: "S1", to: "S2", extra: "\"document\":\"D-NEW\""),
            outside: J.move("dispatch", ["AK-21"], from: "S1", to: "S2", extra: "\"document\":\"D-NEW\""),
            unknown: J.move("dispatch", ["AK-99"], from: "S1", to: "S2", extra: "\"document\":\"D-NEW\""),
            swap: ("AK-21", "AK-99")),
        Case(
            name: "receive: the dispatch", kind: .receive,
            inside: J.move("receive", ["AK-23"], to: "S1", extra: "\"document\":\"D-IN\""),
            outside: J.move("receive", ["AK-24"], to: "S1", extra: "\"document\":\"D-OUT\""),
            unknown: J.move("receive", ["AK-24"], to: "S1", extra: "\"document\":\"D-99\""), swap: ("D-OUT", "D-99")),
        Case(
            name: "receive: the receiver", kind: .receive,
            inside: J.move("receive", ["AK-23"], to: "S1", extra: "\"document\":\"D-IN\""),
            outside: J.move("receive", ["AK-24"], to: "U2", extra: "\"document\":\"D-OUT\""),
            unknown: J.move("receive", ["AK-24"], to: "U-99", extra: "\"document\":\"D-OUT\""), swap: ("U2", "U-99")),
        Case(
            name: "condition without from", kind: .condition,
            inside: J.move("condition", ["AK-1"], extra: "\"condition\":\"surplus\""),
            outside: J.move("condition", ["AK-21"], extra: "\"condition\":\"surplus\""),
            unknown: J.move("condition", ["AK-99"], extra: "\"condition\":\"surplus\""), swap: ("AK-21", "AK-99")),
        Case(
            name: "count", kind: .count, inside: J.move("count", ["AK-1"], from: "S1"),
            outside: J.move("count", ["AK-21"], from: "S1"), unknown: J.move("count", ["AK-99"], from: "S1"),
            swap: ("AK-21", "AK-99")),
        Case(
            name: "count of an item in transit", kind: .count, inside: J.move("count", ["AK-1"], from: "S1"),
            outside: J.move("count", ["AK-24"], from: "S1"), unknown: J.move("count", ["AK-99"], from: "S1"),
            swap: ("AK-24", "AK-99")),
        Case(
            name: "loss", kind: .loss, inside: J.move("loss", ["AK-1"], from: "S1"),
            outside: J.move("loss", ["AK-21"], from: "S1"), unknown: J.move("loss", ["AK-99"], from: "S1"),
            swap: ("AK-21", "AK-99")),
        Case(
            name: "theft", kind: .theft, inside: J.move("theft", ["AK-1"], from: "S1"),
            outside: J.move("theft", ["AK-21"], from: "S1"), unknown: J.move("theft", ["AK-99"], from: "S1"),
            swap: ("AK-21", "AK-99")),
        Case(
            name: "recovery of a missing item", kind: .recovery, inside: J.move("recovery", ["AK-3"], to: "S1"),
            outside: J.move("recovery", ["AK-22"], to: "S1"), unknown: J.move("recovery", ["AK-99"], to: "S1"),
            swap: ("AK-22", "AK-99")),
        Case(
            name: "surrender of a missing item", kind: .surrender, inside: J.move("surrender", ["AK-3"], to: "S1"),
            outside: J.move("surrender", ["AK-22"], to: "S1"), unknown: J.move("surrender", ["AK-99"], to: "S1"),
            swap: ("AK-22", "AK-99")),
        // Missing lot quantities belong to no account: a scoped recorder brings back none,
        // and the answer is the same for any lot.
        Case(
            name: "recovery of missing lot quantities", kind: .recovery,
            inside: J.move("recovery", to: "S1", lots: [("L1", 5)]), outside: J.move("recovery", to: "S1", lots: [("L2", 5)]),
            unknown: J.move("recovery", to: "S1", lots: [("L9", 5)]), swap: ("L2", "L9"), insideStatus: 409),
        Case(
            name: "lots: issue", kind: .issue, inside: J.move("issue", from: "S1", to: "U1", lots: [("L1", 30)]),
            outside: J.move("issue", from: "S1", to: "U1", lots: [("L2", 30)]),
            unknown: J.move("issue", from: "S1", to: "U1", lots: [("L9", 30)]), swap: ("L2", "L9")),
        Case(
            name: "expend", kind: .expend, inside: J.move("expend", ["AK-1"], from: "S1"),
            outside: J.move("expend", ["AK-21"], from: "S1"), unknown: J.move("expend", ["AK-99"], from: "S1"),
            swap: ("AK-21", "AK-99")),
        Case(
            name: "destroy: the witnesses", kind: .destroy,
            inside: J.move("destroy", ["AK-1"], from: "S1", extra: "\"witnesses\":[\"P1\"]"),
            outside: J.move("destroy", ["AK-1"], from: "S1", extra: "\"witnesses\":[\"P3\"]"),
            unknown: J.move("destroy", ["AK-1"], from: "S1", extra: "\"witnesses\":[\"P-99\"]"), swap: ("P3", "P-99")),
        Case(
            name: "export", kind: .export, inside: J.move("export", ["AK-1"], from: "S1", to: "EXT"),
            outside: J.move("export", ["AK-21"], from: "S1", to: "EXT"), unknown: J.move("export", ["AK-99"], from: "S1", to: "EXT"),
            swap: ("AK-21", "AK-99")),
        Case(
            name: "deactivate", kind: .deactivate, inside: J.move("deactivate", ["AK-1"]),
            outside: J.move("deactivate", ["AK-21"]), unknown: J.move("deactivate", ["AK-99"]), swap: ("AK-21", "AK-99")),
        Case(
            name: "correction", kind: .correction, inside: correction(11), outside: correction(12), unknown: correction(99_999),
            swap: ("12", "99999")),
        Case(
            name: "register", kind: .register, inside: register(at: "S1"), outside: register(at: "S2"),
            unknown: register(at: "S-99"), swap: ("S2", "S-99")),
        Case(
            name: "holder-add", kind: .holderAdd, inside: holderAdd(parent: "S1"), outside: holderAdd(parent: "S2"),
            unknown: holderAdd(parent: "S-99"), swap: ("S2", "S-99")),
        Case(
            name: "holder-rename", kind: .holderRename, inside: holderChange("holder-rename", "U1", extra: ",\"name\":\"New\""),
            outside: holderChange("holder-rename", "U2", extra: ",\"name\":\"New\""),
            unknown: holderChange("holder-rename", "U-99", extra: ",\"name\":\"New\""), swap: ("U2", "U-99")),
        Case(
            name: "holder-move: the holder", kind: .holderMove,
            inside: holderChange("holder-move", "U1", extra: ",\"parent\":\"Z1\""),
            outside: holderChange("holder-move", "U2", extra: ",\"parent\":\"Z1\""),
            unknown: holderChange("holder-move", "U-99", extra: ",\"parent\":\"Z1\""), swap: ("U2", "U-99")),
        Case(
            name: "holder-move: the new parent", kind: .holderMove,
            inside: holderChange("holder-move", "U1", extra: ",\"parent\":\"Z1\""),
            outside: holderChange("holder-move", "U1", extra: ",\"parent\":\"S2\""),
            unknown: holderChange("holder-move", "U1", extra: ",\"parent\":\"S-99\""), swap: ("S2", "S-99")),
        Case(
            name: "holder-close", kind: .holderClose, inside: holderChange("holder-close", "P2"),
            outside: holderChange("holder-close", "P3"), unknown: holderChange("holder-close", "P-99"), swap: ("P3", "P-99")),
    ]

    /// The register in every state the table needs (see the suite's comment).
    static func prepare(_ client: TestServer.Client) async throws {
        let setup = J.batch([
            J.move("loss", ["AK-3"], from: "S1"), J.move("loss", ["AK-22"], from: "S2"),
            "{\"kind\":\"register\",\"to\":\"S2\",\(t),\"items\":[{\"category\":\"assault-rifle\",\"manufacturer\":\"Kalashnikov\",\"country\":\"RU\",\"model\":\"AK-74M\",\"calibre\":\"5.45x39\",\"serial\":\"AK-23\"},{\"category\":\"assault-rifle\",\"manufacturer\":\"Kalashnikov\",\"country\":\"RU\",\"model\":\"AK-74M\",\"calibre\":\"5.45x39\",\"serial\":\"AK-24\"}]}",
            J.move("dispatch", ["AK-23"], from: "S2", to: "S1", extra: "\"document\":\"D-IN\""),
            J.move("dispatch", ["AK-24"], from: "S2", to: "U2", extra: "\"document\":\"D-OUT\""),
            J.move("loss", from: "S1", lots: [("L1", 10)]), J.move("loss", from: "S2", lots: [("L2", 10)]),
        ])
        let r = try await client.post("/api/v1/events", as: "root", json: setup)
        try #require(r.status == 201, "\(r.text)")
    }

    /// The parts of a refusal a client sees, with `swap` applied to the outside's.
    static func answer(_ r: APIResponse, swapping swap: (String, String)? = nil) -> String {
        func s(_ text: String) -> String { swap.map { text.replacingOccurrences(of: $0.0, with: $0.1) } ?? text }
        let errors = r.errors.map { "\($0["index"] ?? "-")|\($0["field"] ?? "-")|\(s($0["message"] as? String ?? ""))" }
        return "\(r.status) \(r.problem ?? "-") \(s(r.detail)) \(errors)"
    }

    @Test func everyKindEveryRoleInsideOutsideAndUnknown() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            try await Self.prepare(client)
            let before = try await server.store.ledgerSize()
            var checked = 0
            for (user, role) in TestServer.roleUsers {
                for c in Self.cases {
                    let path = "/api/v1/events?dryRun=true"
                    let inside = try await client.post(path, as: user, json: c.inside)
                    let outside = try await client.post(path, as: user, json: c.outside)
                    let unknown = try await client.post(path, as: user, json: c.unknown)
                    let label = "\(role.rawValue), \(c.name)"
                    if !role.may(.record(c.kind)) {
                        for r in [inside, outside, unknown] {
                            #expect(r.status == 403 && r.problem == "forbidden", "\(label): \(r.text)")
                        }
                    } else {
                        #expect(inside.status == c.insideStatus, "\(label), inside: \(inside.text)")
                        #expect(unknown.status == 409, "\(label), unknown: \(unknown.text)")
                        #expect(
                            Self.answer(outside, swapping: c.swap) == Self.answer(unknown),
                            "\(label): the outside answers as the unknown")
                        #expect(!outside.text.contains("R2") && !outside.text.contains("Depot Two"), "\(label)")
                    }
                    checked += 1
                }
            }
            #expect(checked == TestServer.roleUsers.count * Self.cases.count)
            #expect(try await server.store.ledgerSize() == before, "every write was a dry run")
        }
    }

    /// The findings that opened this rule, one by one, written for real.
    @Test func aClerkChangesNothingOutsideTheirScope() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            try await Self.prepare(client)
            let ak21 = try await server.itemID("AK-21")
            for body in [
                J.move("condition", ["AK-21"], extra: "\"condition\":\"awaiting-destruction\""),
                J.move("deactivate", ["AK-21"]), J.move("recovery", ["AK-22"], to: "S1"),
                J.move("surrender", ["AK-22"], to: "S1"), J.move("recovery", to: "S1", lots: [("L2", 5)]),
            ] {
                #expect(try await client.post("/api/v1/events", as: "clerk-n", json: body).status == 409, "\(body)")
            }
            let item = try #require(try await server.store.item(id: ak21))
            #expect(item.state.condition == .serviceable && item.state.status == .held && item.state.holder == "S2")
            #expect(try await server.store.item(id: try await server.itemID("AK-22"))?.state.status == .missing)
            // The same clerk recovers what went missing from their own books.
            #expect(
                try await client.post("/api/v1/events", as: "clerk-n", json: J.move("recovery", ["AK-3"], to: "S1")).status
                    == 201)
        }
    }

    /// A dry-run batch naming item ids one by one lists nothing outside the scope: each id
    /// outside answers as an id that does not exist.
    @Test func refusalsAreNoOracleOfTheRegister() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let outsideID = try await server.itemID("AK-21")
            let count = { (id: Int64) in
                "{\"kind\":\"count\",\"from\":\"U1\",\(Self.t),\"items\":[{\"id\":\(id)}]}"
            }
            let r = try await client.post(
                "/api/v1/events?dryRun=true", as: "inspector-n", json: J.batch([count(outsideID), count(987_654)]))
            #expect(r.status == 409)
            let messages = r.errors.map { $0["message"] as? String ?? "" }
            #expect(messages == ["no item has id \(outsideID)", "no item has id 987654"])
            #expect(!r.text.contains("S2") && !r.text.contains("AK-21"))

            // A receive naming another region's document says no more than for a made-up one.
            _ = try await client.post(
                "/api/v1/events", as: "root",
                json: J.move("dispatch", ["AK-21"], from: "S2", to: "U2", extra: "\"document\":\"D-SOUTH\""))
            let probe = try await client.post(
                "/api/v1/events?dryRun=true", as: "clerk-n",
                json: J.move("receive", ["AK-21"], to: "S1", extra: "\"document\":\"D-SOUTH\""))
            #expect(probe.errors.first?["message"] as? String == "no dispatch has document D-SOUTH; a receive names the dispatch it completes")

            // A lot listing filtered by a holder outside the scope lists what an unknown holder does.
            let lots = try await client.get("/api/v1/lots?holder=S2", as: "viewer-n")
            let none = try await client.get("/api/v1/lots?holder=S-99", as: "viewer-n")
            #expect(lots.status == 200 && lots.text == none.text)
        }
    }

    /// A scoped administrator adds holders only under a parent inside the scope, and corrects
    /// only entries inside it (not another user's user-add).
    @Test func aScopedAdministratorStaysInsideTheScope() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let topLevel =
                "{\"kind\":\"holder-add\",\(Self.t),\"holder\":{\"code\":\"R9\",\"kind\":\"region\",\"name\":\"Nine\"}}"
            let external =
                "{\"kind\":\"holder-add\",\(Self.t),\"holder\":{\"code\":\"EXT9\",\"kind\":\"external\",\"name\":\"Nine Ltd\"}}"
            for body in [topLevel, external] {
                let r = try await client.post("/api/v1/events", as: "admin-n", json: body)
                #expect(r.status == 409)
                #expect(r.errors.first?["field"] as? String == "holder.parent")
                #expect(try await client.post("/api/v1/events?dryRun=true", as: "root", json: body).status == 200)
            }
            // The user-add of P3 (scope R2) and a token of root: entries outside admin-n's scope.
            let p3Add = try #require(
                try await server.store.searchEvents(EventQuery(kind: .userAdd, limit: 1000)).elements.first {
                    $0.json.contains("\"code\":\"P3\"")
                }?.seq)
            let rootToken = try #require(
                try await server.store.searchEvents(EventQuery(kind: .tokenCreate, limit: 1000)).elements.first {
                    $0.json.contains("\"code\":\"root\"")
                }?.seq)
            let inScope = try #require(
                try await server.store.searchEvents(EventQuery(kind: .userAdd, limit: 1000)).elements.first {
                    $0.json.contains("\"code\":\"clerk-n\"")
                }?.seq)
            for seq in [p3Add, rootToken] {
                let r = try await client.post("/api/v1/events", as: "admin-n", json: Self.correction(Int(seq)))
                #expect(r.status == 409)
                #expect(r.errors.first?["field"] as? String == "corrects")
            }
            #expect(
                try await client.post("/api/v1/events?dryRun=true", as: "admin-n", json: Self.correction(Int(inScope))).status
                    == 200)
        }
    }
}
