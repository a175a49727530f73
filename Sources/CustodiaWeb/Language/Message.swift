import CustodiaCore

/// A message that is not yet in any language: a catalogue key and its arguments. Field
/// errors and notices are carried as messages and put into words only when a page is
/// rendered, in the language of the person reading it.
public struct Message: Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var arguments: [String: MessageArgument]

    public init(_ key: String, _ arguments: [String: MessageArgument] = [:]) {
        self.key = key
        self.arguments = arguments
    }

    /// A message from the particulars the core gives a refusal or an alert (`details`), each
    /// typed by its name: dates (`day`, `due`, `last`, `latest`), numbers (`days`, `count`),
    /// a holder kind (`holderKind`, put into words), else text.
    public init(_ key: String, details: [String: String]) {
        var arguments: [String: MessageArgument] = [:]
        for (name, value) in details {
            switch name {
            case "holderKind": arguments[name] = .key("holderKind.\(value)")
            case "day", "due", "last", "latest": arguments[name] = .date(value)
            case "days", "count": arguments[name] = .number(Int64(value) ?? 0)
            default: arguments[name] = .text(value)
            }
        }
        self.init(key, arguments)
    }

    /// The key and arguments, for logs and test failures (English words are in `Messages`).
    public var description: String {
        arguments.isEmpty ? key : "\(key) \(arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })"
    }
}

/// One argument of a message, typed so that each language can put it into its own words.
public enum MessageArgument: Sendable, Hashable {
    /// Text shown as given (serials, codes, document numbers).
    case text(String)
    /// A number, grouped per language.
    case number(Int64)
    /// Another catalogue entry, put into the same language.
    case key(String)
    /// An item as a noun phrase: "el fusil de asalto AK-0004217 (Kalashnikov Concern AK-74M)".
    case item(ItemMarking)
    /// An item's status as a predicate that agrees with the item's noun: "desaparecida" for
    /// "la pistola", "desaparecido" for "el fusil".
    case status(ItemStatus, Category)
    /// A date or RFC 3339 time, formatted per language.
    case date(String)
    /// Several texts, joined with commas.
    case list([String])
}

/// The catalogue of one language: labels by key, and messages put into words.
public struct Messages: Sendable {
    public let language: Language
    let table: [String: String]

    public init(_ language: Language) {
        self.language = language
        self.table = Catalogue.table(for: language)
    }

    /// The text of `key`; the key itself when missing (the catalogue test forbids that).
    public subscript(_ key: String) -> String { table[key] ?? key }

    /// The message in this language: `{name}` is replaced by the argument `name`, and
    /// `{Name}` by the same argument with its first letter capitalised.
    public func callAsFunction(_ message: Message) -> String {
        // The singular form, where the catalogue has one and a number argument is 1.
        if message.arguments.values.contains(.number(1)), let one = table[message.key + ".one"] {
            return render(one, message.arguments)
        }
        return render(self[message.key], message.arguments)
    }

    /// A catalogue text with `{name}` placeholders filled from `arguments`.
    func render(_ template: String, _ arguments: [String: MessageArgument]) -> String {
        guard template.contains("{") else { return template }
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            let lower = name.prefix(1).lowercased() + name.dropFirst()
            if let argument = arguments[name] ?? arguments[lower] {
                let text = words(argument)
                out += name == lower ? text : text.prefix(1).uppercased() + text.dropFirst()
            } else {
                out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return out
    }

    /// One argument in this language.
    func words(_ argument: MessageArgument) -> String {
        let format = LocalFormat(language)
        switch argument {
        case .text(let s): return s
        case .number(let n): return format.number(n)
        case .key(let k): return self[k]
        case .item(let m): return itemPhrase(m)
        case .status(let status, let category):
            return self["predicate.\(gender(category)).\(status.rawValue)"]
        case .date(let s): return format.dateTime(s)
        case .list(let items): return items.joined(separator: ", ")
        }
    }

    /// "el fusil de asalto AK-0004217 (Kalashnikov Concern AK-74M)".
    func itemPhrase(_ m: ItemMarking) -> String {
        "\(self["noun.\(m.category.rawValue)"]) \(m.serial) (\(m.manufacturer) \(m.model))"
    }

    /// The grammatical gender of a category's noun in this language: `m`, `f` or `n`.
    func gender(_ category: Category) -> String {
        let g = self["gender.\(category.rawValue)"]
        return g == "f" || g == "m" ? g : "n"
    }

    /// The label of a category, status, condition, kind, role or holder kind.
    func label(_ category: Category) -> String { self["category.\(category.rawValue)"] }
    func label(_ status: ItemStatus) -> String { self["status.\(status.rawValue)"] }
    func label(_ condition: Condition) -> String { self["condition.\(condition.rawValue)"] }
    func label(_ kind: EventKind) -> String { self["kind.\(kind.rawValue)"] }
    func label(_ role: Role) -> String { self["role.\(role.rawValue)"] }
    func label(_ kind: HolderKind) -> String { self["holderKind.\(kind.rawValue)"] }
}
