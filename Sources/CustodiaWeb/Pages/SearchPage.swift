import CustodiaCore

/// Search results for one box that takes serials (full or partial), models and holder
/// codes. The server decides what matches; the page shows items and holders, one page at
/// a time, with previous/next links (`/search?q=…&page=N`).
public struct SearchPage: Sendable {
    public var query: String
    public var items: [ItemRecord]
    /// Holders whose code (or name) matches.
    public var holders: [Holder]
    /// 1-based page number.
    public var page: Int
    /// Whether another page follows (fetch one row more than shown to know).
    public var hasNextPage: Bool
    public var holderNames: [String: String]
    /// Items whose serial may be the text read as a damaged mark (`MarkPattern`), closest
    /// first, with how close; how many matched in all, and whether more than could be ranked.
    public var marks: [(item: ItemRecord, closeness: MarkCloseness)] = []
    public var marksTotal = 0
    public var marksIncomplete = false
    /// The text has wildcards but is no pattern (too little read, too long).
    public var markProblem = false
    /// What narrows the damaged-mark search, as typed.
    public var narrowing = MarkNarrowing()
    /// The year given is not a year (it was left out).
    public var narrowingYearProblem = false

    public init(
        query: String, items: [ItemRecord] = [], holders: [Holder] = [], page: Int = 1, hasNextPage: Bool = false,
        holderNames: [String: String] = [:]
    ) {
        self.query = query
        self.items = items
        self.holders = holders
        self.page = page
        self.hasNextPage = hasNextPage
        self.holderNames = holderNames
    }

    /// The other markings that narrow a damaged-mark search, as typed in the form (empty: not
    /// given).
    public struct MarkNarrowing: Sendable, Equatable {
        public var manufacturer = ""
        public var country = ""
        public var model = ""
        public var calibre = ""
        public var year = ""
        public var category = ""

        public init() {}

        public var isEmpty: Bool { [manufacturer, country, model, calibre, year, category].allSatisfy(\.isEmpty) }
    }

    /// The page number of a `page` query parameter: 1 when absent or not a positive number.
    public static func pageNumber(_ parameter: String?) -> Int {
        guard let parameter, let n = Int(parameter), n >= 1, n <= 1_000_000 else { return 1 }
        return n
    }
}

struct SearchDisplay {
    struct HolderRow {
        let ref: HolderRef
        let kind: String
    }

    let query: String
    let heading: String
    let summary: String
    let rows: [ItemRow]
    let holders: [HolderRow]
    let pager: Pager
    let asked: Bool
    /// The count of items and holders on the page, shown unless only damaged-mark matches are.
    let showSummary: Bool
    let hasRows: Bool
    let hasHolders: Bool
    let nothing: Bool
    /// The damaged-mark matches as item rows, each with its closeness beside the serial (one
    /// list, or none).
    struct MarkList {
        let rows: [ItemRow]
        let notes: [String]
    }
    let markList: [MarkList]
    let markProblem: [String]
    let narrow: SearchPage.MarkNarrowing
    let narrowOpen: Bool
    let categories: [FieldDisplay.Option]
    let narrowProblem: [String]

    init(_ page: SearchPage, messages: Messages) {
        query = page.query
        asked = !page.query.trimmingSpaces.isEmpty
        heading = asked ? messages(Message("search.headingFor", ["query": .text(page.query)])) : messages["search.heading"]
        summary = messages(
            Message("search.summary", ["items": .number(Int64(page.items.count)), "holders": .number(Int64(page.holders.count))]))
        rows = page.items.map { ItemRow($0, names: page.holderNames, messages: messages, now: nil) }
        holders = page.holders.map { HolderRow(ref: HolderRef($0), kind: messages.label($0.kind)) }
        let query = page.query
        pager = Pager(page: page.page, hasNext: page.hasNextPage, messages: messages) { WebPaths.search(query, page: $0) }
        hasRows = !rows.isEmpty
        hasHolders = !holders.isEmpty
        let marks = page.marks.map { m in
            var row = ItemRow(m.item, names: page.holderNames, messages: messages, now: nil)
            let close =
                m.closeness.isExact
                ? messages["search.markExact"]
                : messages(
                    Message(
                        "search.markClose",
                        ["substitutions": .number(Int64(m.closeness.substitutions)), "unknown": .number(Int64(m.closeness.unknown))]))
            row.serialNote.insert(close, at: 0)
            return row
        }
        var note: [String] = []
        if page.marksTotal > marks.count {
            note.append(messages(Message("search.marksShown", ["shown": .number(Int64(marks.count)), "total": .number(Int64(page.marksTotal))])))
        }
        if page.marksIncomplete {
            note.append(messages(Message("search.marksIncomplete", ["max": .number(Int64(MarkPattern.rankedAtMost))])))
        }
        markList = marks.isEmpty ? [] : [MarkList(rows: marks, notes: note)]
        markProblem =
            page.markProblem
            ? [messages(Message("search.markProblem", ["n": .number(Int64(MarkPattern.fewestRead)), "max": .number(Int64(MarkPattern.longest))]))]
            : []
        showSummary = asked && !(page.items.isEmpty && page.holders.isEmpty && !page.marks.isEmpty)
        narrow = page.narrowing
        narrowOpen = !page.narrowing.isEmpty || !page.marks.isEmpty || page.markProblem
        categories =
            [FieldDisplay.Option(value: "", label: messages["search.anyCategory"], selected: page.narrowing.category.isEmpty)]
            + Category.allCases.map {
                FieldDisplay.Option(value: $0.rawValue, label: messages.label($0), selected: $0.rawValue == page.narrowing.category)
            }
        narrowProblem = page.narrowingYearProblem ? [messages["search.narrowYear"]] : []
        nothing = asked && rows.isEmpty && holders.isEmpty && marks.isEmpty && !page.markProblem
    }
}

extension WebRenderer {
    /// Search results: matching items (serial, marking, status, holder) and holders, paged.
    public func search(_ page: SearchPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = SearchDisplay(page, messages: messages)
        return render("search", title: display.heading, section: .search, body: display, context: context)
    }
}
