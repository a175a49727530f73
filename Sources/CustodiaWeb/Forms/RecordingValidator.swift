import CustodiaCore

/// A recording form that passed every check: the event to record and everything the
/// confirmation page shows.
public struct ValidRecording: Sendable {
    /// The event, exactly as `POST /api/v1/events` would take it (it went through
    /// `Event(json:)`). `recordedAt` and `recordedBy` are left to the store.
    public let event: Event
    /// The items named, resolved, in the order of the form.
    public let items: [ItemRecord]
    /// The lots named, with their full marking and the quantity.
    public let lots: [LotQuantity]
    /// Every holder the event names, by code.
    public let holders: [String: Holder]
    /// The dispatch a receive completes.
    public let dispatch: DispatchView?
    /// The form's fields in canonical form (codes as stored, every serial with its
    /// manufacturer and model, times in RFC 3339): the hidden fields of the confirmation
    /// page. Validating them again gives the same event while the register is unchanged.
    public let fields: [QueryItem]

    public var kind: EventKind { event.kind }
}

/// What the validator made of a form: an event to confirm, or errors to show.
public enum RecordingResult: Sendable {
    case valid(ValidRecording)
    case invalid(FormErrors)

    public var recording: ValidRecording? {
        if case .valid(let r) = self { return r }
        return nil
    }

    public var errors: FormErrors {
        if case .invalid(let e) = self { return e }
        return FormErrors()
    }
}

/// Turns the fields of a recording form into an `Event`, or into field errors.
///
/// It checks everything a person can get wrong before anything is recorded: required
/// fields, dates, holder codes (unknown, outside the user's scope, closed, the same on both
/// sides), serials (unknown, ambiguous between manufacturers or models, listed twice, more
/// than `RecordingForm.maxLines`), each item's state against the kind (not held by `from`,
/// missing, in transit, destroyed, …), lots and their balances, and the dispatch a receive
/// completes. It reports every error at once, each on its field.
///
/// The store still applies the full custody rules when recording; a refusal there (the
/// register changed in between) comes back through `FormErrors.refusal(field:reason:)`.
/// The role check (`Role.may(.record(kind))`) is the server's.
public struct RecordingValidator: Sendable {
    let resolver: any RecordingResolver
    public let scope: HolderScope
    /// The current time (RFC 3339 UTC): the default `occurredAt`, and the limit it may not pass.
    public let now: String
    /// The user's language: Spanish also reads day-first dates.
    public let language: Language

    public init(resolver: any RecordingResolver, scope: HolderScope, now: String, language: Language) {
        self.resolver = resolver
        self.scope = scope
        self.now = now
        self.language = language
    }

    /// Validates the submitted `fields` (HTML field name → value) of a `kind` form.
    /// Throws only what the resolver throws.
    public func validate(kind: EventKind, fields submitted: [String: String]) async throws -> RecordingResult {
        var run = Run(kind: kind, form: RecordingForm.definition(for: kind), validator: self)
        guard RecordingForm.kinds.contains(kind) else {
            run.errors.addGeneral(Message("error.kindNotRecordable", ["kind": .key("kind.\(kind.rawValue)")]))
            return .invalid(run.errors)
        }
        run.read(submitted)
        try await run.check()
        return run.result()
    }
}

extension RecordingValidator {
    /// One validation: the values read, what they resolved to, and the errors so far.
    struct Run {
        let kind: EventKind
        let form: RecordingForm
        let validator: RecordingValidator
        var errors = FormErrors()
        var values: [RecordingField: String] = [:]

        var occurredAt: String?
        var dueBack: String?
        var condition: Condition?
        var from: Holder?
        var to: Holder?
        var confirmedBy: [String] = []
        var witnesses: [String] = []
        var dispatch: DispatchView?
        var items: [ItemRecord] = []
        var lots: [LotQuantity] = []
        var holders: [String: Holder] = [:]

        init(kind: EventKind, form: RecordingForm, validator: RecordingValidator) {
            self.kind = kind
            self.form = form
            self.validator = validator
        }

        var scope: HolderScope { validator.scope }
        var resolver: any RecordingResolver { validator.resolver }

        /// Keeps the fields of this form, trimmed and in NFC; blank ones are absent.
        mutating func read(_ submitted: [String: String]) {
            for spec in form.fields {
                guard let raw = submitted[spec.field.rawValue] else { continue }
                let value = raw.trimmingSpaces.nfc
                if !value.isEmpty { values[spec.field] = value }
            }
        }

        mutating func check() async throws {
            for spec in form.fields {
                let value = values[spec.field]
                if spec.required, value == nil {
                    errors.add(spec.field, Message("error.required"))
                    continue
                }
                guard let value else { continue }
                switch spec.input {
                case .text, .holder, .dispatch, .codes, .longText:
                    if value.utf8.count > RecordingForm.maxTextBytes {
                        errors.add(spec.field, Message("error.textTooLong", ["max": .number(Int64(RecordingForm.maxTextBytes))]))
                        values[spec.field] = nil
                    }
                default: break
                }
            }
            checkTimes()
            checkCondition()
            try await checkHolders()
            try await checkDispatch()
            try await checkItems()
            try await checkLots()
            if items.isEmpty, lots.isEmpty, errors[.items].isEmpty, errors[.lots].isEmpty, errors[.manufacturer].isEmpty {
                errors.add(.items, Message(form.takesLots ? "error.itemsOrLots" : "error.required"))
            }
            // The policy pack in force says which events need a second person.
            if confirmedBy.isEmpty, errors[.confirmedBy].isEmpty,
                try await resolver.policy().needsSecondPerson(kind: kind, categories: items.map(\.marking.category))
            {
                errors.add(.confirmedBy, Message("error.secondPersonRequired", ["kind": .key("kind.\(kind.rawValue)")]))
            }
        }

        // MARK: Times and condition

        mutating func checkTimes() {
            let language = validator.language
            if let text = values[.occurredAt] {
                if let t = FormInput.dateTime(text, language: language) {
                    occurredAt = t
                    if let when = CivilTime(t), let now = CivilTime(validator.now), now < when {
                        errors.add(.occurredAt, Message("error.future", ["now": .date(validator.now)]))
                    }
                } else {
                    errors.add(.occurredAt, Message("error.invalidDateTime", ["value": .text(text)]))
                }
            } else {
                occurredAt = CivilTime(validator.now)?.rfc3339 ?? validator.now
            }
            if let text = values[.dueBack] {
                if let d = FormInput.date(text, language: language) {
                    dueBack = d
                    if let occurred = occurredAt, d < Timestamp.day(of: occurred) {
                        errors.add(.dueBack, Message("error.dueBeforeOccurred", ["date": .date(Timestamp.day(of: occurred))]))
                    }
                } else {
                    errors.add(.dueBack, Message("error.invalidDate", ["value": .text(text)]))
                }
            }
        }

        mutating func checkCondition() {
            guard let text = values[.condition] else { return }
            if let c = Condition(rawValue: text) {
                condition = c
            } else {
                errors.add(.condition, Message("error.unknownCondition", ["value": .text(text)]))
            }
        }

        // MARK: Holders

        mutating func checkHolders() async throws {
            var wanted: [String] = []
            var valid: [RecordingField: String] = [:]
            for field in [RecordingField.from, .to] {
                guard let code = values[field] else { continue }
                if HolderTree.isValidCode(code) {
                    valid[field] = code
                    wanted += [code, code.uppercased()]
                } else {
                    errors.add(field, Message("error.invalidCode", ["value": .text(code)]))
                }
            }
            var people: [RecordingField: [String]] = [:]
            for field in [RecordingField.confirmedBy, .witnesses] {
                guard let text = values[field] else { continue }
                var codes: [String] = []
                for code in FormInput.codes(text) {
                    if HolderTree.isValidCode(code) {
                        codes.append(code)
                        wanted += [code, code.uppercased()]
                    } else {
                        errors.add(field, Message("error.invalidCode", ["value": .text(code)]))
                    }
                }
                people[field] = codes
            }
            guard !wanted.isEmpty else { return }
            var known: [String: Holder] = [:]
            for h in try await resolver.holders(codes: Array(Set(wanted)).sorted()) { known[h.code] = h }
            func find(_ code: String) -> Holder? { known[code] ?? known[code.uppercased()] }

            // What leaves the scope (a dispatch, an export) may go to a holder outside it that
            // is not a person, as the custody rules allow.
            let leaving = kind == .dispatch || kind == .export
            for field in [RecordingField.from, .to] {
                guard let code = valid[field] else { continue }
                guard let holder = find(code),
                    scope.contains(holder.code) || (field == .to && leaving && holder.kind != .person)
                else {
                    errors.add(field, Message("error.unknownHolder", ["code": .text(code)]))
                    continue
                }
                if field == .to, holder.closed {
                    errors.add(.to, Message("error.holderClosed", ["code": .text(holder.code)]))
                }
                if field == .from { from = holder } else { to = holder }
                // The confirmation page names only holders inside the scope.
                if scope.contains(holder.code) { holders[holder.code] = holder }
            }
            if let f = from, let t = to, f.code == t.code {
                errors.add(.to, Message("error.sameHolder", ["code": .text(f.code)]))
            }
            if kind == .export, let t = to, t.kind != .external {
                errors.add(
                    .to, Message("error.notExternal", ["code": .text(t.code), "kind": .key("holderKind.\(t.kind.rawValue)")]))
            }
            for (field, codes) in people.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                var resolved: [String] = []
                for code in codes {
                    // The people who confirm are checked with their own passwords, on the
                    // confirmation page: the form says nothing about who they are.
                    if field == .confirmedBy {
                        // A person inside the scope is shown with their name.
                        var named = code
                        if let holder = find(code), scope.contains(holder.code) {
                            holders[holder.code] = holder
                            named = holder.code
                        }
                        if !resolved.contains(named) { resolved.append(named) }
                        continue
                    }
                    guard let holder = find(code), scope.contains(holder.code) || holder.kind == .external else {
                        errors.add(field, Message("error.unknownHolder", ["code": .text(code)]))
                        continue
                    }
                    if resolved.contains(holder.code) { continue }
                    resolved.append(holder.code)
                    if scope.contains(holder.code) { holders[holder.code] = holder }
                }
                if field == .confirmedBy { confirmedBy = resolved } else { witnesses = resolved }
            }
        }

        // MARK: Dispatch

        mutating func checkDispatch() async throws {
            guard kind == .dispatch || kind == .receive, let document = values[.document] else { return }
            let found = try await resolver.dispatch(document: document)
            if kind == .dispatch {
                if let existing = found {
                    errors.add(
                        .document,
                        Message("error.dispatchExists", ["document": .text(document), "seq": .text(String(existing.seq))]))
                }
                return
            }
            guard let d = found, scope.contains(d.to) else {
                errors.add(.document, Message("error.unknownDispatch", ["document": .text(document)]))
                return
            }
            guard d.isOpen else {
                errors.add(.document, Message("error.dispatchClosed", ["document": .text(document)]))
                return
            }
            dispatch = d
            let found2 = try await resolver.holders(codes: [d.from, d.to])
            for h in found2 where scope.contains(h.code) { holders[h.code] = h }
            from = holders[d.from] ?? Holder(code: d.from, kind: .site, name: "")
            to = holders[d.to] ?? Holder(code: d.to, kind: .site, name: "")
            if let t = to, t.closed { errors.add(.document, Message("error.holderClosed", ["code": .text(t.code)])) }
        }

        // MARK: Items

        /// Whether the user may see the item: it is held or accounted for inside the scope,
        /// or (for a receive) it travels on the dispatch being received.
        func visible(_ r: ItemRecord) -> Bool {
            if scope.isEverything { return true }
            if let d = dispatch, r.state.status == .inTransit, r.state.transit == d.document { return true }
            return r.state.holder.map(scope.contains) == true || r.state.account.map(scope.contains) == true
        }

        mutating func checkItems() async throws {
            guard form.has(.items), let text = values[.items] else { return }
            let lines = FormInput.lines(text)
            guard lines.count <= RecordingForm.maxLines else {
                errors.add(
                    .items,
                    Message(
                        "error.tooManyLines",
                        ["count": .number(Int64(lines.count)), "max": .number(Int64(RecordingForm.maxLines))]))
                return
            }
            var parsed: [SerialLine] = []
            for line in lines {
                guard let s = FormInput.serialLine(line) else {
                    errors.add(.items, Message("error.serialLine", ["line": .text(line)]))
                    continue
                }
                parsed.append(s)
            }
            guard !parsed.isEmpty else { return }
            let serials = Array(Set(parsed.map(\.serial))).sorted()
            let found = try await resolver.items(serials: serials)
            var bySerial: [String: [ItemRecord]] = [:]
            for r in found { bySerial[r.marking.serial, default: []].append(r) }
            let formManufacturer = values[.manufacturer]
            var seen: Set<Int64> = []
            for line in parsed {
                var candidates = (bySerial[line.serial] ?? []).filter(visible)
                let manufacturer = line.manufacturer ?? formManufacturer
                if let m = manufacturer {
                    candidates = candidates.filter { same($0.marking.manufacturer, m) }
                }
                if let model = line.model {
                    candidates = candidates.filter { same($0.marking.model, model) }
                }
                candidates.sort {
                    ($0.marking.manufacturer, $0.marking.model, $0.id) < ($1.marking.manufacturer, $1.marking.model, $1.id)
                }
                guard let item = candidates.first else {
                    if let m = manufacturer {
                        errors.add(
                            .items,
                            Message("error.unknownSerialManufacturer", ["serial": .text(line.serial), "manufacturer": .text(m)]))
                    } else {
                        errors.add(.items, Message("error.unknownSerial", ["serial": .text(line.serial)]))
                    }
                    continue
                }
                if candidates.count > 1 {
                    let makers = Set(candidates.map(\.marking.manufacturer))
                    if makers.count > 1 {
                        errors.add(
                            .items,
                            Message("error.ambiguousSerial", ["serial": .text(line.serial), "options": .list(makers.sorted())]))
                    } else {
                        errors.add(
                            .items,
                            Message(
                                "error.ambiguousModel",
                                [
                                    "serial": .text(line.serial), "manufacturer": .text(item.marking.manufacturer),
                                    "options": .list(candidates.map(\.marking.model).sorted()),
                                ]))
                    }
                    continue
                }
                guard seen.insert(item.id).inserted else {
                    errors.add(.items, Message("error.duplicateSerial", ["serial": .text(item.marking.serial)]))
                    continue
                }
                if let problem = stateProblem(item) { errors.add(.items, problem) }
                items.append(item)
            }
        }

        /// Why the item cannot take part in this kind of event, or nil when it can: the custody
        /// engine's own transition judges (one rule site); the form words its code.
        func stateProblem(_ r: ItemRecord) -> Message? {
            // A receive without its dispatch, or a from the form could not resolve, has its
            // error on that field already.
            if kind == .receive, dispatch == nil { return nil }
            var probe = Event(kind: kind, occurredAt: occurredAt ?? validator.now)
            probe.from = from?.code
            probe.to = to?.code
            probe.document = dispatch?.document ?? values[.document]
            probe.condition = condition ?? .serviceable
            do {
                _ = try CustodyEngine.transition(r, event: probe, field: RecordingField.items.rawValue, seq: 0)
                return nil
            } catch let violation as CustodyViolation {
                if values[.from] != nil, from == nil, violation.code == CustodyRule.heldByAnother.rawValue { return nil }
                return Self.custodyMessage(violation, r, kind: kind, from: probe.from, document: probe.document)
            } catch {
                return Message("error.refused", ["reason": .text("\(error)")])
            }
        }

        /// A custody refusal of one item in the reader's words, from its code and the item.
        static func custodyMessage(_ violation: CustodyViolation, _ r: ItemRecord, kind: EventKind, from: String?, document: String?)
            -> Message
        {
            let s = r.state
            let item = MessageArgument.item(r.marking)
            let verb = MessageArgument.key("verb.\(kind.rawValue)")
            let status = Message("error.itemStatus", ["item": item, "status": .status(s.status, r.marking.category), "verb": verb])
            switch CustodyRule(rawValue: violation.code) {
            case .terminal?: return status
            case .notHeld?:
                if s.status == .inTransit {
                    return Message("error.itemInTransit", ["item": item, "document": .text(s.transit ?? "?"), "verb": verb])
                }
                return status
            case .heldByAnother?:
                if kind == .surrender, from == nil {
                    return Message("error.surrenderNeedsFrom", ["item": item, "holder": .text(s.holder ?? "?")])
                }
                return Message(
                    "error.notHeldBy", ["item": item, "holder": .text(s.holder ?? "?"), "from": .text(from ?? "?"), "verb": verb])
            case .notInTransit?:
                return Message("error.notOnDispatch", ["item": item, "document": .text(document ?? "?")])
            case .notMissing?:
                return Message(
                    "error.notMissing",
                    [
                        "item": item, "statusLabel": .key("status.\(s.status.rawValue)"),
                        "missing": .status(.missing, r.marking.category),
                    ])
            default:
                return Message("error.refused", ["reason": .text(violation.message)])
            }
        }

        // MARK: Lots

        mutating func checkLots() async throws {
            guard form.has(.lots), let text = values[.lots] else { return }
            let lines = FormInput.lines(text)
            guard lines.count <= RecordingForm.maxLines else {
                errors.add(
                    .lots,
                    Message(
                        "error.tooManyLines",
                        ["count": .number(Int64(lines.count)), "max": .number(Int64(RecordingForm.maxLines))]))
                return
            }
            var parsed: [LotLine] = []
            for line in lines {
                guard let l = FormInput.lotLine(line) else {
                    errors.add(.lots, Message("error.lotLine", ["line": .text(line)]))
                    continue
                }
                parsed.append(l)
            }
            guard !parsed.isEmpty else { return }
            let known = try await resolver.lots(numbers: Array(Set(parsed.map(\.lot))).sorted())
            let formManufacturer = values[.manufacturer]
            var seen: Set<LotMarking> = []
            for line in parsed {
                var candidates = known.filter { $0.lot == line.lot }
                if let m = line.manufacturer ?? formManufacturer {
                    candidates = candidates.filter { same($0.manufacturer, m) }
                }
                guard let lot = candidates.first else {
                    errors.add(.lots, Message("error.unknownLot", ["lot": .text(line.lot)]))
                    continue
                }
                guard candidates.count == 1 else {
                    errors.add(
                        .lots,
                        Message(
                            "error.ambiguousLot",
                            ["lot": .text(line.lot), "options": .list(candidates.map(\.manufacturer).sorted())]))
                    continue
                }
                guard seen.insert(lot).inserted else {
                    errors.add(.lots, Message("error.duplicateLot", ["lot": .text(line.lot)]))
                    continue
                }
                if let problem = try await lotProblem(lot, quantity: line.quantity) { errors.add(.lots, problem) }
                lots.append(LotQuantity(marking: lot, quantity: line.quantity))
            }
        }

        func lotProblem(_ lot: LotMarking, quantity: Int64) async throws -> Message? {
            switch kind {
            case .receive:
                guard let d = dispatch else { return nil }
                let available =
                    d.lotsInTransit.first { $0.marking.lot == lot.lot && $0.marking.manufacturer == lot.manufacturer }?
                    .quantity ?? 0
                guard available >= quantity else {
                    return Message(
                        "error.lotNotInTransit",
                        [
                            "lot": .text(lot.lot), "document": .text(d.document), "available": .number(available),
                            "quantity": .number(quantity),
                        ])
                }
                return nil
            case .recovery:
                return nil  // what is missing is the store's to check
            default:
                guard let from else { return nil }
                let available = try await resolver.balance(lot: lot, holder: from.code)
                guard available >= quantity else {
                    return Message(
                        "error.lotBalance",
                        [
                            "lot": .text(lot.lot), "holder": .text(from.code), "available": .number(available),
                            "quantity": .number(quantity),
                        ])
                }
                return nil
            }
        }

        /// Manufacturer and model names compare without regard to case.
        func same(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }

        // MARK: Result

        func result() -> RecordingResult {
            guard errors.isEmpty, let occurredAt else { return .invalid(errors) }
            var event = Event(kind: kind, occurredAt: occurredAt)
            event.from = from?.code
            event.to = to?.code
            event.items = items.map {
                .marking(manufacturer: $0.marking.manufacturer, serial: $0.marking.serial, model: $0.marking.model)
            }
            event.lots = lots.map {
                LotReference(lot: $0.marking.lot, manufacturer: $0.marking.manufacturer, quantity: $0.quantity)
            }
            event.document = dispatch?.document ?? values[.document]
            event.dueBack = dueBack
            event.condition = condition
            event.reason = values[.reason]
            event.note = values[.note]
            event.method = values[.method]
            event.certificate = values[.certificate]
            event.witnesses = witnesses
            event.licence = values[.licence]
            event.destinationCountry = values[.destinationCountry]
            event.confirmedBy = confirmedBy
            // The same parser as the JSON API: what the form records is what the API takes.
            let checked: Event
            do {
                checked = try Event(json: event.jsonValue)
            } catch {
                return .invalid(FormErrors.refusal(field: error.field, reason: error.message))
            }
            return .valid(
                ValidRecording(
                    event: checked, items: items, lots: lots, holders: holders, dispatch: dispatch,
                    fields: canonicalFields(checked)))
        }

        /// The fields that reproduce `event` exactly.
        func canonicalFields(_ event: Event) -> [QueryItem] {
            var out: [QueryItem] = []
            for spec in form.fields {
                let value: String?
                switch spec.field {
                case .from: value = kind == .receive ? nil : event.from
                case .to: value = kind == .receive ? nil : event.to
                case .items: value = items.isEmpty ? nil : items.map { ItemActions.line($0.marking) }.joined(separator: "\n")
                case .manufacturer: value = nil
                case .lots:
                    value =
                        lots.isEmpty
                        ? nil
                        : lots.map { "\($0.marking.lot) \($0.quantity) | \($0.marking.manufacturer)" }.joined(separator: "\n")
                case .document: value = event.document
                case .occurredAt: value = event.occurredAt
                case .dueBack: value = event.dueBack
                case .condition: value = event.condition?.rawValue
                case .reason: value = event.reason
                case .note: value = event.note
                case .method: value = event.method
                case .certificate: value = event.certificate
                case .witnesses: value = event.witnesses.isEmpty ? nil : event.witnesses.joined(separator: " ")
                case .licence: value = event.licence
                case .destinationCountry: value = event.destinationCountry
                case .confirmedBy: value = event.confirmedBy.isEmpty ? nil : event.confirmedBy.joined(separator: " ")
                }
                if let value { out.append(QueryItem(spec.field.rawValue, value)) }
            }
            return out
        }
    }
}
