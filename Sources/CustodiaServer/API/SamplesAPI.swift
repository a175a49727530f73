import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Hummingbird

/// Sampling over the API: the same store functions and rules as `custodia sample`. A plan
/// under a holder is visible to readers whose scope holds it; a plan over the whole register
/// to readers of the whole register.
enum SamplesAPI {
    /// `GET /api/v1/samples`: the plans, newest first.
    @Sendable static func list(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let plans = try await app.store.samplePlans(scope: principal.scope)
        return JSONOut.object([("samples", .array(plans.map { .raw(CanonicalJSON.encode($0.jsonValue)) }))]).response()
    }

    /// `POST /api/v1/samples`: plans one; `{categories?, model?, holder?, declared?,
    /// confidence?, detect? | size?, beacon?}`.
    @Sendable static func plan(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.record(.samplePlan), "plan a sample")
        let body = try StocktakesAPI.Body(
            try await RequestBody.json(request, limit: 16 * 1024),
            allowed: ["categories", "model", "holder", "declared", "confidence", "detect", "size", "beacon"])
        var categories: [CustodiaCore.Category] = []
        for (n, v) in try body.array("categories").enumerated() {
            guard let s = v.stringValue, let c = CustodiaCore.Category(rawValue: s) else {
                throw Problem.badRequest(
                    "categories[\(n)] is not a category; use \(CustodiaCore.Category.allCases.map(\.rawValue).joined(separator: ", "))",
                    errors: [.init(index: nil, field: "categories[\(n)]", message: "unknown category")])
            }
            categories.append(c)
        }
        var holder = try body.code("holder")
        if let h = holder {
            guard let known = try await app.store.holders().first(where: { $0.code.lowercased() == h.lowercased() }),
                principal.scope.contains(known.code)
            else {
                throw Problem.refused("unknown holder \(h); nothing was written", errors: [.init(index: nil, field: "holder", message: "unknown holder \(h)")])
            }
            holder = known.code
        }
        let event: Event
        do {
            event = try await app.store.samplePlanEvent(
                categories: categories, model: try body.string("model"), holder: holder, declared: try body.int("declared"),
                confidence: try body.string("confidence") ?? "0.95", detect: try body.int("detect"), size: try body.int("size"),
                beacon: try body.string("beacon"), occurredAt: app.timestamp())
        } catch let e as FieldError {
            throw Problem.badRequest("\(e.description); nothing was written", errors: [.init(index: nil, field: e.field, message: e.message)])
        }
        guard let seq = try await StocktakesAPI.record(event, principal, app),
            let view = try await app.store.samplePlan(seq, scope: principal.scope)
        else { throw Problem.internalError() }
        return JSONOut.raw(CanonicalJSON.encode(view.jsonValue)).response(status: .created)
    }

    /// `GET /api/v1/samples/{id}/draw`: the sample, or 409 saying what the draw waits for.
    @Sendable static func draw(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        let q = try QueryParameters(request, allowed: ["beaconValue"])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let drawn = try await drawn(request, context, principal, app, beacon: try q.string("beaconValue", maxLength: 1024))
        return JSONOut.raw(CanonicalJSON.encode(drawn.jsonValue)).response()
    }

    /// `POST /api/v1/samples/{id}/findings`: `{serials: [serial or {serial, manufacturer}],
    /// finding, beaconValue?}`; each serial must be a drawn item with no finding yet.
    @Sendable static func findings(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.record(.sampleFinding), "record sample findings")
        let body = try StocktakesAPI.Body(
            try await RequestBody.json(request, limit: app.configuration.maxBatchBytes), allowed: ["serials", "finding", "beaconValue"])
        guard let text = try body.string("finding", required: true), let finding = SampleFinding(rawValue: text) else {
            throw Problem.badRequest(
                "finding must be one of \(SampleFinding.allCases.map(\.rawValue).joined(separator: ", "))",
                errors: [.init(index: nil, field: "finding", message: "unknown finding")])
        }
        var reads: [CountRead] = []
        for (n, v) in try body.array("serials").enumerated() {
            switch v {
            case .string(let s): reads.append(CountRead(serial: try StocktakesAPI.serial(s, "serials[\(n)]"), line: n + 1))
            case .object:
                let o = try StocktakesAPI.Body(v, allowed: ["serial", "manufacturer"], path: "serials[\(n)]")
                reads.append(
                    CountRead(
                        serial: try StocktakesAPI.serial(try o.string("serial", required: true)!, "serials[\(n)].serial"),
                        manufacturer: try o.string("manufacturer"), line: n + 1))
            default: throw Problem.badRequest("serials[\(n)] must be a serial or {serial, manufacturer}")
            }
        }
        let drawn = try await drawn(request, context, principal, app, beacon: try body.string("beaconValue"))
        let event: Event
        do {
            event = try await app.store.sampleFinding(drawn, reads: reads, finding: finding, occurredAt: app.timestamp())
        } catch let problems as CountProblems {
            throw Problem.refused(
                "\(problems.problems.count) of the serials cannot be recorded; nothing was written",
                errors: problems.problems.map { .init(index: $0.line > 0 ? $0.line - 1 : nil, field: $0.line > 0 ? "serials[\($0.line - 1)]" : "serials", message: $0.message) })
        }
        let seq = try await StocktakesAPI.record(event, principal, app) ?? 0
        let examined = try await app.store.sampleFindings(drawn.plan.seq).count
        return JSONOut.object([
            ("seq", .int(seq)), ("recorded", .int(Int64(event.items.count))), ("examined", .int(Int64(examined))),
            ("sample", .int(Int64(drawn.items.count))),
        ]).response(status: .created)
    }

    /// `GET /api/v1/samples/{id}/report`: the verification certificate's figures.
    @Sendable static func report(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        let q = try QueryParameters(request, allowed: ["beaconValue"])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let drawn = try await drawn(request, context, principal, app, beacon: try q.string("beaconValue", maxLength: 1024), items: false)
        let report = try await app.store.sampleReport(drawn.plan)
        return JSONOut.raw(CanonicalJSON.encode(report.jsonValue(drawn: drawn))).response()
    }

    static func drawn(
        _ request: Request, _ context: CustodiaRequestContext, _ principal: Principal, _ app: AppState, beacon: String?,
        items: Bool = true
    ) async throws -> SampleDrawn {
        let id = try request.number("id", context: context)
        guard let view = try await app.store.samplePlan(id, scope: principal.scope) else {
            throw Problem.notFound("no sample plan \(id) in your scope")
        }
        switch try await app.store.sampleDraw(view, beaconValue: beacon, items: items) {
        case .waiting(let what): throw Problem.refused("the sample of plan \(id) cannot be drawn yet: it waits for \(what)", errors: [])
        case .drawn(let d): return d
        }
    }
}
