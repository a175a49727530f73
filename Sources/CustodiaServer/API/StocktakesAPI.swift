import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Hummingbird

/// Stocktakes over the API: the same store functions and custody rules as
/// `custodia stocktake`. A stocktake is visible to readers whose scope holds its holder; a
/// blind one that is open shows nobody what is expected, nor progress against it.
enum StocktakesAPI {
    /// `GET /api/v1/stocktakes`: newest first, `holder` and `status` to narrow.
    @Sendable static func list(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        let q = try QueryParameters(request, allowed: ["holder", "status"])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let holder = try q.code("holder")
        let status = try q.choice("status", Status.self)
        var all = try await app.store.stocktakes(scope: principal.scope)
        if let holder { all.removeAll { $0.holder.lowercased() != holder.lowercased() } }
        if let status { all.removeAll { $0.isOpen != (status == .open) } }
        return JSONOut.object([("stocktakes", .array(all.map { .raw(CanonicalJSON.encode($0.jsonValue)) }))]).response()
    }

    enum Status: String, CaseIterable { case open, closed }

    /// `POST /api/v1/stocktakes`: opens one; `{holder, blind?, recursive?, occurredAt?}`.
    @Sendable static func open(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        let dryRun = try QueryParameters(request, allowed: ["dryRun"]).bool("dryRun") ?? false
        let principal = try context.requirePrincipal()
        try principal.require(.record(.stocktakeOpen), "open a stocktake")
        let body = try Body(try await RequestBody.json(request, limit: 16 * 1024), allowed: ["holder", "blind", "recursive", "occurredAt"])
        let holder = try body.code("holder", required: true)!
        let known = try await app.store.holders().first { $0.code.lowercased() == holder.lowercased() }
        guard let known, principal.scope.contains(known.code) else {
            throw Problem.refused(
                "unknown holder \(holder); nothing was written", errors: [.init(index: nil, field: "holder", message: "unknown holder \(holder)")])
        }
        let event = try await app.store.stocktakeOpening(
            holder: known.code, blind: try body.bool("blind") ?? false, recursive: try body.bool("recursive") ?? false,
            occurredAt: try body.time("occurredAt") ?? app.timestamp())
        guard let seq = try await record(event, principal, app, dryRun: dryRun) else {
            return JSONOut.object([("dryRun", .bool(true)), ("accepted", .int(1))]).response()
        }
        guard let view = try await app.store.stocktake(id: seq, scope: principal.scope) else { throw Problem.internalError() }
        context.log(.info, "stocktake opened", ["seq": "\(seq)"])
        return JSONOut.raw(CanonicalJSON.encode(view.jsonValue)).response(status: .created)
    }

    /// `GET /api/v1/stocktakes/{id}`: the stocktake; open, its progress (against what is
    /// expected unless blind); closed, its reconciliation.
    @Sendable static func one(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let stocktake = try await find(request, context, principal, app)
        if stocktake.isOpen {
            let p = try await app.store.stocktakeProgress(stocktake.id)
            return JSONOut.raw(
                CanonicalJSON.encode(
                    .object([
                        ("stocktake", stocktake.jsonValue),
                        ("progress", p.jsonValue(expected: stocktake.opening.blind ? nil : stocktake.opening)),
                    ]))
            ).response()
        }
        let result = try await app.store.reconciliation(of: stocktake, scope: principal.scope)
        return JSONOut.raw(CanonicalJSON.encode(result.jsonValue)).response()
    }

    /// `GET /api/v1/stocktakes/{id}/reconciliation.csv`: a closed stocktake's reconciliation as CSV.
    @Sendable static func csv(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let stocktake = try await find(request, context, principal, app)
        guard !stocktake.isOpen else {
            throw Problem.refused("stocktake \(stocktake.id) is still open; its reconciliation is made when it closes", errors: [])
        }
        let result = try await app.store.reconciliation(of: stocktake, scope: principal.scope)
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: result.reconciliation.csv)))
    }

    /// `POST /api/v1/stocktakes/{id}/counts`: `{serials: [serial or {serial, manufacturer}],
    /// lots: [{lot, manufacturer?, quantity}], unlisted?, occurredAt?}`. A serial that cannot
    /// be counted is named by its index; nothing is recorded then.
    @Sendable static func count(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        let dryRun = try QueryParameters(request, allowed: ["dryRun"]).bool("dryRun") ?? false
        let principal = try context.requirePrincipal()
        try principal.require(.record(.count), "record counts")
        let body = try Body(
            try await RequestBody.json(request, limit: app.configuration.maxBatchBytes), allowed: ["serials", "lots", "unlisted", "occurredAt"])
        let stocktake = try await find(request, context, principal, app)
        var reads: [CountRead] = []
        for (n, v) in try body.array("serials").enumerated() {
            let field = "serials[\(n)]"
            switch v {
            case .string(let s): reads.append(CountRead(serial: try serial(s, field), line: n + 1))
            case .object:
                let o = try Body(v, allowed: ["serial", "manufacturer"], path: field)
                reads.append(
                    CountRead(serial: try serial(try o.string("serial", required: true)!, "\(field).serial"), manufacturer: try o.string("manufacturer"), line: n + 1))
            default: throw Problem.badRequest("\(field) must be a serial or {serial, manufacturer}", errors: [.init(index: n, field: field, message: "expected a string or an object")])
            }
        }
        var lots: [CountedLot] = []
        for (n, v) in try body.array("lots").enumerated() {
            let o = try Body(v, allowed: ["lot", "manufacturer", "quantity"], path: "lots[\(n)]")
            guard let q = try o.int("quantity"), q >= 0 else {
                throw Problem.badRequest("lots[\(n)].quantity is missing; give the quantity counted (0 or more)")
            }
            lots.append(CountedLot(lot: try o.string("lot", required: true)!, manufacturer: try o.string("manufacturer"), quantity: q, line: n + 1))
        }
        let event: Event
        do {
            event = try await app.store.stocktakeCount(
                stocktake, reads: reads, lots: lots, unlisted: try body.bool("unlisted") ?? false,
                occurredAt: try body.time("occurredAt") ?? app.timestamp(), scope: principal.scope)
        } catch let problems as CountProblems {
            throw Problem.refused(
                "\(problems.problems.count) of the reads cannot be counted; nothing was recorded. A serial found here that is not on the holder's books is counted with \"unlisted\": true",
                errors: problems.problems.map { .init(index: $0.line > 0 ? $0.line - 1 : nil, field: $0.line > 0 ? "serials[\($0.line - 1)]" : "", message: $0.message) })
        }
        guard let seq = try await record(event, principal, app, dryRun: dryRun) else {
            return JSONOut.object([("dryRun", .bool(true)), ("accepted", .int(1))]).response()
        }
        var m: [(String, JSONOut)] = [
            ("seq", .int(seq)), ("items", .int(Int64(event.items.count))), ("lots", .int(Int64(event.lots.count))),
            ("unlisted", .int(Int64(event.unlisted.count))),
        ]
        let p = try await app.store.stocktakeProgress(stocktake.id)
        m.append(("progress", .raw(CanonicalJSON.encode(p.jsonValue(expected: stocktake.opening.blind ? nil : stocktake.opening)))))
        return JSONOut.object(m).response(status: .created)
    }

    /// `POST /api/v1/stocktakes/{id}/close`: `{occurredAt?}` or no body; the reconciliation.
    @Sendable static func close(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.record(.stocktakeClose), "close a stocktake")
        var occurredAt: String?
        if request.headers[.contentLength].map({ $0 != "0" }) ?? false {
            occurredAt = try Body(try await RequestBody.json(request, limit: 16 * 1024), allowed: ["occurredAt"]).time("occurredAt")
        }
        let stocktake = try await find(request, context, principal, app)
        guard stocktake.isOpen else {
            throw Problem.refused(
                "stocktake \(stocktake.id) is already closed; GET /api/v1/stocktakes/\(stocktake.id) gives its reconciliation", errors: [])
        }
        let (event, opened) = try await app.store.stocktakeClosing(stocktake, occurredAt: occurredAt ?? app.timestamp())
        try await record(event, principal, app)
        guard let closed = try await app.store.stocktake(id: stocktake.id, scope: principal.scope) else { throw Problem.internalError() }
        var result = try await app.store.showingWhose(opened, scope: principal.scope)
        result.stocktake = closed
        return JSONOut.raw(CanonicalJSON.encode(result.jsonValue)).response(status: .created)
    }

    /// `GET /api/v1/discrepancies`: what closed stocktakes inside the scope found and nobody resolved.
    @Sendable static func discrepancies(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let open = try await app.store.openDiscrepancies(scope: principal.scope)
        return JSONOut.object([("discrepancies", .array(open.map { .raw(CanonicalJSON.encode($0.jsonValue)) }))]).response()
    }

    /// `POST /api/v1/stocktakes/{id}/resolutions`: `{items: [{serial, manufacturer?}],
    /// unlisted: [{serial, manufacturer?}], lots: [{lot, manufacturer?}], resolvedBy?, reason?, occurredAt?}`.
    @Sendable static func resolve(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.record(.stocktakeResolve), "resolve discrepancies")
        let body = try Body(
            try await RequestBody.json(request, limit: 256 * 1024), allowed: ["items", "unlisted", "lots", "resolvedBy", "reason", "occurredAt"])
        let stocktake = try await find(request, context, principal, app)
        func reads(_ key: String, _ name: String) throws -> [(String, String?)] {
            try body.array(key).enumerated().map { n, v in
                let o = try Body(v, allowed: [name, "manufacturer"], path: "\(key)[\(n)]")
                return (try o.string(name, required: true)!, try o.string("manufacturer"))
            }
        }
        let event: Event
        do {
            event = try await app.store.stocktakeResolution(
                stocktake, items: try reads("items", "serial"),
                marks: try reads("unlisted", "serial").map { UnlistedMark(serial: $0.0, manufacturer: $0.1) },
                lots: try reads("lots", "lot"), resolvedBy: try body.int("resolvedBy"), reason: try body.string("reason"),
                occurredAt: try body.time("occurredAt") ?? app.timestamp())
        } catch let e as FieldError {
            throw Problem.refused("\(e.description); nothing was written", errors: [.init(index: nil, field: e.field, message: e.message)])
        }
        let seq = try await record(event, principal, app) ?? 0
        return JSONOut.object([("seq", .int(seq)), ("stocktake", .int(stocktake.id))]).response(status: .created)
    }

    // MARK: Helpers

    /// The stocktake of the path, when the reader's scope holds its holder.
    static func find(_ request: Request, _ context: CustodiaRequestContext, _ principal: Principal, _ app: AppState) async throws
        -> StocktakeView
    {
        let id = try request.number("id", context: context)
        guard let s = try await app.store.stocktake(id: id, scope: principal.scope) else {
            throw Problem.notFound("no stocktake \(id) in your scope")
        }
        return s
    }

    /// Records one event through the writer, as the principal; its sequence number (nil on a
    /// dry run, which checks everything and writes nothing).
    @discardableResult
    static func record(_ event: Event, _ principal: Principal, _ app: AppState, dryRun: Bool = false) async throws -> Int64? {
        let report = try await app.writer.submit(
            AppendRequest(
                events: [event], recordedBy: principal.code, recordedAt: app.timestamp(), dryRun: dryRun,
                authority: principal.authority, window: app.configuration.timeWindow, confirmations: [[]]))
        try EventsAPI.refusal(report, count: 1)
        return dryRun ? nil : report.firstSeq
    }

    static func serial(_ text: String, _ field: String) throws -> String {
        do { return try Identifier.normalized(text, field: field) } catch {
            throw Problem.badRequest("\(error.description)", errors: [.init(index: nil, field: error.field, message: error.message)])
        }
    }

    /// A JSON object body with known members.
    struct Body {
        let members: [String: JSONValue]
        let path: String

        init(_ value: JSONValue, allowed: [String], path: String = "") throws {
            guard case .object(let m) = value else {
                throw Problem.badRequest("\(path.isEmpty ? "the body" : path) must be a JSON object with \(allowed.joined(separator: ", "))")
            }
            var members: [String: JSONValue] = [:]
            for (k, v) in m {
                guard allowed.contains(k) else {
                    let field = path.isEmpty ? k : "\(path).\(k)"
                    throw Problem.badRequest(
                        "unknown field \(field); \(path.isEmpty ? "the body" : path) has \(allowed.joined(separator: ", "))",
                        errors: [.init(index: nil, field: field, message: "unknown field")])
                }
                members[k] = v
            }
            self.members = members
            self.path = path
        }

        func field(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }

        func bad(_ k: String, _ message: String) -> Problem {
            Problem.badRequest("\(field(k)): \(message)", errors: [.init(index: nil, field: field(k), message: message)])
        }

        func string(_ k: String, required: Bool = false) throws -> String? {
            guard let v = members[k] else {
                if required { throw bad(k, "missing") }
                return nil
            }
            guard case .string(let s) = v, !s.isEmpty, s.utf8.count <= 1024 else { throw bad(k, "expected a non-empty string") }
            return s
        }

        func code(_ k: String, required: Bool = false) throws -> String? {
            guard let s = try string(k, required: required) else { return nil }
            guard HolderTree.isValidCode(s) else { throw bad(k, "\"\(s.prefix(60))\" is not a holder code (1–40 letters, digits, - _ . /)") }
            return s
        }

        func bool(_ k: String) throws -> Bool? {
            guard let v = members[k] else { return nil }
            guard case .bool(let b) = v else { throw bad(k, "expected true or false") }
            return b
        }

        func int(_ k: String) throws -> Int64? {
            guard let v = members[k] else { return nil }
            guard let n = v.intValue, n >= 0 else { throw bad(k, "expected a whole number, 0 or more") }
            return n
        }

        func time(_ k: String) throws -> String? {
            guard let s = try string(k) else { return nil }
            guard Timestamp.isRFC3339UTC(s) else { throw bad(k, "\(s.prefix(40)) is not an RFC 3339 UTC time; write e.g. 2026-03-01T08:00:00Z") }
            return s
        }

        func array(_ k: String) throws -> [JSONValue] {
            guard let v = members[k] else { return [] }
            guard case .array(let a) = v else { throw bad(k, "expected a list") }
            return a
        }
    }
}
