import CustodiaCore
import CustodiaStore
import Foundation
import HTTPTypes
import Testing

@testable import CustodiaServer

/// The policy pack over the API and the web: every control of the standard pack refused with
/// its code, the pack in force readable by everyone, and changed only by an admin of the
/// whole register.
@Suite struct PolicyTests {
    static func register(_ category: String, _ serial: String, at holder: String) -> String {
        "{\"kind\":\"register\",\"to\":\"\(holder)\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"items\":[{\"category\":\"\(category)\",\"manufacturer\":\"KBM\",\"country\":\"RU\",\"model\":\"M\",\"calibre\":\"72mm\",\"serial\":\"\(serial)\"}]}"
    }

    static func issue(_ serial: String, to: String, dueBack: String?) -> String {
        "{\"kind\":\"issue\",\"from\":\"S1\",\"to\":\"\(to)\",\"occurredAt\":\"2026-03-01T07:00:00Z\""
            + (dueBack.map { ",\"dueBack\":\"\($0)\"" } ?? "")
            + ",\"items\":[{\"serial\":\"\(serial)\",\"manufacturer\":\"KBM\"}]}"
    }

    static let authorisation =
        "{\"kind\":\"authorisation\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"authorisation\":{\"holder\":\"S1\",\"purpose\":\"parade\",\"validFrom\":\"2026-03-01\",\"validUntil\":\"2026-03-10\",\"authorisedBy\":\"Z1\"}}"

    /// (name, event refused, field, code) against a register with missile MS-1 at S1.
    static let refusals: [(String, String, String, String)] = [
        ("issue to a person", issue("MS-1", to: "P1", dueBack: "2026-03-10"), "to", "policy.issue-to"),
        ("issue to a site", issue("MS-1", to: "S2", dueBack: "2026-03-10"), "to", "policy.issue-to"),
        ("issue with no due date", issue("MS-1", to: "U1", dueBack: nil), "dueBack", "policy.due-back"),
        ("issue due after 30 days", issue("MS-1", to: "U1", dueBack: "2026-04-15"), "dueBack", "policy.due-back"),
        ("launcher where missiles are", register("manpads-launch-mechanism", "LM-1", at: "U1"), "to", "policy.separation"),
        ("a purpose not in the pack", authorisation, "authorisation.purpose", "policy.purpose"),
    ]

    @Test func eachControlIsRefusedOverTheAPIWithItsCode() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            #expect(try await client.post("/api/v1/events", as: "root", json: Self.register("manpads-missile", "MS-1", at: "S1")).status == 201)
            for (name, event, field, code) in Self.refusals {
                let r = try await client.post("/api/v1/events", as: "root", json: event)
                #expect(r.status == 409, "\(name): \(r.text)")
                #expect(r.problem == "refused-by-rules", "\(name)")
                #expect(r.errors.first?["field"] as? String == field, "\(name): \(r.errors)")
                #expect(r.errors.first?["code"] as? String == code, "\(name): \(r.errors)")
            }
            // A custody refusal carries the custody rule's code.
            let notHeld = try await client.post("/api/v1/events", as: "root", json: J.move("count", ["AK-21"], from: "S1"))
            #expect(notHeld.errors.first?["code"] as? String == "custody.held-by-another", "\(notHeld.text)")
            let short = try await client.post("/api/v1/events", as: "root", json: J.move("issue", from: "S1", to: "U1", lots: [("L1", 5000)]))
            #expect(short.errors.first?["code"] as? String == "custody.balance", "\(short.text)")
            let unknown = try await client.post("/api/v1/events", as: "root", json: J.move("count", ["NOPE-1"], from: "S1"))
            #expect(unknown.errors.first?["code"] as? String == "custody", "\(unknown.text)")
        }
    }

    @Test func thePackInForceIsReadByEveryoneAndSetByTheWholeRegistersAdmin() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            #expect(try await client.get("/api/v1/policy").status == 401)
            let standard = try await client.get("/api/v1/policy", as: "viewer-n")
            #expect(standard.status == 200)
            #expect(standard.json["standard"] as? Bool == true)
            #expect(standard.json["seq"] is NSNull)
            let policy = try #require(standard.json["policy"] as? [String: Any])
            #expect((policy["separation"] as? [[String]])?.first == ["manpads-missile", "manpads-launch-mechanism"])

            let empty = "{\"kind\":\"policy-set\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"policy\":{\"rules\":[]},\"reason\":\"trial\"}"
            #expect(try await client.post("/api/v1/events", as: "clerk-n", json: empty).status == 403)
            let scoped = try await client.post("/api/v1/events", as: "admin-n", json: empty)
            #expect(scoped.status == 409)
            #expect(scoped.errors.first?["code"] as? String == "policy.whole-register")
            let bad = try await client.post(
                "/api/v1/events", as: "root",
                json: "{\"kind\":\"policy-set\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"policy\":{\"rules\":[{\"for\":\"rockets\"}]}}")
            #expect(bad.status == 400)
            #expect(bad.text.contains("policy.rules[0].for"), "\(bad.text)")

            #expect(try await client.post("/api/v1/events", as: "root", json: Self.register("manpads-missile", "MS-1", at: "S1")).status == 201)
            let set = try await client.post("/api/v1/events", as: "root", json: empty)
            #expect(set.status == 201, "\(set.text)")
            let seq = try #require(set.json["firstSeq"] as? Int)
            let now = try await client.get("/api/v1/policy", as: "P1")
            #expect(now.json["seq"] as? Int == seq)
            #expect(now.json["standard"] as? Bool == false)
            // Under the empty pack the launcher joins the missile.
            let launcher = try await client.post(
                "/api/v1/events", as: "root", json: Self.register("manpads-launch-mechanism", "LM-1", at: "S1"))
            #expect(launcher.status == 201, "\(launcher.text)")
            // The ledger still verifies, pack history and all.
            #expect(try await server.store.verify().divergence == nil)
        }
    }

    @Test(arguments: ["en", "es"])
    func theWebFormWordsAPolicyRefusalInTheReadersLanguage(_ language: String) async throws {
        let server = try await TestServer.make()
        try await server.record([W.registerMANPADS("MS-1")])
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: language)
            let toPerson = try await browser.check(
                "issue", [("from", "S1"), ("to", "P1"), ("items", "MS-1"), ("document", "VO-1"), ("dueBack", "2026-03-20"), ("confirmedBy", "P2")])
            #expect(toPerson.status == 422)
            let wanted = language == "en" ? "the policy in force issues it only to" : "la política vigente solo permite entregarlo"
            #expect(toPerson.fieldErrors("to").contains { $0.contains(wanted) }, "\(toPerson.fieldErrors("to"))")
            let noDue = try await browser.check("issue", [("from", "S1"), ("to", "U1"), ("items", "MS-1"), ("document", "VO-1"), ("confirmedBy", "P2")])
            #expect(noDue.status == 422)
            let due = language == "en" ? "comes back within 30 days" : "se devuelve en 30 días como mucho"
            #expect(noDue.fieldErrors("dueBack").contains { $0.contains(due) }, "\(noDue.fieldErrors("dueBack"))")
            // Nothing was recorded.
            #expect(try await server.store.history(itemID: try await server.itemID("MS-1")).count == 1)
        }
    }
    /// `/policy`: the pack in force in the reader's words, the entry that set it, and the
    /// authorisations of holders inside the reader's scope only.
    @Test(arguments: ["en", "es"])
    func thePolicyPageShowsThePackAndTheAuthorisationsInScope(_ language: String) async throws {
        let server = try await TestServer.make()
        func authorisation(_ holder: String, _ from: String, _ until: String, _ document: String) -> Event {
            var e = Event(kind: .authorisation, occurredAt: W.t)
            e.authorisation = Authorisation(
                holder: holder, purpose: "training-firing", validFrom: from, validUntil: until, authorisedBy: "Z1")
            e.document = document
            return e
        }
        try await server.record([
            authorisation("S1", "2020-01-01", "2099-12-31", "AUT-NORTH"), authorisation("U1", "2020-01-01", "2020-01-31", "AUT-OLD"),
            authorisation("S2", "2020-01-01", "2099-12-31", "AUT-SOUTH"),
        ])
        let en = language == "en"
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: language)
            let page = try await browser.get("/policy")
            #expect(page.status == 200)
            let text = page.text
            for wanted in en
                ? ["Policy in force", "The standard policy", "MANPADS (all three components)", "Need a second person", "Issue, Return",
                    "a person, with an authorisation in force", "30 days", "training firing", "In force", "Lapsed"]
                : ["Política en vigor", "La política estándar", "MANPADS (sus tres componentes)", "Necesitan una segunda persona",
                    "Entrega, Devolución", "a una persona, con autorización en vigor", "30 días", "tiro de instrucción", "En vigor", "Vencida"]
            {
                #expect(text.contains(wanted), "\(wanted) in \(text.prefix(4000))")
            }
            #expect(text.contains("AUT-NORTH") && text.contains("AUT-OLD"))
            #expect(!text.contains("AUT-SOUTH"), "S2's authorisation is outside the clerk's scope")
            // Signed out: the sign-in form, nothing of the pack.
            let anonymous = try await web.browser(language: language).get("/policy")
            #expect(anonymous.status == 303)
            #expect(anonymous.location?.hasPrefix("/signin") == true)
            // Every role reads it; those scoped to R1 never see R2's authorisation, those of the
            // whole register see both; P3 (R2) sees only R2's.
            for user in ["viewer-n", "custodian-n", "inspector-n", "admin-n", "auditor", "root", "P3"] {
                let page = try await web.signedIn(user, language: language).get("/policy")
                #expect(page.status == 200, "\(user)")
                let whole = ["auditor", "root"].contains(user)
                #expect(page.text.contains("AUT-SOUTH") == (whole || user == "P3"), "\(user)")
                #expect(page.text.contains("AUT-NORTH") == (user != "P3"), "\(user)")
            }
        }
        // A recorded pack names its entry and reason.
        let relaxed = try await TestServer.make()
        var set = Event(kind: .policySet, occurredAt: W.t)
        set.policy = .empty
        set.reason = "inventory migration"
        try await relaxed.record([set])
        try await relaxed.runWeb { web in
            let browser = try await web.signedIn("viewer-n", language: language)
            let text = try await browser.get("/policy").text
            #expect(text.contains("inventory migration"))
            #expect(text.contains(en ? "In force since entry #" : "En vigor desde la entrada n.º"), "\(text.prefix(3000))")
            #expect(text.contains(en ? "No rules per category" : "Ninguna regla por categoría"))
        }
    }
}
