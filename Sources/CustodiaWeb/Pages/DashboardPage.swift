import CustodiaCore

/// The dashboard of the user's scope: totals, what is overdue or missing, recent losses
/// and thefts, and the state of the ledger.
public struct DashboardPage: Sendable {
    public var items: Int64
    public var lots: Int64
    public var holders: Int64
    public var events: Int64
    /// Item counts keyed by the raw values the store uses (`assault-rifle`, `held`, `serviceable`).
    public var byCategory: [String: Int64]
    public var byStatus: [String: Int64]
    public var byCondition: [String: Int64]
    /// Items issued and not back by their due date (the first few), and how many in all.
    public var overdue: [ItemRecord]
    public var overdueTotal: Int64
    /// Items missing (lost or stolen, not recovered): the first few, and how many in all.
    public var missing: [ItemRecord]
    public var missingTotal: Int64
    /// The latest loss and theft reports, newest first.
    public var recentLosses: [EventEntry]
    public var ledger: LedgerStatus?
    /// The alerts of the policy pack in force inside the scope: the first few, most severe
    /// first, and how many of each severity.
    public var alerts: [Alert] = []
    public var alertCounts: [AlertSeverity: Int] = [:]
    public var holderNames: [String: String]
    /// The current time (RFC 3339), for "days overdue".
    public var now: String

    public init(
        items: Int64, lots: Int64 = 0, holders: Int64 = 0, events: Int64 = 0, byCategory: [String: Int64] = [:],
        byStatus: [String: Int64] = [:], byCondition: [String: Int64] = [:], overdue: [ItemRecord] = [],
        overdueTotal: Int64? = nil, missing: [ItemRecord] = [], missingTotal: Int64? = nil, recentLosses: [EventEntry] = [],
        ledger: LedgerStatus? = nil, holderNames: [String: String] = [:], now: String
    ) {
        self.items = items
        self.lots = lots
        self.holders = holders
        self.events = events
        self.byCategory = byCategory
        self.byStatus = byStatus
        self.byCondition = byCondition
        self.overdue = overdue
        self.overdueTotal = overdueTotal ?? Int64(overdue.count)
        self.missing = missing
        self.missingTotal = missingTotal ?? Int64(missing.count)
        self.recentLosses = recentLosses
        self.ledger = ledger
        self.holderNames = holderNames
        self.now = now
    }
}

/// The ledger's state as a few lines of a card.
struct LedgerStatusDisplay {
    let facts: [Fact]
    let verified: [String]
    let warning: [String]

    init(_ status: LedgerStatus, messages: Messages) {
        let format = LocalFormat(messages.language)
        var facts = [
            Fact(label: messages["ledger.size"], value: format.number(status.size)),
            Fact(label: messages["ledger.root"], value: status.root),
        ]
        if let signed = status.signedAt { facts.append(Fact(label: messages["ledger.signedAt"], value: format.dateTime(signed))) }
        self.facts = facts
        switch (status.lastVerifiedAt, status.lastVerifyPassed) {
        case (let at?, false):
            verified = []
            warning = [messages(Message("ledger.verifyFailed", ["date": .date(at)]))]
        case (let at?, _):
            verified = [messages(Message("ledger.verifiedAt", ["date": .date(at)]))]
            warning = []
        case (nil, _):
            verified = []
            warning = [messages["ledger.neverVerified"]]
        }
    }
}

struct DashboardDisplay {
    struct Total {
        let label: String
        let value: String
    }

    let heading: String
    let totals: [Total]
    let charts: [ChartLayout]
    let overdue: [ItemRow]
    let overdueCount: String
    let overdueMore: [String]
    let missing: [ItemRow]
    let missingCount: String
    let missingMore: [String]
    let losses: [TimelineRow]
    let ledgerStatus: [LedgerStatusDisplay]
    let alerts: [AlertRow]
    let alertCounts: [Total]
    let alertsURL = WebPaths.alerts
    let hasAlerts: Bool
    let hasOverdue: Bool
    let hasMissing: Bool
    let hasLosses: Bool

    init(_ page: DashboardPage, context: PageContext, messages: Messages) {
        let format = LocalFormat(messages.language)
        if let scope = context.session?.scope {
            heading = messages(Message("dashboard.headingScope", ["scope": .text(scope.name.isEmpty ? scope.code : scope.name)]))
        } else {
            heading = messages["dashboard.heading"]
        }
        totals = [
            Total(label: messages["dashboard.items"], value: format.number(page.items)),
            Total(label: messages["dashboard.lots"], value: format.number(page.lots)),
            Total(label: messages["dashboard.holders"], value: format.number(page.holders)),
            Total(label: messages["dashboard.events"], value: format.number(page.events)),
        ]
        func bars<T: RawRepresentable>(_ counts: [String: Int64], _ order: [T], label: (T) -> String, tone: Bool)
            -> [BarChart.Bar] where T.RawValue == String
        {
            let known = order.compactMap { value -> BarChart.Bar? in
                guard let n = counts[value.rawValue], n > 0 else { return nil }
                return BarChart.Bar(label: label(value), value: n, tone: tone ? value.rawValue : "")
            }
            // Keys the UI does not know (a newer store) still count.
            let names = Set(order.map(\.rawValue))
            let unknown = counts.filter { !names.contains($0.key) && $0.value > 0 }.sorted { $0.key < $1.key }
                .map { BarChart.Bar(label: $0.key, value: $0.value) }
            return known + unknown
        }
        let categories = bars(page.byCategory, Category.allCases, label: messages.label, tone: false)
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.label < $1.label }
        charts = [
            BarChart(id: "c-category", title: messages["dashboard.byCategory"], bars: categories),
            BarChart(
                id: "c-status", title: messages["dashboard.byStatus"],
                bars: bars(page.byStatus, ItemStatus.allCases, label: messages.label, tone: true)),
            BarChart(
                id: "c-condition", title: messages["dashboard.byCondition"],
                bars: bars(page.byCondition, Condition.allCases, label: messages.label, tone: true)),
        ].map { $0.layout(format) }
        overdue = page.overdue.map { ItemRow($0, names: page.holderNames, messages: messages, now: page.now) }
        overdueCount = format.number(page.overdueTotal)
        overdueMore = Self.more(shown: page.overdue.count, total: page.overdueTotal, messages: messages)
        missing = page.missing.map { ItemRow($0, names: page.holderNames, messages: messages, now: nil) }
        missingCount = format.number(page.missingTotal)
        missingMore = Self.more(shown: page.missing.count, total: page.missingTotal, messages: messages)
        losses = page.recentLosses.map { TimelineRow($0, names: page.holderNames, messages: messages, itemsSummary: true) }
        ledgerStatus = page.ledger.map { [LedgerStatusDisplay($0, messages: messages)] } ?? []
        alerts = page.alerts.map { AlertRow($0, messages: messages) }
        alertCounts = AlertSeverity.allCases.map {
            Total(label: messages["severity.\($0.rawValue)"], value: format.number(Int64(page.alertCounts[$0] ?? 0)))
        }
        hasAlerts = !alerts.isEmpty
        hasOverdue = !overdue.isEmpty
        hasMissing = !missing.isEmpty
        hasLosses = !losses.isEmpty
    }

    static func more(shown: Int, total: Int64, messages: Messages) -> [String] {
        total > Int64(shown) ? [messages(Message("list.more", ["count": .number(total - Int64(shown))]))] : []
    }
}

extension WebRenderer {
    /// The dashboard: totals by category, status and condition as SVG bar charts; overdue
    /// and missing items; recent losses and thefts; the latest checkpoint and verification.
    public func dashboard(_ page: DashboardPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = DashboardDisplay(page, context: context, messages: messages)
        return render("dashboard", title: display.heading, section: .dashboard, body: display, context: context)
    }
}
