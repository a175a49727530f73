import Mustache

/// A horizontal bar chart, drawn as inline SVG by the server (no chart library, no script).
///
/// The geometry is computed here, in integer-free decimal strings; the markup is the
/// `chart` template, so every label and title is escaped like any other text. Each bar's
/// length is proportional to its value (the longest bar is the largest value); each row
/// carries its label and value as text, and the chart has a `<title>` and a `<desc>` that
/// lists every value for screen readers.
public struct BarChart: Sendable, Equatable {
    public struct Bar: Sendable, Equatable {
        public var label: String
        public var value: Int64
        /// A CSS class suffix for the bar's colour (e.g. a status name); empty for the default.
        public var tone: String

        public init(label: String, value: Int64, tone: String = "") {
            self.label = label
            self.value = value
            self.tone = tone
        }
    }

    /// A short unique id within the page (used for `aria-labelledby`).
    public var id: String
    public var title: String
    public var bars: [Bar]

    public init(id: String, title: String, bars: [Bar]) {
        self.id = id
        self.title = title
        self.bars = bars
    }

    /// The drawing's width in user units; the SVG scales to its container.
    static let width = 360.0
    /// Room kept right of the longest bar for its value.
    static let valueSpace = 72.0
    static let rowHeight = 34.0
    static let barHeight = 12.0

    /// The longest a bar can be.
    static var maxBar: Double { width - valueSpace }

    /// The length of a bar for `value`, proportional to the largest value of the chart.
    func length(of value: Int64) -> Double {
        let top = bars.map(\.value).max() ?? 0
        guard top > 0, value > 0 else { return 0 }
        return Self.maxBar * Double(value) / Double(top)
    }

    func layout(_ format: LocalFormat) -> ChartLayout {
        var rows: [ChartLayout.Row] = []
        for (n, bar) in bars.enumerated() {
            let top = Double(n) * Self.rowHeight
            let length = self.length(of: bar.value)
            let value = format.number(bar.value)
            rows.append(
                ChartLayout.Row(
                    label: bar.label, value: value, tooltip: "\(bar.label): \(value)",
                    tone: bar.tone.isEmpty ? "" : "b-\(bar.tone)",
                    labelY: Self.decimal(top + 12), barY: Self.decimal(top + 17), barWidth: Self.decimal(length),
                    valueX: Self.decimal(length + 6), valueY: Self.decimal(top + 28)))
        }
        let height = max(Self.rowHeight, Double(bars.count) * Self.rowHeight)
        return ChartLayout(
            id: id, title: title, description: rows.map(\.tooltip).joined(separator: "; "),
            viewBox: "0 0 \(Self.decimal(Self.width)) \(Self.decimal(height))", height: Self.decimal(height),
            barHeight: Self.decimal(Self.barHeight), rows: rows, empty: bars.isEmpty)
    }

    /// A coordinate with at most one decimal: `12`, `12.5`.
    static func decimal(_ x: Double) -> String {
        let tenths = Int((x * 10).rounded())
        let whole = tenths / 10
        let fraction = abs(tenths % 10)
        return fraction == 0 ? String(whole) : "\(whole).\(fraction)"
    }
}

/// What the `chart` template draws.
struct ChartLayout {
    struct Row {
        let label: String
        let value: String
        let tooltip: String
        let tone: String
        let labelY: String
        let barY: String
        let barWidth: String
        let valueX: String
        let valueY: String
    }

    let id: String
    let title: String
    let description: String
    let viewBox: String
    let height: String
    let barHeight: String
    let rows: [Row]
    let empty: Bool
}

extension WebRenderer {
    /// One chart as an HTML fragment (`<figure>` with inline SVG), outside any page.
    public func chart(_ chart: BarChart, language: Language) -> String {
        let messages = Messages(language)
        let root = ["t": MessageNode(messages), "page": chart.layout(LocalFormat(language))] as [String: Any]
        do {
            return try MustacheTemplate(string: "{{#page}}{{>chart}}{{/page}}").render(root, library: library)
        } catch {
            preconditionFailure("the chart wrapper does not parse: \(error)")
        }
    }
}
