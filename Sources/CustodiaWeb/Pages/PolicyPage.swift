import CustodiaCore

/// The policy pack in force, rule by rule in the reader's language, with the entry that put
/// it in force, and the authorisations recorded for holders inside the reader's scope.
public struct PolicyPage: Sendable {
    public var pack: PolicyPack
    /// The `policy-set` that put the pack in force (nil: the standard pack, none recorded).
    public var setBy: PolicyEntry?
    /// Authorisations naming a holder inside the reader's scope, newest first.
    public var authorisations: [AuthorisationEntry]
    /// The current time (RFC 3339 UTC): which authorisations are in force.
    public var now: String

    public struct PolicyEntry: Sendable {
        public var seq: Int64
        public var occurredAt: String
        public var recordedBy: String?
        public var reason: String?
        public init(seq: Int64, occurredAt: String, recordedBy: String?, reason: String?) {
            self.seq = seq
            self.occurredAt = occurredAt
            self.recordedBy = recordedBy
            self.reason = reason
        }
    }

    public struct AuthorisationEntry: Sendable {
        public var seq: Int64
        public var authorisation: Authorisation
        public var document: String?
        public init(seq: Int64, authorisation: Authorisation, document: String?) {
            self.seq = seq
            self.authorisation = authorisation
            self.document = document
        }
    }

    public init(pack: PolicyPack, setBy: PolicyEntry?, authorisations: [AuthorisationEntry], now: String) {
        self.pack = pack
        self.setBy = setBy
        self.authorisations = authorisations
        self.now = now
    }
}

struct PolicyDisplay {
    struct RuleRow {
        let categories: String
        let twoPerson: String
        let issueTo: String
        let dueBack: String
        let count: String
    }

    struct AuthorisationRow {
        let holder: String
        let holderURL: String
        let purpose: String
        let period: String
        let authorisedBy: String
        let document: String
        let state: String
        let inForce: Bool
        let proof: String
        let seq: String
    }

    let heading: String
    let origin: String
    let rules: [RuleRow]
    let hasRules: Bool
    let separations: [String]
    let purposes: String
    let alerts: [String]
    let authorisations: [AuthorisationRow]
    let hasAuthorisations: Bool

    init(_ page: PolicyPage, messages: Messages) {
        func list(_ keys: [String]) -> String { keys.map { messages[$0] }.joined(separator: ", ") }
        func days(_ n: Int?) -> String {
            n.map { messages(Message("policyPage.days", ["days": .number(Int64($0))])) } ?? messages["policyPage.none"]
        }
        heading = messages["policyPage.title"]
        if let set = page.setBy {
            origin = messages(
                Message(
                    set.reason == nil ? "policyPage.setBy" : "policyPage.setByReason",
                    [
                        "seq": .text(String(set.seq)), "date": .date(set.occurredAt), "user": .text(set.recordedBy ?? "?"),
                        "reason": .text(set.reason ?? ""),
                    ]))
        } else {
            origin = messages["policyPage.standard"]
        }
        rules = page.pack.rules.map { rule in
            let kinds = EventKind.allCases.filter(rule.twoPerson.contains)
            var issueTo = rule.issueTo.map { set in list(HolderKind.allCases.filter(set.contains).map { "holderKind.\($0.rawValue)" }) }
                ?? messages["policyPage.anyone"]
            if rule.personWithAuthorisation, rule.issueTo?.contains(.person) == false {
                issueTo += "; " + messages["policyPage.personWithAuthorisation"]
            }
            return RuleRow(
                categories: rule.names.map { PolicyPack.groups[$0] != nil ? messages["policyPage.group.\($0)"] : messages["category.\($0)"] }
                    .joined(separator: ", "),
                twoPerson: kinds.isEmpty ? messages["policyPage.none"] : list(kinds.map { "kind.\($0.rawValue)" }),
                issueTo: issueTo, dueBack: days(rule.longestDueBackDays), count: days(rule.countWithinDays))
        }
        hasRules = !rules.isEmpty
        separations = page.pack.separations.map { s in
            messages(Message("policyPage.separation", ["categories": .text(list(s.categories.map { "category.\($0.rawValue)" }))]))
        }
        purposes = page.pack.purposes.map { Self.purpose($0, messages) }.joined(separator: ", ")
        let a = page.pack.alerts
        var alerts: [String] = []
        if a.manpadsLoss { alerts.append(messages["policyPage.alert.manpadsLoss"]) }
        if let l = a.losses {
            alerts.append(
                messages(Message("policyPage.alert.losses", ["count": .number(Int64(l.count)), "days": .number(Int64(l.days))])))
        }
        if a.overdueReturn { alerts.append(messages["policyPage.alert.overdueReturn"]) }
        if let d = a.transitDays { alerts.append(messages(Message("policyPage.alert.transit", ["days": .number(Int64(d))]))) }
        if let d = a.shortfallDays { alerts.append(messages(Message("policyPage.alert.shortfall", ["days": .number(Int64(d))]))) }
        if page.pack.rules.contains(where: { $0.countWithinDays != nil }) { alerts.append(messages["policyPage.alert.notCounted"]) }
        if a.closedHolder { alerts.append(messages["policyPage.alert.closedHolder"]) }
        self.alerts = alerts
        authorisations = page.authorisations.map { entry in
            let auth = entry.authorisation
            let inForce = auth.inForce(at: page.now)
            let state =
                inForce
                ? "policyPage.inForce" : (Timestamp.day(of: page.now) < auth.validFrom ? "policyPage.notYet" : "policyPage.lapsed")
            return AuthorisationRow(
                holder: auth.holder, holderURL: WebPaths.holder(auth.holder), purpose: Self.purpose(auth.purpose, messages),
                period: messages(Message("policyPage.periodDates", ["from": .date(auth.validFrom), "until": .date(auth.validUntil)])),
                authorisedBy: auth.authorisedBy, document: entry.document ?? "—", state: messages[state], inForce: inForce,
                proof: WebPaths.proof(entry.seq), seq: String(entry.seq))
        }
        hasAuthorisations = !authorisations.isEmpty
    }

    /// A purpose in the reader's words when the catalogue has it (the standard ones), else as
    /// the pack names it.
    static func purpose(_ name: String, _ messages: Messages) -> String {
        let key = "purpose.\(name)"
        let text = messages[key]
        return text == key ? name : text
    }
}

extension WebRenderer {
    /// The policy page: the pack in force and the authorisations inside the reader's scope.
    public func policy(_ page: PolicyPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = PolicyDisplay(page, messages: messages)
        return render("policy", title: display.heading, section: .dashboard, body: display, context: context)
    }
}
