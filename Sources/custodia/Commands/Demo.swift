import ArgumentParser
import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a new store filled with a realistic, fictional dataset.",
        discussion: """
            Every event goes through the same custody rules as real input. The demo's signatories \
            are fictional, so its events name them in confirmedBy without proofs of consent.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "small (about 3,000 items) or national (250,000 items, 2,000,000 events).") var scale: DemoScaleArgument =
        .init(.small)
    @Option(help: "The log's origin.") var origin: String = "demo.custodia.example/ledger"
    @Option(
        help:
            "The last day of the demo's year of activity, YYYY-MM-DD (default: yesterday, UTC), so that its alerts judged today are the handful the story has."
    )
    var ending: String?

    func validate() throws {
        if let ending, !Timestamp.isDate(ending) {
            throw ValidationError("--ending must be a day, YYYY-MM-DD")
        }
    }

    func run() async throws {
        try store.refuseExisting("the demo creates a new store (remove it or pass another --db)")
        let key = try LogKey.generate(name: origin)
        try LogKeyFile.create(key, at: store.keyPath)
        let opened = try await store.create(origin: origin, key: key)
        let yesterday = Timestamp.day(of: Timestamp.rfc3339(seconds: Int64(Date().timeIntervalSince1970) - 86_400))
        var generator = DemoGenerator(scale: scale.scale, endingOn: ending ?? yesterday)
        let started = ContinuousClock.now
        var total: Int64 = 0
        while true {
            var source = LimitedSource(generator: generator, limit: scale.scale == .small ? 5_000 : 50_000)
            let report = try await opened.append(&source, options: AppendOptions(recordedBy: "demo", recordedAt: Clock.now(), requiresProof: false))
            generator = source.generator
            if let e = report.errors.first {
                throw UserError(
                    "the demo generator produced an event the rules refuse (line \(e.line)): \(e.field): \(e.message)")
            }
            total = report.size
            if source.exhausted { break }
            FileHandle.standardError.write(Data("  \(total) of \(generator.eventCount) events recorded\n".utf8))
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "demo store \(store.location) (\(scale.scale.rawValue)): \(total) events in \(String(format: "%.1f", seconds)) s; try `custodia summary`")
    }
}

/// Feeds at most `limit` events of the generator to one append (one signed batch).
struct LimitedSource: EventSource {
    var generator: DemoGenerator
    let limit: Int
    var count = 0
    var exhausted = false

    mutating func next() -> SourcedEvent? {
        guard count < limit else { return nil }
        guard let event = generator.next() else {
            exhausted = true
            return nil
        }
        count += 1
        return .event(line: count, event)
    }
}

struct DemoScaleArgument: ExpressibleByArgument {
    let scale: DemoScale
    init(_ scale: DemoScale) { self.scale = scale }
    init?(argument: String) {
        guard let s = DemoScale(rawValue: argument) else { return nil }
        scale = s
    }
    static var allValueStrings: [String] { DemoScale.allCases.map(\.rawValue) }
    var defaultValueDescription: String { scale.rawValue }
}
