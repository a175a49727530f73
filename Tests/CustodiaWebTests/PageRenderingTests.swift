import CustodiaCore
import Foundation
import Testing

@testable import CustodiaWeb

@Suite struct PageRenderingTests {
    let r = Fixture.renderer

    /// Every page, rendered in `language`, with the evil holder name wherever a name shows.
    static func allPages(_ language: Language) async throws -> [(String, String)] {
        let r = Fixture.renderer
        let ctx = Fixture.context(language)
        let recording = try #require(
            try await Fixture.validator().validate(
                kind: .issue,
                fields: [
                    "from": "DEP-N1-01", "to": "U-EVIL", "items": "AK-0001\nAK-0002", "document": "VO-1", "note": Fixture.evil,
                ]
            ).recording)
        return [
            ("signin", r.signIn(SignInPage(userCode: Fixture.evil, notice: .invalidCredentials), context: ctx)),
            ("dashboard", r.dashboard(Samples.dashboard(), context: ctx)),
            (
                "search",
                r.search(
                    SearchPage(
                        query: Fixture.evil, items: Array(Fixture.items.prefix(6)), holders: [Fixture.holders[7]],
                        holderNames: Samples.names), context: ctx)
            ),
            ("item", r.item(Samples.itemPage(events: 12), context: ctx)),
            ("holder", r.holder(Samples.holderPage(), context: ctx)),
            (
                "holders",
                r.holderIndex(
                    HolderIndexPage(roots: [HolderSummary(holder: Fixture.holders[7], totals: SubtreeTotals(items: 3))]),
                    context: ctx)
            ),
            ("record-menu", r.recordMenu(context: ctx)),
            (
                "record-form",
                r.recordForm(RecordFormPage(kind: .issue, values: ["note": Fixture.evil, "to": "U-EVIL"]), context: ctx)
            ),
            ("confirm", r.confirmation(ConfirmationPage(recording: recording), context: ctx)),
            ("receipt", r.receipt(Samples.receipt(), context: ctx)),
            (
                "ledger",
                r.ledger(
                    LedgerPage(
                        checkpoint: Samples.checkpoint, verifierKey: "registry.example.org/custodia+1a2b3c4d+AQID",
                        status: LedgerStatus(checkpoint: Samples.checkpoint)!), context: ctx)
            ),
            (
                "proof",
                r.proof(
                    ProofPage(
                        index: 42, size: 100, leaf: #"{"kind":"issue","note":"<script>alert(1)</script>"}"#, leafHash: "aa",
                        root: "bb", proof: ["cc", "dd"], checkpoint: Samples.checkpoint, jsonURL: "/api/v1/ledger/proof?index=42"),
                    context: ctx)
            ),
            (
                "error",
                r.error(
                    ErrorPage(status: 404, detail: Message("error.unknownHolder", ["code": .text(Fixture.evil)])), context: ctx)
            ),
        ]
    }

    @Test(arguments: Language.allCases)
    func aHolderNamedScriptIsShownAsTextOnEveryPage(_ language: Language) async throws {
        var ctx = Fixture.context(language)
        ctx.session?.userName = Fixture.evil
        ctx.session?.scope = Fixture.holders[7]
        for (name, html) in try await Self.allPages(language) {
            #expect(!html.contains("<script>alert"), "\(name) lets a script through")
            #expect(!html.contains("{{"), "\(name) has an unrendered tag")
        }
        // The layout shows the user's name and scope escaped too.
        let html = r.dashboard(Samples.dashboard(), context: ctx)
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test func namesShowEscapedWhereverAPageShowsThem() async throws {
        for (name, html) in try await Self.allPages(.es) where name != "record-menu" && name != "ledger" {
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(name) does not show the name")
        }
    }

    @Test func quotesInAttributesCannotCloseThem() {
        let html = r.search(SearchPage(query: #""><img src=x onerror=alert(1)>"#), context: Fixture.context())
        #expect(!html.contains("<img src=x"))
        #expect(html.contains(#"value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;""#))
    }

    @Test func noTemplateWritesUnescapedText() throws {
        let folder = templatesFolder()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.count >= 15)
        for file in files where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("{{{"), "\(file) uses {{{…}}}")
            #expect(!text.contains("{{&"), "\(file) uses {{&…}}")
        }
    }

    @Test func theLayoutShowsTheUserRoleScopeLanguagesAndSignOut() {
        let html = r.dashboard(Samples.dashboard(), context: Fixture.context(.es, path: "/"))
        #expect(html.contains("<b>U-000001</b> (Marta Ruiz)"))
        #expect(html.contains("Función <b>Registrador</b>"))
        #expect(html.contains("ZN-1 · Zona 1"))
        #expect(
            html.contains(#"<form class="out" method="post" action="/signout"><input type="hidden" name="csrf" value="tok-123">"#)
        )
        #expect(html.contains(#"href="/?lang=en""#))
        #expect(html.contains(#"<html lang="es">"#))
        #expect(html.contains(#"href="/record""#))
        let viewer = r.dashboard(Samples.dashboard(), context: Fixture.context(.en, role: .viewer))
        #expect(!viewer.contains(#"href="/record""#), "a viewer gets no recording link")
        #expect(viewer.contains("Role <b>Viewer</b>"))
    }

    @Test func theLanguageSwitchKeepsTheOtherParameters() {
        let ctx = PageContext(
            language: .es, session: Fixture.session(), path: "/search",
            query: [QueryItem("q", "AK 1&2"), QueryItem("lang", "es"), QueryItem("page", "2")])
        let html = r.search(SearchPage(query: "AK 1&2", page: 2), context: ctx)
        #expect(html.contains(#"href="/search?q=AK%201%262&amp;page=2&amp;lang=en""#))
    }

    @Test func staticFilesAreLinkedWithTheirVersion() throws {
        let html = r.signIn(SignInPage(), context: PageContext(language: .en, session: nil))
        let css = try #require(r.assets.asset(named: "custodia.css"))
        #expect(html.contains("/static/custodia.css?v=\(css.version)"))
        #expect(html.contains("/static/custodia.js?v="))
        #expect(!html.contains("http://") && !html.contains("https://"), "no outside resources")
    }

    // MARK: Key content of each page

    @Test func theSignInPageHasTheFormAndTheNotice() {
        let html = r.signIn(
            SignInPage(userCode: "U-1", notice: .rateLimited(retryAfterSeconds: 61), next: "//evil.example/x"),
            context: PageContext(language: .es, session: nil))
        #expect(html.contains(#"action="/signin""#))
        #expect(html.contains(#"name="password" type="password""#))
        #expect(html.contains("Espere 2 minutos"))
        #expect(html.contains(#"name="next" value="/""#), "a foreign return address becomes the dashboard")
        #expect(!html.contains("/signout"), "no sign-out form before signing in")
        let one = r.signIn(
            SignInPage(notice: .rateLimited(retryAfterSeconds: 30)), context: PageContext(language: .en, session: nil))
        #expect(one.contains("Wait 1 minute and try again."))
    }

    @Test func theDashboardShowsTotalsChartsOverdueMissingLossesAndTheLedger() {
        let es = r.dashboard(Samples.dashboard(), context: Fixture.context(.es))
        #expect(es.contains("Panel de Zona 1"))
        #expect(es.contains("<b>250.000</b> artículos"))
        #expect(es.contains("<b>2.345.678</b> asientos en el libro"))
        #expect(es.contains("<b>1234</b> lotes de munición"), "Spanish leaves four digits ungrouped")
        #expect(es.contains(#"<svg viewBox="0 0 360"#))
        #expect(es.contains("<title id=\"c-status\">Artículos por situación</title>"))
        #expect(es.contains("Entregas vencidas <small>(1234)</small>"))
        #expect(es.contains("vencido hace 52 días"))
        #expect(es.contains("… y 1214 más."))
        #expect(es.contains("Desaparecidos <small>(312)</small>"))
        #expect(es.contains("Últimas pérdidas y robos"))
        #expect(es.contains("PL-2026-3"))
        #expect(es.contains("AK-3-0, AK-3-1, AK-3-2, AK-3-3, AK-3-4 … (8)"))
        #expect(es.contains("Última verificación completa: 21/11/2026 02:00 UTC"))
        #expect(es.contains("m2n9dY1aZ0r8QO8lUQ2vP3Wk8Yc9+Zr2nO1sS5bQmXs="))
        let en = r.dashboard(Samples.dashboard(), context: Fixture.context(.en))
        #expect(en.contains("<b>250,000</b> items"))
        #expect(en.contains("52 days overdue"))
        let empty = r.dashboard(DashboardPage(items: 0, now: Fixture.now), context: Fixture.context(.en))
        #expect(empty.contains("Nothing is overdue."))
        #expect(empty.contains("The ledger is empty."))
    }

    @Test func aFailedVerificationIsAWarning() {
        var page = Samples.dashboard()
        page.ledger?.lastVerifyPassed = false
        let html = r.dashboard(page, context: Fixture.context(.en))
        #expect(html.contains(#"<p class="warn">The last verification (2026-11-21 02:00 UTC) found a divergence"#))
    }

    @Test func searchResultsLinkItemsAndHoldersAndPage() {
        let page = SearchPage(
            query: "AK-000", items: Array(Fixture.items.prefix(3)), holders: [Fixture.holders[2]], page: 2, hasNextPage: true,
            holderNames: Samples.names)
        let html = r.search(
            page,
            context: PageContext(language: .es, session: Fixture.session(), path: "/search", query: [QueryItem("q", "AK-000")]))
        #expect(html.contains(#"<a href="/items/1">AK-0001</a>"#))
        #expect(html.contains("Kalashnikov Concern AK-74M"))
        #expect(html.contains(#"<a href="/holders/DEP-N1-01">DEP-N1-01</a> Depósito Norte 1"#))
        #expect(html.contains(#"<a rel="prev" href="/search?q=AK-000">"#))
        #expect(html.contains(#"<a rel="next" href="/search?q=AK-000&amp;page=3">"#))
        #expect(html.contains("Página 2"))
        #expect(html.contains(#"value="AK-000""#), "the box keeps the query")
        let nothing = r.search(SearchPage(query: "ZZZ"), context: Fixture.context(.en))
        #expect(nothing.contains("Nothing found in your scope."))
        #expect(!nothing.contains(#"rel="next""#))
    }

    @Test func theItemPageShowsMarkingStateAndTheWholeChain() {
        let page = Samples.itemPage(events: 30)
        let html = r.item(page, context: Fixture.context(.es))
        #expect(html.contains("<h1>AK-0004 <small>Fusil de asalto · Kalashnikov Concern AK-74M</small></h1>"))
        #expect(html.contains(#"<span class="st st-held">En custodia</span>"#))
        #expect(html.contains("Debía devolverse el 01/11/2026: vencido hace 21 días."))
        #expect(html.contains("5.45x39mm"))
        #expect(html.contains(#"<a href="/holders/U-7">U-7</a> 7.ª Compañía"#))
        for entry in page.history {
            #expect(html.contains(#"<li id="e\#(entry.seq)">"#))
            #expect(html.contains(#"href="/ledger/proof/\#(entry.seq)""#))
        }
        #expect(html.contains("VO-2026-000029"))
        #expect(html.contains("<i>Registró</i> U-000"))
        #expect(html.contains("<i>Confirmó</i> P-000124"))
        #expect(html.contains("<i>Registrado el</i> 30/12/2026 09:00"), "late entries say when they were recorded")
        #expect(html.contains("30 asientos"))
        // A clerk gets actions that fit a held item, prefilled with the exact item.
        #expect(html.contains(#"href="/record/issue?items=AK-0004%20%7C%20Kalashnikov%20Concern%20%7C%20AK-74M&amp;from=U-7""#))
        #expect(!html.contains("/record/recovery"))
        let viewer = r.item(page, context: Fixture.context(.en, role: .viewer))
        #expect(!viewer.contains("/record/"))
        #expect(viewer.contains("Chain of custody"))
    }

    @Test func theHolderPageShowsPathChildrenHoldingsAndTotals() {
        let html = r.holder(Samples.holderPage(evil: false), context: Fixture.context(.es))
        #expect(html.contains(#"<li><a href="/holders/REG-N">REG-N</a></li><li><a href="/holders/ZN-1">ZN-1</a></li>"#))
        #expect(html.contains("<b>12.345</b> Artículos"))
        #expect(html.contains("<b>1.500.000</b> Munición (unidades)"))
        #expect(html.contains(#"<a href="/holders/U-7">U-7</a>"#))
        #expect(html.contains(#"data-l="Artículos">40</td>"#))
        #expect(html.contains("240 artículos"))
        #expect(html.contains("762-2019-04"))
        #expect(html.contains(#"<td class="n" data-l="Cantidad">5000</td>"#))
        #expect(html.contains(#"<a rel="prev" href="/holders/DEP-N1-01">"#))
        #expect(html.contains(#"<a rel="next" href="/holders/DEP-N1-01?page=3">"#))
        #expect(html.contains(#"href="/record/issue?from=DEP-N1-01""#))
    }

    @Test func theRecordMenuListsOnlyWhatTheRoleMayRecord() {
        let clerk = r.recordMenu(context: Fixture.context(.es, role: .clerk))
        for kind in RecordingForm.kinds { #expect(clerk.contains(#"href="/record/\#(kind.rawValue)""#)) }
        let custodian = r.recordMenu(context: Fixture.context(.en, role: .custodian))
        #expect(custodian.contains(#"href="/record/receive""#))
        #expect(custodian.contains(#"href="/record/return""#))
        #expect(!custodian.contains(#"href="/record/issue""#))
        let inspector = r.recordMenu(context: Fixture.context(.en, role: .inspector))
        #expect(inspector.contains("Your role does not record movements through the web."))
    }

    @Test func aFormShownAgainHasEachErrorNextToItsField() async throws {
        let fields = ["from": "DEP-N1-01", "to": "U-7", "items": "AK-0009", "document": "VO-1", "dueBack": "nunca"]
        for language in Language.allCases {
            let errors = try await Fixture.validator(language: language).validate(kind: .issue, fields: fields).errors
            let html = r.recordForm(
                RecordFormPage(kind: .issue, values: fields, errors: errors), context: Fixture.context(language))
            let items = try #require(html.range(of: #"<label for="f-items">"#))
            let itemsError = try #require(html.range(of: #"<ul class="errs" id="f-items-e">"#))
            let next = try #require(html.range(of: #"<label for="f-manufacturer">"#))
            #expect(items.lowerBound < itemsError.lowerBound && itemsError.lowerBound < next.lowerBound)
            #expect(html.contains(#"id="f-items" name="items" rows="6""#))
            #expect(html.contains(#"aria-invalid="true""#))
            #expect(html.contains(#"aria-describedby="f-dueBack-h f-dueBack-e""#))
            #expect(html.contains(#"<div class="errsum" role="alert""#))
            #expect(html.contains(##"<a href="#f-items">"##))
            if language == .es {
                #expect(html.contains("El formulario tiene 2 errores; no se ha registrado nada."))
                #expect(
                    html.contains(
                        "El fusil de asalto AK-0009 (Kalashnikov Concern AK-74M) figura como desaparecido; no se puede entregar.")
                )
            } else {
                #expect(html.contains("The form has 2 errors; nothing has been recorded."))
                #expect(html.contains("The assault rifle AK-0009 (Kalashnikov Concern AK-74M) is missing; it cannot be issued."))
            }
            #expect(html.contains(">AK-0009</textarea>"), "the typed serials stay")
            #expect(html.contains(#"name="csrf" value="tok-123""#))
        }
    }

    @Test(arguments: RecordingForm.kinds, Language.allCases)
    func everyFormShowsItsFieldsLabelledInTheLanguage(_ kind: EventKind, _ language: Language) {
        let html = r.recordForm(RecordFormPage(kind: kind), context: Fixture.context(language))
        let messages = Messages(language)
        #expect(html.contains(#"<form method="post" action="/record/\#(kind.rawValue)""#))
        #expect(html.contains("<h1>" + messages(Message("form.heading", ["kind": .key("kind.\(kind.rawValue)")])) + "</h1>"))
        for spec in RecordingForm.definition(for: kind).fields {
            #expect(html.contains(#"name="\#(spec.field.rawValue)""#), "\(kind) lacks \(spec.field)")
            let label = kind == .receive && spec.field == .document ? "field.dispatch" : "field.\(spec.field.rawValue)"
            #expect(
                html.contains(
                    #"<label for="f-\#(spec.field.rawValue)">\#(messages[label].replacingOccurrences(of: "&", with: "&amp;"))"#))
            if spec.required {
                #expect(html.contains(#"<label for="f-\#(spec.field.rawValue)">\#(messages[label]) <span class="req""#))
            }
        }
        #expect(!html.contains("errsum"), "a new form shows no errors")
    }

    @Test func theHolderTreeListsTheRootsWithTheirTotals() {
        let page = HolderIndexPage(roots: [
            HolderSummary(
                holder: Fixture.holders[0],
                totals: SubtreeTotals(items: 120_000, lotQuantity: 3_000_000, missing: 12, overdue: 40)),
            HolderSummary(holder: Fixture.holders[8], totals: SubtreeTotals(items: 9)),
        ])
        let html = r.holderIndex(page, context: Fixture.context(.en))
        #expect(html.contains(#"<a href="/holders/REG-N">REG-N</a> Región Norte"#))
        #expect(html.contains(#"data-l="Items">120,000</td>"#))
        #expect(html.contains(#"data-l="Ammunition (pieces)">3,000,000</td>"#))
        #expect(html.contains(#"<a href="/holders/REG-S">REG-S</a>"#))
        #expect(
            r.holderIndex(HolderIndexPage(roots: []), context: Fixture.context(.es)).contains("No hay titulares en su ámbito."))
    }

    @Test func anEntryIsReadFromItsStoredLeaf() throws {
        let leaf =
            #"{"document":"VO-1","from":"DEP-N1-01","items":[{"manufacturer":"Kalashnikov Concern","model":"AK-74M","serial":"AK-0001"}],"kind":"issue","occurredAt":"2026-11-22T10:00:00Z","recordedAt":"2026-11-22T10:01:00Z","recordedBy":"U-000001","to":"U-7"}"#
        let entry = try EventEntry(seq: 7, leaf: leaf)
        #expect(entry.event.kind == .issue)
        #expect(entry.event.recordedBy == "U-000001")
        #expect(entry.event.items == [.marking(manufacturer: "Kalashnikov Concern", serial: "AK-0001", model: "AK-74M")])
        #expect(throws: (any Error).self) { try EventEntry(seq: 8, leaf: #"{"kind":"issue"}"#) }
    }

    @Test func theReceiveFormOffersTheOpenDispatches() {
        let html = r.recordForm(
            RecordFormPage(
                kind: .receive, values: ["document": "TR-2026-0007"], openDispatches: Array(Fixture.dispatches.prefix(2))),
            context: Fixture.context(.es))
        #expect(html.contains(#"<select id="f-document" name="document""#))
        #expect(
            html.contains(
                #"<option value="TR-2026-0007" selected>TR-2026-0007 · DEP-S-01 → DEP-N1-01 · 1 artículo · 1200 unidades de munición · 20/11/2026</option>"#
            ))
        #expect(html.contains("Envío (documento)"))
        #expect(!html.contains(#"name="to""#), "a receive takes its parties from the dispatch")
    }

    @Test func aFormKeepsADatetimeInTheFormItsPickerReads() {
        let html = r.recordForm(
            RecordFormPage(kind: .loss, values: ["occurredAt": "2026-11-20T07:30:00Z"]), context: Fixture.context(.en))
        #expect(html.contains(#"type="datetime-local" value="2026-11-20T07:30""#))
    }

    @Test func theConfirmationShowsEverySerialAndCarriesTheCanonicalFields() async throws {
        let fields = [
            "from": "dep-n1-01", "to": "U-7", "items": "AK-0001\nAK-0002\n123 | IMBEL", "document": "VO-7",
            "lots": "762-2019-04 1.200",
        ]
        let recording = try #require(try await Fixture.validator().validate(kind: .issue, fields: fields).recording)
        let html = r.confirmation(ConfirmationPage(recording: recording), context: Fixture.context(.es))
        for serial in ["AK-0001", "AK-0002", "123"] { #expect(html.contains("<b>\(serial)</b>")) }
        #expect(html.contains("DEP-N1-01 · Depósito Norte 1 (Instalación)"))
        #expect(html.contains("U-7 · 7.ª Compañía (Unidad)"))
        #expect(html.contains("VO-7"))
        #expect(html.contains("Artículos: 3 · lotes: 1 (1200 unidades)"))
        #expect(html.contains("Todavía no se ha registrado nada."))
        #expect(html.contains(#"<form method="post" action="/record/issue/confirm""#))
        #expect(html.contains(#"<input type="hidden" name="from" value="DEP-N1-01">"#))
        #expect(
            html.contains(
                "<input type=\"hidden\" name=\"items\" value=\"AK-0001 | Kalashnikov Concern | AK-74M\nAK-0002 | Kalashnikov Concern | AK-74M\n123 | IMBEL | FAL\">"
            ))
        #expect(html.contains(#"<input type="hidden" name="lots" value="762-2019-04 1200 | Arsenal">"#))
        #expect(html.contains(#"<input type="hidden" name="occurredAt" value="2026-11-22T14:05:00Z">"#))
        #expect(html.contains(#"name="edit" value="1" formaction="/record/issue""#))
        #expect(html.contains(#"name="csrf" value="tok-123""#))
    }

    @Test func theReceiptListsEverySerialBothPartiesTheLedgerAndSignatureLines() {
        let html = r.receipt(Samples.receipt(), context: Fixture.context(.es))
        #expect(html.contains("<h1>Comprobante de entrega</h1>"))
        #expect(html.contains("Asiento n.º 2345679 del libro registro"))
        for serial in ["AK-0001", "AK-0002", "AK-0003"] { #expect(html.contains("<b>\(serial)</b>")) }
        #expect(html.contains("<b>DEP-N1-01</b><br>Depósito Norte 1"))
        #expect(html.contains("<b>U-EVIL</b><br>&lt;script&gt;"))
        #expect(html.contains("VO-2026-0001"))
        #expect(html.contains("22 de noviembre de 2026 · 22/11/2026 10:00 UTC"))
        #expect(html.contains("q8Y3kz0Q0dO6m1tQ5l2vR1hG8sYV0fN4x2QdK9pWm7E="))
        #expect(html.contains("de un libro de 2.345.680 asientos"))
        #expect(html.contains("Firma de quien entrega"))
        #expect(html.contains("Firma de quien recibe"))
        #expect(html.components(separatedBy: #"<p class="line">"#).count - 1 == 6)
        #expect(html.contains("Fusil de asalto"))
        let en = r.receipt(Samples.receipt(kind: .dispatch), context: Fixture.context(.en))
        #expect(en.contains("<h1>Dispatch note</h1>"))
        #expect(en.contains("22 November 2026 · 2026-11-22 10:00 UTC"))
    }

    @Test func theStyleSheetPrintsAndStacksTablesOnPhones() throws {
        let css = String(decoding: try #require(r.assets.asset(named: "custodia.css")).bytes, as: UTF8.self)
        #expect(css.contains("@media print"))
        #expect(css.contains("@media (max-width:40rem)"))
        #expect(css.contains("content:attr(data-l)"))
        #expect(!css.contains("url("), "no outside fonts or images")
        #expect(!css.contains("@import"))
        let js = String(decoding: try #require(r.assets.asset(named: "custodia.js")).bytes, as: UTF8.self)
        #expect(js.contains("aria-invalid"))
        #expect(!js.contains("http"))
        #expect(r.assets.asset(named: "../Templates/layout.mustache") == nil)
        #expect(r.assets.asset(named: "custodia.css")?.contentType == "text/css; charset=utf-8")
    }

    @Test func theLedgerPageShowsCheckpointKeyAndHowToCheck() {
        let page = LedgerPage(
            checkpoint: Samples.checkpoint, verifierKey: "registry.example.org/custodia+1a2b3c4d+AQID",
            status: LedgerStatus(checkpoint: Samples.checkpoint, signedAt: "2026-11-22T13:59:58Z")!,
            baseURL: "https://registry.example.org/")
        let html = r.ledger(page, context: Fixture.context(.en))
        #expect(html.contains("2345680\nq8Y3kz0Q0dO6m1tQ5l2vR1hG8sYV0fN4x2QdK9pWm7E="))
        #expect(html.contains("registry.example.org/custodia+1a2b3c4d+AQID"))
        #expect(html.contains("custodia ledger check --key &quot;$(cat verifier-key.txt)&quot; --checkpoint checkpoint.txt"))
        #expect(html.contains("curl -o checkpoint.txt https://registry.example.org/tlog/checkpoint"))
        #expect(html.contains("https://registry.example.org/tlog/tile/&lt;L&gt;/&lt;N&gt;"))
        #expect(html.contains("The ledger has not been fully verified yet"))
        #expect(html.contains("2,345,680"))
    }

    @Test func theProofPageShowsLeafPathAndRoot() {
        let html = r.proof(
            ProofPage(
                index: 42, size: 100, leaf: #"{"kind":"issue"}"#, leafHash: "aa11", root: "bb22", proof: ["cc33", "dd44"],
                checkpoint: Samples.checkpoint),
            context: Fixture.context(.es))
        #expect(html.contains("Prueba de inclusión del asiento #42"))
        #expect(html.contains("{&quot;kind&quot;:&quot;issue&quot;}"))
        #expect(html.contains(#"<li><code class="hash">cc33</code></li><li><code class="hash">dd44</code></li>"#))
        #expect(html.contains("custodia ledger prove inclusion 42 --size 100 --json"))
    }

    @Test(arguments: [400, 403, 404, 405, 409, 413, 429, 500, 418])
    func errorPagesSayWhatHappenedInBothLanguages(_ status: Int) {
        let es = r.error(ErrorPage(status: status), context: PageContext(language: .es, session: nil))
        let en = r.error(ErrorPage(status: status), context: Fixture.context(.en))
        #expect(es.contains("<small>\(status)</small>"))
        #expect(en.contains("<small>\(status)</small>"))
        let key = ErrorPage.knownStatuses.contains(status) ? String(status) : "other"
        #expect(es.contains(Messages(.es)["errorPage.\(key).title"]))
        #expect(en.contains(Messages(.en)["errorPage.\(key).text"]))
        #expect(es != en)
    }

    @Test func specificErrorPagesReadWell() {
        #expect(r.error(ErrorPage(status: 404), context: Fixture.context(.es)).contains("No encontrado"))
        #expect(r.error(ErrorPage(status: 403), context: Fixture.context(.en)).contains("Access denied"))
        #expect(r.error(ErrorPage(status: 400), context: Fixture.context(.es)).contains("Solicitud incorrecta"))
    }

    // MARK: Weight

    @Test func theItemPageWithTwoHundredEventsStaysWellUnder100KB() {
        for language in Language.allCases {
            let html = r.item(Samples.itemPage(events: 200), context: Fixture.context(language))
            #expect(html.utf8.count < 80_000, "\(language): \(html.utf8.count) bytes")
            #expect(html.components(separatedBy: "<li id=\"e").count - 1 == 200)
        }
    }

    @Test func theDashboardStaysWellUnder100KB() {
        for language in Language.allCases {
            let html = r.dashboard(Samples.dashboard(), context: Fixture.context(language))
            #expect(html.utf8.count < 60_000, "\(language): \(html.utf8.count) bytes")
        }
    }
}

/// The Templates folder of the sources, for checks that read the files themselves.
func templatesFolder() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/CustodiaWeb/Templates")
}

@Suite struct ReflectionFreeRowsTests {
    /// Rows that answer the templates without reflection must answer for every field they have.
    @Test func everyFieldOfAFastRowIsAnswered() throws {
        let entry = Samples.itemPage(events: 2).history[1]
        let row = TimelineRow(entry, names: Fixture.names, messages: Messages(.es))
        let rows: [any MustacheParentProbe] = [
            row, try #require(row.parties.first), HolderRef("U-7", names: Fixture.names), Fact(label: "a", value: "b"),
        ]
        for value in rows {
            for case let (label?, _) in Mirror(reflecting: value).children {
                #expect(value.child(named: label) != nil, "\(type(of: value)).\(label) is not answered")
            }
        }
    }
}

protocol MustacheParentProbe { func child(named: String) -> Any? }
extension TimelineRow: MustacheParentProbe {}
extension TimelineRow.Parties: MustacheParentProbe {}
extension HolderRef: MustacheParentProbe {}
extension Fact: MustacheParentProbe {}
