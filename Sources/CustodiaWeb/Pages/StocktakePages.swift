import CustodiaCore

/// One stocktake as the pages show it (the server fills it from the store).
public struct StocktakeEntry: Sendable {
    public var id: Int64
    public var holder: String
    public var holderName: String?
    public var opening: StocktakeOpening
    public var openedAt: String
    public var openedBy: String
    public var closedAt: String?
    public var closedBy: String?
    public var summary: ReconciliationSummary?

    public init(
        id: Int64, holder: String, holderName: String?, opening: StocktakeOpening, openedAt: String, openedBy: String,
        closedAt: String?, closedBy: String?, summary: ReconciliationSummary?
    ) {
        self.id = id
        self.holder = holder
        self.holderName = holderName
        self.opening = opening
        self.openedAt = openedAt
        self.openedBy = openedBy
        self.closedAt = closedAt
        self.closedBy = closedBy
        self.summary = summary
    }
}

/// `/stocktakes`: the stocktakes inside the reader's scope, open first, and the
/// discrepancies nobody has resolved.
public struct StocktakesPage: Sendable {
    public var stocktakes: [StocktakeEntry]
    public var discrepancies: [(stocktake: Int64, holder: String, line: Reconciliation.Line)]
    /// Whether the reader may open a stocktake; the form as sent back with its problem.
    public var mayOpen: Bool
    public var holder: String
    public var problem: Message?

    public init(
        stocktakes: [StocktakeEntry], discrepancies: [(stocktake: Int64, holder: String, line: Reconciliation.Line)], mayOpen: Bool = false,
        holder: String = "", problem: Message? = nil
    ) {
        self.stocktakes = stocktakes
        self.discrepancies = discrepancies
        self.mayOpen = mayOpen
        self.holder = holder
        self.problem = problem
    }
}

/// `/stocktakes/<id>`: an open stocktake's progress and its count form (made for a phone:
/// scan or paste serials one after another); a closed one's reconciliation, printable, with
/// lines for the counters to sign.
public struct StocktakePage: Sendable {
    public var entry: StocktakeEntry
    /// Items and unlisted marks counted so far, and who counted.
    public var counted: Int
    public var unlisted: Int
    public var counters: [String]
    public var reconciliation: Reconciliation?
    public var listMatches: Bool?
    /// Whether the reader may record counts here.
    public var mayCount: Bool
    /// The count form as sent back with its problems (line, message), or after a count.
    public var sheet: String
    public var unlistedChecked: Bool
    public var problems: [(line: Int, message: Message)]
    public var recorded: Int?
    /// Whether the reader may close it (open) or resolve its discrepancies (closed), and
    /// those not yet resolved.
    public var mayClose: Bool = false
    public var open: [Reconciliation.Line] = []

    public init(
        entry: StocktakeEntry, counted: Int, unlisted: Int, counters: [String], reconciliation: Reconciliation?, listMatches: Bool?,
        mayCount: Bool, sheet: String = "", unlistedChecked: Bool = false, problems: [(line: Int, message: Message)] = [],
        recorded: Int? = nil
    ) {
        self.entry = entry
        self.counted = counted
        self.unlisted = unlisted
        self.counters = counters
        self.reconciliation = reconciliation
        self.listMatches = listMatches
        self.mayCount = mayCount
        self.sheet = sheet
        self.unlistedChecked = unlistedChecked
        self.problems = problems
        self.recorded = recorded
    }
}

struct StocktakeRow {
    let id: String
    let url: String
    let holder: String
    let holderName: String
    let holderURL: String
    let status: String
    let open: Bool
    let opened: String
    let findings: String

    init(_ e: StocktakeEntry, _ m: Messages) {
        id = String(e.id)
        url = WebPaths.stocktake(e.id)
        holder = e.holder
        holderName = e.holderName.map { "· \($0)" } ?? ""
        holderURL = WebPaths.holder(e.holder)
        open = e.summary == nil
        status = m[open ? "stocktakes.open" : "stocktakes.closed"] + (e.opening.blind ? " · " + m["stocktakes.blind"] : "")
        opened = m(Message("stocktakes.openedBy", ["date": .date(e.openedAt), "user": .text(e.openedBy)]))
        findings = e.summary.map { s in
            m(Message("stocktakes.findings", ["found": .number(s.found), "discrepancies": .number(s.notFound + s.elsewhere + s.unregistered + s.lotDifferences)]))
        } ?? "—"
    }
}

struct LineRow {
    let finding: String
    let what: String
    let holder: String
    let figures: String
    let discrepancy: Bool

    init(_ l: Reconciliation.Line, _ m: Messages) {
        finding = m["finding.\(l.finding.rawValue)"]
        if let item = l.item {
            what = "\(item.serial) · \(item.manufacturer) \(item.model)"
        } else if let lot = l.lot {
            what = m(Message("stocktakes.lot", ["lot": .text(lot.lot), "manufacturer": .text(lot.manufacturer)]))
        } else {
            what = l.mark?.label ?? ""
        }
        holder = l.holder ?? ""
        if let e = l.expected, let c = l.counted {
            figures = m(Message(l.movedDuring ? "stocktakes.lotMoved" : "stocktakes.lotFigures", ["expected": .number(e), "counted": .number(c)]))
        } else {
            figures = ""
        }
        discrepancy = l.finding.isDiscrepancy
    }
}

struct StocktakesDisplay {
    struct Discrepancy {
        let stocktake: String
        let url: String
        let holder: String
        let line: LineRow
    }

    let heading: String
    let rows: [StocktakeRow]
    let hasRows: Bool
    let discrepancies: [Discrepancy]
    let hasDiscrepancies: Bool
    let mayOpen: Bool
    let holder: String
    let problem: String?
    let csrf: String

    init(_ page: StocktakesPage, _ m: Messages, csrf: String) {
        self.csrf = csrf
        mayOpen = page.mayOpen
        holder = page.holder
        problem = page.problem.map { m($0) }
        heading = m["stocktakes.title"]
        rows = page.stocktakes.map { StocktakeRow($0, m) }
        hasRows = !rows.isEmpty
        discrepancies = page.discrepancies.map {
            Discrepancy(stocktake: String($0.stocktake), url: WebPaths.stocktake($0.stocktake), holder: $0.holder, line: LineRow($0.line, m))
        }
        hasDiscrepancies = !discrepancies.isEmpty
    }
}

struct StocktakeDisplay {
    let heading: String
    let row: StocktakeRow
    let open: Bool
    let progress: String
    let counters: String
    let mayCount: Bool
    let countURL: String
    let sheet: String
    let unlistedChecked: Bool
    let problems: [String]
    let hasProblems: Bool
    let recorded: String?
    let lines: [LineRow]
    let hasLines: Bool
    let summary: String
    let check: String?
    let signers: [String]
    let csvURL: String
    let csrf: String
    let mayClose: Bool
    let closeURL: String
    let checkURL: String
    let resolveURL: String
    let mayResolve: Bool
    let openLines: [(key: String, label: String)]
    struct Option {
        let key: String
        let label: String
    }
    let options: [Option]

    init(_ page: StocktakePage, _ m: Messages, csrf: String) {
        self.csrf = csrf
        let e = page.entry
        heading = m(Message("stocktake.title", ["id": .text(String(e.id)), "holder": .text(e.holder)]))
        row = StocktakeRow(e, m)
        open = e.summary == nil
        progress =
            e.opening.blind
            ? m(Message("stocktake.progressBlind", ["counted": .number(Int64(page.counted)), "unlisted": .number(Int64(page.unlisted))]))
            : m(Message(
                "stocktake.progress",
                ["counted": .number(Int64(page.counted)), "expected": .number(e.opening.items), "unlisted": .number(Int64(page.unlisted))]))
        counters = page.counters.isEmpty ? "—" : page.counters.joined(separator: ", ")
        mayCount = page.mayCount && open
        countURL = WebPaths.stocktakeCount(e.id)
        sheet = page.sheet
        unlistedChecked = page.unlistedChecked
        problems = Self.problemLines(page.problems, m)
        hasProblems = !problems.isEmpty
        recorded = page.recorded.map { m(Message("stocktake.recorded", ["count": .number(Int64($0))])) }
        lines = (page.reconciliation?.lines ?? []).filter { $0.finding != .found }.map { LineRow($0, m) }
        hasLines = !lines.isEmpty
        summary = e.summary.map { s in
            m(Message(
                "stocktake.summary",
                ["found": .number(s.found), "notFound": .number(s.notFound), "moved": .number(s.movedDuring), "elsewhere": .number(s.elsewhere),
                 "unregistered": .number(s.unregistered), "lots": .number(s.lotDifferences)]))
        } ?? ""
        check = page.listMatches.map { m[$0 ? "stocktake.listMatches" : "stocktake.listDiffers"] }
        signers = e.summary?.counters ?? []
        csvURL = "/api/v1/stocktakes/\(e.id)/reconciliation.csv"
        mayClose = page.mayClose && open
        closeURL = WebPaths.stocktakeClose(e.id)
        checkURL = WebPaths.stocktakeCheck(e.id)
        resolveURL = WebPaths.stocktakeResolve(e.id)
        mayResolve = page.mayClose && !open && !page.open.isEmpty
        openLines = page.open.map { ($0.key, LineRow($0, m).finding + ": " + LineRow($0, m).what) }
        options = openLines.map { Option(key: $0.key, label: $0.label) }
    }
}

extension StocktakeDisplay {
    /// The problems of a count box (or a findings box), each with its line when it has one.
    static func problemLines(_ problems: [(line: Int, message: Message)], _ m: Messages) -> [String] {
        problems.map {
            $0.line > 0 ? m(Message("stocktake.problemLine", ["line": .number(Int64($0.line)), "message": .text(m($0.message))])) : m($0.message)
        }
    }
}

extension WebRenderer {
    public func stocktakes(_ page: StocktakesPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = StocktakesDisplay(page, messages, csrf: context.session?.csrfToken ?? "")
        return render("stocktakes", title: display.heading, section: .holders, body: display, context: context)
    }

    public func stocktake(_ page: StocktakePage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = StocktakeDisplay(page, messages, csrf: context.session?.csrfToken ?? "")
        return render("stocktake", title: display.heading, section: .holders, body: display, context: context)
    }
}
