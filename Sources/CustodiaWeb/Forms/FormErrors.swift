/// The errors of a submitted form, by field, each a message put into words when rendered
/// (so the same errors show in Spanish or English). A form with any error records nothing.
public struct FormErrors: Sendable, Equatable {
    /// Messages by field name; the empty name holds errors about the whole form.
    public private(set) var byField: [String: [Message]] = [:]

    public init() {}

    public mutating func add(_ field: RecordingField, _ message: Message) {
        byField[field.rawValue, default: []].append(message)
    }

    /// An error about the whole form rather than one field.
    public mutating func addGeneral(_ message: Message) {
        byField["", default: []].append(message)
    }

    public subscript(field: RecordingField) -> [Message] { byField[field.rawValue] ?? [] }

    public var general: [Message] { byField[""] ?? [] }

    public var isEmpty: Bool { byField.isEmpty }

    /// The number of messages.
    public var count: Int { byField.values.reduce(0) { $0 + $1.count } }

    /// The fields that have errors.
    public var fields: Set<RecordingField> { Set(byField.keys.compactMap(RecordingField.init(rawValue:))) }

    /// The store refused an event that passed the form's checks (the state changed in
    /// between, or a rule only the store knows): its field path (`items[2]`,
    /// `lots[0].quantity`, `confirmedBy[1]`) is put on the form field it came from, with
    /// the store's reason.
    public static func refusal(field: String, reason: String, rule: String? = nil, details: [String: String] = [:])
        -> FormErrors
    {
        var errors = FormErrors()
        errors.addRefusal(field: field, reason: reason, rule: rule, details: details)
        return errors
    }

    /// Adds a refusal of the rules: on its field, worded in the reader's language from its
    /// code where the catalogue has it (the policy rules), else the store's reason.
    public mutating func addRefusal(field: String, reason: String, rule: String?, details: [String: String]) {
        let name = field.prefix { $0 != "[" && $0 != "." }
        let message = Self.message(rule: rule, details: details) ?? Message("error.refused", ["reason": .text(reason)])
        if let f = RecordingField(rawValue: String(name)) {
            add(f, message)
        } else {
            addGeneral(message)
        }
    }

    /// The catalogue's wording of a policy refusal, from its code and particulars.
    public static func message(rule: String?, details: [String: String]) -> Message? {
        guard let rule, rule.hasPrefix("policy.") else { return nil }
        var key = "refusal.\(rule)"
        switch rule {
        case "policy.issue-to" where details["remedy"] == "authorisation": key += ".authorise"
        case "policy.due-back": key += details["due", default: ""].isEmpty ? ".missing" : ".late"
        default: break
        }
        return Message(key, details: details)
    }
}
