import CustodiaCore
import CustodiaStore
import Foundation
import HTTPTypes
import Hummingbird

/// Events: listing, one event, and recording (one event or a batch, all-or-nothing).
enum EventsAPI {
    @Sendable static func search(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(
            request, allowed: ["kind", "holder", "item", "fromSeq", "toSeq", "order", "limit", "cursor"])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let query = EventQuery(
            kind: try q.choice("kind", EventKind.self), holder: try q.code("holder"),
            itemID: try q.int("item", in: 1...Int64.max), fromSeq: try q.int("fromSeq", in: 0...Int64.max),
            toSeq: try q.int("toSeq", in: 0...Int64.max), scope: principal.scope,
            order: try q.choice("order", EventQuery.Order.self) ?? .ascending, limit: try q.limit(),
            cursor: try app.cursors.open(q.string("cursor"), listing: "events", user: principal.code))
        let page = try await app.store.searchEvents(query)
        return Render.page(
            "events", page.elements.map { Render.event(seq: $0.seq, leaf: $0.leaf) },
            nextCursor: app.cursors.sign(page.nextCursor, listing: "events", user: principal.code)
        ).response()
    }

    /// One event, when it names a holder inside the scope.
    @Sendable static func one(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let seq = try request.number("seq", context: context)
        guard let event = try await app.store.event(seq: seq) else { throw Problem.notFound("no event \(seq) in your scope") }
        if !principal.scope.isEverything {
            guard try await app.store.holdersNamed(bySeq: seq).contains(where: principal.scope.contains) else {
                throw Problem.notFound("no event \(seq) in your scope")
            }
        }
        return Render.event(seq: event.seq, leaf: event.leaf).response()
    }

    /// `POST /api/v1/events`: one event (a JSON object) or a batch (an array), in the input
    /// format of `custodia record`. A batch is all-or-nothing. `recordedBy` is always the
    /// signed-in user and `recordedAt` the server's clock; a body that sets either is refused.
    @Sendable static func record(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["dryRun"])
        let dryRun = try q.bool("dryRun") ?? false
        let principal = try context.requirePrincipal()
        let body = try await RequestBody.json(request, limit: app.configuration.maxBatchBytes)
        let values: [JSONValue]
        switch body {
        case .object: values = [body]
        case .array(let elements):
            guard !elements.isEmpty else { throw Problem.badRequest("the batch is empty; send at least one event") }
            guard elements.count <= app.configuration.maxBatchEvents else {
                throw Problem.badRequest(
                    "the batch has \(elements.count) events; send at most \(app.configuration.maxBatchEvents) per request")
            }
            values = elements
        default:
            throw Problem.badRequest("the body must be one event (a JSON object) or a batch (an array of events)")
        }

        let events = try parse(values)
        try authorize(events, principal)
        let confirmations = try confirmations(for: events, request: request, app: app)

        let report = try await app.writer.submit(
            AppendRequest(
                events: events, recordedBy: principal.code, recordedAt: app.timestamp(), dryRun: dryRun,
                authority: principal.authority, window: app.configuration.timeWindow, confirmations: confirmations))
        try refusal(report, count: events.count)
        if dryRun {
            return JSONOut.object([("dryRun", .bool(true)), ("accepted", .int(Int64(report.accepted)))]).response()
        }
        context.log(.info, "events recorded", ["events": "\(report.accepted)", "firstSeq": "\(report.firstSeq)"])
        return JSONOut.object([
            ("dryRun", .bool(false)), ("accepted", .int(Int64(report.accepted))), ("firstSeq", .int(report.firstSeq)),
            ("size", .int(report.size)), ("checkpoint", .optional(report.checkpoint)),
        ]).response(status: .created)
    }

    /// The rules' refusal as a problem: 403 `confirmation-required` when only the two-person
    /// rule refused, else 409 `refused-by-rules`. Nothing when the report has no errors.
    static func refusal(_ report: AppendReport, count: Int) throws {
        guard !report.errors.isEmpty else { return }
        let errors = report.errors.map {
            Problem.FieldProblem(index: $0.line - 1, field: $0.field, message: $0.message, code: $0.code)
        }
        if report.errors.allSatisfy({ $0.rule?.hasPrefix(CustodyViolation.confirmationRule) == true }) {
            throw Problem.confirmationRequired(
                "events that need a second person, or name one in confirmedBy, need that person's confirmation; nothing was written",
                errors: errors)
        }
        let (subject, them) =
            count == 1 ? ("the event does", "it") : ("\(report.errors.count) of \(count) events do", "them")
        throw Problem.refused(
            "\(subject) not fit the register's state; nothing was written. Fix \(them) and send the whole request again",
            errors: errors)
    }

    /// Every element read as an event; all the malformed ones reported at once.
    static func parse(_ values: [JSONValue]) throws -> [Event] {
        var events: [Event] = []
        var errors: [Problem.FieldProblem] = []
        for (index, value) in values.enumerated() {
            do {
                let event = try Event(json: value)
                guard !event.kind.isUserChange else {
                    errors.append(
                        .init(
                            index: index, field: "kind",
                            message:
                                "users and tokens are changed with `custodia user` and `custodia token` (or POST /api/v1/users/{code}/disable), which keep their secrets beside the ledger"
                        ))
                    continue
                }
                guard !event.kind.isSampling else {
                    errors.append(
                        .init(
                            index: index, field: "kind",
                            message: "a sample is planned and its findings recorded with POST /api/v1/samples and /api/v1/samples/{id}/findings, which compute the population and the draw"
                        ))
                    continue
                }
                guard event.kind != .stocktakeOpen, event.kind != .stocktakeClose else {
                    errors.append(
                        .init(
                            index: index, field: "kind",
                            message:
                                "a stocktake is opened and closed with POST /api/v1/stocktakes and /api/v1/stocktakes/{id}/close, which compute what it expects and what it found"
                        ))
                    continue
                }
                events.append(event)
            } catch {
                errors.append(.init(index: index, field: error.field, message: error.message))
            }
        }
        guard errors.isEmpty else {
            throw Problem.badRequest(
                values.count == 1
                    ? "the event is not valid: \(errors[0].field.isEmpty ? "" : errors[0].field + ": ")\(errors[0].message); nothing was written"
                    : "\(errors.count) of \(values.count) events are not valid; nothing was written. Fix them and send the whole batch again",
                slug: "invalid-event", errors: errors)
        }
        return events
    }

    /// The role rule, answered before anything is read: 403 when the role may not record a
    /// kind. Everything that depends on the register (the scope, the custody rules, the
    /// second person) is the custody engine's, on every path alike.
    static func authorize(_ events: [Event], _ principal: Principal) throws {
        var forbidden: [Problem.FieldProblem] = []
        for (index, event) in events.enumerated() where !principal.role.may(.record(event.kind)) {
            forbidden.append(
                .init(
                    index: index, field: "kind",
                    message: "the role \(principal.role.rawValue) may not record \(event.kind.rawValue) events"))
        }
        if !forbidden.isEmpty {
            throw Problem.forbidden(
                "your role (\(principal.role.rawValue)) may not record \(forbidden.count == 1 ? "this event" : "these events"); nothing was written",
                errors: forbidden)
        }
    }

    /// The holder codes an event names, with a correction's those of the event it corrects.
    static func holderCodes(_ event: Event, _ app: AppState) async throws -> [String] {
        if event.kind == .correction, let corrected = event.corrects { return try await app.store.holdersNamed(bySeq: corrected) }
        return HolderScope.holdersNamed(by: event)
    }

    /// Whether a confirming user is party to the event: a holder it names is inside their
    /// scope (a custodian confirms a hand-over to themselves, a depot's officer what leaves
    /// the depot).
    static func isParty(_ scope: HolderScope, to codes: [String]) -> Bool {
        scope.isEverything || codes.contains(where: scope.contains)
    }

    /// The second people's proofs in the `Custodia-Confirmation` header, per event: each
    /// token this server issued for exactly that event's content and the person it names.
    /// The custody engine decides whether they suffice (and consumes them); an expired token
    /// is refused here, where its time is known.
    static func confirmations(for events: [Event], request: Request, app: AppState) throws -> [[Confirmation]] {
        let texts = request.headers[values: .confirmation].flatMap { $0.split(separator: ",") }
        guard !texts.isEmpty else { return [] }
        var tokens: [(ConfirmationTokens.Parsed, String)] = []
        for (n, text) in texts.enumerated() {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let parsed = ConfirmationTokens.parse(trimmed) else {
                throw Problem.badRequest(
                    "Custodia-Confirmation token \(n + 1) is not a confirmation token; send the tokens POST /api/v1/confirmations gave, separated by commas"
                )
            }
            tokens.append((parsed, trimmed))
        }
        return try confirmations(for: events, tokens: tokens, app: app)
    }

    /// The proofs among `tokens` (each with its text) for each event.
    static func confirmations(for events: [Event], tokens: [(ConfirmationTokens.Parsed, String)], app: AppState) throws
        -> [[Confirmation]]
    {
        let now = Int64(app.now().timeIntervalSince1970)
        var expired: [Problem.FieldProblem] = []
        let proofs = events.enumerated().map { index, event in
            let found = app.confirmations.proofs(for: event, tokens: tokens, now: now)
            for (n, code) in found.expired {
                expired.append(
                    .init(
                        index: index, field: "confirmedBy[\(n)]",
                        message: "the confirmation from \(code) has expired; ask \(code) to confirm the event again"))
            }
            return found.proofs
        }
        if !expired.isEmpty {
            throw Problem.confirmationRequired(
                "events naming people in confirmedBy need those people's confirmations; nothing was written", errors: expired)
        }
        return proofs
    }
}

/// Two-person confirmations.
enum ConfirmationsAPI {
    /// `POST /api/v1/confirmations` with the event exactly as it will be recorded (naming
    /// the confirming user in `confirmedBy`): a token the recorder sends along with it.
    @Sendable static func confirm(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.confirm, "confirm events")
        let body = try await RequestBody.json(request, limit: app.configuration.maxBodyBytes)
        guard case .object = body else {
            throw Problem.badRequest("the body must be the one event (a JSON object) being confirmed")
        }
        let event = try EventsAPI.parse([body])[0]
        guard event.confirmedBy.contains(principal.code) else {
            throw Problem.badRequest(
                "the event does not name you (\(principal.code)) in confirmedBy; a confirmation is for an event that names its confirmer",
                errors: [.init(index: 0, field: "confirmedBy", message: "add \(principal.code)")])
        }
        guard EventsAPI.isParty(principal.scope, to: try await EventsAPI.holderCodes(event, app)) else {
            throw Problem.outOfScope(
                "you can confirm only events that name a holder inside your scope (\(principal.scope.root ?? ""))")
        }
        let (token, expires) = app.confirmations.issue(for: event, user: principal.code, now: app.now())
        context.log(.info, "event confirmed")
        return JSONOut.object([
            ("confirmation", .string(token)), ("user", .string(principal.code)), ("expiresAt", .string(app.timestamp(expires))),
        ]).response(status: .created)
    }
}
