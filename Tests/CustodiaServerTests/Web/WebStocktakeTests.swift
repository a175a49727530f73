import CustodiaCore
import CustodiaStore
import Foundation
import Testing

@testable import CustodiaServer

/// Stocktakes on the web: the list in scope, the count form (problems by line, nothing
/// recorded), a blind count's progress, and the printable reconciliation.
@Suite struct WebStocktakeTests {
    @Test(arguments: ["es", "en"]) func aCountOnThePageAndItsReconciliation(language: String) async throws {
        let en = language == "en"
        let server = try await TestServer.make()
        try await server.record([try await server.store.stocktakeOpening(holder: "S1", blind: true, recursive: false, occurredAt: W.t)])
        try await server.runWeb { web in
            let browser = try await web.signedIn("inspector-n", language: language)
            let list = try await browser.get("/stocktakes")
            #expect(list.status == 200)
            #expect(list.text.contains(en ? "Stocktakes" : "Inventarios"))
            let id = try #require(list.body.range(of: #"/stocktakes/(\d+)"#, options: .regularExpression).map { String(list.body[$0].dropFirst(12)) })
            let page = try await browser.get("/stocktakes/\(id)")
            #expect(page.status == 200)
            #expect(page.text.contains(en ? "0 items counted" : "0 artículos contados"), "\(page.text.prefix(2000))")
            #expect(!page.text.contains(en ? "of 6 expected" : "de 6 artículos esperados"), "a blind count shows nothing of what is expected")

            // Line 2 is S2's rifle, line 3 repeats line 1: the page names them; nothing is recorded.
            let size = try await server.store.ledgerSize()
            let token = try await browser.csrf()
            let bad = try await browser.post("/stocktakes/\(id)/count", [("csrf", token), ("serials", "AK-1\nAK-21\nAK-1\n")])
            #expect(bad.status == 422)
            #expect(
                bad.text.contains(en ? "Line 2: AK-21 is not on this holder's books." : "Línea 2: AK-21 no está en los libros de este tenedor."),
                "\(bad.text.prefix(3000))")
            #expect(bad.text.contains(en ? "Line 3: AK-1 is read twice (also on line 1)" : "Línea 3: AK-1 está leído dos veces (también en la línea 1)"))
            #expect(bad.body.contains("AK-1\nAK-21\nAK-1"), "the text box keeps what was sent")
            #expect(try await server.store.ledgerSize() == size)
            // The count box's script asks about each scan: nothing is recorded.
            let ok = try await browser.get("/stocktakes/\(id)/check?serial=AK-3")
            #expect(ok.status == 200 && ok.body == #"{"ok":true}"#, "\(ok.body)")
            let elsewhere = try await browser.get("/stocktakes/\(id)/check?serial=AK-21")
            #expect(elsewhere.body.contains(#""ok":false"#))
            #expect(elsewhere.body.contains(en ? "AK-21 is not on this holder's books." : "AK-21 no está en los libros de este tenedor."), "\(elsewhere.body)")
            #expect(try await server.store.ledgerSize() == size)
            let good = try await browser.post(
                "/stocktakes/\(id)/count", [("csrf", token), ("serials", "AK-1\nAK-2\nAK-21\n"), ("unlisted", "1")])
            #expect(good.status == 200)
            #expect(good.text.contains(en ? "3 recorded." : "3 registrados."))
            #expect(good.text.contains(en ? "2 items counted; 1 found that are not on the books" : "2 artículos contados; 1 encontrados"))
            // A viewer reads the page without the count form; a reader of R2 does not find it.
            let viewer = try await web.signedIn("viewer-n", language: language).get("/stocktakes/\(id)")
            #expect(viewer.status == 200 && !viewer.body.contains("name=\"serials\""))
            #expect(try await web.signedIn("P3", language: language).get("/stocktakes/\(id)").status == 404)

            let stocktake = try #require(try await server.store.stocktake(id: Int64(id)!))
            try await server.record([try await server.store.stocktakeClosing(stocktake, occurredAt: W.t).0])
            let reader = try await web.signedIn("viewer-n", language: language)
            let closedList = try await reader.get("/stocktakes")
            #expect(closedList.text.contains(en ? "Discrepancies not resolved" : "Discrepancias sin resolver"))
            #expect(closedList.text.contains(en ? "Not found" : "No encontrado"))
            let closed = try await reader.get("/stocktakes/\(id)")
            #expect(closed.text.contains(en ? "2 found, 4 not found" : "2 encontrados, 4 no encontrados"), "\(closed.text.prefix(3000))")
            #expect(closed.text.contains(en ? "This list is the one the closing recorded" : "Esta lista es la que el cierre registró"))
            #expect(closed.text.contains("inspector-n: ____"), "a line for each counter to sign")
            #expect(!closed.text.contains("held by S2"), "S2 lies outside the viewer's scope")
        }
    }

    @Test(arguments: ["es", "en"]) func aStocktakeIsOpenedClosedAndResolvedOnTheWeb(language: String) async throws {
        let en = language == "en"
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let viewer = try await web.signedIn("viewer-n", language: language)
            #expect(!(try await viewer.get("/stocktakes")).body.contains("action=\"/stocktakes\""), "a viewer opens nothing")
            let browser = try await web.signedIn("inspector-n", language: language)
            #expect((try await browser.get("/holders/S1")).text.contains(en ? "No stocktake of this holder yet" : "Este tenedor aún no tiene inventario"))
            let token = try await browser.csrf()
            let outside = try await browser.post("/stocktakes", [("csrf", token), ("holder", "S2")])
            #expect(outside.status == 422)
            #expect(outside.text.contains(en ? "No holder S2 in your scope" : "No hay ningún tenedor S2 en su ámbito"))
            let opened = try await browser.post("/stocktakes", [("csrf", token), ("holder", "s1")])
            #expect(opened.status == 303)
            let path = try #require(opened.location)
            #expect(path.hasPrefix("/stocktakes/"))
            let counted = try await browser.post(path + "/count", [("csrf", token), ("serials", "AK-1\nAK-2\nAK-3\nAK-4\nAK-5\n")])
            #expect(counted.text.contains(en ? "5 recorded." : "5 registrados."))
            #expect((try await browser.get("/holders/S1")).text.contains(en ? "in progress since" : "en curso desde"))
            #expect(try await browser.post(path + "/close", [("csrf", token)]).status == 303)
            let id = path.split(separator: "/").last!
            #expect((try await browser.get("/holders/S1")).text.contains(en ? "Last stocktake: #\(id)" : "Último inventario: n.º \(id)"))
            let closed = try await browser.get(path)
            #expect(closed.text.contains(en ? "5 found, 1 not found" : "5 encontrados, 1 no encontrados"), "\(closed.text.prefix(2000))")
            #expect(closed.body.contains("value=\"item:Kalashnikov/AK-74M/AK-6\""), "the discrepancy to resolve")
            let noReason = try await browser.post(path + "/resolve", [("csrf", token), ("key", "item:Kalashnikov/AK-74M/AK-6")])
            #expect(noReason.status == 422)
            #expect(noReason.text.contains("reason"))
            let resolved = try await browser.post(
                path + "/resolve", [("csrf", token), ("key", "item:Kalashnikov/AK-74M/AK-6"), ("reason", "sent to the armourer's workshop")])
            #expect(resolved.status == 303)
            // What is left: lot L1, not counted.
            #expect(try await server.store.openDiscrepancies().map(\.line.key) == ["lot:PPU/L1"])
            let after = try await browser.get(path)
            #expect(!after.body.contains("value=\"item:Kalashnikov/AK-74M/AK-6\"") && after.body.contains("value=\"lot:PPU/L1\""))
            let lot = try await browser.post(path + "/resolve", [("csrf", token), ("key", "lot:PPU/L1"), ("reason", "counted in the other store room")])
            #expect(lot.status == 303)
            #expect(try await server.store.openDiscrepancies().isEmpty)
            #expect(!(try await browser.get(path)).body.contains("id=\"resolve\""), "nothing left to resolve")
        }
    }
}
