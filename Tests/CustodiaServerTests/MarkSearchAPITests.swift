import CustodiaCore
import Foundation
import Testing

@testable import CustodiaServer

/// The search from damaged marks through the API: closest first, narrowed, inside the scope,
/// and bad marks refused with what to give.
@Suite struct MarkSearchAPITests {
    static func serials(_ r: APIResponse) -> [String] {
        (r.json["matches"] as? [[String: Any]] ?? []).compactMap { ($0["marking"] as? [String: Any])?["serial"] as? String }
    }

    @Test func aDamagedMarkFindsItsItemsInsideTheScope() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            // Typed in Cyrillic, the run before the last 1 unread.
            let found = try await client.get("/api/v1/items/search?mark=%D0%B0%D0%BA-*1", as: "root")
            #expect(found.status == 200, "\(found.detail)")
            #expect(Self.serials(found) == ["AK-1", "AK-21"])
            let first = try #require((found.json["matches"] as? [[String: Any]])?.first)
            #expect((first["closeness"] as? [String: Any])?["exact"] as? Bool == true)
            #expect(found.json["total"] as? Int == 2 && found.json["incomplete"] as? Bool == false)
            #expect(found.json["mark"] as? String == "ак-*1")

            // A lower-case L read for a 1: one substitution.
            let misread = try await client.get("/api/v1/items/search?mark=AK-2l", as: "root")
            #expect(Self.serials(misread) == ["AK-21"])
            let closeness = (misread.json["matches"] as? [[String: Any]])?.first?["closeness"] as? [String: Any]
            #expect(closeness?["substitutions"] as? Int == 1 && closeness?["unknown"] as? Int == 0)

            // Narrowed, limited, and inside the reader's scope (AK-21 and AK-22 are at S2, in R2).
            #expect(Self.serials(try await client.get("/api/v1/items/search?mark=AK-2%3F&limit=1", as: "root")) == ["AK-21"])
            #expect(Self.serials(try await client.get("/api/v1/items/search?mark=AK-2%3F&model=AK-74M&year=1", as: "root")).isEmpty)
            #expect(Self.serials(try await client.get("/api/v1/items/search?mark=AK-2%3F&manufacturer=Kalashnikov", as: "root")).count == 2)
            #expect(Self.serials(try await client.get("/api/v1/items/search?mark=AK-2%3F", as: "viewer-n")).isEmpty)
            #expect(Self.serials(try await client.get("/api/v1/items/search?mark=AK*1", as: "viewer-n")) == ["AK-1"])

            // Too little read, nothing read, no mark, an unknown parameter: 400 with what to give.
            let broad = try await client.get("/api/v1/items/search?mark=AK*", as: "root")
            #expect(broad.status == 400)
            #expect(broad.errors.first?["field"] as? String == "mark")
            #expect((broad.errors.first?["message"] as? String)?.contains("at least 3") == true)
            #expect(try await client.get("/api/v1/items/search?mark=%3F%3F*", as: "root").status == 400)
            #expect(try await client.get("/api/v1/items/search", as: "root").status == 400)
            #expect(try await client.get("/api/v1/items/search?mark=AK-21&serial=AK-21", as: "root").status == 400)
            #expect(try await client.get("/api/v1/items/search?mark=AK-21", as: nil).status == 401)
        }
    }

    /// Every role may search, each inside its own scope; an item outside it answers exactly
    /// as a serial nobody registered.
    @Test func everyRoleSearchesInsideItsScopeAndLearnsNothingOutside() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            // AK-21 and AK-22 are at S2 (R2); AK-1 at S1 (R1).
            let expected: [String: [String]] = [
                "root": ["AK-21", "AK-22"], "auditor": ["AK-21", "AK-22"], "P3": ["AK-21", "AK-22"],
                "viewer-n": [], "clerk-n": [], "custodian-n": [], "inspector-n": [], "auditor-n": [], "admin-n": [],
                "P1": [], "P2": [],
            ]
            for (user, serials) in expected {
                let r = try await client.get("/api/v1/items/search?mark=AK-2%3F", as: user)
                #expect(r.status == 200, "\(user): \(r.status)")
                #expect(Self.serials(r) == serials, "\(user)")
                #expect(r.json["total"] as? Int == serials.count, "\(user)")
            }
            for user in ["viewer-n", "clerk-n", "custodian-n", "inspector-n", "auditor-n", "admin-n", "P2"] {
                #expect(Self.serials(try await client.get("/api/v1/items/search?mark=AK*1", as: user)) == ["AK-1"], "\(user)")
            }
            // Outside the scope, the same answer as for a serial nobody registered.
            let outside = try await client.get("/api/v1/items/search?mark=AK-21", as: "viewer-n")
            let nobody = try await client.get("/api/v1/items/search?mark=AK-29", as: "viewer-n")
            #expect(outside.status == nobody.status)
            #expect(outside.text.replacingOccurrences(of: "AK-21", with: "AK-29") == nobody.text)
            #expect(try await client.get("/api/v1/items/search?mark=AK-21", as: "gone").status == 401)
        }
    }
}
