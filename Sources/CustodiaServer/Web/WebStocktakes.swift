import CustodiaCore
import CustodiaStore
import CustodiaWeb
import Foundation
import Hummingbird

/// Stocktakes on the web: the list with the discrepancies not resolved, one stocktake (its
/// progress and count form while open, its printable reconciliation once closed), and the
/// count itself, through the same store functions and custody rules as the API.
enum WebStocktakes {
    @Sendable static func list(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        return try await listPage(web, user)
    }

    static func listPage(
        _ web: WebRequest, _ user: Principal, holder: String = "", problem: Message? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let store = web.app.store
        let all = try await store.stocktakes(scope: user.scope)
        let names = try await web.site.names(all.map(\.holder), within: user.scope)
        let open = try await store.openDiscrepancies(scope: user.scope)
        let page = StocktakesPage(
            stocktakes: all.sorted { ($0.isOpen ? 0 : 1, -$0.id) < ($1.isOpen ? 0 : 1, -$1.id) }.map { entry($0, names) },
            discrepancies: open.map { ($0.stocktake.id, $0.stocktake.holder, $0.line) },
            mayOpen: user.role.may(.record(.stocktakeOpen)), holder: holder, problem: problem)
        return web.html(web.site.renderer.stocktakes(page, context: await web.pageContext(user)), status: status)
    }

    /// `POST /stocktakes`: opens one for the holder of the form.
    @Sendable static func open(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        try require(user, .stocktakeOpen)
        let fields = try await web.formFields()
        let code = String((fields["holder"] ?? "").trimmingCharacters(in: .whitespaces).prefix(60))
        let known = try await web.app.store.holders().first { $0.code.lowercased() == code.lowercased() }
        guard let known, user.scope.contains(known.code) else {
            return try await listPage(
                web, user, holder: code, problem: Message("stocktakes.unknownHolder", ["code": .text(code)]), status: .unprocessableContent)
        }
        let event = try await web.app.store.stocktakeOpening(
            holder: known.code, blind: fields["blind"] == "1", recursive: fields["recursive"] == "1", occurredAt: web.now)
        let report = try await submit(event, web, user)
        if let refusal = report.errors.first {
            return try await listPage(
                web, user, holder: code, problem: plain(refusal.message),
                status: .unprocessableContent)
        }
        return web.redirect(WebPaths.stocktake(report.firstSeq))
    }

    /// `POST /stocktakes/<id>/close`: records the reconciliation.
    @Sendable static func close(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        try require(user, .stocktakeClose)
        let stocktake = try await stocktake(web, user)
        guard stocktake.isOpen else { return web.redirect(WebPaths.stocktake(stocktake.id)) }
        let (event, _) = try await web.app.store.stocktakeClosing(stocktake, occurredAt: web.now)
        let report = try await submit(event, web, user)
        if let refusal = report.errors.first {
            return try await page(web, user, stocktake, problems: [(0, plain(refusal.message))], status: .unprocessableContent)
        }
        return web.redirect(WebPaths.stocktake(stocktake.id))
    }

    /// `POST /stocktakes/<id>/resolve`: one discrepancy, by an event or an explanation.
    @Sendable static func resolve(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        try require(user, .stocktakeResolve)
        let stocktake = try await stocktake(web, user)
        let fields = try await web.formFields()
        let store = web.app.store
        let open = try await store.openDiscrepancies(scope: user.scope).filter { $0.stocktake.id == stocktake.id }.map(\.line)
        func refused(_ text: String) async throws -> Response {
            try await page(web, user, stocktake, problems: [(0, plain(text))], status: .unprocessableContent)
        }
        guard let line = open.first(where: { $0.key == fields["key"] }) else { return web.redirect(WebPaths.stocktake(stocktake.id)) }
        let by = (fields["by"] ?? "").trimmingCharacters(in: .whitespaces)
        let reason = (fields["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard by.isEmpty || Int64(by) != nil else { return try await refused("\(by.prefix(20)) is not an event number") }
        let event: Event
        do {
            event = try await store.stocktakeResolution(
                stocktake, items: line.mark == nil || line.finding == .elsewhere ? line.item.map { [($0.serial, $0.manufacturer)] } ?? [] : [],
                marks: line.finding == .unregistered ? line.mark.map { [$0] } ?? [] : [],
                lots: line.lot.map { [($0.lot, $0.manufacturer)] } ?? [], resolvedBy: Int64(by),
                reason: reason.isEmpty ? nil : String(reason.prefix(2000)), occurredAt: web.now)
        } catch let e as FieldError {
            return try await refused(e.description)
        }
        let report = try await submit(event, web, user)
        if let refusal = report.errors.first { return try await refused(refusal.message) }
        return web.redirect(WebPaths.stocktake(stocktake.id))
    }

    /// `GET /stocktakes/<id>/check?serial=S`: whether one scanned serial would be counted,
    /// as JSON `{"ok": true}` or `{"ok": false, "message": …}` in the reader's language; for
    /// the count box's script. Records nothing.
    @Sendable static func check(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let stocktake = try await stocktake(web, user)
        let serial = String((web.parameter("serial") ?? "").prefix(200))
        var answer: [(String, JSONOut)] = [("ok", .bool(true))]
        do {
            let read = try Identifier.normalized(serial, field: "serial")
            _ = try await web.app.store.stocktakeCount(
                stocktake, reads: [CountRead(serial: read, line: 1)], unlisted: false, occurredAt: web.now, scope: user.scope)
        } catch let problems as CountProblems {
            let text = Messages(web.language)(problems.problems[0].wording)
            answer = [("ok", .bool(false)), ("message", .string(text))]
        } catch let e as FieldError {
            answer = [("ok", .bool(false)), ("message", .string(e.message))]
        }
        return JSONOut.object(answer).response(headers: [.cacheControl: "no-store"])
    }

    /// A refusal's text as it came (the rules' English), for a page's problem list.
    static func plain(_ text: String) -> Message { Message("stocktake.problemText", ["text": .text(text)]) }

    static func require(_ user: Principal, _ kind: EventKind) throws {
        guard user.role.may(.record(kind)) else {
            throw WebInterrupt.error(
                status: 403, detail: Message("error.notRecordable", ["role": .key("role.\(user.role.rawValue)"), "kind": .key("kind.\(kind.rawValue)")]))
        }
    }

    static func submit(_ event: Event, _ web: WebRequest, _ user: Principal) async throws -> AppendReport {
        try await web.app.writer.submit(
            AppendRequest(
                events: [event], recordedBy: user.code, recordedAt: web.app.timestamp(), dryRun: false, authority: user.authority,
                window: web.app.configuration.timeWindow, confirmations: [[]]))
    }

    @Sendable static func one(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        return try await page(web, user, try await stocktake(web, user))
    }

    /// `POST /stocktakes/<id>/count`: the serials of the text box, one per line.
    @Sendable static func count(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let stocktake = try await stocktake(web, user)
        guard user.role.may(.record(.count)) else {
            throw WebInterrupt.error(
                status: 403,
                detail: Message("error.notRecordable", ["role": .key("role.\(user.role.rawValue)"), "kind": .key("kind.count")]))
        }
        let fields = try await web.formFields()
        let text = String((fields["serials"] ?? "").prefix(1_000_000))
        let unlisted = fields["unlisted"] == "1"
        func again(_ problems: [(line: Int, message: Message)]) async throws -> Response {
            try await page(web, user, stocktake, sheet: text, unlisted: unlisted, problems: problems, status: .unprocessableContent)
        }
        let sheet: CountSheet
        do { sheet = try CountSheet(bytes: Array(text.utf8)) } catch { return try await again(error.problems.map { ($0.line, plain($0.message)) }) }
        let event: Event
        do {
            event = try await web.app.store.stocktakeCount(
                stocktake, reads: sheet.reads.map { CountRead(serial: $0.serial, manufacturer: $0.manufacturer, line: $0.line) },
                lots: sheet.lots.map { CountedLot(lot: $0.lot, manufacturer: $0.manufacturer, quantity: $0.quantity, line: $0.line) },
                unlisted: unlisted, occurredAt: web.now, scope: user.scope)
        } catch let problems as CountProblems {
            return try await again(
                problems.problems.map { ($0.line, $0.wording) })
        }
        let report = try await submit(event, web, user)
        if let refusal = report.errors.first {
            return try await again([(0, plain(refusal.message))])
        }
        return try await page(web, user, stocktake, recorded: event.items.count + event.unlisted.count + event.lots.count)
    }

    static func stocktake(_ web: WebRequest, _ user: Principal) async throws -> StocktakeView {
        guard let id = web.context.parameters.get("id").flatMap(Int64.init),
            let s = try await web.app.store.stocktake(id: id, scope: user.scope)
        else { throw WebInterrupt.notFound() }
        return s
    }

    static func page(
        _ web: WebRequest, _ user: Principal, _ stocktake: StocktakeView, sheet: String = "", unlisted: Bool = false,
        problems: [(line: Int, message: Message)] = [], recorded: Int? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let store = web.app.store
        let names = try await web.site.names([stocktake.holder], within: user.scope)
        let progress = try await store.stocktakeProgress(stocktake.id, before: stocktake.closing?.seq)
        var result: StocktakeResult?
        if !stocktake.isOpen { result = try await store.reconciliation(of: stocktake, scope: user.scope) }
        var page = StocktakePage(
            entry: entry(stocktake, names), counted: progress.items, unlisted: progress.unlisted, counters: progress.counters,
            reconciliation: result?.reconciliation, listMatches: result?.listMatches, mayCount: user.role.may(.record(.count)),
            sheet: sheet, unlistedChecked: unlisted, problems: problems, recorded: recorded)
        page.mayClose = user.role.may(.record(.stocktakeClose))
        if !stocktake.isOpen {
            page.open = try await store.openDiscrepancies(scope: user.scope).filter { $0.stocktake.id == stocktake.id }.map(\.line)
        }
        return web.html(web.site.renderer.stocktake(page, context: await web.pageContext(user)), status: status)
    }

    static func entry(_ s: StocktakeView, _ names: [String: String]) -> StocktakeEntry {
        StocktakeEntry(
            id: s.id, holder: s.holder, holderName: names[s.holder], opening: s.opening, openedAt: s.openedAt, openedBy: s.openedBy,
            closedAt: s.closing?.at, closedBy: s.closing?.by, summary: s.closing?.summary)
    }
}

extension CountProblem {
    /// The problem in the reader's language (`countProblem.<code>` in the catalogue).
    var wording: Message { Message("countProblem.\(code.rawValue)", ["serial": .text(subject), "other": .text(other)]) }
}
