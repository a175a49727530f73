import CustodiaCore
import Foundation
import Testing

@testable import CustodiaServer

/// A reader whose scope hides part of an item's custody chain is told how much and why, and
/// holders outside the scope are plain codes, not links that answer "not found".
@Suite struct WebPartialViewTests {
    @Test(arguments: ["es", "en"]) func aScopedReaderIsToldWhatTheChainHides(language: String) async throws {
        let server = try await TestServer.make()
        // AK-21, registered at S2 (region R2), is sent to S1 (region R1) and received there.
        try await server.record([
            W.move(.dispatch, ["AK-21"], from: "S2", to: "S1", document: "TD-21"),
            W.move(.receive, ["AK-21"], from: "S2", to: "S1", document: "TD-21"),
        ])
        let id = try await server.itemID("AK-21")
        let es = language == "es"
        try await server.runWeb { web in
            let north = try await web.signedIn("clerk-n", language: language)
            let page = try await north.get("/items/\(id)")
            #expect(page.status == 200)
            let hidden =
                es
                ? "No se muestran 1 de los 3 asientos de este artículo: solo nombran titulares fuera de su ámbito (R1)"
                : "1 of this item's 3 entries are not shown: they name only holders outside your scope (R1)"
            #expect(page.text.contains(hidden), "\(page.text)")
            #expect(page.text.contains(es ? "2 asientos" : "2 entries"))
            // S2 is named as the dispatch's sender, as a code without a link; S1 is linked.
            #expect(page.text.contains("S2"))
            #expect(!page.body.contains("href=\"/holders/S2\""))
            #expect(page.body.contains("<span class=\"code\" title=\"\(es ? "Fuera de su ámbito" : "Outside your scope")\">S2</span>"))
            #expect(page.body.contains("href=\"/holders/S1\""))

            // The whole register: nothing hidden, every holder linked.
            let root = try await web.signedIn("root", language: language)
            let whole = try await root.get("/items/\(id)")
            #expect(!whole.body.contains("hidden-entries"))
            #expect(whole.body.contains("href=\"/holders/S2\"") && whole.text.contains(es ? "3 asientos" : "3 entries"))
        }
    }
}
