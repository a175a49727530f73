import Foundation
import HTTPTypes
import Testing

@testable import CustodiaServer

/// `openapi.yaml` is the contract: the server registers exactly the documented operations,
/// every reference in the document resolves, and every response the tests receive
/// validates against it (checked in `TestServer.Client` on every request).
@Suite struct ContractTests {
    let contract = OpenAPIContract.shared

    /// A registered route in the document's spelling (`**` is the multi-segment tile path).
    static func documentedPath(_ route: RouteSpec) -> String {
        route.path.replacingOccurrences(of: "/**", with: "/{tilePath}")
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsRouted() {
        let routed = Set(APIRoutes.all.map { "\($0.method.rawValue) \(Self.documentedPath($0))" })
        let documented = contract.operations
        #expect(routed.subtracting(documented).isEmpty, "routed but not documented: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
        #expect(routed.count == APIRoutes.all.count, "no route is registered twice")
        #expect(documented.count > 20)
    }

    @Test func everyDocumentedOperationAnswersSomethingOtherThanNoSuchRoute() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            for operation in contract.operations.sorted() {
                let parts = operation.split(separator: " ", maxSplits: 1)
                let method = HTTPRequest.Method(String(parts[0]))!
                let path = String(parts[1]).replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(
                    of: "{seq}", with: "1"
                )
                .replacingOccurrences(of: "{code}", with: "S1").replacingOccurrences(of: "{tilePath}", with: "0/000.p/1")
                let r = try await client.request(method, path, as: "root", body: method == .post ? "{}" : nil)
                #expect(
                    r.problem != "no-such-route" && r.problem != "method-not-allowed", "\(operation) is documented but not served"
                )
            }
        }
    }

    @Test func everyReferenceResolvesAndEveryOperationIsComplete() {
        var refs: [String] = []
        func collect(_ value: Any) {
            if let object = value as? [String: any Sendable] {
                if let ref = object["$ref"] as? String { refs.append(ref) }
                object.values.forEach(collect)
            } else if let array = value as? [any Sendable] {
                array.forEach(collect)
            }
        }
        collect(contract.document)
        #expect(refs.count > 100)
        for ref in Set(refs) {
            #expect(ref.hasPrefix("#/components/"), "\(ref)")
            #expect(!contract.resolve(["$ref": ref] as [String: any Sendable]).isEmpty, "\(ref) does not resolve")
        }
        for (path, item) in contract.paths {
            for (method, value) in item as? [String: any Sendable] ?? [:] {
                let operation = value as? [String: any Sendable] ?? [:]
                #expect(operation["operationId"] is String, "\(method) \(path) has an operationId")
                let responses = operation["responses"] as? [String: any Sendable] ?? [:]
                #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(method) \(path) documents success")
                #expect(responses["400"] != nil, "\(method) \(path) documents 400: every operation checks its parameters")
                let open = (operation["security"] as? [any Sendable])?.isEmpty == true
                if !open { #expect(responses["401"] != nil, "\(method) \(path) needs an account, so documents 401") }
            }
        }
        #expect(contract.document["openapi"] as? String == "3.1.0")
    }

    @Test func theValidatorCatchesWhatBreaksASchema() {
        let item = ["$ref": "#/components/schemas/Item"] as [String: any Sendable]
        let good: [String: Any] = [
            "id": 1, "registeredSeq": 3,
            "marking": [
                "category": "mortar", "manufacturer": "M", "country": "XX", "model": "M1", "calibre": "60mm", "serial": "S",
                "assignedMark": false,
            ],
            "state": ["status": "held", "holder": "S1", "condition": "serviceable", "lastSeq": 3],
        ]
        #expect(contract.validate(good, item, at: "$").isEmpty)
        var extra = good
        extra["secret"] = "x"
        #expect(!contract.validate(extra, item, at: "$").isEmpty, "an undocumented property")
        var wrongType = good
        wrongType["id"] = "1"
        #expect(!contract.validate(wrongType, item, at: "$").isEmpty, "a string for an integer")
        var badEnum = good
        badEnum["state"] = ["status": "lost", "condition": "serviceable", "lastSeq": 3]
        #expect(!contract.validate(badEnum, item, at: "$").isEmpty, "a value outside the enum")
        var missing = good
        missing["marking"] = nil
        #expect(!contract.validate(missing, item, at: "$").isEmpty, "a required property")
        #expect(
            contract.check(method: "GET", path: "/api/v1/items/1", status: 418, contentType: "application/json", body: Data())
                .count == 1)
        #expect(
            !contract.check(method: "GET", path: "/healthz", status: 200, contentType: "text/html", body: Data("x".utf8)).isEmpty)
    }

    @Test func theYAMLReaderRefusesWhatIsOutsideItsSubset() {
        #expect(throws: YAMLSubset.Failure.self) { try YAMLSubset.parse("a: &anchor 1\n") }
        #expect(throws: YAMLSubset.Failure.self) { try YAMLSubset.parse("a:\n\tb: 1\n") }
        #expect(throws: YAMLSubset.Failure.self) { try YAMLSubset.parse("a: 1\na: 2\n") }
        #expect(throws: YAMLSubset.Failure.self) { try YAMLSubset.parse("a: {b: 1}\n") }
        let parsed =
            try? YAMLSubset.parse("a:\n  - x: 1\n    y: [p, 'q r']\n  - plain\nb: >\n  folded\n  text\n") as? [String: Any]
        let list = parsed?["a"] as? [Any]
        #expect((list?.first as? [String: Any])?["x"] as? Int == 1)
        #expect((list?.first as? [String: Any])?["y"] as? [String] == ["p", "q r"])
        #expect(list?.last as? String == "plain")
        #expect(parsed?["b"] as? String == "folded text\n")
    }

    /// The same flow over a real socket: sign in, read, record, sign out.
    @Test func aWholeSessionOverASocket() async throws {
        let server = try await TestServer.make()
        try await server.run(.live) { client in
            let signIn = try await client.post("/api/v1/session", json: "{\"user\":\"clerk-n\",\"password\":\"pw-clerk-n\"}")
            #expect(signIn.status == 200)
            let cookie = String((signIn.headers[.setCookie] ?? "").split(separator: ";").first ?? "")
            let csrf = try #require(signIn.json["csrfToken"] as? String)
            let items = try await client.request(.get, "/api/v1/items?holder=S1", headers: [.cookie: cookie])
            #expect((items.json["items"] as? [Any])?.count == 6)
            let recorded = try await client.request(
                .post, "/api/v1/events", headers: [.cookie: cookie, .csrfToken: csrf],
                body: J.move("issue", ["AK-1"], from: "S1", to: "U1"))
            #expect(recorded.status == 201)
            #expect(try await client.get("/tlog/tile/0/000.p/16").status == 200, "hash tiles need no account")
            #expect(
                try await client.request(.get, "/tlog/tile/entries/000.p/16", headers: [.cookie: cookie]).status == 403,
                "a scoped clerk's session does not read the entries")
            let out = try await client.request(.delete, "/api/v1/session", headers: [.cookie: cookie, .csrfToken: csrf])
            #expect(out.status == 204)
        }
    }
}
