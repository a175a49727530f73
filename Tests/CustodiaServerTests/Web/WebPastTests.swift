import CustodiaCore
import CustodiaStore
import Foundation
import Testing

@testable import CustodiaServer

/// The item and holder pages on a past day, in both languages: the state then, the box that
/// asks for it, and what is refused.
@Suite struct WebPastTests {
    @Test(arguments: ["es", "en"]) func theItemAndHolderPagesShowAPastDay(language: String) async throws {
        let en = language == "en"
        let server = try await TestServer.make()
        // AK-1 issued to U1 on 1 February (the fixture registered it at S1 on 2 January).
        try await server.record([W.move(.issue, ["AK-1"], from: "S1", to: "U1", dueBack: "2026-02-10")])
        let ak1 = try await server.itemID("AK-1")
        let ak21 = try await server.itemID("AK-21")
        try await server.runWeb { web in
            let browser = try await web.signedIn("viewer-n", language: language)
            let now = try await browser.get("/items/\(ak1)")
            #expect(now.status == 200)
            #expect(now.body.contains("name=\"at\""), "the page asks for a past day")
            #expect(now.body.contains("/holders/U1"))

            let then = try await browser.get("/items/\(ak1)?at=2026-01-15")
            #expect(then.status == 200)
            #expect(then.text.contains(en ? "As it stood at 2026-01-15 23:59 (UTC)" : "Así estaba el 15/01/2026 23:59 (UTC)"), "\(then.text.prefix(3000))")
            #expect(then.body.contains("value=\"2026-01-15\""))
            #expect(then.text.contains(en ? "State on that day" : "Situación ese día") && now.text.contains(en ? "Current state" : "Situación actual"))
            let state = then.body.components(separatedBy: "id=\"as-of\"")[0]
            #expect(state.contains("/holders/S1") && !state.contains("/holders/U1"), "the state card shows S1 then")

            let early = try await browser.get("/items/\(ak1)?at=2025-06-01")
            #expect(early.text.contains(en ? "it was not registered yet" : "aún no estaba registrado"))
            let bad = try await browser.get("/items/\(ak1)?at=ayer")
            #expect(bad.text.contains(en ? "Give a day such as 2026-03-01" : "Indique un día como 2026-03-01"))
            let future = try await browser.get("/items/\(ak1)?at=2030-01-01")
            #expect(future.text.contains(en ? "That day has not come yet" : "Ese día aún no ha llegado"))

            // AK-21 was never inside R1: the viewer's answer does not say where it was.
            let auditor = try await web.signedIn("auditor", language: language)
            let outside = try await auditor.get("/items/\(ak21)?at=2026-01-15")
            #expect(outside.text.contains(en ? "As it stood at" : "Así estaba el"))

            let u1Then = try await browser.get("/holders/U1?at=2026-01-15")
            #expect(u1Then.status == 200)
            #expect(u1Then.text.contains(en ? "What it held itself that day" : "Lo que tenía ese día"))
            #expect(!u1Then.body.contains("/items/\(ak1)"), "AK-1 reached U1 on 1 February")
            let u1Now = try await browser.get("/holders/U1")
            #expect(u1Now.body.contains("/items/\(ak1)"))
            let s1Then = try await browser.get("/holders/S1?at=2026-01-15")
            #expect(s1Then.body.contains("/items/\(ak1)"))
            let s1Before = try await browser.get("/holders/S1?at=2025-06-01")
            #expect(s1Before.text.contains(en ? "it was not registered yet" : "aún no estaba registrado"), "S1 was added on 1 January")
        }
    }
}
