import ArgumentParser
import CustodiaCore
import CustodiaStore

struct HolderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holder", abstract: "Change the holder tree.",
        subcommands: [Add.self, Rename.self, Move.self, Close.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a holder (region, zone, site, unit, person, external).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "A short unique code, e.g. DEP-01.") var code: String
        @Option(help: "region, zone, site, unit, person or external.") var kind: HolderKindArgument
        @Option(help: "The holder's name (a person's name stays outside the ledger).") var name: String
        @Option(help: "The parent holder's code.") var parent: String?

        func run() async throws {
            var change = HolderChange(code: code, kind: kind.kind, name: name, parent: parent)
            change.code = code
            try await recordHolderChange(.holderAdd, change, store: store, recording: recording)
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a holder.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument var code: String
        @Option var name: String
        func run() async throws {
            try await recordHolderChange(.holderRename, HolderChange(code: code, name: name), store: store, recording: recording)
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a holder under another parent.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument var code: String
        @Option var parent: String
        func run() async throws {
            try await recordHolderChange(
                .holderMove, HolderChange(code: code, parent: parent), store: store, recording: recording)
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a holder: it receives no more custody.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument var code: String
        func run() async throws {
            try await recordHolderChange(.holderClose, HolderChange(code: code), store: store, recording: recording)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the holder tree.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let holders = try await store.openForReading().holders()
            var children: [String?: [Holder]] = [:]
            for h in holders { children[h.parent, default: []].append(h) }
            func show(_ h: Holder, depth: Int) {
                print(
                    String(repeating: "  ", count: depth)
                        + "\(h.code)  \(h.kind.rawValue)  \(h.name)\(h.closed ? "  (closed)" : "")")
                for c in children[h.code] ?? [] { show(c, depth: depth + 1) }
            }
            for root in children[nil] ?? [] { show(root, depth: 0) }
        }
    }
}

struct HolderKindArgument: ExpressibleByArgument {
    let kind: HolderKind
    init?(argument: String) {
        guard let k = HolderKind(rawValue: argument) else { return nil }
        kind = k
    }
    static var allValueStrings: [String] { HolderKind.allCases.map(\.rawValue) }
}

func recordHolderChange(_ kind: EventKind, _ change: HolderChange, store: StoreOptions, recording: RecordingOptions) async throws
{
    guard HolderTree.isValidCode(change.code) else {
        throw UserError("\"\(change.code)\" is not a holder code: use 1–40 letters, digits, - _ . /")
    }
    let now = Clock.now()
    var event = Event(kind: kind, occurredAt: now)
    event.holder = change
    var source = ArrayEventSource([event])
    let opened = try await store.openForWriting()
    let report = try await opened.append(&source, options: try await recording.appendOptions(now: now, store: opened))
    if let e = report.errors.first {
        throw UserError("\(e.field.replacingOccurrences(of: "holder.", with: "")): \(e.message)")
    }
    print(
        recording.dryRun
            ? "dry run: valid; nothing was written" : "\(kind.rawValue) \(change.code) recorded as event \(report.firstSeq)")
}
