import ArgumentParser
import CustodiaCore
import CustodiaStore
import Foundation

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import holders, items or lots from CSV, all-or-nothing.",
        subcommands: [Holders.self, Items.self, Lots.self])

    struct Holders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import holders (header code,kind,name,parent).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The CSV file.") var file: String
        func run() async throws {
            let bytes = try readInput(file)
            let now = Clock.now()
            var source = HoldersCSVSource(bytes: bytes, occurredAt: now)
            let opened = try await store.openForWriting()
            try await runAppend(
                store: opened, source: &source, options: try await recording.appendOptions(now: now, store: opened),
                file: file,
                noun: "holders")
        }
    }

    struct Items: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register items (header \(ItemsCSVSource.header.joined(separator: ","))).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "The holder for rows whose holder cell is empty.") var holder: String?
        func run() async throws {
            let bytes = try readInput(file)
            let now = Clock.now()
            var source = ItemsCSVSource(bytes: bytes, defaultHolder: holder, occurredAt: now)
            let opened = try await store.openForWriting()
            try await runAppend(
                store: opened, source: &source, options: try await recording.appendOptions(now: now, store: opened),
                file: file,
                noun: "items")
        }
    }

    struct Lots: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register ammunition lots (header \(LotsCSVSource.header.joined(separator: ","))).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The CSV file.") var file: String
        func run() async throws {
            let bytes = try readInput(file)
            let now = Clock.now()
            var source = LotsCSVSource(bytes: bytes, occurredAt: now)
            let opened = try await store.openForWriting()
            try await runAppend(
                store: opened, source: &source, options: try await recording.appendOptions(now: now, store: opened),
                file: file,
                noun: "lots")
        }
    }
}

struct Record: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record events from JSON Lines (one event per line), all-or-nothing.",
        discussion: """
            Use - to read standard input. See the README for the event format. An event that names \
            people in confirmedBy (and any event the policy in force requires a second person for) \
            needs their tokens: custodia confirm FILE --user CODE, then --confirmations TOKENS.
            """)
    @OptionGroup var store: StoreOptions
    @OptionGroup var recording: RecordingOptions
    @Argument(help: "The JSONL file, or - for standard input.") var file: String
    @Option(
        help:
            "A file of second people's confirmation tokens, one per line (custodia confirm FILE --user CODE prints them), for events that name them in confirmedBy."
    )
    var confirmations: String?

    func run() async throws {
        guard file == "-" || FileManager.default.isReadableFile(atPath: file) else {
            throw UserError("cannot read \(file): no such file, or not readable")
        }
        let proofs = try confirmations.map { try commandLineConfirmations(file: file, tokensFile: $0, keyPath: store.keyPath) }
        let opened = try await store.openForWriting()
        var source = try FileJSONLinesSource(path: file)
        defer { source.close() }
        var options = try await recording.appendOptions(now: Clock.now(), store: opened)
        options.confirmations = proofs ?? [:]
        try await runAppend(store: opened, source: &source, options: options, file: file == "-" ? "stdin" : file, noun: "events")
    }
}
