import CustodiaCore
import CustodiaStore
import CustodiaWeb
import Foundation
import Hummingbird

/// Sample verifications on the web: the plans and the plan form, one plan's draw with its
/// findings form and its certificate, through the same store functions and rules as the API.
enum WebSamples {
    @Sendable static func list(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        return try await listPage(web, user)
    }

    static func listPage(
        _ web: WebRequest, _ user: Principal, values: [String: String] = [:], problem: Message? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let store = web.app.store
        var plans: [SamplePlanEntry] = []
        for v in try await store.samplePlans(scope: user.scope) {
            plans.append(entry(v, examined: try await store.sampleFindings(v.seq).count))
        }
        let page = SamplesPage(plans: plans, mayPlan: user.role.may(.record(.samplePlan)), values: values, problem: problem)
        return web.html(web.site.renderer.samples(page, context: await web.pageContext(user)), status: status)
    }

    /// `POST /samples`: records a plan from the form.
    @Sendable static func plan(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        try WebStocktakes.require(user, .samplePlan)
        let fields = try await web.formFields()
        var values: [String: String] = [:]
        for key in ["category", "holder", "declared", "confidence", "detect", "size", "beacon"] {
            values[key] = String((fields[key] ?? "").trimmingCharacters(in: .whitespaces).prefix(60))
        }
        func refused(_ text: String) async throws -> Response {
            try await listPage(web, user, values: values, problem: WebStocktakes.plain(text), status: .unprocessableContent)
        }
        func number(_ key: String) throws -> Int64? {
            guard let v = values[key], !v.isEmpty else { return nil }
            guard let n = Int64(v), n >= 0 else { throw FieldError(key, "\(v) is not a whole number") }
            return n
        }
        var holder: String?
        if let code = values["holder"], !code.isEmpty {
            guard let known = try await web.app.store.holders().first(where: { $0.code.lowercased() == code.lowercased() }),
                user.scope.contains(known.code)
            else { return try await listPage(web, user, values: values, problem: Message("stocktakes.unknownHolder", ["code": .text(code)]), status: .unprocessableContent) }
            holder = known.code
        }
        let event: Event
        do {
            let categories = (values["category"] ?? "").isEmpty ? [] : [try category(values["category"]!)]
            event = try await web.app.store.samplePlanEvent(
                categories: categories, model: nil, holder: holder, declared: try number("declared"),
                confidence: (values["confidence"] ?? "").isEmpty ? "0.95" : values["confidence"]!, detect: try number("detect"),
                size: try number("size"), beacon: (values["beacon"] ?? "").isEmpty ? nil : values["beacon"], occurredAt: web.now)
        } catch let e as FieldError {
            return try await refused(e.description)
        }
        let report = try await WebStocktakes.submit(event, web, user)
        if let refusal = report.errors.first { return try await refused(refusal.message) }
        return web.redirect(WebPaths.sample(report.firstSeq))
    }

    static func category(_ text: String) throws -> CustodiaCore.Category {
        guard let c = CustodiaCore.Category(rawValue: text) else { throw FieldError("category", "unknown category \(text)") }
        return c
    }

    @Sendable static func one(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        return try await page(web, user, try await plan(web, user), beaconValue: beaconValue(web.parameter("beaconValue")))
    }

    /// The beacon value given to draw a plan that names one (nil: none given).
    static func beaconValue(_ text: String?) -> String? {
        guard let t = text?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
        return String(t.prefix(1024))
    }

    /// `POST /samples/<id>/findings`: one finding for the serials of the text box.
    @Sendable static func findings(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        try WebStocktakes.require(user, .sampleFinding)
        let view = try await plan(web, user)
        let fields = try await web.formFields()
        let text = String((fields["serials"] ?? "").prefix(200_000))
        let beacon = beaconValue(fields["beaconValue"])
        func again(_ problems: [(line: Int, message: Message)]) async throws -> Response {
            try await page(web, user, view, sheet: text, problems: problems, status: .unprocessableContent, beaconValue: beacon)
        }
        let plain = WebStocktakes.plain
        guard let finding = SampleFinding(rawValue: fields["finding"] ?? "") else { return try await again([(0, plain("choose a finding"))]) }
        let back = WebPaths.sample(view.seq) + (beacon.map { "?" + WebPaths.encode([QueryItem("beaconValue", $0)]) } ?? "")
        guard case .drawn(let drawn) = try await web.app.store.sampleDraw(view, beaconValue: beacon) else { return web.redirect(back) }
        let sheet: CountSheet
        do { sheet = try CountSheet(bytes: Array(text.utf8)) } catch { return try await again(error.problems.map { ($0.line, plain($0.message)) }) }
        let event: Event
        do {
            event = try await web.app.store.sampleFinding(
                drawn, reads: sheet.reads.map { CountRead(serial: $0.serial, manufacturer: $0.manufacturer, line: $0.line) }, finding: finding,
                occurredAt: web.now)
        } catch let problems as CountProblems {
            return try await again(
                problems.problems.map { ($0.line, $0.wording) })
        }
        let report = try await WebStocktakes.submit(event, web, user)
        if let refusal = report.errors.first { return try await again([(0, plain(refusal.message))]) }
        return web.redirect(back)
    }

    static func plan(_ web: WebRequest, _ user: Principal) async throws -> SamplePlanView {
        guard let id = web.context.parameters.get("id").flatMap(Int64.init), let v = try await web.app.store.samplePlan(id, scope: user.scope)
        else { throw WebInterrupt.notFound() }
        return v
    }

    static func page(
        _ web: WebRequest, _ user: Principal, _ view: SamplePlanView, sheet: String = "", problems: [(line: Int, message: Message)] = [],
        status: HTTPResponse.Status = .ok, beaconValue: String? = nil
    ) async throws -> Response {
        let store = web.app.store
        let found = try await store.sampleFindings(view.seq)
        var byItem: [ItemIdentity: SampleFinding] = [:]
        for f in found { byItem[f.item] = f.finding }
        var page: SamplePage
        switch try await store.sampleDraw(view, beaconValue: beaconValue) {
        case .waiting(let what):
            page = SamplePage(
                entry: entry(view, examined: found.count), waiting: what, items: [], report: nil, checkpointSize: nil, checkpointRoot: nil,
                witnesses: 0, seed: nil, mayRecord: false)
        case .drawn(let drawn):
            page = SamplePage(
                entry: entry(view, examined: found.count), waiting: nil, items: drawn.items.map { ($0, byItem[$0]) },
                report: SampleReport(plan: view.plan, findings: found.map(\.finding)), checkpointSize: drawn.checkpointSize,
                checkpointRoot: drawn.checkpointRoot, witnesses: drawn.witnesses.count, seed: drawn.seed,
                mayRecord: user.role.may(.record(.sampleFinding)), sheet: sheet, problems: problems)
        }
        page.beaconValue = beaconValue
        return web.html(web.site.renderer.sample(page, context: await web.pageContext(user)), status: status)
    }

    static func entry(_ v: SamplePlanView, examined: Int) -> SamplePlanEntry {
        SamplePlanEntry(seq: v.seq, plan: v.plan, plannedAt: v.plannedAt, plannedBy: v.plannedBy, examined: examined)
    }
}
