import CustodiaCore
import CustodiaStore
import CustodiaWeb
import Foundation
import HTTPTypes
import Hummingbird

/// Recording through the forms: the menu, a form per kind, the confirmation page, and the
/// write.
///
/// Nothing is written until the confirmation page's button is pressed; then the form is
/// validated again (the register may have changed), and the event goes through exactly what
/// `POST /api/v1/events` applies: the role rule, then the custody engine's authorisation,
/// custody and two-person rules in the group-commit writer, recorded as the signed-in user.
///
/// The two-person rule: on the confirmation page each person named in `confirmedBy` types
/// their own password; the server checks it (with the sign-in throttle) and the proof goes to
/// the custody rules, which check that the person is an active user whose role may confirm,
/// whose scope holds a holder the event names, other than the recorder, exactly as for a
/// confirmation token on the API. Nothing about a person is said before their password.
enum WebRecording {
    // MARK: Menu and form

    @Sendable static func menu(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        return web.html(web.site.renderer.recordMenu(context: await web.pageContext(user)))
    }

    /// The kind of `/record/<kind>`: 404 for a kind the forms do not record, 403 when the
    /// role may not record it.
    static func kind(_ web: WebRequest, _ user: Principal) throws -> EventKind {
        guard let kind = WebPaths.recordingKind(web.context.parameters.get("kind") ?? "") else {
            throw WebInterrupt.notFound()
        }
        guard user.role.may(.record(kind)) else {
            throw WebInterrupt.error(
                status: 403,
                detail: Message(
                    "error.notRecordable", ["role": .key("role.\(user.role.rawValue)"), "kind": .key("kind.\(kind.rawValue)")]))
        }
        return kind
    }

    /// `GET /record/<kind>`: the form, prefilled from the query (the item page's buttons).
    @Sendable static func form(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let kind = try kind(web, user)
        let names = Set(RecordingForm.definition(for: kind).fields.map(\.field.rawValue))
        var values: [String: String] = [:]
        for item in web.query where names.contains(item.name) && values[item.name] == nil {
            values[item.name] = String(item.value.prefix(RecordingForm.maxTextBytes * 2))
        }
        return try await formPage(web, user, kind, values: values, errors: FormErrors(), status: .ok)
    }

    /// The form with its values and errors; a receive form lists the open dispatches
    /// addressed into the user's scope.
    static func formPage(
        _ web: WebRequest, _ user: Principal, _ kind: EventKind, values: [String: String], errors: FormErrors,
        status: HTTPResponse.Status
    ) async throws -> Response {
        var dispatches: [DispatchView] = []
        var names: [String: String] = [:]
        if kind == .receive {
            dispatches = try await web.app.store.openDispatches(to: user.scope, limit: 100)
            names = try await web.site.names(dispatches.flatMap { [$0.from, $0.to] }, within: user.scope)
        }
        let page = RecordFormPage(
            kind: kind, values: values, errors: errors, openDispatches: dispatches, holderNames: names)
        return web.html(web.site.renderer.recordForm(page, context: await web.pageContext(user)), status: status)
    }

    // MARK: Checking

    /// `POST /record/<kind>`: validates and shows the confirmation page, or the form with its
    /// errors; with the field `edit`, shows the form again as it was. Records nothing.
    @Sendable static func check(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let kind = try kind(web, user)
        let fields = try await web.formFields()
        if RecordFormPage.isEditRequest(fields) {
            return try await formPage(web, user, kind, values: formValues(fields, kind), errors: FormErrors(), status: .ok)
        }
        switch try await validate(web, user, kind, fields) {
        case .invalid(let errors):
            return try await formPage(
                web, user, kind, values: formValues(fields, kind), errors: errors, status: .unprocessableContent)
        case .valid(let recording):
            let page = ConfirmationPage(recording: recording)
            return web.html(web.site.renderer.confirmation(page, context: await web.pageContext(user)))
        }
    }

    /// The form's own fields (never the CSRF token or a password).
    static func formValues(_ fields: [String: String], _ kind: EventKind) -> [String: String] {
        let names = Set(RecordingForm.definition(for: kind).fields.map(\.field.rawValue))
        return fields.filter { names.contains($0.key) }
    }

    /// The validator. The people named to confirm are checked only with their passwords, on
    /// the confirmation page: before that, the form says nothing about who they are.
    static func validate(_ web: WebRequest, _ user: Principal, _ kind: EventKind, _ fields: [String: String]) async throws
        -> RecordingResult
    {
        let validator = RecordingValidator(
            resolver: StoreRecordingResolver(store: web.app.store, directory: web.app.directory), scope: user.scope,
            now: web.now, language: web.language)
        let result = try await validator.validate(kind: kind, fields: fields)
        guard case .valid(let recording) = result else { return result }
        // The rules themselves, on a dry run (the policy in force, the people named to
        // confirm, everything else the engine checks): only the second people's proofs are
        // left to the confirmation page.
        let report = try await web.app.writer.submit(
            AppendRequest(
                events: [recording.event], recordedBy: user.code, recordedAt: web.app.timestamp(), dryRun: true,
                authority: user.authority, window: web.app.configuration.timeWindow, confirmations: []))
        let refusals = report.errors.filter { $0.rule != CustodyViolation.ConfirmationRefusal.missing.rule }
        guard !refusals.isEmpty else { return result }
        var errors = FormErrors()
        for e in refusals {
            if e.rule?.hasPrefix(CustodyViolation.confirmationRule) == true {
                errors.add(.confirmedBy, confirmationMessage(e, recording.event))
            } else {
                errors.addRefusal(field: e.field, reason: e.message, rule: e.rule, details: e.details)
            }
        }
        return .invalid(errors)
    }

    // MARK: Recording

    /// `POST /record/<kind>/confirm`: validates again, takes the confirming people's
    /// passwords, records, and goes to the receipt (or the item).
    @Sendable static func confirm(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let kind = try kind(web, user)
        let fields = try await web.formFields()
        let recording: ValidRecording
        switch try await validate(web, user, kind, fields) {
        case .invalid(let errors):
            return try await formPage(
                web, user, kind, values: formValues(fields, kind), errors: errors, status: .unprocessableContent)
        case .valid(let valid):
            recording = valid
        }
        let event = recording.event

        // The two-person rule: each confirming person's password proves their consent; the
        // custody rules then check the rest, as for a confirmation token on the API.
        var confirmerErrors: [String: [Message]] = [:]
        var proofs: [Confirmation] = []
        for (n, code) in event.confirmedBy.enumerated() {
            let password = fields[ConfirmationPage.passwordField(n)] ?? ""
            if let problem = try await checkPassword(password, of: code, web) {
                confirmerErrors[code, default: []].append(problem)
                continue
            }
            let issued = web.app.confirmations.issue(for: event, user: code, now: web.app.now())
            proofs.append(Confirmation(user: code, id: ConfirmationTokens.id(of: issued.token)))
        }
        if !confirmerErrors.isEmpty {
            return await confirmationPage(web, user, recording, confirmerErrors: confirmerErrors)
        }
        guard user.role.may(.record(kind)) else {
            throw WebInterrupt.error(
                status: 403,
                detail: Message(
                    "error.notRecordable", ["role": .key("role.\(user.role.rawValue)"), "kind": .key("kind.\(kind.rawValue)")]))
        }

        let report = try await web.app.writer.submit(
            AppendRequest(
                events: [event], recordedBy: user.code, recordedAt: web.app.timestamp(), authority: user.authority,
                window: web.app.configuration.timeWindow, confirmations: [proofs]))
        if !report.errors.isEmpty, report.errors.allSatisfy({ $0.rule?.hasPrefix(CustodyViolation.confirmationRule) == true }) {
            return await confirmationPage(web, user, recording, errors: report.errors.map { confirmationMessage($0, event) })
        }
        if let refused = report.errors.first {
            // The register changed between the confirmation page and the write.
            return try await formPage(
                web, user, kind, values: formValues(fields, kind),
                errors: FormErrors.refusal(
                    field: refused.field, reason: refused.message, rule: refused.rule, details: refused.details),
                status: .conflict)
        }
        web.context.logger.info(
            "event recorded through the web", metadata: ["seq": "\(report.firstSeq)", "kind": "\(kind.rawValue)"])
        return web.redirect(try await destination(after: event, seq: report.firstSeq, recording: recording, web))
    }

    /// A refusal of the two-person rule in the reader's words.
    static func confirmationMessage(_ error: LineError, _ event: Event) -> Message {
        let index = error.field.split(separator: "[").last.flatMap { Int($0.dropLast()) }
        let code = index.flatMap { $0 < event.confirmedBy.count ? event.confirmedBy[$0] : nil } ?? ""
        let key: String? =
            switch error.rule {
            case CustodyViolation.ConfirmationRefusal.inactive.rule: "error.confirmerNotUser"
            case CustodyViolation.ConfirmationRefusal.role.rule: "error.confirmerRole"
            case CustodyViolation.ConfirmationRefusal.notParty.rule: "error.confirmerNotParty"
            case CustodyViolation.ConfirmationRefusal.used.rule: "error.confirmerUsed"
            case CustodyViolation.ConfirmationRefusal.required.rule: "error.secondPersonRequired"
            case CustodyViolation.ConfirmationRefusal.recorder.rule: "error.confirmerIsRecorder"
            default: nil
            }
        guard let key else { return Message("error.refused", ["reason": .text(error.message)]) }
        return Message(key, ["code": .text(code), "kind": .key("kind.\(event.kind.rawValue)")])
    }

    /// Where to go after recording: the receipt of a hand-over, else the first item's
    /// timeline at the new entry, else the holder.
    static func destination(after event: Event, seq: Int64, recording: ValidRecording, _ web: WebRequest) async throws
        -> String
    {
        if ReceiptPage.offersReceipt(for: event.kind) { return WebPaths.receipt(seq) }
        if let first = recording.items.first { return WebPaths.item(first.id) + "#e\(seq)" }
        if let holder = event.from ?? event.to { return WebPaths.holder(holder) }
        return WebPaths.dashboard
    }

    /// A confirming person's password: nil when right; else why not, in the reader's words.
    /// Attempts count against the sign-in throttle (per address and account), so the page
    /// cannot be used to guess passwords; an unknown or disabled user gets the answer a
    /// wrong password gets.
    static func checkPassword(_ password: String, of code: String, _ web: WebRequest) async throws -> Message? {
        guard !password.isEmpty else { return Message("error.confirmerMissing", ["code": .text(code)]) }
        switch try await web.app.checkPassword(user: code, password: password, clientAddress: web.clientAddress) {
        case .accepted: return nil
        case .throttled(let wait):
            return Message(
                "error.confirmerRateLimited", ["code": .text(code), "minutes": .number(Int64(max(1, (wait + 59) / 60)))])
        case .refused:
            web.app.metrics.signIn("confirmation-refused")
            return Message("error.confirmerPassword", ["code": .text(code)])
        }
    }

    static func confirmationPage(
        _ web: WebRequest, _ user: Principal, _ recording: ValidRecording, confirmerErrors: [String: [Message]] = [:],
        errors: [Message] = []
    ) async -> Response {
        let page = ConfirmationPage(recording: recording, confirmerErrors: confirmerErrors, errors: errors)
        return web.html(
            web.site.renderer.confirmation(page, context: await web.pageContext(user)), status: .unprocessableContent)
    }
}
