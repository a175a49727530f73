import CustodiaCore
import CustodiaStore
import Foundation
import HTTPTypes
import Testing

@testable import CustodiaServer

/// One recording form: the scene it needs, a valid submission and where it leads, and an
/// invalid one with the error it must show next to its field, in Spanish and in English.
struct FormCase: Sendable, CustomTestStringConvertible {
    let kind: String
    let scene: [Event]
    let valid: [(String, String)]
    /// Where the browser goes after recording: `receipt`, `item` or `holder`.
    let after: String
    let invalid: [(String, String)]
    let field: String
    let spanish: String
    let english: String

    var testDescription: String { kind }

    static let all: [FormCase] = [
        FormCase(
            kind: "issue", scene: [W.move(.loss, ["AK-6"], from: "S1")],
            valid: [
                ("from", "S1"), ("to", "U1"), ("items", "AK-1\nAK-2\nAK-3"), ("document", "VO-1"), ("dueBack", "2026-03-31"),
            ],
            after: "receipt", invalid: [("from", "S1"), ("to", "U1"), ("items", "AK-6"), ("document", "VO-2")], field: "items",
            spanish: "figura como desaparecido; no se puede entregar", english: "is missing; it cannot be issued"),
        FormCase(
            kind: "return", scene: [W.move(.issue, ["AK-2"], from: "S1", to: "P1")],
            valid: [("from", "P1"), ("to", "S1"), ("items", "AK-2"), ("document", "RT-1")], after: "receipt",
            invalid: [("from", "P1"), ("items", "AK-2"), ("document", "RT-1")], field: "to",
            spanish: "Este campo es obligatorio", english: "This field is required"),
        FormCase(
            kind: "dispatch", scene: [], valid: [("from", "S1"), ("to", "S2"), ("items", "AK-3"), ("document", "TR-1")],
            after: "receipt", invalid: [("from", "S1"), ("to", "S2"), ("items", "AK-3")], field: "document",
            spanish: "Este campo es obligatorio", english: "This field is required"),
        FormCase(
            kind: "receive", scene: [W.move(.dispatch, ["AK-4"], from: "S1", to: "S2", document: "TR-0")],
            valid: [("document", "TR-0"), ("items", "AK-4")], after: "receipt",
            invalid: [("document", "NOPE"), ("items", "AK-4")], field: "document",
            spanish: "No hay ningún envío con el documento NOPE", english: "No dispatch with document NOPE"),
        FormCase(
            kind: "condition", scene: [], valid: [("from", "S1"), ("items", "AK-5"), ("condition", "unserviceable")],
            after: "item", invalid: [("from", "S1"), ("items", "AK-5")], field: "condition",
            spanish: "Este campo es obligatorio", english: "This field is required"),
        FormCase(
            kind: "loss", scene: [], valid: [("from", "S1"), ("items", "AK-6"), ("document", "DEN-1")], after: "item",
            invalid: [("from", "ZZ-9"), ("items", "AK-6")], field: "from",
            spanish: "No hay ningún titular con el código ZZ-9", english: "No holder has the code ZZ-9"),
        FormCase(
            kind: "theft", scene: [], valid: [("from", "S1"), ("lots", "L1 5")], after: "holder",
            invalid: [("from", "S1"), ("lots", "L1 5000")], field: "lots",
            spanish: "S1 tiene 1000 del lote L1; no se pueden mover 5000",
            english: "S1 holds 1,000 of lot L1; 5,000 cannot be moved"),
        FormCase(
            kind: "recovery", scene: [W.move(.loss, ["AK-21"], from: "S2")], valid: [("to", "S2"), ("items", "AK-21")],
            after: "receipt", invalid: [("to", "S1"), ("items", "AK-1")], field: "items",
            spanish: "no figura como desaparecido", english: "is not missing"),
        FormCase(
            kind: "surrender", scene: [W.move(.theft, ["AK-22"], from: "S2")], valid: [("to", "S1"), ("items", "AK-22")],
            after: "receipt", invalid: [("items", "AK-22")], field: "to",
            spanish: "Este campo es obligatorio", english: "This field is required"),
        FormCase(
            kind: "destroy", scene: [], valid: [("from", "S1"), ("items", "AK-1"), ("method", "Corte"), ("certificate", "C-1")],
            after: "receipt", invalid: [("from", "S1"), ("items", "AK-1")], field: "method",
            spanish: "Este campo es obligatorio", english: "This field is required"),
        FormCase(
            kind: "export", scene: [],
            valid: [("from", "S1"), ("to", "EXT"), ("items", "AK-1"), ("licence", "LIC-1"), ("destinationCountry", "PE")],
            after: "receipt",
            invalid: [("from", "S1"), ("to", "S2"), ("items", "AK-1"), ("licence", "LIC-1"), ("destinationCountry", "PE")],
            field: "to", spanish: "no una parte externa", english: "not an external party"),
    ]
}

/// Recording through the forms: validation through HTTP, the confirmation page, the write
/// through the server's writer, CSRF, roles, scope and the two-person rule.
@Suite struct WebRecordingTests {
    @Test(arguments: FormCase.all)
    func aValidFormIsConfirmedThenRecordedAsTheUser(_ form: FormCase) async throws {
        let server = try await TestServer.make()
        try await server.record(form.scene)
        try await server.runWeb { web in
            let browser = try await web.signedIn("root")
            let before = try await server.store.ledgerSize()
            let confirmation = try await browser.check(form.kind, form.valid)
            #expect(confirmation.status == 200, "\(confirmation.text)")
            #expect(confirmation.confirmAction == "/record/\(form.kind)/confirm")
            #expect(
                confirmation.text.contains("Todavía no se ha registrado nada")
                    || confirmation.text.contains("no se ha registrado"))
            #expect(try await server.store.ledgerSize() == before, "nothing is recorded before the confirmation")

            let done = try await browser.confirm(confirmation)
            #expect(done.status == 303, "\(done.text)")
            #expect(try await server.store.ledgerSize() == before + 1)
            let recorded = try #require(try await server.store.event(seq: before))
            let leaf = try JSONSerialization.jsonObject(with: Data(recorded.leaf)) as? [String: Any]
            #expect(leaf?["kind"] as? String == form.kind)
            #expect(leaf?["recordedBy"] as? String == "root")
            let location = try #require(done.location)
            switch form.after {
            case "receipt": #expect(location == "/receipts/\(before)")
            case "item": #expect(location.hasPrefix("/items/") && location.hasSuffix("#e\(before)"))
            default: #expect(location.hasPrefix("/holders/"))
            }
            // A browser keeps the fragment (the new entry on the timeline) to itself.
            let page = try await browser.get(String(location.split(separator: "#")[0]))
            #expect(page.status == 200)
            if form.after == "item" { #expect(page.body.contains("id=\"e\(before)\"")) }
        }
    }

    @Test(arguments: FormCase.all)
    func anInvalidFormShowsTheErrorByItsFieldInTheReadersLanguageAndRecordsNothing(_ form: FormCase) async throws {
        let server = try await TestServer.make()
        try await server.record(form.scene)
        try await server.runWeb { web in
            let before = try await server.store.ledgerSize()
            for (language, words) in [("es", form.spanish), ("en", form.english)] {
                let browser = try await web.signedIn("root", language: language)
                let page = try await browser.check(form.kind, form.invalid)
                #expect(page.status == 422)
                let errors = page.fieldErrors(form.field)
                #expect(errors.contains { $0.contains(words) }, "\(language) \(form.field): \(errors) \(page.text)")
                #expect(page.body.contains("aria-invalid=\"true\""))
                #expect(page.confirmAction == nil, "no confirmation page")
                // Posted straight to the confirmation's address, it is refused the same way.
                let direct = try await browser.post(
                    "/record/\(form.kind)/confirm", [("csrf", try await browser.csrf())] + form.invalid)
                #expect(direct.status == 422)
                #expect(direct.fieldErrors(form.field).contains { $0.contains(words) })
            }
            #expect(try await server.store.ledgerSize() == before)
        }
    }

    @Test func aFormPostedWithoutTheCSRFTokenIsRefused() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: "en")
            let fields = [("from", "S1"), ("to", "U1"), ("items", "AK-1"), ("document", "VO-1")]
            let confirmation = try await browser.check("issue", fields)
            #expect(confirmation.status == 200)
            let before = try await server.store.ledgerSize()
            let withoutToken = confirmation.hiddenFields(in: "/record/issue/confirm").filter { $0.0 != "csrf" }
            for body in [withoutToken, withoutToken + [("csrf", "not-the-token")]] {
                let refused = try await browser.post("/record/issue/confirm", body)
                #expect(refused.status == 403)
                #expect(refused.text.contains("The form had expired or came from another page"))
            }
            #expect(try await browser.post("/record/issue", fields).status == 403)
            #expect(try await server.store.ledgerSize() == before)
        }
    }

    @Test func aRoleThatMayNotRecordAKindGetsForbiddenAndTheMenuShowsOnlyWhatItMay() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let viewer = try await web.signedIn("viewer-n", language: "en")
            let form = try await viewer.get("/record/issue")
            #expect(form.status == 403)
            #expect(form.text.contains("may not record"))
            let before = try await server.store.ledgerSize()
            let post = try await viewer.post(
                "/record/issue/confirm",
                [("csrf", try await viewer.csrf()), ("from", "S1"), ("to", "U1"), ("items", "AK-1"), ("document", "VO-1")])
            #expect(post.status == 403)
            #expect(try await server.store.ledgerSize() == before)
            #expect(!(try await viewer.get("/record").body.contains("href=\"/record/issue\"")))

            let custodian = try await web.signedIn("custodian-n", language: "en")
            let menu = try await custodian.get("/record")
            #expect(menu.body.contains("href=\"/record/receive\"") && menu.body.contains("href=\"/record/return\""))
            #expect(!menu.body.contains("href=\"/record/issue\""))
            #expect(try await custodian.get("/record/receive").status == 200)
            #expect(try await custodian.get("/record/issue").status == 403)
            #expect(try await custodian.get("/record/register").status == 404, "not a form the pages record")
        }
    }

    @Test func aZoneUserCannotRecordAnotherZonesItems() async throws {
        let server = try await TestServer.make()
        try await server.addUser("clerk-z", .clerk, scope: "Z1")
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-z", language: "en")
            let before = try await server.store.ledgerSize()
            let fields = [("from", "S2"), ("to", "U2"), ("items", "AK-21"), ("document", "VO-9")]
            let page = try await browser.check("issue", fields)
            #expect(page.status == 422)
            #expect(page.fieldErrors("from").contains { $0.contains("No holder has the code S2 in your scope") })
            #expect(page.fieldErrors("items").contains { $0.contains("No item with serial AK-21 in your scope") })
            let direct = try await browser.post("/record/issue/confirm", [("csrf", try await browser.csrf())] + fields)
            #expect(direct.status == 422)
            // Its own zone's items, from inside it, it may issue.
            let own = try await browser.check("issue", [("from", "S1"), ("to", "U1"), ("items", "AK-1"), ("document", "VO-1")])
            #expect(own.status == 200)
            #expect(try await server.store.ledgerSize() == before)
        }
    }

    @Test func theConfirmationPageCanBeSentBackToTheFormToChangeIt() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: "en")
            let confirmation = try await browser.check(
                "issue", [("from", "s1"), ("to", "u1"), ("items", "AK-1"), ("document", "VO-1")])
            #expect(confirmation.status == 200)
            let back = try await browser.post(
                "/record/issue", confirmation.hiddenFields(in: "/record/issue/confirm") + [("edit", "1")])
            #expect(back.status == 200)
            #expect(back.confirmAction == nil)
            // Back with the values in their canonical form: codes and full identities.
            #expect(back.value(of: "from") == "S1")
            #expect(back.body.contains("AK-1 | Kalashnikov | AK-74M"))
        }
    }

    @Test func aWriteShowsAtOnceInTheHoldingsTotalsAndTimeline() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: "en")
            let before = try await browser.get("/holders/U1")
            #expect(before.text.contains("0 items"))
            let confirmation = try await browser.check(
                "issue", [("from", "S1"), ("to", "U1"), ("items", "AK-1\nAK-2\nAK-3"), ("document", "VO-7")])
            let done = try await browser.confirm(confirmation)
            #expect(done.status == 303)
            let after = try await browser.get("/holders/U1")
            #expect(after.text.contains("3 items"))
            for serial in ["AK-1", "AK-2", "AK-3"] {
                #expect(after.text.contains(serial))
                let item = try await browser.get("/items/\(try await server.itemID(serial))")
                #expect(item.text.contains("VO-7"))
                #expect(item.text.contains("Recorded by clerk-n"))
            }
            let s1 = try await browser.get("/holders/S1")
            #expect(s1.text.contains("3 items"), "S1 holds AK-4…AK-6 now")
        }
    }

    // MARK: Two people

    static let handOver = [("from", "S1"), ("to", "U1"), ("items", "AK-1"), ("document", "VO-1"), ("confirmedBy", "P1")]

    @Test func theSecondPersonConfirmsWithTheirOwnPassword() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n")
            let before = try await server.store.ledgerSize()
            let confirmation = try await browser.check("issue", Self.handOver)
            #expect(confirmation.status == 200)
            #expect(confirmation.text.contains("Contraseña de P1 · Ana Pérez"))
            #expect(confirmation.body.contains("name=\"confirmPassword0\" type=\"password\""))

            let missing = try await browser.confirm(confirmation)
            #expect(missing.status == 422)
            #expect(missing.fieldErrors("cpw0").contains { $0.contains("Falta la contraseña de P1") })
            let wrong = try await browser.confirm(confirmation, extra: [("confirmPassword0", "pw-P2")])
            #expect(wrong.status == 422)
            #expect(wrong.fieldErrors("cpw0").contains { $0.contains("La contraseña de P1 no es correcta") })
            #expect(!wrong.body.contains("pw-P2"), "a typed password is never shown again")
            #expect(try await server.store.ledgerSize() == before)

            let done = try await browser.confirm(confirmation, extra: [("confirmPassword0", "pw-P1")])
            #expect(done.status == 303, "\(done.text)")
            let leaf = try #require(try await server.store.event(seq: before)).json
            #expect(leaf.contains("\"confirmedBy\":[\"P1\"]"))
            #expect(leaf.contains("\"recordedBy\":\"clerk-n\""))
        }
    }

    @Test func confirmersAreCheckedOnlyWithTheirOwnPasswords() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = try await web.signedIn("P2", language: "en")
            func check(_ confirmer: String) async throws -> WebPage {
                try await browser.check(
                    "issue", [("from", "S1"), ("to", "U1"), ("items", "AK-1"), ("document", "VO-1"), ("confirmedBy", confirmer)])
            }
            let recorder = try await check("P2")
            #expect(recorder.status == 422)
            #expect(recorder.fieldErrors("confirmedBy").contains { $0.contains("You are recording this event") })
            // Before any password, the form says nothing about who the people are: a user of
            // another region (P3), a holder who is no user (U1) and a code nobody has (P9)
            // all get the same confirmation page.
            var pages: [String: WebPage] = [:]
            for code in ["P3", "U1", "P9"] {
                let page = try await check(code)
                #expect(page.status == 200, "\(code)")
                #expect(page.fieldErrors("confirmedBy").isEmpty)
                pages[code] = page
            }
            func normalized(_ page: WebPage, _ code: String) -> String {
                page.text.replacingOccurrences(of: code, with: "CODE").replacingOccurrences(
                    of: #"name="csrf" value="[^"]*""#, with: "", options: .regularExpression)
            }
            #expect(normalized(pages["P3"]!, "P3") == normalized(pages["P9"]!, "P9"))
            // A wrong password, an unknown code and a holder who is no user: one answer.
            let wrongP3 = try await browser.confirm(pages["P3"]!, extra: [("confirmPassword0", "guess-guess")])
            let unknown = try await browser.confirm(pages["P9"]!, extra: [("confirmPassword0", "guess-guess")])
            #expect(wrongP3.status == 422 && unknown.status == 422)
            #expect(wrongP3.fieldErrors("cpw0") == ["The password of P3 is wrong."])
            #expect(unknown.fieldErrors("cpw0") == ["The password of P9 is wrong."])
            // With P3's own password, the rules say why P3 cannot confirm it.
            let right = try await browser.confirm(pages["P3"]!, extra: [("confirmPassword0", "pw-P3")])
            #expect(right.status == 422)
            #expect(right.text.contains("None of this record's holders is inside P3's scope"))
        }
    }

    @Test func wrongConfirmationPasswordsAreThrottledLikeSignIns() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: "en")
            let confirmation = try await browser.check("issue", Self.handOver)
            for _ in 0..<5 {
                let wrong = try await browser.confirm(confirmation, extra: [("confirmPassword0", "guess")])
                #expect(wrong.fieldErrors("cpw0").contains { $0.contains("wrong") })
            }
            let limited = try await browser.confirm(confirmation, extra: [("confirmPassword0", "pw-P1")])
            #expect(limited.status == 422)
            #expect(limited.fieldErrors("cpw0").contains { $0.contains("Too many failed attempts for P1") })
            // And P1 cannot sign in either for now.
            let p1 = web.browser(language: "en")
            let form = try await p1.get("/signin")
            let refused = try await p1.post(
                "/signin", [("csrf", try #require(form.value(of: "csrf"))), ("user", "P1"), ("password", "pw-P1")])
            #expect(refused.status == 429)
        }
    }
}

/// The forms answer what lies outside the user's scope exactly as what does not exist, and
/// ask for a second person where the two-person rule needs one.
@Suite struct WebRecordingScopeTests {
    struct Case: Sendable {
        let kind: String
        let field: String
        let outside: [(String, String)]
        let unknown: [(String, String)]
        let swap: (String, String)
    }

    static let cases: [Case] = [
        Case(
            kind: "issue", field: "items", outside: [("from", "S1"), ("to", "U1"), ("items", "AK-21"), ("document", "VO-1")],
            unknown: [("from", "S1"), ("to", "U1"), ("items", "AK-99"), ("document", "VO-1")], swap: ("AK-21", "AK-99")),
        Case(
            kind: "issue", field: "to", outside: [("from", "S1"), ("to", "U2"), ("items", "AK-1"), ("document", "VO-1")],
            unknown: [("from", "S1"), ("to", "U-99"), ("items", "AK-1"), ("document", "VO-1")], swap: ("U2", "U-99")),
        Case(
            kind: "condition", field: "items", outside: [("from", "S1"), ("items", "AK-21"), ("condition", "surplus")],
            unknown: [("from", "S1"), ("items", "AK-99"), ("condition", "surplus")], swap: ("AK-21", "AK-99")),
        Case(
            kind: "receive", field: "document", outside: [("document", "D-OUT"), ("items", "AK-24")],
            unknown: [("document", "D-99"), ("items", "AK-24")], swap: ("D-OUT", "D-99")),
        Case(
            kind: "recovery", field: "items", outside: [("to", "S1"), ("items", "AK-22")],
            unknown: [("to", "S1"), ("items", "AK-99")], swap: ("AK-22", "AK-99")),
        Case(
            kind: "destroy", field: "witnesses",
            outside: [("from", "S1"), ("items", "AK-1"), ("method", "cut"), ("witnesses", "P3")],
            unknown: [("from", "S1"), ("items", "AK-1"), ("method", "cut"), ("witnesses", "P-99")], swap: ("P3", "P-99")),
    ]

    @Test(arguments: ["en", "es"])
    func outsideTheScopeAFormAnswersAsForTheUnknown(_ language: String) async throws {
        let server = try await TestServer.make()
        try await server.record([
            W.move(.loss, ["AK-22"], from: "S2"),
            {
                var e = Event(kind: .register, occurredAt: W.t)
                e.to = "S2"
                e.registrations = [
                    ItemMarking(
                        category: .assaultRifle, manufacturer: "Kalashnikov", country: "RU", model: "AK-74M",
                        calibre: "5.45x39", serial: "AK-24")
                ]
                return e
            }(),
            W.move(.dispatch, ["AK-24"], from: "S2", to: "U2", document: "D-OUT"),
        ])
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: language)
            for c in Self.cases {
                let outside = try await browser.check(c.kind, c.outside)
                let unknown = try await browser.check(c.kind, c.unknown)
                #expect(outside.status == 422 && unknown.status == 422, "\(c.kind) \(c.field)")
                #expect(!unknown.fieldErrors(c.field).isEmpty, "\(c.kind) \(c.field)")
                #expect(
                    outside.fieldErrors(c.field).map { $0.replacingOccurrences(of: c.swap.0, with: c.swap.1) }
                        == unknown.fieldErrors(c.field), "\(c.kind) \(c.field)")
                #expect(
                    outside.text.replacingOccurrences(of: c.swap.0, with: c.swap.1) == unknown.text,
                    "\(c.kind) \(c.field): the whole page")
            }
        }
    }

    @Test(arguments: ["en", "es"])
    func aMANPADSIssueAsksForTheSecondPerson(_ language: String) async throws {
        let server = try await TestServer.make()
        try await server.record([W.registerMANPADS("LM-1", .manpadsLaunchMechanism)])
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: language)
            let fields = [("from", "S1"), ("to", "U1"), ("items", "LM-1"), ("document", "VO-9"), ("dueBack", "2026-03-20")]
            let alone = try await browser.check("issue", fields)
            #expect(alone.status == 422)
            let wanted = language == "en" ? "needs a second person" : "necesita una segunda persona"
            #expect(alone.fieldErrors("confirmedBy").contains { $0.contains(wanted) }, "\(alone.fieldErrors("confirmedBy"))")
            let withP2 = try await browser.check("issue", fields + [("confirmedBy", "P2")])
            #expect(withP2.status == 200)
            let before = try await server.store.ledgerSize()
            let done = try await browser.confirm(withP2, extra: [("confirmPassword0", "pw-P2")])
            #expect(done.status == 303, "\(done.text)")
            #expect(try await server.store.ledgerSize() == before + 1)
        }
    }
}

/// Pages name only the holders inside the reader's scope; look-alike serials registered as
/// distinct are shown side by side.
@Suite struct WebDisclosureTests {
    @Test(arguments: ["en", "es"])
    func aDispatchToAnotherRegionShowsItsDestinationByCodeOnly(_ language: String) async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: language)
            let confirmation = try await browser.check(
                "dispatch", [("from", "S1"), ("to", "S2"), ("items", "AK-1"), ("document", "TR-77")])
            #expect(confirmation.status == 200, "\(confirmation.text)")
            #expect(confirmation.text.contains("S2") && !confirmation.text.contains("Depot Two"))
            let before = try await server.store.ledgerSize()
            let done = try await browser.confirm(confirmation)
            #expect(done.status == 303)
            let receipt = try await browser.get("/receipts/\(before)")
            #expect(receipt.status == 200)
            #expect(receipt.text.contains("S2") && receipt.text.contains("Depot One"))
            #expect(!receipt.text.contains("Depot Two"), "the other region's depot stays a code")
            let item = try await browser.get("/items/\(try await server.itemID("AK-1"))")
            #expect(item.text.contains("TR-77") && !item.text.contains("Depot Two"))
            // The administrator of the whole register sees the name.
            let root = try await web.signedIn("root", language: language)
            #expect(try await root.get("/receipts/\(before)").text.contains("Depot Two"))
        }
    }

    @Test(arguments: ["en", "es"])
    func anItemPageShowsHowLookAlikeSerialsDiffer(_ language: String) async throws {
        let server = try await TestServer.make()
        var register = Event(kind: .register, occurredAt: W.t)
        register.to = "S1"
        register.distinct = true
        register.registrations = [
            ItemMarking(
                category: .assaultRifle, manufacturer: "Kalashnikov", country: "RU", model: "AK-74M", calibre: "5.45x39",
                serial: "AК-1")
        ]
        try await server.record([register])
        try await server.runWeb { web in
            let browser = try await web.signedIn("viewer-n", language: language)
            let twin = try #require(try await server.store.items(serials: ["AК-1"]).first)
            let page = try await browser.get("/items/\(twin.id)")
            #expect(page.status == 200)
            #expect(page.body.contains("id=\"look-alikes\""))
            let wanted = language == "en" ? "character 2 is \"К\" (U+041A) here and \"K\" (U+004B) there" : "el carácter 2 es \"К\" (U+041A) aquí y \"K\" (U+004B) allí"
            #expect(page.text.contains(wanted), "\(page.text)")
            #expect(page.body.contains("href=\"/items/\(try await server.itemID("AK-1"))\""))
            let plain = try await browser.get("/items/\(try await server.itemID("AK-2"))")
            #expect(!plain.body.contains("id=\"look-alikes\""))
            // In a list, the serial with a character outside ASCII says which.
            let list = try await browser.get("/holders/S1")
            let note = language == "en" ? "special characters: \"К\" (U+041A)" : "caracteres especiales: \"К\" (U+041A)"
            #expect(list.text.contains(note), "\(list.text)")
        }
    }
}
