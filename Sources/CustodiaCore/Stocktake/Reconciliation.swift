/// A stocktake's reconciliation: what was counted against what the register expected when
/// the stocktake opened. Pure: the store gathers the inputs (`Reconciliation.Inputs`), this
/// judges them, the same way for the CLI, the API and the web.
///
/// Findings:
///
/// | finding | what | a discrepancy |
/// | --- | --- | --- |
/// | `found` | counted, and on the books of the holder counted | no |
/// | `not-found` | expected at the opening, not counted, and not moved since by a recorded event | yes |
/// | `moved` | expected at the opening, not counted, moved since by a recorded event (the event says where) | no |
/// | `elsewhere` | read during the count, but on another holder's books (or missing, or gone) in the register | yes |
/// | `unregistered` | read during the count, and not in the register at all | yes |
/// | `lot` | a lot whose counted quantity differs from its balance | yes |
///
/// A lot is compared with its balance at the opening, or, when a recorded event moved some of
/// it during the count, with its balance at the close (the line says so).
public struct Reconciliation: Sendable, Equatable {
    public enum Finding: String, Sendable, CaseIterable {
        case found
        case notFound = "not-found"
        case moved
        case elsewhere
        case unregistered
        case lot

        public var isDiscrepancy: Bool { self == .notFound || self == .elsewhere || self == .unregistered || self == .lot }
    }

    /// One line of the reconciliation.
    public struct Line: Sendable, Equatable {
        public var finding: Finding
        /// The item (found, not-found, moved, and elsewhere when the register knows it).
        public var item: ItemIdentity?
        public var category: Category?
        /// The mark as read (elsewhere, unregistered).
        public var mark: UnlistedMark?
        /// The lot (lot lines).
        public var lot: LotKey?
        /// not-found, moved: the holder on whose books it was at the opening; elsewhere:
        /// whose books it is on, or its status when no holder has it.
        public var holder: String?
        /// Lot lines: the quantity expected and the quantity counted.
        public var expected: Int64?
        public var counted: Int64?
        /// Lot lines: the lot moved during the count, and is compared with its balance at the close.
        public var movedDuring = false

        public init(
            finding: Finding, item: ItemIdentity? = nil, category: Category? = nil, mark: UnlistedMark? = nil, lot: LotKey? = nil,
            holder: String? = nil, expected: Int64? = nil, counted: Int64? = nil, movedDuring: Bool = false
        ) {
            self.finding = finding
            self.item = item
            self.category = category
            self.mark = mark
            self.lot = lot
            self.holder = holder
            self.expected = expected
            self.counted = counted
            self.movedDuring = movedDuring
        }

        init(_ finding: Finding, _ marking: ItemMarking, holder: String? = nil, mark: UnlistedMark? = nil) {
            self.init(finding: finding, item: marking.identity, category: marking.category, mark: mark, holder: holder)
        }

        /// The key a `stocktake-resolve` settles it by.
        public var key: String {
            if let item { return "item:\(item.manufacturer)/\(item.model)/\(item.serial)" }
            if let lot { return "lot:\(lot.manufacturer)/\(lot.lot)" }
            return "mark:\(mark?.manufacturer ?? "")/\(mark?.serial ?? "")"
        }
    }

    public var lines: [Line]
    public var counters: [String]

    /// An item the register holds, with where.
    public struct HeldItem: Sendable, Equatable {
        public var marking: ItemMarking
        public var holder: String
        public init(marking: ItemMarking, holder: String) {
            self.marking = marking
            self.holder = holder
        }
    }

    /// A lot balance at a holder.
    public struct LotBalance: Sendable, Equatable {
        public var lot: LotKey
        public var holder: String
        public var quantity: Int64
        public init(lot: LotKey, holder: String, quantity: Int64) {
            self.lot = lot
            self.holder = holder
            self.quantity = quantity
        }
    }

    /// Where the register has an item read as unlisted: whose books, or its status.
    public struct Match: Sendable, Equatable {
        public var marking: ItemMarking
        public var whose: String
        public init(marking: ItemMarking, whose: String) {
            self.marking = marking
            self.whose = whose
        }
    }

    /// What the store gathers for one stocktake.
    public struct Inputs: Sendable {
        /// The items on the holder's books (or under it) when the stocktake opened.
        public var expectedItems: [HeldItem] = []
        /// The lot balances of the holder (or under it) when it opened.
        public var expectedLots: [LotBalance] = []
        /// The lot balances at the close, for the lots moved during the count.
        public var lotsNow: [LotBalance] = []
        /// Items and lots a recorded event (other than a count) moved during the count.
        public var movedItems: Set<ItemIdentity> = []
        public var movedLots: Set<LotKey> = []
        /// What the counts found: items on the books (with the holder they were counted at),
        /// lots (summed over the counts), the unlisted marks with what the register knows of
        /// them, and who counted.
        public var counted: [HeldItem] = []
        public var countedLots: [LotKey: Int64] = [:]
        public var unlisted: [(UnlistedMark, Match?)] = []
        public var counters: Set<String> = []

        public init() {}
    }

    /// A lot's identity: its manufacturer and number.
    public struct LotKey: Sendable, Hashable, Comparable {
        public var manufacturer: String
        public var lot: String
        public init(manufacturer: String, lot: String) {
            self.manufacturer = manufacturer
            self.lot = lot
        }
        public static func < (a: LotKey, b: LotKey) -> Bool { (a.manufacturer, a.lot) < (b.manufacturer, b.lot) }
    }

    /// Judges what was counted against what was expected.
    public init(_ inputs: Inputs) {
        var lines: [Line] = []
        let counted = Dictionary(inputs.counted.map { ($0.marking.identity, $0) }, uniquingKeysWith: { a, _ in a })
        let expected = Set(inputs.expectedItems.map(\.marking.identity))
        for e in inputs.expectedItems {
            if counted[e.marking.identity] != nil {
                lines.append(Line(.found, e.marking))
            } else if inputs.movedItems.contains(e.marking.identity) {
                lines.append(Line(.moved, e.marking, holder: e.holder))
            } else {
                lines.append(Line(.notFound, e.marking, holder: e.holder))
            }
        }
        // Counted and not expected at the opening: it came onto the books during the count.
        for c in inputs.counted where !expected.contains(c.marking.identity) {
            lines.append(Line(.found, c.marking))
        }
        for (mark, match) in inputs.unlisted {
            if let match {
                lines.append(Line(.elsewhere, match.marking, holder: match.whose, mark: mark))
            } else {
                lines.append(Line(finding: .unregistered, mark: mark))
            }
        }
        var expectedLots: [LotKey: Int64] = [:]
        for b in inputs.expectedLots { expectedLots[b.lot, default: 0] += b.quantity }
        var nowLots: [LotKey: Int64] = [:]
        for b in inputs.lotsNow { nowLots[b.lot, default: 0] += b.quantity }
        var lotKeys = Set(expectedLots.keys).union(inputs.countedLots.keys)
        lotKeys.formUnion(inputs.movedLots.filter { nowLots[$0] != nil })
        for key in lotKeys {
            let moved = inputs.movedLots.contains(key)
            let want = moved ? nowLots[key] ?? 0 : expectedLots[key] ?? 0
            let got = inputs.countedLots[key] ?? 0
            guard want != got else { continue }
            lines.append(Line(finding: .lot, lot: key, expected: want, counted: got, movedDuring: moved))
        }
        self.lines = lines.sorted(by: Self.order)
        counters = inputs.counters.sorted()
    }

    public init(lines: [Line], counters: [String]) {
        self.lines = lines
        self.counters = counters
    }

    public static func order(_ a: Line, _ b: Line) -> Bool {
        let ra = Finding.allCases.firstIndex(of: a.finding)!
        let rb = Finding.allCases.firstIndex(of: b.finding)!
        if ra != rb { return ra < rb }
        return a.key < b.key
    }

    public func count(_ finding: Finding) -> Int { lines.count { $0.finding == finding } }

    /// The discrepancies: lines a `stocktake-resolve` must settle.
    public var discrepancies: [Line] { lines.filter(\.finding.isDiscrepancy) }

    /// The reconciliation as CSV, one line per finding; its SHA-256 is the closing's `list`.
    public var csv: String {
        var out = "finding,category,manufacturer,model,serial,lot,holder,expected,counted,note\n"
        for l in lines {
            let fields: [String] = [
                l.finding.rawValue, l.category?.rawValue ?? "", l.item?.manufacturer ?? l.lot?.manufacturer ?? l.mark?.manufacturer ?? "",
                l.item?.model ?? "", l.item?.serial ?? l.mark?.serial ?? "", l.lot?.lot ?? "", l.holder ?? "",
                l.expected.map(String.init) ?? "", l.counted.map(String.init) ?? "",
                l.movedDuring ? "moved during the count; compared with the balance at the close" : "",
            ]
            out += CSVWriter.line(fields)
        }
        return out
    }

    /// The reconciliation as the ledger keeps it: whose books an item read `elsewhere` is on
    /// is left out (it may lie outside the scope of those who read the stocktake; it is
    /// looked up when shown). The closing's `list` is the SHA-256 of this one's `csv`.
    public var sealed: Reconciliation {
        var r = self
        for n in r.lines.indices where r.lines[n].finding == .elsewhere { r.lines[n].holder = nil }
        return r
    }

    /// The summary a `stocktake-close` records, given the SHA-256 of `sealed.csv`.
    public func summary(listHash: String) -> ReconciliationSummary {
        ReconciliationSummary(
            found: Int64(count(.found)), notFound: Int64(count(.notFound)), movedDuring: Int64(count(.moved)),
            elsewhere: Int64(count(.elsewhere)), unregistered: Int64(count(.unregistered)),
            lotDifferences: Int64(count(.lot)), counters: counters, list: listHash,
            lines: sealed.lines.filter { $0.finding != .found })
    }

    /// The bytes whose SHA-256 a `stocktake-open` records (`opening.expected`): a first line
    /// `custodia stocktake expected v1`, then one line per item (`item`, manufacturer, model,
    /// serial, holder) and per lot balance (`lot`, manufacturer, lot number, holder,
    /// quantity), fields separated by tabs, lines by `\n`, items and lots each sorted by
    /// their fields.
    public static func expectedListBytes(items: [HeldItem], lots: [LotBalance]) -> [UInt8] {
        var lines = items.map { "item\t\($0.marking.manufacturer)\t\($0.marking.model)\t\($0.marking.serial)\t\($0.holder)" }
        lines.sort()
        var lotLines = lots.filter { $0.quantity > 0 }.map {
            "lot\t\($0.lot.manufacturer)\t\($0.lot.lot)\t\($0.holder)\t\($0.quantity)"
        }
        lotLines.sort()
        var out = Array("custodia stocktake expected v1\n".utf8)
        for l in lines + lotLines {
            out += Array(l.utf8)
            out.append(0x0A)
        }
        return out
    }

    /// Whether `resolution` (a `stocktake-resolve`) settles only discrepancies of this
    /// reconciliation that are still open; the first that is not, as a field and a message.
    ///
    /// A `resolvedBy` event (`linked`) must name what it resolves: each item (by identity),
    /// each unlisted mark (by serial, as an item or a registration) and each lot; a
    /// correction may settle anything.
    public func checkResolution(_ resolution: Event, alreadyResolved: Set<String>, linked: Event? = nil) throws(FieldError) {
        if let linked, linked.kind != .correction {
            var serials: Set<String> = []
            var identities: Set<ItemIdentity> = []
            for ref in linked.items {
                if case .marking(let m, let s, let model) = ref {
                    serials.insert(s)
                    identities.insert(ItemIdentity(manufacturer: m, model: model ?? "", serial: s))
                }
            }
            for r in linked.registrations {
                serials.insert(r.serial)
                identities.insert(r.identity)
            }
            let lots = Set(linked.lots.map(\.lot) + linked.lotRegistrations.map(\.marking.lot))
            let name = "event \(resolution.resolvedBy ?? 0) (\(linked.kind.rawValue))"
            for (n, ref) in resolution.items.enumerated() {
                guard case .marking(let m, let s, let model) = ref else { continue }
                guard identities.contains(ItemIdentity(manufacturer: m, model: model ?? "", serial: s)) else {
                    throw FieldError("items[\(n)]", "\(s) (\(m)) is not in \(name); name the event that deals with it, or explain (reason)")
                }
            }
            for (n, mark) in resolution.unlisted.enumerated() where !serials.contains(mark.serial) {
                throw FieldError("unlisted[\(n)]", "\(mark.label) is not in \(name); name the event that deals with it, or explain (reason)")
            }
            for (n, lot) in resolution.lots.enumerated() where !lots.contains(lot.lot) {
                throw FieldError("lots[\(n)]", "lot \(lot.lot) is not in \(name); name the event that deals with it, or explain (reason)")
            }
        }
        let open = Set(discrepancies.map(\.key)).subtracting(alreadyResolved)
        func check(_ key: String, _ field: String, _ label: String) throws(FieldError) {
            guard open.contains(key) else {
                let why = alreadyResolved.contains(key) ? "is already resolved" : "is not a discrepancy of this stocktake"
                throw FieldError(field, "\(label) \(why); `custodia stocktake discrepancies` lists those still open")
            }
        }
        for (n, ref) in resolution.items.enumerated() {
            guard case .marking(let m, let s, let model) = ref else { continue }
            try check("item:\(m)/\(model ?? "")/\(s)", "items[\(n)]", "\(s) (\(m))")
        }
        for (n, mark) in resolution.unlisted.enumerated() {
            let key = discrepancies.first { $0.mark == mark && $0.item == nil }?.key
                ?? discrepancies.first { $0.mark == mark }?.key ?? "mark:\(mark.manufacturer ?? "")/\(mark.serial)"
            try check(key, "unlisted[\(n)]", mark.label)
        }
        for (n, lot) in resolution.lots.enumerated() {
            try check("lot:\(lot.manufacturer ?? "")/\(lot.lot)", "lots[\(n)]", "lot \(lot.lot)")
        }
    }

    /// The keys a `stocktake-resolve` settles (as `checkResolution` reads them).
    public func keys(resolvedBy resolution: Event) -> [String] {
        var keys: [String] = []
        for ref in resolution.items {
            if case .marking(let m, let s, let model) = ref { keys.append("item:\(m)/\(model ?? "")/\(s)") }
        }
        for mark in resolution.unlisted {
            keys.append(discrepancies.first { $0.mark == mark }?.key ?? "mark:\(mark.manufacturer ?? "")/\(mark.serial)")
        }
        for lot in resolution.lots { keys.append("lot:\(lot.manufacturer ?? "")/\(lot.lot)") }
        return keys
    }
}

extension Reconciliation.Line {
    public var jsonValue: JSONValue {
        var m: [(String, JSONValue)] = [("finding", .string(finding.rawValue))]
        if let item {
            var i: [(String, JSONValue)] = []
            if let category { i.append(("category", .string(category.rawValue))) }
            i += [("manufacturer", .string(item.manufacturer)), ("model", .string(item.model)), ("serial", .string(item.serial))]
            m.append(("item", .object(i)))
        }
        if let mark { m.append(("mark", mark.jsonValue)) }
        if let lot { m.append(("lot", .object([("lot", .string(lot.lot)), ("manufacturer", .string(lot.manufacturer))]))) }
        if let holder { m.append(("holder", .string(holder))) }
        if let expected { m.append(("expected", .int(expected))) }
        if let counted { m.append(("counted", .int(counted))) }
        if movedDuring { m.append(("movedDuring", .bool(true))) }
        return .object(m)
    }

    /// Reads a line as a `stocktake-close` records it.
    public init(json value: JSONValue, path: String) throws(FieldError) {
        guard let object = value.objectValue else { throw FieldError(path, "expected an object") }
        var line = Reconciliation.Line(finding: .found)
        var finding: Reconciliation.Finding?
        for (key, v) in object {
            let field = "\(path).\(key)"
            switch key {
            case "finding":
                guard let s = v.stringValue, let f = Reconciliation.Finding(rawValue: s) else {
                    throw FieldError(field, "expected one of \(Reconciliation.Finding.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                finding = f
            case "item":
                guard let i = v.objectValue else { throw FieldError(field, "expected an object") }
                var parts: [String: String] = [:]
                for (k, x) in i {
                    guard ["category", "manufacturer", "model", "serial"].contains(k) else { throw FieldError("\(field).\(k)", "unknown field") }
                    parts[k] = try Event.text(x, "\(field).\(k)")
                }
                guard let m = parts["manufacturer"], let model = parts["model"], let s = parts["serial"] else {
                    throw FieldError(field, "incomplete; an item has manufacturer, model and serial")
                }
                line.item = ItemIdentity(manufacturer: m, model: model, serial: s)
                if let c = parts["category"] {
                    guard let category = Category(rawValue: c) else { throw FieldError("\(field).category", "unknown category \(c)") }
                    line.category = category
                }
            case "mark": line.mark = try UnlistedMark(json: v, path: field)
            case "lot":
                guard let l = v.objectValue else { throw FieldError(field, "expected an object") }
                var parts: [String: String] = [:]
                for (k, x) in l {
                    guard k == "lot" || k == "manufacturer" else { throw FieldError("\(field).\(k)", "unknown field") }
                    parts[k] = try Event.text(x, "\(field).\(k)")
                }
                guard let n = parts["lot"], let m = parts["manufacturer"] else { throw FieldError(field, "incomplete; a lot has lot and manufacturer") }
                line.lot = Reconciliation.LotKey(manufacturer: m, lot: n)
            case "holder": line.holder = try Event.text(v, field)
            case "expected": line.expected = try StocktakeOpening.count(v, field)
            case "counted": line.counted = try StocktakeOpening.count(v, field)
            case "movedDuring": line.movedDuring = try StocktakeOpening.bool(v, field)
            default: throw FieldError(field, "not a field of a reconciliation line")
            }
        }
        guard let finding else { throw FieldError("\(path).finding", "missing") }
        line.finding = finding
        self = line
    }
}
