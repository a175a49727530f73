import ArgumentParser
import CustodiaCore
import CustodiaStore
import Foundation

/// Physical inventories: open a stocktake of a holder, record what the counters find, close
/// it with the reconciliation, and resolve what it found. docs/verification.md explains them.
struct StocktakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stocktake",
        abstract: "Physical inventories: open, count, close with the reconciliation, resolve what was not found.",
        discussion: "A stocktake's id is the sequence number of its stocktake-open event. docs/verification.md explains each finding.",
        subcommands: [Open.self, Count.self, Close.self, Show.self, List.self, Discrepancies.self, Resolve.self])

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a stocktake of a holder: fixes what the register expects it to hold now.",
            discussion: "Records a stocktake-open carrying the number of items and lot balances expected and the SHA-256 of their list; prints the stocktake's id.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The holder counted (a site, a unit…).") var holder: String
        @Flag(help: "Counters are never shown what is expected, nor their progress against it.") var blind = false
        @Flag(help: "Count the holder and everything under it.") var recursive = false
        @Option(help: "When the stocktake opened (RFC 3339 UTC; default now).") var at: String?

        func run() async throws {
            let opened = try await store.openForWriting()
            let now = Clock.now()
            let code = try await knownHolder(holder, in: opened)
            let event = try await opened.stocktakeOpening(holder: code, blind: blind, recursive: recursive, occurredAt: at ?? now)
            let seq = try await recordOne(event, opened, recording, now: now)
            guard let seq else { return }
            let o = event.opening!
            print("stocktake \(seq) open at \(code)\(recursive ? " and under it" : "")\(blind ? " (blind)" : "")")
            if !blind { print("expected: \(o.items) items, \(o.lots) lot balances") }
            print("count with: custodia stocktake count \(seq) FILE")
        }
    }

    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record what was found: serials one per line, or a CSV serial,manufacturer,lot,quantity.",
            discussion: """
                Each serial on the books of the holder counted is recorded in one count event. A serial \
                that is not (on another holder's books, or not in the register) is refused with its \
                line, unless --unlisted says it was physically found here: it is then recorded as \
                found unlisted, and the reconciliation reports it. Nothing is recorded when a line is refused.
                """)
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The stocktake's id.") var id: Int64
        @Argument(help: "The count sheet (- for standard input).") var file: String
        @Flag(help: "Record the serials that are not on the holder's books as found here (unlisted).") var unlisted = false
        @Option(help: "When the count was made (RFC 3339 UTC; default now).") var at: String?

        func run() async throws {
            let sheet = try readSheet(file)
            let opened = try await store.openForWriting()
            let now = Clock.now()
            let stocktake = try await knownStocktake(id, opened)
            let event: Event
            do {
                event = try await opened.stocktakeCount(
                    stocktake, reads: sheet.reads.map { CountRead(serial: $0.serial, manufacturer: $0.manufacturer, line: $0.line) },
                    lots: sheet.lots.map { CountedLot(lot: $0.lot, manufacturer: $0.manufacturer, quantity: $0.quantity, line: $0.line) },
                    unlisted: unlisted, occurredAt: at ?? now)
            } catch let problems as CountProblems {
                var err = StandardError()
                for p in problems.problems { print(p.line > 0 ? "\(file):\(p.line): \(p.message)" : p.message, to: &err) }
                throw UserError(
                    "\(problems.problems.count) \(problems.problems.count == 1 ? "line" : "lines") not counted; nothing was recorded (--unlisted records serials found here that are not on the holder's books)")
            }
            guard let seq = try await recordOne(event, opened, recording, now: now) else { return }
            print("counted \(event.items.count) items, \(event.lots.count) lots, \(event.unlisted.count) unlisted in event \(seq)")
            if !stocktake.opening.blind {
                let p = try await opened.stocktakeProgress(id)
                print("stocktake \(id): \(p.items) of \(stocktake.opening.items) expected items counted, \(p.unlisted) unlisted")
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a stocktake: records the reconciliation and prints it.",
            discussion: "Found, not found, moved during the count, found on another holder's books, not in the register, lot differences. Items moved by a recorded event during the count are not reported missing.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The stocktake's id.") var id: Int64
        @Option(help: "text, json or csv.") var format: ReportFormat = .text
        @Flag(help: "The same as --format json.") var json = false
        @Option(help: "When the stocktake closed (RFC 3339 UTC; default now).") var at: String?

        func run() async throws {
            let opened = try await store.openForWriting()
            let now = Clock.now()
            let stocktake = try await knownStocktake(id, opened)
            guard stocktake.isOpen else { throw UserError("stocktake \(id) is already closed; custodia stocktake show \(id) prints its reconciliation") }
            let (event, result) = try await opened.stocktakeClosing(stocktake, occurredAt: at ?? now)
            guard try await recordOne(event, opened, recording, now: now) != nil else { return }
            var closed = try await opened.showingWhose(result, scope: .everything)
            closed.stocktake = try await knownStocktake(id, opened)
            printResult(closed, json ? .json : format)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A stocktake: its progress while open (not when blind), its reconciliation once closed.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The stocktake's id.") var id: Int64
        @Option(help: "text, json or csv.") var format: ReportFormat = .text
        @Flag(help: "The same as --format json.") var json = false

        func run() async throws {
            let opened = try await store.openForReading()
            let stocktake = try await knownStocktake(id, opened)
            let format = json ? .json : format
            if stocktake.isOpen {
                let p = try await opened.stocktakeProgress(id)
                let expected = stocktake.opening.blind ? nil : stocktake.opening
                if format == .json {
                    printJSON(.object([("stocktake", stocktake.jsonValue), ("progress", p.jsonValue(expected: expected))]))
                    return
                }
                print(describe(stocktake))
                print("counted: \(p.items) items\(expected.map { " of \($0.items) expected" } ?? ""), \(p.unlisted) unlisted, in \(p.counts) counts by \(p.counters.joined(separator: ", "))")
                return
            }
            printResult(try await opened.reconciliation(of: stocktake), format)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every stocktake, newest first.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only the stocktakes of this holder.") var holder: String?
        @Flag(help: "Only those still open.") var open = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let opened = try await store.openForReading()
            var all = try await opened.stocktakes()
            if let holder { all.removeAll { $0.holder.lowercased() != holder.lowercased() } }
            if open { all.removeAll { !$0.isOpen } }
            if json {
                printJSON(.array(all.map(\.jsonValue)))
                return
            }
            if all.isEmpty { print("no stocktakes") }
            for s in all { print(describe(s)) }
        }
    }

    struct Discrepancies: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What closed stocktakes found and nobody has resolved yet.",
            discussion: "Each stays open until a stocktake-resolve settles it: custodia stocktake resolve ID.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let opened = try await store.openForReading()
            let open = try await opened.openDiscrepancies()
            if json {
                printJSON(.array(open.map(\.jsonValue)))
                return
            }
            if open.isEmpty { print("no open discrepancies") }
            for d in open { print("stocktake \(d.stocktake.id)  \(d.stocktake.holder)  \(lineText(d.line))") }
            if !open.isEmpty { print("\(open.count) open discrepancies") }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve discrepancies of a closed stocktake, by the event that settles them or an explanation.",
            discussion: "Name the items (--item SERIAL or SERIAL@MANUFACTURER), the unlisted marks (--mark) and the lots (--lot) resolved, and either --by SEQ (the loss report, recovery, registration, correction or transfer that settles them) or --reason.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The stocktake's id.") var id: Int64
        @Option(name: .customLong("item"), help: "An item not found or found elsewhere: SERIAL or SERIAL@MANUFACTURER.") var items: [String] = []
        @Option(name: .customLong("mark"), help: "A mark found and not in the register: SERIAL or SERIAL@MANUFACTURER.") var marks: [String] = []
        @Option(name: .customLong("lot"), help: "A lot whose count differed: LOT or LOT@MANUFACTURER.") var lots: [String] = []
        @Option(help: "The sequence number of the event that settles them.") var by: Int64?
        @Option(help: "The explanation, when no event settles them.") var reason: String?
        @Option(help: "When (RFC 3339 UTC; default now).") var at: String?

        func run() async throws {
            let opened = try await store.openForWriting()
            let now = Clock.now()
            let stocktake = try await knownStocktake(id, opened)
            let event: Event
            do {
                event = try await opened.stocktakeResolution(
                    stocktake, items: items.map(split), marks: marks.map(split).map { UnlistedMark(serial: $0.0, manufacturer: $0.1) },
                    lots: lots.map(split), resolvedBy: by, reason: reason, occurredAt: at ?? now)
            } catch let e as FieldError {
                throw UserError("\(e.description); nothing was recorded")
            }
            guard let seq = try await recordOne(event, opened, recording, now: now) else { return }
            let n = event.items.count + event.unlisted.count + event.lots.count
            print("resolved \(n) \(n == 1 ? "discrepancy" : "discrepancies") of stocktake \(id) in event \(seq)")
        }

        func split(_ text: String) -> (String, String?) {
            guard let at = text.lastIndex(of: "@") else { return (text, nil) }
            return (String(text[..<at]), String(text[text.index(after: at)...]))
        }
    }
}

/// A count sheet (`CountSheet`), every bad line printed as FILE:LINE.
func readSheet(_ file: String) throws -> CountSheet {
    let bytes = try readInput(file)
    do {
        return try CountSheet(bytes: bytes)
    } catch {
        var err = StandardError()
        for p in error.problems { print("\(file):\(p.line): \(p.message)", to: &err) }
        throw UserError("\(error.problems.count) bad lines in \(file); nothing was recorded")
    }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, csv
}

/// The holder's stored code, or a clear error.
func knownHolder(_ code: String, in store: any OpenedStore) async throws -> String {
    let all = try await store.holders()
    guard let h = all.first(where: { $0.code == code }) ?? all.first(where: { $0.code.lowercased() == code.lowercased() }) else {
        throw UserError("unknown holder \(code); check the code (custodia holder list)")
    }
    return h.code
}

func knownStocktake(_ id: Int64, _ store: any OpenedStore) async throws -> StocktakeView {
    guard let s = try await store.stocktake(id: id) else {
        throw UserError("no stocktake has id \(id); custodia stocktake list shows them")
    }
    return s
}

/// Records one event; its sequence number (nil on a dry run). A refusal is an error that
/// names the field and the rule.
func recordOne(_ event: Event, _ store: any OpenedStore, _ recording: RecordingOptions, now: String) async throws
    -> Int64?
{
    var source = ArrayEventSource([event])
    let report = try await store.append(&source, options: try await recording.appendOptions(now: now, store: store))
    if let e = report.errors.first {
        let code = e.rule.map { $0 == "input" ? "" : " [\($0)]" } ?? ""
        throw UserError((e.field.isEmpty ? e.message : "\(e.field): \(e.message)") + code + "; nothing was recorded")
    }
    if report.dryRun {
        print("dry run: valid; nothing was written")
        return nil
    }
    return report.firstSeq
}

func describe(_ s: StocktakeView) -> String {
    var text = "stocktake \(s.id)  \(s.holder)\(s.opening.recursive ? " (and under)" : "")\(s.opening.blind ? " blind" : "")  opened \(s.openedAt) by \(s.openedBy)"
    if let c = s.closing {
        let m = c.summary
        text += "  closed \(c.at): \(m.found) found, \(m.notFound) not found, \(m.movedDuring) moved, \(m.elsewhere) elsewhere, \(m.unregistered) unregistered, \(m.lotDifferences) lot differences"
    } else {
        text += "  open"
    }
    return text
}

func lineText(_ l: Reconciliation.Line) -> String {
    switch l.finding {
    case .lot:
        return "lot \(l.lot?.lot ?? "") (\(l.lot?.manufacturer ?? "")): expected \(l.expected ?? 0), counted \(l.counted ?? 0)\(l.movedDuring ? " (moved during the count)" : "")"
    case .unregistered:
        return "unregistered \(l.mark?.label ?? "")"
    case .elsewhere:
        return "elsewhere \(l.item.map { "\($0.serial) (\($0.manufacturer) \($0.model))" } ?? l.mark?.label ?? ""): \(l.holder ?? "on another holder's books")"
    default:
        return "\(l.finding.rawValue) \(l.item.map { "\($0.serial) (\($0.manufacturer) \($0.model))" } ?? "")\(l.holder.map { " at \($0)" } ?? "")"
    }
}

func printResult(_ r: StocktakeResult, _ format: ReportFormat) {
    switch format {
    case .json: printJSON(r.jsonValue)
    case .csv: print(r.reconciliation.csv, terminator: "")
    case .text:
        print(describe(r.stocktake))
        if let m = r.openingMatches {
            print(m ? "expected list: recomputed from the ledger, matches the opening" : "expected list: recomputed from the ledger, DIFFERS from the opening's (events were recorded while it opened)")
        }
        if let m = r.listMatches { print(m ? "reconciliation: matches the list the closing recorded" : "reconciliation: DIFFERS from the list the closing recorded") }
        for l in r.reconciliation.lines where l.finding != .found { print("  \(lineText(l))") }
        let d = r.reconciliation.discrepancies.count
        print("\(r.reconciliation.count(.found)) found; \(d) \(d == 1 ? "discrepancy" : "discrepancies"); counted by \(r.reconciliation.counters.joined(separator: ", "))")
    }
}
