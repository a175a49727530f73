import CustodiaCore
import CustodiaStore
import Foundation
import Testing

@testable import CustodiaServer

/// A sample verification on the web: planned by an inspector, waiting for its checkpoint,
/// drawn, examined through the findings form, and certified in the reader's language.
@Suite struct WebSampleTests {
    @Test(arguments: ["es", "en"]) func aSampleIsPlannedDrawnExaminedAndCertified(language: String) async throws {
        let en = language == "en"
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let clerk = try await web.signedIn("clerk-n", language: language)
            #expect(!(try await clerk.get("/samples")).body.contains("action=\"/samples\""), "a clerk plans no sample")
            let browser = try await web.signedIn("inspector-n", language: language)
            let token = try await browser.csrf()
            let tooMany = try await browser.post("/samples", [("csrf", token), ("holder", "S1"), ("size", "30")])
            #expect(tooMany.status == 422)
            #expect(tooMany.text.contains("more than the population's 6 items"), "\(tooMany.text.prefix(2000))")
            let planned = try await browser.post(
                "/samples", [("csrf", token), ("category", "assault-rifle"), ("holder", "S1"), ("declared", "7"), ("confidence", "0.9"), ("size", "3")])
            #expect(planned.status == 303)
            let path = try #require(planned.location)
            let waiting = try await browser.get(path)
            #expect(waiting.text.contains(en ? "The sample is not drawn yet" : "La muestra aún no está sorteada"), "\(waiting.text.prefix(2000))")
            // Any later entry makes the checkpoint the draw rests on.
            try await server.record([W.holder("U8", .unit, "Eight", parent: "S1")])
            let drawnPage = try await browser.get(path)
            #expect(drawnPage.text.contains(en ? "Verification certificate" : "Certificado de verificación"))
            #expect(drawnPage.text.contains(en ? "Declared figure: 7 (+1 against the register)" : "Cifra declarada: 7 (+1 frente al registro)"))
            let view = try #require(try await server.store.samplePlan(Int64(path.split(separator: "/").last!)!))
            guard case .drawn(let drawn) = try await server.store.sampleDraw(view) else {
                Issue.record("not drawn")
                return
            }
            let serials = drawn.items.map(\.serial)
            #expect(serials.allSatisfy { drawnPage.text.contains($0) })
            let notDrawn = (1...6).map { "AK-\($0)" }.first { !serials.contains($0) }!
            let bad = try await browser.post(path + "/findings", [("csrf", token), ("finding", "present"), ("serials", notDrawn)])
            #expect(bad.status == 422)
            #expect(bad.text.contains(en ? "\(notDrawn) is not in the sample" : "\(notDrawn) no está en la muestra"))
            #expect(try await browser.post(path + "/findings", [("csrf", token), ("finding", "present"), ("serials", serials[0] + "\n" + serials[1])]).status == 303)
            #expect(try await browser.post(path + "/findings", [("csrf", token), ("finding", "not-found"), ("serials", serials[2])]).status == 303)
            let certified = try await web.signedIn("viewer-n", language: language).get(path)
            let bound = Hypergeometric.upperBound(population: 6, sample: 3, observed: 1, confidence: 0.9)
            #expect(certified.text.contains(en ? "3 of 3 drawn items examined" : "3 de 3 artículos sorteados examinados"))
            #expect(certified.text.contains(en ? "at most \(bound)" : "como máximo \(bound)"), "\(certified.text.prefix(3000))")
            #expect(certified.text.contains(en ? "signed by the log alone" : "firmado solo por el registro"))
            #expect(!certified.body.contains("name=\"serials\""), "a viewer records no findings")
            #expect(try await web.signedIn("P3", language: language).get(path).status == 404)
        }
    }

    @Test(arguments: ["es", "en"]) func aPlanThatNamesABeaconIsDrawnWithItsPublishedValue(language: String) async throws {
        let en = language == "en"
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = try await web.signedIn("inspector-n", language: language)
            let token = try await browser.csrf()
            let planned = try await browser.post(
                "/samples", [("csrf", token), ("category", "assault-rifle"), ("holder", "S1"), ("size", "2"), ("beacon", "drand 5000000")])
            #expect(planned.status == 303)
            let path = try #require(planned.location)
            try await server.record([W.holder("U8", .unit, "Eight", parent: "S1")])
            let waiting = try await browser.get(path)
            #expect(waiting.body.contains("name=\"beaconValue\""), "\(waiting.text.prefix(2000))")
            #expect(waiting.text.contains(en ? "Published value of drand 5000000" : "Valor publicado de drand 5000000"))
            let value = "a1b2c3d4"
            let drawnPage = try await browser.get(path + "?beaconValue=\(value)")
            #expect(drawnPage.text.contains(en ? "Drawn with the value of drand 5000000 given as a1b2c3d4" : "Sorteada con el valor de drand 5000000 indicado como a1b2c3d4"))
            #expect(drawnPage.body.contains("type=\"hidden\" name=\"beaconValue\" value=\"a1b2c3d4\""))
            let view = try #require(try await server.store.samplePlan(Int64(path.split(separator: "/").last!)!))
            #expect(view.plan.beacon == "drand 5000000")
            guard case .drawn(let drawn) = try await server.store.sampleDraw(view, beaconValue: value) else {
                Issue.record("not drawn with the beacon value")
                return
            }
            let serials = drawn.items.map(\.serial)
            #expect(serials.count == 2 && serials.allSatisfy { drawnPage.text.contains($0) })
            let recorded = try await browser.post(
                path + "/findings", [("csrf", token), ("finding", "present"), ("beaconValue", value), ("serials", serials.joined(separator: "\n"))])
            #expect(recorded.status == 303)
            #expect(recorded.location == path + "?beaconValue=\(value)")
            #expect(try await server.store.sampleFindings(view.seq).count == 2)
        }
    }
}
