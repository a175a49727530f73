import ArgumentParser
import CustodiaCore
import CustodiaStore
import Foundation

struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace", abstract: "Trace an item found: search from its marks as read.",
        subcommands: [Search.self])

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The items a damaged or partly read mark may be, closest first.",
            discussion: """
                PATTERN is the serial as read: ? for one character that cannot be read, * for any run of them.
                Case and separators do not matter; Cyrillic letters with a Latin twin are their twin; characters
                commonly misread for one another match (0 O Q D, 1 I L 7, 2 Z, 5 S, 6 G Б, 8 B, 3 З, 4 Ч), each
                counted as a substitution. Closest first: fewest substitutions, then fewest unread characters.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The serial as read, e.g. 'AK-00?4З58' or '*2435?'.") var pattern: String
        @Option(help: "Only items of this manufacturer.") var manufacturer: String?
        @Option(help: "Only items of this country of manufacture.") var country: String?
        @Option(help: "Only items of this model.") var model: String?
        @Option(help: "Only items of this calibre.") var calibre: String?
        @Option(help: "Only items made this year.") var year: Int?
        @Option(help: "Only items of this category.") var category: String?
        @Option(help: "The most matches to print (1–1000).") var limit = 20
        @Flag(help: "Print JSON: a list of matches, closest first.") var json = false

        func run() async throws {
            let parsed: MarkPattern
            do { parsed = try MarkPattern(pattern) } catch { throw UserError(error.message) }
            guard (1...1000).contains(limit) else { throw UserError("--limit \(limit) is out of range; give 1 to 1000") }
            var filters = MarkFilters(manufacturer: manufacturer, country: country, model: model, calibre: calibre, year: year)
            if let category {
                guard let c = CustodiaCore.Category(rawValue: category) else {
                    throw UserError(
                        "unknown category \(category); use one of \(CustodiaCore.Category.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filters.category = c
            }
            let opened = try await store.openForReading()
            let result = try await opened.searchMarks(parsed, filters: filters, limit: limit)
            if json {
                printJSON(.array(result.matches.map(markMatchJSON)))
                if result.incomplete { noteIncomplete() }
                return
            }
            guard !result.matches.isEmpty else {
                print("no registered serial matches \(parsed.text); check the characters read, or put ? for those that cannot be read")
                return
            }
            for m in result.matches {
                let r = m.item
                let where_ = r.state.holder ?? r.state.account ?? "—"
                print("\(r.marking.serial)  \(r.marking.manufacturer) \(r.marking.model)  \(r.state.status.rawValue) \(where_)  \(closenessText(m.closeness))")
            }
            let shown = result.matches.count
            if result.total > shown { print("… and \(result.total - shown) more (--limit)") }
            if result.incomplete { noteIncomplete() }
        }

        func noteIncomplete() {
            var err = StandardError()
            print(
                "note: more than \(MarkPattern.rankedAtMost) registered serials match; these are the closest of the first \(MarkPattern.rankedAtMost). Read more characters, or narrow with --manufacturer, --model, --calibre, --year or --category", to: &err)
        }
    }
}

/// How close a match is, in words.
func closenessText(_ c: MarkCloseness) -> String {
    if c.isExact { return "exact" }
    var parts: [String] = []
    if c.substitutions > 0 { parts.append("\(c.substitutions) read as a look-alike") }
    if c.unknown > 0 { parts.append("\(c.unknown) unread") }
    return parts.joined(separator: ", ")
}

/// A match as the CLI prints it: the item's marking (with `serial`), where it is, and how
/// close its serial comes to the mark as read.
func markMatchJSON(_ m: MarkMatch) -> JSONValue {
    guard case .object(var fields) = itemJSON(m.item) else { return .null }
    let s = m.item.state
    fields += [
        ("status", .string(s.status.rawValue)), ("holder", s.holder.map { .string($0) } ?? .null),
        ("account", s.account.map { .string($0) } ?? .null),
        ("closeness", .object([
            ("exact", .bool(m.closeness.isExact)), ("substitutions", .int(Int64(m.closeness.substitutions))),
            ("unknown", .int(Int64(m.closeness.unknown))),
        ])),
    ]
    return .object(fields)
}
