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
            cursor: try q.string("cursor"))
        let page = try await app.store.searchEvents(query)
        return Render.page("events", page.elements.map { Render.event(seq: $0.seq, leaf: $0.leaf) }, nextCursor: page.nextCursor)
            .response()
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
        try await checkCorrections(events, principal.scope, app)
        try await checkConfirmations(events, request: request, recorder: principal, app: app)

        let report = try await app.writer.submit(
            AppendRequest(events: events, recordedBy: principal.code, recordedAt: app.timestamp(), dryRun: dryRun))
        guard report.errors.isEmpty else {
            let (subject, them) =
                events.count == 1
                ? ("the event does", "it") : ("\(report.errors.count) of \(events.count) events do", "them")
            throw Problem.refused(
                "\(subject) not fit the register's state; nothing was written. Fix \(them) and send the whole request again",
                errors: report.errors.map { .init(index: $0.line - 1, field: $0.field, message: $0.message) })
        }
        if dryRun {
            return JSONOut.object([("dryRun", .bool(true)), ("accepted", .int(Int64(report.accepted)))]).response()
        }
        context.log(.info, "events recorded", ["events": "\(report.accepted)", "firstSeq": "\(report.firstSeq)"])
        return JSONOut.object([
            ("dryRun", .bool(false)), ("accepted", .int(Int64(report.accepted))), ("firstSeq", .int(report.firstSeq)),
            ("size", .int(report.size)), ("checkpoint", .optional(report.checkpoint)),
        ]).response(status: .created)
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

    /// The role rule and the scope rule for every event.
    static func authorize(_ events: [Event], _ principal: Principal) throws {
        var forbidden: [Problem.FieldProblem] = []
        var outside: [Problem.FieldProblem] = []
        for (index, event) in events.enumerated() {
            if !principal.role.may(.record(event.kind)) {
                forbidden.append(
                    .init(
                        index: index, field: "kind",
                        message: "the role \(principal.role.rawValue) may not record \(event.kind.rawValue) events"))
            }
            // The holders that must be inside the scope: a dispatch or export needs only its
            // sender, a receive only its receiver, everything else every holder it names.
            let required = Set(HolderScope.holdersInScope(for: event))
            var flagged = false
            for (field, code) in namedHolders(event) where required.contains(code) && !principal.scope.contains(code) {
                outside.append(
                    .init(
                        index: index, field: field,
                        message: "\(code) is not a holder inside your scope (\(principal.scope.root ?? ""))"))
                flagged = true
            }
            if !flagged, !principal.scope.admits(event) {
                outside.append(.init(index: index, field: "", message: "the event is outside your scope"))
            }
        }
        if !forbidden.isEmpty {
            throw Problem.forbidden(
                "your role (\(principal.role.rawValue)) may not record \(forbidden.count == 1 ? "this event" : "these events"); nothing was written",
                errors: forbidden)
        }
        if !outside.isEmpty {
            throw Problem.outOfScope(
                "the request names holders outside your scope; nothing was written. Ask someone whose scope covers them",
                errors: outside)
        }
    }

    /// The holders an event names, with the field that names each.
    static func namedHolders(_ event: Event) -> [(String, String)] {
        var out: [(String, String)] = []
        if let from = event.from { out.append(("from", from)) }
        if let to = event.to { out.append(("to", to)) }
        if let change = event.holder {
            if event.kind != .holderAdd { out.append(("holder.code", change.code)) }
            if let parent = change.parent { out.append(("holder.parent", parent)) }
        }
        return out
    }

    /// A scoped user corrects only events whose holders are all inside their scope.
    static func checkCorrections(_ events: [Event], _ scope: HolderScope, _ app: AppState) async throws {
        guard !scope.isEverything else { return }
        var outside: [Problem.FieldProblem] = []
        for (index, event) in events.enumerated() where event.kind == .correction {
            guard let corrected = event.corrects else { continue }
            let named = try await app.store.holdersNamed(bySeq: corrected)
            if let code = named.first(where: { !scope.contains($0) }) {
                outside.append(
                    .init(index: index, field: "corrects", message: "event \(corrected) names \(code), outside your scope"))
            }
        }
        if !outside.isEmpty {
            throw Problem.outOfScope(
                "a correction may only correct events inside your scope; nothing was written", errors: outside)
        }
    }

    /// The holder codes an event names; for a correction, those of the event it corrects.
    static func holderCodes(_ event: Event, _ app: AppState) async throws -> [String] {
        if event.kind == .correction, let corrected = event.corrects { return try await app.store.holdersNamed(bySeq: corrected) }
        return namedHolders(event).map(\.1)
    }

    /// Whether a confirming user is party to the event: a holder it names is inside their
    /// scope (a custodian confirms a hand-over to themselves, a depot's officer what leaves
    /// the depot).
    static func isParty(_ scope: HolderScope, to codes: [String]) -> Bool {
        scope.isEverything || codes.contains(where: scope.contains)
    }

    /// The two-person rule: every code in an event's `confirmedBy` needs a valid, unexpired
    /// confirmation token from that user, in the `Custodia-Confirmation` header; the user must
    /// be active, allowed to confirm, party to the event (a holder it names inside their
    /// scope), and not the recorder.
    static func checkConfirmations(_ events: [Event], request: Request, recorder: Principal, app: AppState) async throws {
        guard events.contains(where: { !$0.confirmedBy.isEmpty }) else { return }
        var tokens: [ConfirmationTokens.Parsed] = []
        for (n, text) in request.headers[values: .confirmation].flatMap({ $0.split(separator: ",") }).enumerated() {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let parsed = ConfirmationTokens.parse(trimmed) else {
                throw Problem.badRequest(
                    "Custodia-Confirmation token \(n + 1) is not a confirmation token; send the tokens POST /api/v1/confirmations gave, separated by commas"
                )
            }
            tokens.append(parsed)
        }
        try await checkConfirmations(events, tokens: tokens, recorder: recorder, app: app)
    }

    /// The two-person rule over confirmation tokens already read (from the header, or issued
    /// by the web pages when the confirming person typed their password).
    static func checkConfirmations(
        _ events: [Event], tokens: [ConfirmationTokens.Parsed], recorder: Principal, app: AppState
    ) async throws {
        guard events.contains(where: { !$0.confirmedBy.isEmpty }) else { return }
        let now = Int64(app.now().timeIntervalSince1970)
        var errors: [Problem.FieldProblem] = []
        for (index, event) in events.enumerated() {
            var seen: Set<String> = []
            for (n, code) in event.confirmedBy.enumerated() {
                func fail(_ message: String) { errors.append(.init(index: index, field: "confirmedBy[\(n)]", message: message)) }
                guard seen.insert(code).inserted else {
                    fail("\(code) is named twice; each person confirms once")
                    continue
                }
                guard code != recorder.code else {
                    fail("you record this event, so you cannot also confirm it; name the second person")
                    continue
                }
                let candidates = tokens.filter { $0.user == code && app.confirmations.matches($0, event: event) }
                guard !candidates.isEmpty else {
                    fail(
                        "no confirmation from \(code) for this event's content; ask \(code) to confirm it (POST /api/v1/confirmations) and send the token in the Custodia-Confirmation header"
                    )
                    continue
                }
                guard candidates.contains(where: { $0.expires > now }) else {
                    fail("the confirmation from \(code) has expired; ask \(code) to confirm the event again")
                    continue
                }
                guard let account = try await app.users.user(code: code), account.active else {
                    fail("\(code) is not an active user")
                    continue
                }
                guard account.role.may(.confirm) else {
                    fail("\(code) has the role \(account.role.rawValue), which may not confirm events")
                    continue
                }
                let scope = try await app.directory.scope(root: account.scope)
                guard isParty(scope, to: try await holderCodes(event, app)) else {
                    fail("the event names no holder inside \(code)'s scope, so \(code) cannot confirm it")
                    continue
                }
            }
        }
        if !errors.isEmpty {
            throw Problem.confirmationRequired(
                "events naming people in confirmedBy need those people's confirmations; nothing was written", errors: errors)
        }
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
