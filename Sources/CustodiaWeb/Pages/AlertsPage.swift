import CustodiaCore

/// The alerts of the policy pack in force inside the reader's scope, most severe first,
/// each worded in the reader's language from its rule and particulars.
public struct AlertsPage: Sendable {
    /// The alerts shown (the first ones).
    public var alerts: [Alert]
    /// How many there are in all (after the rule filter).
    public var total: Int
    /// The rule the list is narrowed to, if any.
    public var rule: AlertRule?
    /// How many there are per rule, before the filter.
    public var byRule: [AlertRule: Int]

    public init(alerts: [Alert], total: Int, rule: AlertRule?, byRule: [AlertRule: Int]) {
        self.alerts = alerts
        self.total = total
        self.rule = rule
        self.byRule = byRule
    }

    /// The rows a page shows at most.
    public static let rows = 200
}

/// One alert as a row.
struct AlertRow {
    let severity: String
    let tone: String
    let rule: String
    let subject: String
    let url: [String]
    let since: String
    let text: String
    let ends: String

    init(_ alert: Alert, messages: Messages) {
        let format = LocalFormat(messages.language)
        severity = messages["severity.\(alert.severity.rawValue)"]
        tone = alert.severity.rawValue
        rule = messages["alertRule.\(alert.rule.rawValue)"]
        subject = alert.subject
        url = alert.item.map { [WebPaths.item($0.id)] } ?? []
        since = format.date(alert.since)
        text = messages(Self.message(alert))
        ends = messages["alertEnds.\(alert.rule.rawValue)"]
    }

    /// The catalogue's wording of an alert, from its rule and particulars.
    static func message(_ alert: Alert) -> Message { Message("alert.\(alert.rule.rawValue)", details: alert.details) }
}

struct AlertsDisplay {
    struct Filter {
        let label: String
        let count: String
        let url: String
        let current: Bool
    }

    let heading: String
    let filters: [Filter]
    let rows: [AlertRow]
    let more: [String]
    let hasRows: Bool

    init(_ page: AlertsPage, messages: Messages) {
        let format = LocalFormat(messages.language)
        heading = messages["alerts.title"]
        let all = page.byRule.values.reduce(0, +)
        filters =
            [Filter(label: messages["alerts.all"], count: format.number(Int64(all)), url: WebPaths.alerts, current: page.rule == nil)]
            + AlertRule.allCases.filter { (page.byRule[$0] ?? 0) > 0 }.map { rule in
                Filter(
                    label: messages["alertRule.\(rule.rawValue)"], count: format.number(Int64(page.byRule[rule] ?? 0)),
                    url: WebPaths.alerts(rule: rule), current: page.rule == rule)
            }
        rows = page.alerts.map { AlertRow($0, messages: messages) }
        more = DashboardDisplay.more(shown: page.alerts.count, total: Int64(page.total), messages: messages)
        hasRows = !rows.isEmpty
    }
}

extension WebRenderer {
    /// The alerts page: counts per rule (each a filter), and the alerts, most severe first.
    public func alerts(_ page: AlertsPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = AlertsDisplay(page, messages: messages)
        return render("alerts", title: display.heading, section: .dashboard, body: display, context: context)
    }
}
