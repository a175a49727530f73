import ArgumentParser
import Foundation
import CustodiaCore
import CustodiaLedger
import CustodiaSQLite
import CustodiaStore

/// How `where` and `history` name one item.
struct ItemSelector: ParsableArguments {
    @Argument(help: "The serial number.") var serial: String
    @Option(help: "The manufacturer, when the serial alone is ambiguous.") var manufacturer: String?
    @Option(help: "The model, when serial and manufacturer are still ambiguous.") var model: String?

    func resolve(_ store: any OpenedStore) async throws -> ItemView {
        let found = try await store.items(serial: serial, manufacturer: manufacturer, model: model)
        guard let first = found.first else {
            throw UserError(
                "no item with serial \(serial)\(manufacturer.map { " of \($0)" } ?? "") is registered; check the serial, or search with fewer options"
            )
        }
        guard found.count == 1 else {
            let list = found.map { "  \($0.record.marking.manufacturer) \($0.record.marking.model)" }.joined(separator: "\n")
            throw UserError(
                "\(found.count) items have serial \(serial):\n\(list)\nadd --manufacturer (and --model) to choose one")
        }
        return first
    }
}

/// `--at` of the commands that read the register at a past moment.
func atHelp(_ what: String) -> ArgumentHelp {
    ArgumentHelp(
        "\(what) at a past moment, from the ledger's events.",
        discussion:
            "A day (2026-03-01, its end, UTC), a UTC time (2026-03-01T08:00:00Z): the events that happened by then, whenever recorded; or a ledger entry number: the entries up to it (docs/past.md).",
        valueName: "TIME|SEQ")
}

/// Reads `--at` and refuses a moment after now.
func parseMoment(_ text: String) throws -> RegisterMoment {
    do {
        return try RegisterMoment(parsing: text).refusingFuture(now: Clock.now())
    } catch {
        throw UserError("--at: \(error.message)")
    }
}

/// Says on standard error which events of a past moment did not fit the state replayed.
func noteLeftOut(_ replay: RegisterReplay) {
    guard !replay.leftOut.isEmpty else { return }
    let list = replay.leftOut.prefix(10).map(String.init).joined(separator: ", ")
    FileHandle.standardError.write(
        Data(
            "note: \(replay.leftOut.count) events that happened by then were recorded after later ones and do not fit the state without them; they are left out (entries \(list)\(replay.leftOut.count > 10 ? ", …" : ""))\n"
                .utf8))
}

struct Where: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Where an item is: status, holder, account, condition, due date.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var item: ItemSelector
    @Option(help: atHelp("Where the item was")) var at: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let opened = try await store.openForReading()
        let moment = try at.map(parseMoment)
        let view = try await item.resolve(opened)
        var r = view.record
        if let moment {
            guard let past = try await opened.item(r.id, at: moment) else {
                throw UserError("\(r.marking.serial) was not registered yet at \(moment); see when with `custodia history \(r.marking.serial)`")
            }
            r = past
        }
        let s = r.state
        if json {
            let value: JSONValue = .object([
                ("status", .string(s.status.rawValue)), ("holder", s.holder.map { .string($0) } ?? .null),
                ("account", s.account.map { .string($0) } ?? .null), ("condition", .string(s.condition.rawValue)),
                ("dueBack", s.dueBack.map { .string($0) } ?? .null), ("transit", s.transit.map { .string($0) } ?? .null),
                ("lastCounted", s.lastCounted.map { .string($0) } ?? .null),
                ("item", itemJSON(r)), ("at", moment?.jsonValue ?? .null),
            ])
            printJSON(value)
            return
        }
        let holders = Dictionary(uniqueKeysWithValues: try await opened.holders().map { ($0.code, $0) })
        func named(_ code: String?) -> String {
            guard let code else { return "—" }
            return holders[code].map { "\(code) (\($0.name))" } ?? code
        }
        let m = r.marking
        if let moment { print("as of \(moment)") }
        print("\(m.serial)  \(m.manufacturer) \(m.model)  \(m.category.rawValue), \(m.calibre)")
        print("status     \(s.status.rawValue)\(s.transit.map { " on dispatch \($0)" } ?? "")")
        print("holder     \(named(s.holder))")
        print("account    \(named(s.account))")
        print("condition  \(s.condition.rawValue)")
        if let due = s.dueBack { print("due back   \(due)") }
        if let counted = s.lastCounted { print("counted    \(counted)") }
        print("last event \(s.lastSeq)")
    }
}

func itemJSON(_ r: ItemRecord) -> JSONValue {
    let m = r.marking
    var fields: [(String, JSONValue)] = [
        ("id", .int(r.id)), ("category", .string(m.category.rawValue)), ("manufacturer", .string(m.manufacturer)),
        ("country", .string(m.country)), ("model", .string(m.model)), ("calibre", .string(m.calibre)),
        ("serial", .string(m.serial)), ("year", m.year.map { .int(Int64($0)) } ?? .null),
        ("importCountry", m.importCountry.map { .string($0) } ?? .null),
        ("importYear", m.importYear.map { .int(Int64($0)) } ?? .null), ("marks", m.marks.map { .string($0) } ?? .null),
    ]
    fields.append(("assignedMark", .bool(m.assignedMark)))
    return .object(fields)
}

func printJSON(_ value: JSONValue) {
    print(String(decoding: CanonicalJSON.encode(value), as: UTF8.self))
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Every event that touched an item, oldest first.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var item: ItemSelector
    @Flag(help: "Print JSON: an array of the events as recorded, each with its seq.") var json = false

    func run() async throws {
        let opened = try await store.openForReading()
        let view = try await item.resolve(opened)
        let events = try await opened.history(itemID: view.record.id)
        if json {
            var out: [JSONValue] = []
            for e in events {
                guard case .object(var members) = try e.leaf.withUnsafeBufferPointer({ try JSONParser.parse($0) }) else {
                    continue
                }
                members.append(("seq", .int(e.seq)))
                out.append(.object(members))
            }
            printJSON(.array(out))
            return
        }
        print("\(view.record.marking.label): \(events.count) events")
        for e in events {
            let v = try e.leaf.withUnsafeBufferPointer { try JSONParser.parse($0) }
            let kind = v["kind"]?.stringValue ?? "?"
            let when = v["occurredAt"]?.stringValue ?? ""
            var line = "\(String(e.seq).leftPad(8))  \(when)  \(kind.padding(16))"
            let from = v["from"]?.stringValue, to = v["to"]?.stringValue
            switch (from, to) {
            case (let f?, let t?): line += " \(f) → \(t)"
            case (let f?, nil): line += ["count", "condition", "deactivate"].contains(kind) ? " at \(f)" : " from \(f)"
            case (nil, let t?): line += " to \(t)"
            case (nil, nil): break
            }
            if let doc = v["document"]?.stringValue { line += "  doc \(doc)" }
            if let c = v["condition"]?.stringValue { line += "  \(c)" }
            if let by = v["recordedBy"]?.stringValue { line += "  by \(by)" }
            if let confirmers = v["confirmedBy"]?.arrayValue?.compactMap(\.stringValue), !confirmers.isEmpty {
                line += ", confirmed by \(confirmers.joined(separator: ", "))"
            }
            print(line)
        }
    }
}

struct Holdings: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "What a holder physically has: items and lot balances.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The holder code.") var code: String
    @Flag(help: "Include everything held below it in the tree.") var recursive = false
    @Option(help: atHelp("What it held")) var at: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let moment = try at.map(parseMoment)
        let opened = try await store.openForReading()
        let found: CustodiaStore.Holdings?
        if let moment {
            found = try await opened.holdings(of: code, recursive: recursive, at: moment)
        } else {
            found = try await opened.holdings(of: code, recursive: recursive)
        }
        guard let h = found else {
            throw UserError("unknown holder \(code); list holders with `custodia holder list`")
        }
        if json {
            var items: [JSONValue] = []
            for i in h.items {
                var fields: [(String, JSONValue)] = [
                    ("serial", .string(i.marking.serial)), ("manufacturer", .string(i.marking.manufacturer)),
                    ("model", .string(i.marking.model)), ("category", .string(i.marking.category.rawValue)),
                    ("status", .string(i.status.rawValue)), ("condition", .string(i.condition.rawValue)),
                ]
                if recursive { fields.append(("holder", .string(i.holder))) }
                items.append(.object(fields))
            }
            let lots: [JSONValue] = h.lots.map { l in
                var fields: [(String, JSONValue)] = [
                    ("lot", .string(l.marking.lot)), ("manufacturer", .string(l.marking.manufacturer)),
                    ("quantity", .int(l.quantity)),
                ]
                if recursive { fields.append(("holder", .string(l.holder))) }
                return .object(fields)
            }
            var fields: [(String, JSONValue)] = [("holder", .string(code)), ("items", .array(items)), ("lots", .array(lots))]
            if let moment { fields.append(("at", moment.jsonValue)) }
            printJSON(.object(fields))
            return
        }
        if let moment { print("as of \(moment)") }
        print("\(h.holder.code)  \(h.holder.name) (\(h.holder.kind.rawValue))\(recursive ? ", with everything below it" : "")")
        print("\(h.items.count) items, \(h.lots.count) lot balances")
        for i in h.items {
            let m = i.marking
            var line = "  \(m.serial.padding(14)) \(m.manufacturer) \(m.model)  \(m.category.rawValue)  \(i.condition.rawValue)"
            if recursive { line += "  at \(i.holder)" }
            if let due = i.dueBack { line += "  due \(due)" }
            print(line)
        }
        for l in h.lots {
            print(
                "  lot \(l.marking.lot)  \(l.marking.manufacturer) \(l.marking.calibre) \(l.marking.type)  \(l.quantity)\(recursive ? "  at \(l.holder)" : "")"
            )
        }
    }
}

struct SummaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary", abstract: "Counts by category, status, condition and region.")
    @OptionGroup var store: StoreOptions
    @Option(help: atHelp("The counts")) var at: String?

    func run() async throws {
        let moment = try at.map(parseMoment)
        let opened = try await store.openForReading()
        let s: Summary
        if let moment {
            let past = try await opened.summary(scope: .everything, at: moment)
            s = past.summary
            print("as of \(moment)")
            noteLeftOut(past.replay)
        } else {
            s = try await opened.summary()
        }
        print(
            "Custodia: \(s.items.formatted) items, \(s.lots.formatted) lots, \(s.holders.formatted) holders, \(s.events.formatted) events"
        )
        table("category", s.byCategory, order: Category.allCases.map(\.rawValue))
        table("status", s.byStatus, order: ItemStatus.allCases.map(\.rawValue))
        table("condition", s.byCondition, order: Condition.allCases.map(\.rawValue))
        table("region", s.byRegion, order: s.byRegion.keys.sorted())
    }

    func table(_ title: String, _ counts: [String: Int64], order: [String]) {
        print("")
        let width = max(title.count, order.map(\.count).max() ?? 0) + 2
        print("\(title.padding(width))\("items".leftPad(10))\("share".leftPad(8))")
        print(String(repeating: "-", count: width + 18))
        let total = max(counts.values.reduce(0, +), 1)
        for key in order {
            let n = counts[key] ?? 0
            let share = Double(n) * 100 / Double(total)
            let shareText = "\(Int(share.rounded())) %"
            print("\(key.padding(width))\(n.formatted.leftPad(10))\(shareText.leftPad(8))")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

extension Int64 {
    /// Thousands grouped with a thin space, readable in any locale.
    var formatted: String {
        let digits = String(self.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (self < 0 ? "-" : "") + out
    }
}
