import CustodiaCore
import Mustache

/// The totals of a holder's subtree (the holder and everything under it).
public struct SubtreeTotals: Sendable, Equatable {
    public var items: Int64
    /// The sum of lot balances (rounds, pieces).
    public var lotQuantity: Int64
    public var missing: Int64
    public var overdue: Int64

    public init(items: Int64, lotQuantity: Int64 = 0, missing: Int64 = 0, overdue: Int64 = 0) {
        self.items = items
        self.lotQuantity = lotQuantity
        self.missing = missing
        self.overdue = overdue
    }
}

/// A holder with the totals of its subtree, as a row of the tree.
public struct HolderSummary: Sendable, Equatable {
    public var holder: Holder
    public var totals: SubtreeTotals

    public init(holder: Holder, totals: SubtreeTotals) {
        self.holder = holder
        self.totals = totals
    }
}

/// One holder: where it sits in the tree, its children with their subtree totals, and
/// what it holds itself (items, one page at a time, and lot balances).
public struct HolderPage: Sendable {
    public var holder: Holder
    /// Its ancestors, from the root down to its parent (within the user's scope).
    public var path: [Holder]
    public var totals: SubtreeTotals
    public var children: [HolderSummary]
    /// Items it physically holds, this page of them.
    public var items: [ItemRecord]
    /// How many items it physically holds in all.
    public var itemsHeld: Int64
    public var lots: [LotQuantity]
    public var page: Int
    public var hasNextPage: Bool
    public var holderNames: [String: String]
    public var now: String
    /// The holder's last stocktake: its id, when it opened, and when it closed (nil: open).
    public var lastStocktake: (id: Int64, openedAt: String, closedAt: String?)?
    /// A past day asked for: when shown, `items` and `lots` are what the holder itself held
    /// then, `totals` their count, and the children are not listed.
    public var asOf = AsOf()

    public init(
        holder: Holder, path: [Holder] = [], totals: SubtreeTotals, children: [HolderSummary] = [], items: [ItemRecord] = [],
        itemsHeld: Int64? = nil, lots: [LotQuantity] = [], page: Int = 1, hasNextPage: Bool = false,
        holderNames: [String: String] = [:], now: String
    ) {
        self.holder = holder
        self.path = path
        self.totals = totals
        self.children = children
        self.items = items
        self.itemsHeld = itemsHeld ?? Int64(items.count)
        self.lots = lots
        self.page = page
        self.hasNextPage = hasNextPage
        self.holderNames = holderNames
        self.now = now
    }
}

/// The top of the holder tree the user sees: the roots of the scope with their totals.
public struct HolderIndexPage: Sendable {
    public var roots: [HolderSummary]

    public init(roots: [HolderSummary]) {
        self.roots = roots
    }
}

struct HolderRowDisplay {
    let ref: HolderRef
    let kind: String
    let closed: Bool
    let items: String
    let lots: String
    let missing: String
    let overdue: String

    init(_ summary: HolderSummary, messages: Messages) {
        let format = LocalFormat(messages.language)
        ref = HolderRef(summary.holder)
        kind = messages.label(summary.holder.kind)
        closed = summary.holder.closed
        items = format.number(summary.totals.items)
        lots = format.number(summary.totals.lotQuantity)
        missing = format.number(summary.totals.missing)
        overdue = format.number(summary.totals.overdue)
    }
}

struct HolderDisplay {
    struct LotRow {
        let lot: String
        let manufacturer: String
        let calibre: String
        let type: String
        let quantity: String
    }

    let heading: String
    let code: String
    let kind: String
    let closed: Bool
    let lastStocktake: String
    let lastStocktakeURL: String?
    let breadcrumb: [HolderRef]
    let totals: [Fact]
    let children: [HolderRowDisplay]
    let rows: [ItemRow]
    let itemsSummary: String
    let lots: [LotRow]
    let pager: Pager
    let recordURL: [String]
    let hasChildren: Bool
    let hasRows: Bool
    let hasLots: Bool
    let totalsHeading: String
    let asOf: AsOfDisplay

    init(_ page: HolderPage, session: SessionInfo?, messages: Messages) {
        if let last = page.lastStocktake {
            lastStocktake = messages(
                Message(
                    last.closedAt == nil ? "holder.stocktakeOpen" : "holder.stocktakeClosed",
                    ["id": .text(String(last.id)), "opened": .date(last.openedAt), "closed": .date(last.closedAt ?? last.openedAt)]))
            lastStocktakeURL = WebPaths.stocktake(last.id)
        } else {
            lastStocktake = messages["holder.neverCounted"]
            lastStocktakeURL = nil
        }
        let format = LocalFormat(messages.language)
        let h = page.holder
        heading = h.name.isEmpty ? h.code : h.name
        code = h.code
        kind = messages.label(h.kind)
        closed = h.closed
        breadcrumb = page.path.map(HolderRef.init)
        let past = page.asOf.shown != nil
        totals =
            [
                Fact(label: messages["holder.totalItems"], value: format.number(page.totals.items)),
                Fact(label: messages["holder.totalLots"], value: format.number(page.totals.lotQuantity)),
            ]
            + (past
                ? []
                : [
                    Fact(label: messages["holder.totalMissing"], value: format.number(page.totals.missing)),
                    Fact(label: messages["holder.totalOverdue"], value: format.number(page.totals.overdue)),
                ])
        totalsHeading = messages[past ? "asOf.heldThen" : "holder.subtree"]
        children = past ? [] : page.children.map { HolderRowDisplay($0, messages: messages) }
        rows = page.items.map { ItemRow($0, names: page.holderNames, messages: messages, now: page.now) }
        itemsSummary = messages(Message("holder.itemsHeld", ["count": .number(page.itemsHeld)]))
        lots = page.lots.map {
            LotRow(
                lot: $0.marking.lot, manufacturer: $0.marking.manufacturer, calibre: $0.marking.calibre, type: $0.marking.type,
                quantity: format.number($0.quantity))
        }
        let code = h.code
        let at = page.asOf.shown.flatMap { _ in page.asOf.asked }
        pager = Pager(page: page.page, hasNext: page.hasNextPage, messages: messages) { n in
            guard let at else { return WebPaths.holder(code, page: n) }
            let query = (n > 1 ? [QueryItem("page", String(n))] : []) + [QueryItem("at", at)]
            return WebPaths.holder(code) + "?" + WebPaths.encode(query)
        }
        asOf = AsOfDisplay(page.asOf, url: WebPaths.holder(code), messages: messages)
        let mayIssue = !past && (session?.recordableKinds.contains(.issue) ?? false)
        recordURL = mayIssue && !h.closed ? [WebPaths.recordForm(.issue, prefill: [QueryItem("from", h.code)])] : []
        hasChildren = !children.isEmpty
        hasRows = !rows.isEmpty
        hasLots = !lots.isEmpty
    }
}

extension HolderDisplay.LotRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "lot": lot
        case "manufacturer": manufacturer
        case "calibre": calibre
        case "type": type
        case "quantity": quantity
        default: nil
        }
    }
}

extension HolderRowDisplay: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "ref": ref
        case "kind": kind
        case "closed": closed
        case "items": items
        case "lots": lots
        case "missing": missing
        case "overdue": overdue
        default: nil
        }
    }
}

extension WebRenderer {
    /// A holder: breadcrumb path, children with subtree totals, items and lot balances held.
    public func holder(_ page: HolderPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = HolderDisplay(page, session: context.session, messages: messages)
        return render("holder", title: display.heading, section: .holders, body: display, context: context)
    }

    /// The roots of the holder tree in the user's scope.
    public func holderIndex(_ page: HolderIndexPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let rows = page.roots.map { HolderRowDisplay($0, messages: messages) }
        return render(
            "holders", title: messages["holders.heading"], section: .holders, body: HolderIndexDisplay(children: rows),
            context: context)
    }
}

struct HolderIndexDisplay {
    let children: [HolderRowDisplay]
    let hasChildren: Bool

    init(children: [HolderRowDisplay]) {
        self.children = children
        hasChildren = !children.isEmpty
    }
}
