extension Event {
    /// Where an event comes from: new input (Custodia sets the recording fields and refuses
    /// them in the input) or a ledger leaf being replayed (they must be present).
    public enum Source: Sendable { case input, ledger }

    static let commonFields: Set<String> = [
        "kind", "occurredAt", "from", "to", "items", "lots", "document", "dueBack", "condition", "reason", "note",
        "corrects", "confirmedBy", "method", "certificate", "witnesses", "licence", "destinationCountry", "distinct",
        "holder", "user", "policy", "authorisation", "waiver", "stocktake", "opening", "reconciliation", "unlisted",
        "resolvedBy", "plan", "sample", "finding",
    ]

    /// Reads an event from a parsed JSON object, refusing unknown fields, wrong types, and
    /// times that are not RFC 3339 UTC. Custody rules are checked later, against state.
    public init(json: JSONValue, source: Source = .input) throws(FieldError) {
        guard case .object(let members) = json else {
            throw FieldError("", "each line must be a JSON object describing one event")
        }
        var kindValue: EventKind?
        var occurred: String?
        for (key, value) in members {
            switch key {
            case "kind":
                guard let s = value.stringValue else { throw FieldError("kind", "expected a string") }
                guard let k = EventKind(rawValue: s) else {
                    throw FieldError(
                        "kind", "unknown kind \"\(s)\"; use one of \(EventKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                kindValue = k
            case "occurredAt":
                occurred = try Self.timestamp(value, "occurredAt")
            default: break
            }
        }
        guard let kind = kindValue else { throw FieldError("kind", "missing; every event needs a kind") }
        guard let occurredAt = occurred else {
            throw FieldError("occurredAt", "missing; give the time it happened as RFC 3339 UTC, e.g. 2026-03-01T08:00:00Z")
        }
        self.init(kind: kind, occurredAt: occurredAt)

        for (key, value) in members {
            switch key {
            case "kind", "occurredAt": continue
            case "recordedAt":
                guard source == .ledger else { throw FieldError(key, "is set by Custodia when the event is recorded; remove it") }
                recordedAt = try Self.timestamp(value, key)
            case "recordedBy":
                guard source == .ledger else { throw FieldError(key, "is set by Custodia when the event is recorded; remove it") }
                recordedBy = try Self.text(value, key)
            case "salt":
                guard source == .ledger else { throw FieldError(key, "is set by Custodia when the event is recorded; remove it") }
                let s = try Self.text(value, key)
                guard Salt.isValid(s) else { throw FieldError(key, "expected 32 lowercase hexadecimal digits") }
                salt = s
            case "from": from = try Self.code(value, key)
            case "to": to = try Self.code(value, key)
            case "items": try readItems(value)
            case "lots": try readLots(value)
            case "document": document = try Self.text(value, key)
            case "dueBack":
                let s = try Self.text(value, key)
                guard Timestamp.isDate(s) || Timestamp.isRFC3339UTC(s) else {
                    throw FieldError(key, "\"\(s)\" is not a date; write YYYY-MM-DD or an RFC 3339 UTC time")
                }
                dueBack = s
            case "condition":
                let s = try Self.text(value, key)
                guard let c = Condition(rawValue: s) else {
                    throw FieldError(
                        key,
                        "unknown condition \"\(s)\"; use one of \(Condition.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                condition = c
            case "reason": reason = try Self.text(value, key)
            case "note": note = try Self.text(value, key)
            case "corrects":
                guard let n = value.intValue, n >= 0 else {
                    throw FieldError(key, "expected the sequence number of an earlier event (a whole number)")
                }
                corrects = n
            case "confirmedBy": confirmedBy = try Self.codes(value, key)
            case "method": method = try Self.text(value, key)
            case "certificate": certificate = try Self.text(value, key)
            case "witnesses": witnesses = try Self.codes(value, key)
            case "licence": licence = try Self.text(value, key)
            case "destinationCountry": destinationCountry = try Self.text(value, key)
            case "distinct":
                guard case .bool(let b) = value else { throw FieldError(key, "expected true or false") }
                distinct = b
            case "holder": holder = try Self.holderChange(value, kind: kind, source: source)
            case "user": user = try Self.userChange(value, kind: kind)
            case "policy":
                guard kind == .policySet else { throw FieldError(key, "only a policy-set carries a policy pack") }
                policy = try PolicyPack(json: value)
            case "authorisation":
                guard kind == .authorisation else { throw FieldError(key, "only an authorisation event carries an authorisation") }
                authorisation = try Authorisation(json: value)
            case "waiver":
                guard kind == .alertWaiver else { throw FieldError(key, "only an alert-waiver carries a waiver") }
                waiver = try AlertWaiver(json: value)
            case "stocktake": stocktake = try Self.seq(value, key)
            case "resolvedBy": resolvedBy = try Self.seq(value, key)
            case "opening": opening = try StocktakeOpening(json: value)
            case "plan": plan = try SamplePlan(json: value)
            case "sample": sample = try Self.seq(value, key)
            case "finding":
                guard let s = value.stringValue, let f = SampleFinding(rawValue: s) else {
                    throw FieldError(key, "expected one of \(SampleFinding.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                finding = f
            case "reconciliation": reconciliation = try ReconciliationSummary(json: value)
            case "unlisted":
                guard case .array(let marks) = value else { throw FieldError(key, "expected a list of marks") }
                var read: [UnlistedMark] = []
                for (n, m) in marks.enumerated() { read.append(try UnlistedMark(json: m, path: "unlisted[\(n)]")) }
                unlisted = read
            default:
                throw FieldError(
                    key, "unknown field; the fields of an event are \(Self.commonFields.sorted().joined(separator: ", "))")
            }
        }
        if source == .input { try normalizeIdentifiers() }
        if source == .ledger {
            guard recordedAt != nil else {
                throw FieldError("recordedAt", "missing; every recorded event carries when it was recorded")
            }
            guard recordedBy != nil else {
                throw FieldError("recordedBy", "missing; every recorded event carries who recorded it")
            }
        }
        try checkShape()
    }

    static let needsFrom: Set<EventKind> = [
        .dispatch, .issue, .return, .maintenanceOut, .maintenanceIn, .loss, .theft, .expend, .destroy, .export, .count,
    ]
    static let needsTo: Set<EventKind> = [
        .register, .dispatch, .receive, .issue, .return, .maintenanceOut, .maintenanceIn, .recovery, .surrender, .export,
    ]
    static let forbidsTo: Set<EventKind> = [.loss, .theft, .condition, .count, .expend, .deactivate, .correction]

    /// Checks which fields each kind needs or forbids, independent of state.
    func checkShape() throws(FieldError) {
        if kind.isControl {
            try checkControlShape()
            return
        }
        try checkStocktakeFields()
        if policy != nil { throw FieldError("policy", "only a policy-set carries a policy pack") }
        if authorisation != nil { throw FieldError("authorisation", "only an authorisation event carries an authorisation") }
        if waiver != nil { throw FieldError("waiver", "only an alert-waiver carries a waiver") }
        if kind.isUserChange {
            try checkUserShape()
            return
        }
        if user != nil {
            throw FieldError("user", "only \(Self.userKindList) take a user")
        }
        if kind.isHolderChange {
            guard holder != nil else {
                throw FieldError("holder", "missing; \(article(kind.rawValue)) \(kind.rawValue) names the holder it changes")
            }
            if from != nil || to != nil || !items.isEmpty || !lots.isEmpty {
                throw FieldError(
                    "",
                    "\(article(kind.rawValue)) \(kind.rawValue) event changes the holder tree only; remove from, to, items and lots"
                )
            }
            return
        }
        if holder != nil {
            throw FieldError("holder", "only holder-add, holder-rename, holder-move and holder-close take a holder")
        }
        if kind == .correction {
            guard corrects != nil else {
                throw FieldError("corrects", "missing; name the sequence number of the event corrected")
            }
            guard let r = reason, !r.isEmpty else { throw FieldError("reason", "missing; say why the event is corrected") }
            if from != nil || to != nil || !items.isEmpty || !lots.isEmpty {
                throw FieldError("", "a correction changes no state; record the fix as ordinary events after it")
            }
            return
        }
        if corrects != nil { throw FieldError("corrects", "only a correction names an event it corrects") }
        if kind.isStocktake {
            try checkStocktakeShape()
            return
        }
        if kind.isSampling {
            try checkSamplingShape()
            return
        }
        if Self.needsFrom.contains(kind), from == nil {
            throw FieldError("from", "missing; \(article(kind.rawValue)) \(kind.rawValue) needs the holder it comes from")
        }
        if Self.needsTo.contains(kind), to == nil {
            throw FieldError("to", "missing; \(article(kind.rawValue)) \(kind.rawValue) needs the holder it goes to")
        }
        if Self.forbidsTo.contains(kind), to != nil {
            throw FieldError("to", "\(article(kind.rawValue)) \(kind.rawValue) has no receiving holder; remove it")
        }
        if kind == .register, from != nil { throw FieldError("from", "a register event has no from; the items enter at to") }
        if let f = from, let t = to, f == t { throw FieldError("to", "from and to are the same holder (\(f))") }
        if kind == .register {
            if !items.isEmpty { throw FieldError("items", "internal") }
            if registrations.isEmpty, lotRegistrations.isEmpty {
                throw FieldError(
                    "items", "missing; a register event lists the items (full marking) or lots it brings onto the books")
            }
        } else if items.isEmpty, lots.isEmpty, unlisted.isEmpty {
            throw FieldError("items", "missing; name at least one item or lot")
        }
        if kind == .condition, condition == nil {
            throw FieldError(
                "condition", "missing; give the new condition (\(Condition.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if kind != .condition, kind != .register, condition != nil {
            throw FieldError("condition", "only a condition or register event sets the condition")
        }
        if (kind == .dispatch || kind == .receive), document == nil {
            throw FieldError("document", "missing; \(article(kind.rawValue)) \(kind.rawValue) needs the transfer document number")
        }
        if dueBack != nil, kind != .issue, kind != .maintenanceOut {
            throw FieldError("dueBack", "only an issue or maintenance-out has a due date")
        }
        if distinct, kind != .register || registrations.isEmpty {
            throw FieldError("distinct", "only a register event of items says they are distinct from look-alikes")
        }
    }

    /// Puts the identifiers of new input in normal form, refusing hidden characters (see
    /// `Identifier`): serials, marks, manufacturers, models and the rest of a marking, lot
    /// numbers, and the document, licence and certificate numbers.
    public mutating func normalizeIdentifiers() throws(FieldError) {
        func norm(_ value: inout String, _ field: String) throws(FieldError) {
            value = try Identifier.normalized(value, field: field)
        }
        func norm(_ value: inout String?, _ field: String) throws(FieldError) {
            if let v = value { value = try Identifier.normalized(v, field: field) }
        }
        for n in items.indices {
            guard case .marking(var manufacturer, var serial, var model) = items[n] else { continue }
            try norm(&manufacturer, "items[\(n)].manufacturer")
            try norm(&serial, "items[\(n)].serial")
            try norm(&model, "items[\(n)].model")
            items[n] = .marking(manufacturer: manufacturer, serial: serial, model: model)
        }
        for n in registrations.indices {
            try registrations[n].normalizeIdentifiers(path: "items[\(n)]")
        }
        for n in lots.indices {
            try norm(&lots[n].lot, "lots[\(n)].lot")
            try norm(&lots[n].manufacturer, "lots[\(n)].manufacturer")
        }
        for n in lotRegistrations.indices {
            try norm(&lotRegistrations[n].marking.lot, "lots[\(n)].lot")
            try norm(&lotRegistrations[n].marking.manufacturer, "lots[\(n)].manufacturer")
            try norm(&lotRegistrations[n].marking.calibre, "lots[\(n)].calibre")
            try norm(&lotRegistrations[n].marking.type, "lots[\(n)].type")
        }
        try norm(&document, "document")
        try norm(&licence, "licence")
        try norm(&certificate, "certificate")
    }

    /// A policy-set carries its pack, an authorisation its grant; either may add a document,
    /// a reason and a note, and nothing of custody.
    private func checkControlShape() throws(FieldError) {
        let name = "\(article(kind.rawValue)) \(kind.rawValue)"
        if kind == .policySet, policy == nil {
            throw FieldError("policy", "missing; a policy-set carries the pack it puts in force (custodia policy set FILE)")
        }
        if kind == .authorisation, authorisation == nil {
            throw FieldError(
                "authorisation", "missing; an authorisation names holder, purpose, validFrom, validUntil and authorisedBy")
        }
        if kind == .alertWaiver {
            guard waiver != nil else {
                throw FieldError("waiver", "missing; a waiver names the alert's rule and subject, and the last day it holds")
            }
            guard let r = reason, !r.allSatisfy(\.isWhitespace) else {
                throw FieldError("reason", "missing; say why the alert is waived")
            }
        }
        let custody: [(String, Bool)] = [
            ("from", from != nil), ("to", to != nil), ("items", !items.isEmpty || !registrations.isEmpty),
            ("lots", !lots.isEmpty || !lotRegistrations.isEmpty), ("holder", holder != nil), ("user", user != nil),
            ("condition", condition != nil), ("dueBack", dueBack != nil), ("corrects", corrects != nil),
            ("confirmedBy", !confirmedBy.isEmpty), ("method", method != nil), ("certificate", certificate != nil),
            ("witnesses", !witnesses.isEmpty), ("licence", licence != nil), ("destinationCountry", destinationCountry != nil),
            ("distinct", distinct), ("policy", kind != .policySet && policy != nil),
            ("authorisation", kind != .authorisation && authorisation != nil),
            ("waiver", kind != .alertWaiver && waiver != nil),
        ]
        if let field = custody.first(where: \.1)?.0 {
            throw FieldError(field, "\(name) changes the controls in force only; remove \(field)")
        }
    }

    static let userKindList = "user-add, user-change, user-disable, token-create and token-revoke"

    /// The user and token kinds carry `user` and nothing of custody: no holders, items or
    /// lots (a reason, a note and a document reference are allowed).
    private func checkUserShape() throws(FieldError) {
        let name = "\(article(kind.rawValue)) \(kind.rawValue)"
        guard let user else {
            throw FieldError(
                "user",
                "missing; \(name) names the user\(kind == .tokenRevoke || kind == .tokenCreate ? " and the token" : "") it changes"
            )
        }
        let custody: [(String, Bool)] = [
            ("from", from != nil), ("to", to != nil), ("items", !items.isEmpty || !registrations.isEmpty),
            ("lots", !lots.isEmpty || !lotRegistrations.isEmpty), ("holder", holder != nil), ("condition", condition != nil),
            ("dueBack", dueBack != nil), ("corrects", corrects != nil), ("confirmedBy", !confirmedBy.isEmpty),
            ("method", method != nil), ("certificate", certificate != nil), ("witnesses", !witnesses.isEmpty),
            ("licence", licence != nil), ("destinationCountry", destinationCountry != nil),
        ]
        if let field = custody.first(where: \.1)?.0 {
            throw FieldError(field, "\(name) changes users only; it takes user (and optionally reason, note, document)")
        }
        guard HolderTree.isValidCode(user.code) else {
            throw FieldError("user.code", "\"\(user.code)\" is not a user code (1–40 letters, digits, - _ . /)")
        }
        if let scope = user.scope, !HolderTree.isValidCode(scope) {
            throw FieldError("user.scope", "\"\(scope)\" is not a holder code (1–40 letters, digits, - _ . /)")
        }
        if let token = user.token, !HolderTree.isValidCode(token) {
            throw FieldError("user.token", "\"\(token)\" is not a token id (1–40 letters, digits, - _ . /)")
        }
        switch kind {
        case .userAdd:
            guard user.role != nil else {
                throw FieldError("user.role", "missing; give the user's role (\(Self.roleList))")
            }
        case .userChange:
            guard user.role != nil || user.setsScope else {
                throw FieldError("user", "a user-change sets role, scope or both; give at least one")
            }
        case .tokenCreate, .tokenRevoke:
            guard user.token != nil else { throw FieldError("user.token", "missing; give the token's id") }
        default: break
        }
        let allowed = Self.userFields(kind)
        if user.role != nil, !allowed.contains("role") { throw FieldError("user.role", "not a field of \(name)") }
        if user.scope != nil || (user.setsScope && kind != .userAdd), !allowed.contains("scope") {
            throw FieldError("user.scope", "not a field of \(name)")
        }
        if user.token != nil, !allowed.contains("token") { throw FieldError("user.token", "not a field of \(name)") }
    }

    static var roleList: String { Role.allCases.map(\.rawValue).joined(separator: ", ") }

    /// The members of `user` a kind takes, in canonical order.
    static func userFields(_ kind: EventKind) -> [String] {
        switch kind {
        case .userAdd, .userChange: ["code", "role", "scope"]
        case .tokenCreate, .tokenRevoke: ["code", "token"]
        default: ["code"]
        }
    }

    static func userChange(_ value: JSONValue, kind: EventKind) throws(FieldError) -> UserChange {
        guard kind.isUserChange else { throw FieldError("user", "only \(userKindList) take a user") }
        guard let object = value.objectValue else { throw FieldError("user", "expected an object") }
        let fields = userFields(kind)
        var change = UserChange(code: "")
        var hasCode = false
        for (key, v) in object {
            guard fields.contains(key) else {
                throw FieldError(
                    "user.\(key)",
                    "not a field of \(article(kind.rawValue)) \(kind.rawValue); its user has \(fields.joined(separator: ", "))")
            }
            switch key {
            case "code":
                let s = try text(v, "user.code")
                guard HolderTree.isValidCode(s) else {
                    throw FieldError("user.code", "\"\(s)\" is not a user code (1–40 letters, digits, - _ . /)")
                }
                change.code = s
                hasCode = true
            case "role":
                let s = try text(v, "user.role")
                guard let role = Role(rawValue: s) else {
                    throw FieldError("user.role", "unknown role \"\(s)\"; use one of \(roleList)")
                }
                change.role = role
            case "scope":
                if case .null = v { change.scope = nil } else { change.scope = try code(v, "user.scope") }
                change.setsScope = true
            default:
                let s = try text(v, "user.token")
                guard HolderTree.isValidCode(s) else {
                    throw FieldError("user.token", "\"\(s)\" is not a token id (1–40 letters, digits, - _ . /)")
                }
                change.token = s
            }
        }
        guard hasCode else { throw FieldError("user.code", "missing; give the user's code") }
        // A new user without a scope has the whole register.
        if kind == .userAdd { change.setsScope = true }
        return change
    }

    private mutating func readItems(_ value: JSONValue) throws(FieldError) {
        guard let array = value.arrayValue else { throw FieldError("items", "expected an array of items") }
        for (n, element) in array.enumerated() {
            let path = "items[\(n)]"
            guard let object = element.objectValue else { throw FieldError(path, "expected an object") }
            if kind == .register {
                registrations.append(try Self.marking(object, path))
                continue
            }
            var manufacturer: String?, serial: String?, model: String?, id: Int64?
            for (key, v) in object {
                switch key {
                case "manufacturer": manufacturer = try Self.text(v, "\(path).manufacturer")
                case "serial": serial = try Self.text(v, "\(path).serial")
                case "model": model = try Self.text(v, "\(path).model")
                case "id":
                    guard let i = v.intValue, i > 0 else { throw FieldError("\(path).id", "expected a positive whole number") }
                    id = i
                default:
                    throw FieldError(
                        "\(path).\(key)", "unknown field; name an item by serial and manufacturer (and model), or by id")
                }
            }
            if let id {
                guard manufacturer == nil, serial == nil, model == nil else {
                    throw FieldError(path, "name the item either by id or by serial and manufacturer, not both")
                }
                items.append(.id(id))
            } else {
                guard let s = serial, !s.isEmpty else { throw FieldError("\(path).serial", "missing; give the serial number") }
                guard let m = manufacturer, !m.isEmpty else {
                    throw FieldError("\(path).manufacturer", "missing; serial numbers are unique only per manufacturer")
                }
                items.append(.marking(manufacturer: m, serial: s, model: model))
            }
        }
        if Set(items).count != items.count { throw FieldError("items", "the same item is listed twice") }
    }

    private mutating func readLots(_ value: JSONValue) throws(FieldError) {
        guard let array = value.arrayValue else { throw FieldError("lots", "expected an array of lots") }
        for (n, element) in array.enumerated() {
            let path = "lots[\(n)]"
            guard let object = element.objectValue else { throw FieldError(path, "expected an object") }
            var lot: String?, manufacturer: String?, calibre: String?, type: String?, year: Int?, quantity: Int64?
            for (key, v) in object {
                switch key {
                case "lot": lot = try Self.text(v, "\(path).lot")
                case "manufacturer": manufacturer = try Self.text(v, "\(path).manufacturer")
                case "quantity":
                    guard let q = v.intValue else { throw FieldError("\(path).quantity", "expected a whole number") }
                    guard q > 0 else { throw FieldError("\(path).quantity", "must be greater than zero") }
                    quantity = q
                case "calibre" where kind == .register: calibre = try Self.text(v, "\(path).calibre")
                case "type" where kind == .register: type = try Self.text(v, "\(path).type")
                case "year" where kind == .register: year = try Self.year(v, "\(path).year")
                default:
                    throw FieldError(
                        "\(path).\(key)",
                        kind == .register
                            ? "unknown field; a lot is registered with lot, manufacturer, calibre, type, year and quantity"
                            : "unknown field; name a lot by lot (and manufacturer) with a quantity")
                }
            }
            guard let l = lot, !l.isEmpty else { throw FieldError("\(path).lot", "missing; give the lot number") }
            guard let q = quantity else { throw FieldError("\(path).quantity", "missing; give the quantity") }
            if kind == .register {
                guard let m = manufacturer, !m.isEmpty else { throw FieldError("\(path).manufacturer", "missing") }
                guard let c = calibre, !c.isEmpty else { throw FieldError("\(path).calibre", "missing") }
                guard let t = type, !t.isEmpty else { throw FieldError("\(path).type", "missing") }
                lotRegistrations.append(
                    LotRegistration(marking: LotMarking(lot: l, manufacturer: m, calibre: c, type: t, year: year), quantity: q))
            } else {
                lots.append(LotReference(lot: l, manufacturer: manufacturer, quantity: q))
            }
        }
    }

    static func marking(_ object: [(String, JSONValue)], _ path: String) throws(FieldError) -> ItemMarking {
        var fields: [String: String] = [:]
        var year: Int?, importYear: Int?, assigned = false
        for (key, v) in object {
            switch key {
            case "category", "manufacturer", "country", "model", "calibre", "serial", "importCountry", "marks":
                fields[key] = try text(v, "\(path).\(key)")
            case "year": year = try Self.year(v, "\(path).year")
            case "importYear": importYear = try Self.year(v, "\(path).importYear")
            case "assignedMark":
                guard case .bool(let b) = v else { throw FieldError("\(path).assignedMark", "expected true or false") }
                assigned = b
            default:
                throw FieldError(
                    "\(path).\(key)",
                    "unknown field; an item's marking has category, manufacturer, country, model, calibre, serial, year, importCountry, importYear, marks, assignedMark"
                )
            }
        }
        guard let c = fields["category"] else { throw FieldError("\(path).category", "missing") }
        guard let category = Category(rawValue: c) else {
            throw FieldError(
                "\(path).category",
                "unknown category \"\(c)\"; use one of \(Category.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for required in ["manufacturer", "country", "model", "calibre", "serial"] {
            guard let v = fields[required], !v.isEmpty else {
                throw FieldError("\(path).\(required)", "missing; the marking needs it")
            }
        }
        return ItemMarking(
            category: category, manufacturer: fields["manufacturer"]!, country: fields["country"]!, model: fields["model"]!,
            calibre: fields["calibre"]!, serial: fields["serial"]!, year: year, importCountry: fields["importCountry"],
            importYear: importYear, marks: fields["marks"], assignedMark: assigned)
    }

    static func holderChange(_ value: JSONValue, kind: EventKind, source: Source) throws(FieldError) -> HolderChange {
        guard let object = value.objectValue else { throw FieldError("holder", "expected an object") }
        var change = HolderChange(code: "")
        for (key, v) in object {
            switch key {
            case "code": change.code = try code(v, "holder.code")
            case "kind" where kind == .holderAdd:
                let s = try text(v, "holder.kind")
                guard let k = HolderKind(rawValue: s) else {
                    throw FieldError(
                        "holder.kind",
                        "unknown kind \"\(s)\"; use one of \(HolderKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                change.kind = k
            case "name" where kind == .holderAdd || kind == .holderRename: change.name = try text(v, "holder.name")
            case "parent" where kind == .holderAdd || kind == .holderMove:
                if case .null = v { change.parent = nil } else { change.parent = try code(v, "holder.parent") }
            default: throw FieldError("holder.\(key)", "not a field of \(article(kind.rawValue)) \(kind.rawValue)")
            }
        }
        guard !change.code.isEmpty else { throw FieldError("holder.code", "missing") }
        if kind == .holderAdd, change.kind == nil { throw FieldError("holder.kind", "missing") }
        // People's names stay outside the ledger: only new input must carry a name.
        if source == .input, kind == .holderAdd || kind == .holderRename, (change.name ?? "").allSatisfy(\.isWhitespace) {
            throw FieldError("holder.name", "missing; give the holder's name")
        }
        return change
    }

    static func seq(_ v: JSONValue, _ field: String) throws(FieldError) -> Int64 {
        guard let n = v.intValue, n >= 0 else { throw FieldError(field, "expected a sequence number (a whole number, 0 or more)") }
        return n
    }

    static func text(_ v: JSONValue, _ field: String) throws(FieldError) -> String {
        guard case .string(let s) = v else { throw FieldError(field, "expected a string, found \(v.typeName)") }
        guard s.utf8.count <= 1000 else { throw FieldError(field, "too long (at most 1000 bytes)") }
        return s.nfc
    }

    static func code(_ v: JSONValue, _ field: String) throws(FieldError) -> String {
        let s = try text(v, field)
        guard HolderTree.isValidCode(s) else {
            throw FieldError(field, "\"\(s)\" is not a holder code (1–40 letters, digits, - _ . /)")
        }
        return s
    }

    static func codes(_ v: JSONValue, _ field: String) throws(FieldError) -> [String] {
        guard let array = v.arrayValue else { throw FieldError(field, "expected an array of codes") }
        var out: [String] = []
        for (n, e) in array.enumerated() { out.append(try code(e, "\(field)[\(n)]")) }
        return out
    }

    static func year(_ v: JSONValue, _ field: String) throws(FieldError) -> Int {
        guard let y = v.intValue else { throw FieldError(field, "expected a year as a whole number") }
        guard y >= 1800 && y <= 2100 else { throw FieldError(field, "\(y) is out of range (1800–2100)") }
        return Int(y)
    }

    static func timestamp(_ v: JSONValue, _ field: String) throws(FieldError) -> String {
        let s = try text(v, field)
        guard Timestamp.isRFC3339UTC(s) else {
            throw FieldError(field, "\"\(s)\" is not an RFC 3339 UTC time; write e.g. 2026-03-01T08:00:00Z")
        }
        return s
    }
}

extension Event {
    /// The event as it is recorded: the JSON whose canonical form is the ledger leaf.
    ///
    /// Items appear with their full identity (register: full marking), lots with their
    /// manufacturer. Empty optional fields are left out.
    public var jsonValue: JSONValue {
        var m: [(String, JSONValue)] = [("kind", .string(kind.rawValue)), ("occurredAt", .string(occurredAt))]
        func add(_ k: String, _ v: String?) { if let v { m.append((k, .string(v))) } }
        add("recordedAt", recordedAt)
        add("recordedBy", recordedBy)
        add("salt", salt)
        add("from", from)
        add("to", to)
        if !registrations.isEmpty {
            m.append(("items", .array(registrations.map(\.jsonValue))))
        } else if !items.isEmpty {
            m.append(("items", .array(items.map(\.jsonValue))))
        }
        if !lotRegistrations.isEmpty {
            m.append(("lots", .array(lotRegistrations.map(\.jsonValue))))
        } else if !lots.isEmpty {
            m.append(("lots", .array(lots.map(\.jsonValue))))
        }
        add("document", document)
        add("dueBack", dueBack)
        add("condition", condition?.rawValue)
        add("reason", reason)
        add("note", note)
        if let corrects { m.append(("corrects", .int(corrects))) }
        if !confirmedBy.isEmpty { m.append(("confirmedBy", .array(confirmedBy.map { .string($0) }))) }
        add("method", method)
        add("certificate", certificate)
        if !witnesses.isEmpty { m.append(("witnesses", .array(witnesses.map { .string($0) }))) }
        add("licence", licence)
        add("destinationCountry", destinationCountry)
        if distinct { m.append(("distinct", .bool(true))) }
        if let holder {
            var h: [(String, JSONValue)] = [("code", .string(holder.code))]
            if let k = holder.kind { h.append(("kind", .string(k.rawValue))) }
            if let n = holder.name { h.append(("name", .string(n))) }
            if kind == .holderAdd || kind == .holderMove { h.append(("parent", holder.parent.map { .string($0) } ?? .null)) }
            m.append(("holder", .object(h)))
        }
        if let policy { m.append(("policy", policy.jsonValue)) }
        if let authorisation { m.append(("authorisation", authorisation.jsonValue)) }
        if let waiver { m.append(("waiver", waiver.jsonValue)) }
        if let stocktake { m.append(("stocktake", .int(stocktake))) }
        if let opening { m.append(("opening", opening.jsonValue)) }
        if let reconciliation { m.append(("reconciliation", reconciliation.jsonValue)) }
        if !unlisted.isEmpty { m.append(("unlisted", .array(unlisted.map(\.jsonValue)))) }
        if let resolvedBy { m.append(("resolvedBy", .int(resolvedBy))) }
        if let plan { m.append(("plan", plan.jsonValue)) }
        if let sample { m.append(("sample", .int(sample))) }
        if let finding { m.append(("finding", .string(finding.rawValue))) }
        if let user {
            var u: [(String, JSONValue)] = [("code", .string(user.code))]
            if let role = user.role { u.append(("role", .string(role.rawValue))) }
            if kind == .userAdd, let scope = user.scope { u.append(("scope", .string(scope))) }
            if kind == .userChange, user.setsScope { u.append(("scope", user.scope.map { .string($0) } ?? .null)) }
            if let token = user.token { u.append(("token", .string(token))) }
            m.append(("user", .object(u)))
        }
        return .object(m)
    }
}

extension ItemMarking {
    /// The marking as JSON, the form a register event records.
    public var jsonValue: JSONValue {
        var m: [(String, JSONValue)] = [
            ("category", .string(category.rawValue)), ("manufacturer", .string(manufacturer)), ("country", .string(country)),
            ("model", .string(model)), ("calibre", .string(calibre)), ("serial", .string(serial)),
        ]
        if let year { m.append(("year", .int(Int64(year)))) }
        if let importCountry { m.append(("importCountry", .string(importCountry))) }
        if let importYear { m.append(("importYear", .int(Int64(importYear)))) }
        if let marks { m.append(("marks", .string(marks))) }
        if assignedMark { m.append(("assignedMark", .bool(true))) }
        return .object(m)
    }
}

extension ItemReference {
    var jsonValue: JSONValue {
        switch self {
        case .marking(let manufacturer, let serial, let model):
            var m: [(String, JSONValue)] = [("manufacturer", .string(manufacturer)), ("serial", .string(serial))]
            if let model { m.append(("model", .string(model))) }
            return .object(m)
        case .id(let id): return .object([("id", .int(id))])
        }
    }
}

extension LotReference {
    var jsonValue: JSONValue {
        var m: [(String, JSONValue)] = [("lot", .string(lot)), ("quantity", .int(quantity))]
        if let manufacturer { m.append(("manufacturer", .string(manufacturer))) }
        return .object(m)
    }
}

extension LotRegistration {
    var jsonValue: JSONValue {
        var m: [(String, JSONValue)] = [
            ("lot", .string(marking.lot)), ("manufacturer", .string(marking.manufacturer)), ("calibre", .string(marking.calibre)),
            ("type", .string(marking.type)), ("quantity", .int(quantity)),
        ]
        if let year = marking.year { m.append(("year", .int(Int64(year)))) }
        return .object(m)
    }
}
