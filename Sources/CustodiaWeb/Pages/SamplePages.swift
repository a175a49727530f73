import CustodiaCore

/// A sample plan as the pages show it.
public struct SamplePlanEntry: Sendable {
    public var seq: Int64
    public var plan: SamplePlan
    public var plannedAt: String
    public var plannedBy: String
    public var examined: Int

    public init(seq: Int64, plan: SamplePlan, plannedAt: String, plannedBy: String, examined: Int) {
        self.seq = seq
        self.plan = plan
        self.plannedAt = plannedAt
        self.plannedBy = plannedBy
        self.examined = examined
    }
}

/// `/samples`: the sample plans inside the reader's scope, and the plan form for inspectors.
public struct SamplesPage: Sendable {
    public var plans: [SamplePlanEntry]
    public var mayPlan: Bool
    public var values: [String: String]
    public var problem: Message?

    public init(plans: [SamplePlanEntry], mayPlan: Bool, values: [String: String] = [:], problem: Message? = nil) {
        self.plans = plans
        self.mayPlan = mayPlan
        self.values = values
        self.problem = problem
    }
}

/// `/samples/<id>`: what the draw waits for, or the sample with each item's finding, the
/// findings form, and the verification certificate (printable, in the reader's language).
public struct SamplePage: Sendable {
    public var entry: SamplePlanEntry
    /// Nil once drawn; else what the draw waits for (English, from the store).
    public var waiting: String?
    public var items: [(identity: ItemIdentity, finding: SampleFinding?)]
    public var report: SampleReport?
    public var checkpointSize: Int64?
    public var checkpointRoot: String?
    public var witnesses: Int
    public var seed: String?
    public var mayRecord: Bool
    public var sheet: String
    public var problems: [(line: Int, message: Message)]
    /// The published value of the beacon the plan names, as given to draw the sample.
    public var beaconValue: String?

    public init(
        entry: SamplePlanEntry, waiting: String?, items: [(identity: ItemIdentity, finding: SampleFinding?)], report: SampleReport?,
        checkpointSize: Int64?, checkpointRoot: String?, witnesses: Int, seed: String?, mayRecord: Bool, sheet: String = "",
        problems: [(line: Int, message: Message)] = []
    ) {
        self.entry = entry
        self.waiting = waiting
        self.items = items
        self.report = report
        self.checkpointSize = checkpointSize
        self.checkpointRoot = checkpointRoot
        self.witnesses = witnesses
        self.seed = seed
        self.mayRecord = mayRecord
        self.sheet = sheet
        self.problems = problems
    }
}

struct SampleRow {
    let id: String
    let url: String
    let population: String
    let sample: String
    let examined: String

    init(_ e: SamplePlanEntry, _ m: Messages) {
        id = String(e.seq)
        url = WebPaths.sample(e.seq)
        population = SampleRow.population(e.plan, m)
        sample = m(Message("samples.sampleOf", ["n": .number(e.plan.sample), "size": .number(e.plan.size), "confidence": .text(e.plan.confidence)]))
        examined = m(Message("samples.examined", ["count": .number(Int64(e.examined)), "n": .number(e.plan.sample)]))
    }

    static func population(_ p: SamplePlan, _ m: Messages) -> String {
        let cats = p.categories.isEmpty ? m["samples.allCategories"] : p.categories.map { m["category.\($0.rawValue)"] }.joined(separator: ", ")
        let place = p.holder ?? m["samples.wholeRegister"]
        return "\(cats) · \(place)" + (p.model.map { " · \($0)" } ?? "")
    }
}

struct SamplesDisplay {
    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    let heading: String
    let rows: [SampleRow]
    let hasRows: Bool
    let mayPlan: Bool
    let categories: [Option]
    let holder: String
    let declared: String
    let confidence: String
    let detect: String
    let size: String
    let beacon: String
    let problem: String?
    let csrf: String

    init(_ page: SamplesPage, _ m: Messages, csrf: String) {
        heading = m["samples.title"]
        rows = page.plans.map { SampleRow($0, m) }
        hasRows = !rows.isEmpty
        mayPlan = page.mayPlan
        let chosen = page.values["category"] ?? ""
        categories = [Option(value: "", label: m["samples.allCategories"], selected: chosen.isEmpty)]
            + Category.allCases.map { Option(value: $0.rawValue, label: m["category.\($0.rawValue)"], selected: chosen == $0.rawValue) }
        holder = page.values["holder"] ?? ""
        declared = page.values["declared"] ?? ""
        confidence = page.values["confidence"] ?? "0.95"
        detect = page.values["detect"] ?? ""
        size = page.values["size"] ?? ""
        beacon = page.values["beacon"] ?? ""
        problem = page.problem.map { m($0) }
        self.csrf = csrf
    }
}

struct SampleDisplay {
    struct ItemRow {
        let serial: String
        let what: String
        let finding: String
        let done: Bool
    }

    struct BoundRow {
        let finding: String
        let found: String
        let bound: String
    }

    let heading: String
    let row: SampleRow
    let waiting: String?
    let drawn: Bool
    let items: [ItemRow]
    var certificate: [String]
    let bounds: [BoundRow]
    let rests: String
    let seed: String
    let mayRecord: Bool
    let recordURL: String
    let findings: [SamplesDisplay.Option]
    let sheet: String
    let problems: [String]
    let hasProblems: Bool
    let csrf: String
    /// A plan that names a beacon, not drawn yet: the form that takes its published value.
    let beaconForm: Bool
    let beaconLabel: String
    let beaconValue: String?
    let url: String

    init(_ page: SamplePage, _ m: Messages, csrf: String) {
        let e = page.entry
        heading = m(Message("sample.title", ["id": .text(String(e.seq))]))
        row = SampleRow(e, m)
        waiting = page.waiting.map { m(Message("sample.waiting", ["what": .text($0)])) }
        drawn = page.waiting == nil
        items = page.items.map {
            ItemRow(
                serial: $0.identity.serial, what: "\($0.identity.manufacturer) \($0.identity.model)",
                finding: $0.finding.map { m["sampleFinding.\($0.rawValue)"] } ?? m["sample.notExamined"], done: $0.finding != nil)
        }
        var lines: [String] = []
        var bounds: [BoundRow] = []
        if let r = page.report {
            lines.append(m(Message("sample.population", ["population": .text(SampleRow.population(r.plan, m)), "size": .number(r.plan.size)])))
            if let d = r.plan.declared {
                lines.append(m(Message("sample.declared", ["declared": .number(d), "difference": .text((d - r.plan.size > 0 ? "+" : "") + String(d - r.plan.size))])))
            }
            lines.append(m(Message("sample.examinedOf", ["examined": .number(r.examined), "n": .number(r.plan.sample), "confidence": .text(r.plan.confidence)])))
            for kind in SampleFinding.allCases {
                bounds.append(
                    BoundRow(
                        finding: m["sampleFinding.\(kind.rawValue)"], found: String(r.findings[kind] ?? 0),
                        bound: r.bounds[kind].map { m(Message("sample.atMost", ["count": .number($0)])) } ?? "—"))
            }
            bounds.append(
                BoundRow(
                    finding: m["sample.anyDiscrepancy"], found: String(r.discrepancies),
                    bound: m(Message("sample.atMost", ["count": .number(r.discrepancyBound)]))))
        }
        certificate = lines
        self.bounds = bounds
        rests =
            page.checkpointSize.map { size in
                m(Message(
                    page.witnesses == 0 ? "sample.restsAlone" : "sample.restsWitnessed",
                    ["size": .number(size), "root": .text(page.checkpointRoot ?? ""), "witnesses": .number(Int64(page.witnesses))]))
            } ?? ""
        seed = page.seed ?? ""
        mayRecord = page.mayRecord && drawn
        recordURL = WebPaths.sampleFindings(e.seq)
        findings = SampleFinding.allCases.map { SamplesDisplay.Option(value: $0.rawValue, label: m["sampleFinding.\($0.rawValue)"], selected: $0 == .present) }
        sheet = page.sheet
        problems = StocktakeDisplay.problemLines(page.problems, m)
        hasProblems = !problems.isEmpty
        self.csrf = csrf
        url = WebPaths.sample(e.seq)
        beaconForm = e.plan.beacon != nil && !drawn
        beaconLabel = m(Message("sample.beaconValue", ["beacon": .text(e.plan.beacon ?? "")]))
        beaconValue = drawn ? page.beaconValue : nil
        if drawn, let beacon = e.plan.beacon, let value = page.beaconValue {
            certificate.append(m(Message("sample.beaconUsed", ["beacon": .text(beacon), "value": .text(value)])))
        }
    }
}

extension WebRenderer {
    public func samples(_ page: SamplesPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = SamplesDisplay(page, messages, csrf: context.session?.csrfToken ?? "")
        return render("samples", title: display.heading, section: .holders, body: display, context: context)
    }

    public func sample(_ page: SamplePage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = SampleDisplay(page, messages, csrf: context.session?.csrfToken ?? "")
        return render("sample", title: display.heading, section: .holders, body: display, context: context)
    }
}
