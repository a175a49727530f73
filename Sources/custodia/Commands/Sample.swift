import ArgumentParser
import CustodiaCore
import CustodiaStore
import Foundation

/// Statistical verification of a declared stock: a plan that commits to a population and a
/// sample size, a draw nobody could steer, inspectors' findings, and a report with exact
/// upper bounds. docs/verification.md explains the method.
struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Verify a declared stock by a sample: plan, draw, record findings, report with exact bounds.",
        discussion: "A plan's id is the sequence number of its sample-plan event. docs/verification.md explains the draw and the bounds.",
        subcommands: [Plan.self, Draw.self, Record.self, Report.self, List.self])

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan a sample: commits to the population (its size and the hash of its items), the method and the sample size.",
            discussion: "The population is the items held of the categories given (all when none), of the model given, under the holder given (the whole register when none). --detect M sizes the sample to reveal M missing items with probability at least the confidence.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Option(name: .customLong("category"), help: "A category of the population (repeat for several).") var categories: [String] = []
        @Option(help: "Only this model.") var model: String?
        @Option(help: "Only items held under this holder.") var holder: String?
        @Option(help: "The figure the inspected party declares for this population.") var declared: Int64?
        @Option(help: "The confidence, a decimal between 0 and 1 such as 0.95.") var confidence: String = "0.95"
        @Option(help: "Size the sample to reveal this many missing items.") var detect: Int64?
        @Option(help: "The sample size, instead of --detect.") var size: Int64?
        @Option(help: "A public randomness value fixed in advance the draw will also use (e.g. a drand round), named here.") var beacon: String?

        func run() async throws {
            let cats = try categories.map { c -> CustodiaCore.Category in
                guard let cat = CustodiaCore.Category(rawValue: c) else {
                    throw UserError("unknown category \(c); use one of \(CustodiaCore.Category.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return cat
            }
            let opened = try await store.openForWriting()
            let now = Clock.now()
            var code: String?
            if let holder { code = try await knownHolder(holder, in: opened) }
            let event: Event
            do {
                event = try await opened.samplePlanEvent(
                    categories: cats, model: model, holder: code, declared: declared, confidence: confidence, detect: detect, size: size,
                    beacon: beacon, occurredAt: now)
            } catch let e as FieldError {
                throw UserError("\(e.description); nothing was recorded")
            }
            guard let seq = try await recordOne(event, opened, recording, now: now) else { return }
            let p = event.plan!
            print("sample plan \(seq): \(p.sample) of \(p.size) items at confidence \(p.confidence)\(p.detect.map { ", sized to reveal \($0) missing" } ?? "")")
            print("draw with: custodia sample draw \(seq) (once the ledger has a checkpoint after the one that records the plan)")
        }
    }

    struct Draw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The sample of a plan: the same list on any copy of the ledger, once the checkpoint it rests on exists.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The plan's id.") var plan: Int64
        @Option(help: "The published value of the beacon the plan names.") var beaconValue: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let opened = try await store.openForReading()
            let drawn = try await draw(plan, beaconValue, opened)
            if json {
                printJSON(drawn.jsonValue)
                return
            }
            print("sample of plan \(plan): \(drawn.items.count) items, seed \(drawn.seed)")
            print("rests on checkpoint \(drawn.checkpointSize) (root \(drawn.checkpointRoot))\(drawn.witnesses.isEmpty ? ", signed by the log alone (no witness cosigned it)" : ", cosigned by \(drawn.witnesses.count) witnesses")")
            for (n, i) in drawn.items.enumerated() { print("\(n + 1)\t\(i.serial)\t\(i.manufacturer)\t\(i.model)") }
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record what inspectors found of sampled items: serials one per line, one finding for the file.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The plan's id.") var plan: Int64
        @Argument(help: "The serials (- for standard input).") var file: String
        @Option(help: "present, unserviceable, marking-mismatch or not-found.") var finding: String
        @Option(help: "The published value of the beacon the plan names.") var beaconValue: String?

        func run() async throws {
            guard let kind = SampleFinding(rawValue: finding) else {
                throw UserError("unknown finding \(finding); use one of \(SampleFinding.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let sheet = try readSheet(file)
            let opened = try await store.openForWriting()
            let now = Clock.now()
            let drawn = try await draw(plan, beaconValue, opened)
            let event: Event
            do {
                event = try await opened.sampleFinding(
                    drawn, reads: sheet.reads.map { CountRead(serial: $0.serial, manufacturer: $0.manufacturer, line: $0.line) },
                    finding: kind, occurredAt: now)
            } catch let problems as CountProblems {
                var err = StandardError()
                for p in problems.problems { print(p.line > 0 ? "\(file):\(p.line): \(p.message)" : p.message, to: &err) }
                throw UserError("\(problems.problems.count) \(problems.problems.count == 1 ? "line" : "lines") not recorded; nothing was recorded")
            }
            guard let seq = try await recordOne(event, opened, recording, now: now) else { return }
            let done = try await opened.sampleFindings(plan).count
            print("recorded \(event.items.count) \(kind.rawValue) in event \(seq); \(done) of \(drawn.items.count) sampled items examined")
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The verification certificate: population, declared figure, findings, and exact upper bounds at the plan's confidence.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The plan's id.") var plan: Int64
        @Option(help: "The published value of the beacon the plan names.") var beaconValue: String?
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "The certificate's language: en or es.") var lang: String = "en"

        func run() async throws {
            let opened = try await store.openForReading()
            let drawn = try await draw(plan, beaconValue, opened, items: false)
            let report = try await opened.sampleReport(drawn.plan)
            if json {
                printJSON(report.jsonValue(drawn: drawn))
                return
            }
            print(report.certificate(drawn: drawn, spanish: lang == "es"), terminator: "")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every sample plan, newest first.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let opened = try await store.openForReading()
            let plans = try await opened.samplePlans()
            if plans.isEmpty { print("no sample plans") }
            for v in plans {
                let found = try await opened.sampleFindings(v.seq).count
                print("plan \(v.seq)  \(v.plan.holder ?? "whole register")  \(v.plan.sample) of \(v.plan.size) at \(v.plan.confidence)  \(found) examined  planned \(v.plannedAt) by \(v.plannedBy)")
            }
        }
    }
}

/// The drawn sample of a plan, or an error that says what the draw waits for.
func draw(_ plan: Int64, _ beaconValue: String?, _ store: any OpenedStore, items: Bool = true) async throws -> SampleDrawn {
    guard let view = try await store.samplePlan(plan) else {
        throw UserError("no sample plan has id \(plan); custodia sample list shows them")
    }
    switch try await store.sampleDraw(view, beaconValue: beaconValue, items: items) {
    case .waiting(let what): throw UserError("the sample of plan \(plan) cannot be drawn yet: it waits for \(what)")
    case .drawn(let d): return d
    }
}
