import CustodiaCore
import CustodiaStore
import Foundation
import HTTPTypes
import Testing

@testable import CustodiaServer

/// The pages that read: dashboard, search, item, holders, receipt, ledger, proofs, static
/// files; escaping everywhere; and scope (404 outside it, like something that does not exist).
@Suite struct WebPagesTests {
    static let script = "<script>alert(1)</script>"
    static let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"

    @Test func aHolderNamedLikeAScriptIsShownAsTextOnEveryPage() async throws {
        let server = try await TestServer.make()
        try await server.record([
            W.holder("XSS", .unit, Self.script, parent: "S1"),
            W.move(.issue, ["AK-6"], from: "S1", to: "XSS", document: "VO-X", dueBack: "2026-02-15"),
        ])
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n")
            let id = try await server.itemID("AK-6")
            let pages = [
                ("holder", "/holders/XSS"), ("item", "/items/\(id)"), ("search by serial", "/search?q=AK-6"),
                ("search by name", "/search?q=script"), ("dashboard (overdue)", "/"), ("parent holder", "/holders/S1"),
            ]
            for (name, uri) in pages {
                let page = try await browser.get(uri)
                #expect(page.status == 200, "\(name)")
                #expect(!page.body.contains(Self.script), "\(name) shows the name as markup")
                #expect(page.body.contains(Self.escaped), "\(name) does not show the name")
            }
            // And in a form shown again with an error: what was typed comes back as text.
            let form = try await browser.check("issue", [("from", "S1"), ("to", Self.script), ("items", "AK-1")])
            #expect(form.status == 422)
            #expect(!form.body.contains(Self.script))
            #expect(form.body.contains(Self.escaped))
        }
    }

    @Test func aZoneUserGetsNotFoundForAnotherZonesItemsHoldersAndEntries() async throws {
        let server = try await TestServer.make()
        try await server.addUser("clerk-z", .clerk, scope: "Z1")
        try await server.record([W.move(.issue, ["AK-21"], from: "S2", to: "U2", document: "VO-S")])
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-z", language: "en")
            let outside = try await server.itemID("AK-21")
            let inside = try await server.itemID("AK-1")
            #expect(try await browser.get("/items/\(inside)").status == 200)
            let size = try await server.store.ledgerSize()
            for uri in ["/items/\(outside)", "/holders/S2", "/holders/R2", "/receipts/\(size - 1)", "/ledger/proof/\(size - 1)"] {
                let page = try await browser.get(uri)
                #expect(page.status == 404, "\(uri) is \(page.status), not 404")
                #expect(page.text.contains("Not found"))
                #expect(!page.text.contains("AK-21"))
            }
            // Search does not find it either.
            let search = try await browser.get("/search?q=AK-2")
            #expect(search.text.contains("AK-2"))
            #expect(!search.text.contains("AK-21"))
            // The holder tree starts at the scope.
            let tree = try await browser.get("/holders")
            #expect(tree.text.contains("Z1"))
            #expect(!tree.text.contains("R2") && !tree.text.contains("S2"))
        }
    }

    @Test func theDashboardCountsTheScopeAndListsWhatIsOverdueMissingAndLost() async throws {
        let server = try await TestServer.make()
        try await server.record([
            W.move(.issue, ["AK-1"], from: "S1", to: "P1", document: "VO-1", dueBack: "2026-02-10"),
            W.move(.loss, ["AK-5"], from: "S1", document: "DEN-1"),
            W.move(.theft, ["AK-22"], from: "S2", document: "DEN-2"),
        ])
        try await server.runWeb { web in
            let north = try await web.signedIn("clerk-n", language: "en")
            let page = try await north.get("/")
            #expect(page.status == 200)
            let text = page.text
            #expect(text.contains("6 items"), "AK-1…AK-6 are on R1's books: \(text)")
            #expect(text.contains("1 ammunition lots") || text.contains("1 ammunition lot"))
            #expect(text.contains("Overdue issues (1)"))
            #expect(text.contains("AK-1") && text.contains("P1 Ana Pérez"))
            #expect(text.contains("Missing (1)"))
            #expect(text.contains("AK-5"))
            #expect(text.contains("DEN-1") && !text.contains("DEN-2"), "only losses inside the scope")
            #expect(page.body.contains("<svg"), "charts drawn by the server")
            #expect(!page.body.contains("src=\"http"), "nothing loaded from elsewhere")
            #expect(text.contains("has not been fully verified yet"))
            #expect(page.body.utf8.count < 100_000)

            // The whole register, and a recorded verification.
            try await server.store.recordVerification(VerificationRecord(verifiedAt: "2026-03-01T07:00:00Z", size: 20, ok: true))
            let root = try await web.signedIn("root", language: "en")
            let all = try await root.get("/").text
            #expect(all.contains("8 items"))
            #expect(all.contains("Missing (2)"))
            #expect(all.contains("DEN-1") && all.contains("DEN-2"))
            #expect(all.contains("Last full verification"))
            #expect(!all.contains("has not been fully verified"))
        }
    }

    @Test func searchFindsPartialSerialsModelsAndHoldersInPages() async throws {
        let server = try await TestServer.make()
        var register = Event(kind: .register, occurredAt: W.t)
        register.to = "S1"
        register.registrations = (0..<60).map {
            ItemMarking(
                category: .revolverPistol, manufacturer: "Glock", country: "AT", model: "G17", calibre: "9x19",
                serial: String(format: "PG-%03d", $0))
        }
        try await server.record([register])
        try await server.runWeb { web in
            let browser = try await web.signedIn("root", language: "en")
            let partial = try await browser.get("/search?q=k-2")
            #expect(partial.text.contains("AK-2") && partial.text.contains("AK-21") && partial.text.contains("AK-22"))
            #expect(!partial.text.contains("AK-1 "))

            let model = try await browser.get("/search?q=g17")
            #expect(model.text.contains("PG-000") && model.text.contains("PG-049"))
            #expect(!model.text.contains("PG-050"), "50 to a page")
            #expect(model.body.contains("href=\"/search?q=g17&amp;page=2\""))
            let second = try await browser.get("/search?q=g17&page=2")
            #expect(second.text.contains("PG-050") && second.text.contains("PG-059"))
            #expect(!second.text.contains("PG-049"))

            // A holder's code finds the holder and what it holds.
            let holder = try await browser.get("/search?q=s2")
            #expect(holder.body.contains("href=\"/holders/S2\""))
            #expect(holder.text.contains("AK-21") && holder.text.contains("AK-22"))
            // A name finds its holder, with or without accents.
            #expect(try await browser.get("/search?q=perez").body.contains("href=\"/holders/P1\""))
            #expect(try await browser.get("/search?q=nothing-like-this").text.contains("Nothing found"))
        }
    }

    @Test func theItemPageShowsTheWholeChainWithLedgerPositionsAndProofs() async throws {
        let server = try await TestServer.make()
        try await server.record([
            W.move(.issue, ["AK-1"], from: "S1", to: "P1", document: "VO-1", dueBack: "2026-02-20"),
            W.move(.return, ["AK-1"], from: "P1", to: "S1", document: "RT-1"),
        ])
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: "en")
            let id = try await server.itemID("AK-1")
            let page = try await browser.get("/items/\(id)")
            #expect(page.status == 200)
            let history = try await server.store.history(itemID: id)
            #expect(history.count == 3)
            for entry in history {
                #expect(page.body.contains("href=\"/ledger/proof/\(entry.seq)\""), "entry \(entry.seq) links to its proof")
            }
            #expect(page.text.contains("VO-1") && page.text.contains("RT-1"))
            #expect(page.text.contains("Recorded by setup"))
            #expect(page.text.contains("P1 Ana Pérez"))
            // What the clerk may record on a held item, prefilled with exactly this item.
            #expect(page.body.contains("/record/issue?items=AK-1%20%7C%20Kalashnikov%20%7C%20AK-74M&amp;from=S1"))
            #expect(try await browser.get("/items/abc").status == 404)
        }
    }

    @Test func anItemWithTwoHundredEntriesStaysUnderOneHundredKilobytes() async throws {
        let server = try await TestServer.make()
        var events: [Event] = []
        for n in 0..<100 {
            events.append(W.move(.issue, ["AK-1"], from: "S1", to: "P1", document: "VO-\(n)", dueBack: "2026-02-28"))
            events.append(W.move(.return, ["AK-1"], from: "P1", to: "S1", document: "RT-\(n)"))
        }
        try await server.record(events)
        try await server.runWeb { web in
            let browser = try await web.signedIn("root", language: "es")
            let page = try await browser.get("/items/\(try await server.itemID("AK-1"))")
            #expect(page.status == 200)
            #expect(page.text.contains("201 asientos"))
            #expect(page.body.utf8.count < 100_000, "\(page.body.utf8.count) bytes")
        }
    }

    @Test func holderPagesShowTheTreeTotalsItemsAndLots() async throws {
        let server = try await TestServer.make()
        try await server.record([
            W.move(.issue, ["AK-1"], from: "S1", to: "U1", document: "VO-1", dueBack: "2026-02-10"),
            W.move(.loss, ["AK-2"], from: "S1", document: "DEN-1"),
            W.move(.issue, lots: [("L1", 100)], from: "S1", to: "U1", document: "VO-2"),
        ])
        try await server.runWeb { web in
            let browser = try await web.signedIn("root", language: "en")
            let s1 = try await browser.get("/holders/S1")
            #expect(s1.status == 200)
            let text = s1.text
            #expect(text.contains("R1") && text.contains("Z1"), "the path from the top")
            // Subtree: AK-1…AK-6 (AK-1 at U1 below, AK-2 missing), 1000 rounds in all.
            #expect(text.contains("6 Items 1,000 Ammunition (pieces) 1 Missing 1 Overdue"), "\(text)")
            #expect(text.contains("U1 First Unit Unit 1 100 0 1"), "the child with its subtree totals")
            #expect(text.contains("4 items"), "S1 itself holds AK-3…AK-6")
            #expect(text.contains("L1") && text.contains("900"))
            let u1 = try await browser.get("/holders/U1")
            #expect(u1.text.contains("AK-1"))
            let index = try await browser.get("/holders")
            #expect(index.text.contains("R1 North Region 6 1,000 1 1"))
            #expect(index.text.contains("R2 South Region 2 500 0 0"))
            #expect(try await browser.get("/holders/NOPE").status == 404)
        }
    }

    @Test func aReceiptListsEverySerialBothPartiesTheLedgerPositionAndLinesToSign() async throws {
        let server = try await TestServer.make()
        try await server.record([
            W.move(.issue, ["AK-1", "AK-2", "AK-3"], from: "S1", to: "U1", document: "VO-9", dueBack: "2026-03-31"),
            W.move(.loss, ["AK-4"], from: "S1"),
        ])
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: "en")
            let size = try await server.store.ledgerSize()
            let receipt = try await browser.get("/receipts/\(size - 2)")
            #expect(receipt.status == 200)
            let text = receipt.text
            for serial in ["AK-1", "AK-2", "AK-3"] { #expect(text.contains(serial)) }
            #expect(text.contains("S1") && text.contains("Depot One") && text.contains("U1") && text.contains("First Unit"))
            #expect(text.contains("VO-9"))
            #expect(text.contains("Signature"))
            #expect(receipt.body.contains("class=\"sign\""))
            let note = try #require(try await server.store.checkpoint(including: size - 2))
            let root = String(note.split(separator: "\n")[2])
            #expect(text.contains(root), "the root of the checkpoint that includes it")
            #expect(try await browser.get("/receipts/\(size - 1)").status == 404, "a loss has no hand-over receipt")
        }
    }

    @Test func theLedgerPageAndProofsShowWhatAnOutsiderChecks() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: "en")
            let ledger = try await browser.get("/ledger")
            #expect(ledger.status == 200)
            let note = try #require(try await server.store.checkpoint(size: nil))
            #expect(ledger.text.contains(WebPage.decode(note.split(separator: "\n")[2].description)))
            #expect(ledger.text.contains(try await server.store.verifierKey()))
            #expect(ledger.text.contains("custodia ledger check --key"))
            #expect(ledger.text.contains("/tlog/checkpoint"))

            let size = try await server.store.ledgerSize()
            let proof = try await browser.get("/ledger/proof/3")
            #expect(proof.status == 200)
            let expected = try await server.store.inclusionProof(index: 3, size: size)
            #expect(proof.text.contains(expected.root.hex))
            #expect(proof.text.contains(expected.leafHash.hex))
            for hash in expected.proof { #expect(proof.text.contains(hash.hex)) }
            #expect(try await browser.get("/ledger/proof/\(size + 5)").status == 404)
        }
    }

    @Test func staticFilesAreServedWithoutSignInAndCachedByVersion() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = web.browser()
            let signin = try await browser.get("/signin")
            let href = try #require(signin.body.firstMatch(of: /href="(\/static\/custodia\.css\?v=[0-9a-f]+)"/)).1
            let css = try await browser.get(String(href))
            #expect(css.status == 200)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.headers[.cacheControl]?.contains("immutable") == true)
            let etag = try #require(css.headers[.eTag])
            #expect(css.body.contains("@media print"))
            let again = try await browser.request(.get, String(href), headers: [.ifNoneMatch: etag])
            #expect(again.status == 304)
            let unversioned = try await browser.get("/static/custodia.js")
            #expect(unversioned.headers[.cacheControl] == "no-cache")
            #expect(try await browser.get("/static/nothing.css").status == 404)
            #expect(try await browser.get("/static/..%2Fcustodia.db").status == 404)
        }
    }
}
