import ArgumentParser
import CustodiaCore
import CustodiaLedger
import CustodiaPolicyFile
import CustodiaStore
import Foundation

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "The policy pack in force: show it, check a pack file, put a pack in force.",
        discussion: "docs/policies.md documents every rule. Until a pack is set, the standard pack is in force.",
        subcommands: [Show.self, Check.self, Set.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The pack in force, as YAML to edit (or its canonical JSON with --json).")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print the canonical JSON the ledger records, with the policy-set's seq.") var json = false

        func run() async throws {
            let opened = try await store.openForReading()
            let (pack, seq) = try await opened.policyInForce()
            if json {
                printJSON(.object([("seq", seq.map { .int($0) } ?? .null), ("standard", .bool(seq == nil)), ("policy", pack.jsonValue)]))
                return
            }
            print(seq.map { "# In force since event \($0) (a policy-set)." } ?? "# The standard pack: no policy-set is recorded.")
            print(PolicyFile.yaml(pack), terminator: "")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a pack file; with a store, list what in the register the pack finds out of policy.",
            discussion: "Problems print as FILE:LINE: key: what to change. A pack applies to events recorded after it is set; what is already out of policy is listed, not refused.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The pack file (YAML).") var file: String

        func run() async throws {
            let pack = try readPack(file)
            print("\(file): the pack is valid (\(pack.rules.count) rules, \(pack.separations.count) separations)")
            guard store.exists else { return }
            let opened = try await store.openForReading()
            let findings = try await audit(pack, opened)
            if findings.isEmpty {
                print("nothing in the register is out of this pack")
            } else {
                print("\(findings.count) out of this pack now (it applies to future events; these need action):")
                for f in findings { print("  \(f)") }
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a pack in force: records a policy-set event carrying it in canonical form.",
            discussion: "Only an admin of the whole register (or the operator) sets the pack. The pack in force stays when the file is refused.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var recording: RecordingOptions
        @Argument(help: "The pack file (YAML).") var file: String
        @Option(help: "Why the pack changes (recorded in the event).") var reason: String?

        func run() async throws {
            let pack = try readPack(file)
            let opened = try await store.openForWriting()
            let now = Clock.now()
            var event = Event(kind: .policySet, occurredAt: now)
            event.policy = pack
            event.reason = reason
            var source = ArrayEventSource([event])
            try await runAppend(
                store: opened, source: &source, options: try await recording.appendOptions(now: now, store: opened),
                file: file, noun: "events")
            let findings = try await audit(pack, opened)
            if !findings.isEmpty {
                print("\(findings.count) in the register out of this pack now; `custodia policy check \(file)` lists them")
            }
        }
    }
}

/// Reads and checks a pack file; every problem as FILE:LINE: key: what to change.
func readPack(_ file: String) throws -> PolicyPack {
    guard let data = FileManager.default.contents(atPath: file) else {
        throw UserError("cannot read \(file): no such file, or not readable")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw UserError("\(file) is not UTF-8 text; save the pack as UTF-8 YAML")
    }
    do {
        return try PolicyFile.read(text)
    } catch {
        var err = StandardError()
        for p in error.problems {
            let at = p.line.map { "\(file):\($0)" } ?? file
            print(p.path.isEmpty ? "\(at): \(p.message)" : "\(at): \(p.path): \(p.message)", to: &err)
        }
        let n = error.problems.count
        throw UserError("\(n) \(n == 1 ? "problem" : "problems") in \(file); nothing was changed (the pack in force stays)")
    }
}

/// What in the register is out of `pack` now.
func audit(_ pack: PolicyPack, _ store: any OpenedStore) async throws -> [PolicyFinding] {
    var items: [ItemRecord] = []
    for category in PolicyAudit.categories(pack) {
        var cursor: String?
        repeat {
            let page = try await store.searchItems(ItemQuery(category: category, status: .held, limit: 1000, cursor: cursor))
            items += page.elements
            cursor = page.nextCursor
        } while cursor != nil
    }
    let holders = Dictionary(uniqueKeysWithValues: try await store.holders().map { ($0.code, $0) })
    let grants = try await store.authorisations().compactMap(\.event.authorisation)
    return PolicyAudit.findings(pack: pack, holders: holders, items: items, authorisations: grants, at: Clock.now())
}

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "What the pack in force alerts on now: losses, overdue returns, long transits, items not counted…",
        discussion: "Alerts are derived from the register at the time given; none is stored. An alert ends when the state changes, or while an alert-waiver in force names it (docs/policies.md).")
    @OptionGroup var store: StoreOptions
    @Flag(help: "Print JSON: a list of alerts, most severe first.") var json = false
    @Option(help: "Only the alerts of this rule (\(AlertRule.allCases.map(\.rawValue).joined(separator: ", "))).") var rule: String?
    @Option(help: "Only the alerts that concern this holder or anything under it.") var holder: String?
    @Option(
        help: ArgumentHelp(
            "A past moment: the register as it was then (replayed from the ledger), judged at that time.",
            discussion: "A day (2026-03-01, its end), a UTC time (2026-03-01T08:00:00Z) or a ledger entry number.",
            valueName: "TIME|SEQ")) var at: String?

    func run() async throws {
        let wanted = try rule.map { r -> AlertRule in
            guard let rule = AlertRule(rawValue: r) else {
                throw UserError("unknown rule \(r); use one of \(AlertRule.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return rule
        }
        let moment = try at.map(parseMoment)
        var time = Clock.now()
        let opened = try await store.openForReading()
        var scope = HolderScope.everything
        if let holder {
            let all = try await opened.holders()
            guard all.contains(where: { $0.code == holder }) else { throw UserError("unknown holder \(holder); check the code (custodia holder list)") }
            scope = HolderScope(root: holder, holders: all)
        }
        var alerts: [Alert]
        if let moment {
            let past = try await opened.alerts(at: moment, scope: scope)
            (alerts, time) = (past.alerts, past.time)
            noteLeftOut(past.replay)
        } else {
            alerts = try await opened.alerts(at: time, scope: scope)
        }
        if let wanted { alerts.removeAll { $0.rule != wanted } }
        if json {
            printJSON(.array(alerts.map(\.jsonValue)))
            return
        }
        if alerts.isEmpty {
            print("no alerts at \(time)")
            return
        }
        for a in alerts {
            print("\(a.severity.rawValue.uppercased())  \(a.rule.rawValue)  since \(Timestamp.day(of: a.since))  \(a.subject)")
            print("    \(a.message); ends with \(a.endsWhen)")
        }
        print("\(alerts.count) alerts at \(time)")
    }
}
