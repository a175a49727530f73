import CustodiaCore
import Foundation
import Testing

@testable import CustodiaServer

/// The search box reads a damaged mark: ? and * as unread characters, look-alikes and
/// Cyrillic twins matched, closest first, inside the scope, in both languages.
@Suite struct WebMarkSearchTests {
    @Test(arguments: ["es", "en"]) func theSearchBoxFindsADamagedMark(language: String) async throws {
        let server = try await TestServer.make()
        let es = language == "es"
        try await server.runWeb { web in
            let root = try await web.signedIn("root", language: language)
            let worn = try await root.get("/search?q=ak-2%3F")
            #expect(worn.status == 200)
            let heading = es ? "Números de serie que pueden ser esta marca" : "Serials that may be this mark"
            #expect(worn.text.contains(heading))
            #expect(worn.text.contains("AK-21") && worn.text.contains("AK-22"))
            #expect(worn.text.contains(es ? "parecidos: 0 · ilegibles: 1" : "look-alikes: 0 · unread: 1"))
            #expect(worn.body.contains("href=\"/items/"))
            #expect(!worn.text.contains("AK-1 "), "AK-1 is one character short")
            #expect(!worn.text.contains(es ? "En esta página" : "On this page"), "no count of items that were not searched")

            // Without wildcards, text that finds no serial is read as a damaged mark: a lower-case
            // L for the 1, typed with a Cyrillic А.
            let misread = try await root.get("/search?q=%D0%90K-2l")
            #expect(misread.text.contains(heading))
            #expect(misread.text.contains("AK-21") && !misread.text.contains("AK-22"))
            #expect(misread.text.contains(es ? "parecidos: 1 · ilegibles: 0" : "look-alikes: 1 · unread: 0"))

            // Narrowed by the other markings, shown again in the open form; a year that is not
            // one is left out and said so.
            let byModel = try await root.get("/search?q=ak-2%3F&model=AK-74M&manufacturer=&year=")
            #expect(byModel.text.contains("AK-21") && byModel.text.contains("AK-22"))
            #expect(byModel.body.contains("<details class=\"narrow\" open>"))
            #expect(byModel.body.contains("name=\"model\" value=\"AK-74M\""))
            let otherModel = try await root.get("/search?q=ak-2%3F&model=G17")
            #expect(!otherModel.text.contains("AK-21") && otherModel.text.contains(es ? "No se ha encontrado nada" : "Nothing found"))
            #expect(!(try await root.get("/search?q=ak-2%3F&category=revolver-pistol")).text.contains("AK-21"))
            #expect(try await root.get("/search?q=ak-2%3F&category=assault-rifle").body.contains("<option value=\"assault-rifle\" selected>"))
            let badYear = try await root.get("/search?q=ak-2%3F&year=19x5")
            #expect(badYear.text.contains(es ? "no se ha tenido en cuenta" : "it was left out"))
            #expect(badYear.text.contains("AK-21"))
            #expect(!(try await root.get("/search?q=ak-2%3F&year=1850")).text.contains("AK-21"))

            // Too little read: what to type instead, and nothing listed.
            let broad = try await root.get("/search?q=A*")
            #expect(broad.text.contains(es ? "escriba al menos 3 letras o cifras" : "type at least 3 letters or digits"))
            #expect(!broad.text.contains("AK-21"))

            // Inside the scope only: AK-21 and AK-22 are in R2.
            let north = try await web.signedIn("clerk-n", language: language)
            let scoped = try await north.get("/search?q=ak-2%3F")
            #expect(!scoped.text.contains("AK-21") && !scoped.text.contains("AK-22"))
            #expect(scoped.text.contains(es ? "No se ha encontrado nada" : "Nothing found"))
        }
    }
}
