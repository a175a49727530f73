/// Items from CSV, one `register` event per row.
///
/// Header: `category,manufacturer,country,model,calibre,serial,year,import_country,import_year,marks,holder`;
/// an empty `holder` cell takes the default holder.
public struct ItemsCSVSource: EventSource {
    public static let header = [
        "category", "manufacturer", "country", "model", "calibre", "serial", "year", "import_country", "import_year", "marks",
        "holder",
    ]
    private var reader: CSVReader
    private let defaultHolder: String?
    private let occurredAt: String
    private var seen: [ItemIdentity: Int] = [:]

    public init(bytes: [UInt8], defaultHolder: String?, occurredAt: String) {
        reader = CSVReader(bytes: bytes, expectedHeader: Self.header)
        self.defaultHolder = defaultHolder
        self.occurredAt = occurredAt
    }

    public mutating func next() -> SourcedEvent? {
        // Swapped out (not copied) so the reader's buffers stay uniquely referenced.
        var rows = CSVReader(bytes: [], expectedHeader: [])
        swap(&rows, &reader)
        defer { swap(&rows, &reader) }
        return rows.nextEvent { record throws(FieldError) in try event(record) }
    }

    private mutating func event(_ record: CSVRecord) throws(FieldError) -> Event {
        let f = record.fields.map { $0.trimmedSpaces.nfc }
        let categoryText = f[0]
        guard let category = Category(rawValue: categoryText) else {
            throw FieldError(
                "category",
                categoryText.isEmpty
                    ? "empty; give one of \(Category.allCases.map(\.rawValue).joined(separator: ", "))"
                    : "unknown category \"\(categoryText)\"; use one of \(Category.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        for (index, name) in [(1, "manufacturer"), (2, "country"), (3, "model"), (4, "calibre"), (5, "serial")]
        where f[index].isEmpty {
            throw FieldError(name, "empty; every item's marking needs its \(name)")
        }
        let year = try CSVFields.year(f[6], "year")
        let importYear = try CSVFields.year(f[8], "import_year")
        guard let holder = f[10].isEmpty ? defaultHolder : f[10] else {
            throw FieldError("holder", "empty and no --holder given; say where the item is")
        }
        guard HolderTree.isValidCode(holder) else { throw FieldError("holder", "\"\(holder)\" is not a holder code") }
        var marking = ItemMarking(
            category: category, manufacturer: f[1], country: f[2], model: f[3], calibre: f[4], serial: f[5], year: year,
            importCountry: f[7].isEmpty ? nil : f[7], importYear: importYear, marks: f[9].isEmpty ? nil : f[9])
        try marking.normalizeIdentifiers(path: "")
        if let first = seen[marking.identity] {
            throw FieldError("serial", "\(marking.label) is already listed on line \(first) of this file")
        }
        seen[marking.identity] = record.line
        var event = Event(kind: .register, occurredAt: occurredAt)
        event.to = holder
        event.registrations = [marking]
        return event
    }

    public func inputField(for eventField: String) -> String {
        if eventField == "to" { return "holder" }
        if eventField.hasPrefix("items[0]") { return "serial" }
        return eventField
    }
}

/// Lots from CSV, one `register` event per row.
///
/// Header: `lot,manufacturer,calibre,type,year,quantity,holder`.
public struct LotsCSVSource: EventSource {
    public static let header = ["lot", "manufacturer", "calibre", "type", "year", "quantity", "holder"]
    private var reader: CSVReader
    private let occurredAt: String

    public init(bytes: [UInt8], occurredAt: String) {
        reader = CSVReader(bytes: bytes, expectedHeader: Self.header)
        self.occurredAt = occurredAt
    }

    public mutating func next() -> SourcedEvent? {
        // Swapped out (not copied) so the reader's buffers stay uniquely referenced.
        var rows = CSVReader(bytes: [], expectedHeader: [])
        swap(&rows, &reader)
        defer { swap(&rows, &reader) }
        return rows.nextEvent { record throws(FieldError) in try event(record) }
    }

    private func event(_ record: CSVRecord) throws(FieldError) -> Event {
        let f = record.fields.map { $0.trimmedSpaces.nfc }
        for (index, name) in [(0, "lot"), (1, "manufacturer"), (2, "calibre"), (3, "type"), (5, "quantity"), (6, "holder")]
        where f[index].isEmpty {
            throw FieldError(name, "empty; every lot row needs its \(name)")
        }
        guard let quantity = Int64(f[5]), quantity > 0 else {
            throw FieldError("quantity", "\"\(f[5])\" is not a positive whole number")
        }
        guard HolderTree.isValidCode(f[6]) else { throw FieldError("holder", "\"\(f[6])\" is not a holder code") }
        var event = Event(kind: .register, occurredAt: occurredAt)
        event.to = f[6]
        event.lotRegistrations = [
            LotRegistration(
                marking: LotMarking(
                    lot: try Identifier.normalized(f[0], field: "lot"),
                    manufacturer: try Identifier.normalized(f[1], field: "manufacturer"),
                    calibre: try Identifier.normalized(f[2], field: "calibre"),
                    type: try Identifier.normalized(f[3], field: "type"), year: try CSVFields.year(f[4], "year")),
                quantity: quantity)
        ]
        return event
    }

    public func inputField(for eventField: String) -> String {
        if eventField == "to" { return "holder" }
        if eventField == "lots[0].quantity" { return "quantity" }
        if eventField.hasPrefix("lots[0]") { return "lot" }
        return eventField
    }
}

/// Holders from CSV, one `holder-add` event per row, parents before children whatever the
/// order of the file. Header: `code,kind,name,parent`.
public struct HoldersCSVSource: EventSource {
    public static let header = ["code", "kind", "name", "parent"]
    private var entries: [SourcedEvent] = []
    private var index = 0

    public init(bytes: [UInt8], occurredAt: String) {
        let (records, csvErrors) = CSVReader(bytes: bytes, expectedHeader: Self.header).readAll()
        var out: [SourcedEvent] = csvErrors.map { .invalid(line: $0.line, FieldError("", $0.message)) }
        var rows: [(line: Int, change: HolderChange)] = []
        var lineOfCode: [String: Int] = [:]
        for record in records {
            let f = record.fields.map { $0.trimmedSpaces.nfc }
            guard HolderTree.isValidCode(f[0]) else {
                out.append(
                    .invalid(
                        line: record.line, FieldError("code", "\"\(f[0])\" is not a holder code (1–40 letters, digits, - _ . /)"))
                )
                continue
            }
            guard let kind = HolderKind(rawValue: f[1]) else {
                out.append(
                    .invalid(
                        line: record.line,
                        FieldError(
                            "kind",
                            "unknown kind \"\(f[1])\"; use one of \(HolderKind.allCases.map(\.rawValue).joined(separator: ", "))")
                    ))
                continue
            }
            guard !f[2].isEmpty else {
                out.append(.invalid(line: record.line, FieldError("name", "empty; every holder needs a name")))
                continue
            }
            guard f[3].isEmpty || HolderTree.isValidCode(f[3]) else {
                out.append(.invalid(line: record.line, FieldError("parent", "\"\(f[3])\" is not a holder code")))
                continue
            }
            if let first = lineOfCode[f[0]] {
                out.append(
                    .invalid(line: record.line, FieldError("code", "\(f[0]) is already listed on line \(first) of this file")))
                continue
            }
            lineOfCode[f[0]] = record.line
            rows.append((record.line, HolderChange(code: f[0], kind: kind, name: f[2], parent: f[3].isEmpty ? nil : f[3])))
        }
        // Parents first; report cycles.
        let byCode = Dictionary(uniqueKeysWithValues: rows.map { ($0.change.code, $0) })
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var ordered: [(line: Int, change: HolderChange)] = []
        var cyclic: Set<String> = []
        func visit(_ code: String, _ path: [String]) {
            if state[code] == 2 { return }
            if state[code] == 1 {
                let cycle = path.drop { $0 != code } + [code]
                for c in cycle { cyclic.insert(c) }
                return
            }
            state[code] = 1
            if let p = byCode[code]?.change.parent, byCode[p] != nil { visit(p, path + [code]) }
            state[code] = 2
            if !cyclic.contains(code), let row = byCode[code] { ordered.append(row) }
        }
        for row in rows { visit(row.change.code, []) }
        for row in rows where cyclic.contains(row.change.code) {
            var chain = [row.change.code]
            var cursor = row.change.parent
            while let c = cursor, !chain.contains(c) {
                chain.append(c)
                cursor = byCode[c]?.change.parent
            }
            if let c = cursor { chain.append(c) }
            out.append(
                .invalid(
                    line: row.line,
                    FieldError("parent", "parent cycle: \(chain.joined(separator: " → ")); a holder cannot sit under itself")))
        }
        for row in ordered {
            var event = Event(kind: .holderAdd, occurredAt: occurredAt)
            event.holder = row.change
            out.append(.event(line: row.line, event))
        }
        // Report problems in file order, then the events parents-first.
        let invalid = out.filter { if case .invalid = $0 { true } else { false } }.sorted { $0.line < $1.line }
        let events = out.filter { if case .event = $0 { true } else { false } }
        entries = invalid + events
    }

    public mutating func next() -> SourcedEvent? {
        guard index < entries.count else { return nil }
        defer { index += 1 }
        return entries[index]
    }

    public func inputField(for eventField: String) -> String {
        eventField.hasPrefix("holder.") ? String(eventField.dropFirst("holder.".count)) : eventField
    }
}

extension SourcedEvent {
    public var line: Int {
        switch self {
        case .event(let line, _), .invalid(let line, _): line
        }
    }
}

extension CSVReader {
    /// The next row made into an event by `make`, or why the row is invalid; nil at the end
    /// (the reader stops by itself after a header error).
    mutating func nextEvent(_ make: (CSVRecord) throws(FieldError) -> Event) -> SourcedEvent? {
        let record: CSVRecord
        do {
            guard let r = try next() else { return nil }
            record = r
        } catch {
            return .invalid(line: error.line, FieldError("", error.message))
        }
        do {
            return .event(line: record.line, try make(record))
        } catch {
            return .invalid(line: record.line, error)
        }
    }
}

enum CSVFields {
    static func year(_ text: String, _ field: String) throws(FieldError) -> Int? {
        guard !text.isEmpty else { return nil }
        guard let y = Int(text) else { throw FieldError(field, "\"\(text)\" is not a year") }
        guard y >= 1800 && y <= 2100 else { throw FieldError(field, "\(y) is out of range (1800–2100)") }
        return y
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmedSpaces: String {
        // Fast path: nothing to trim (the common case in machine-written files).
        let utf8 = self.utf8
        guard let f = utf8.first, let l = utf8.last else { return self }
        if f != 0x20, f != 0x09, l != 0x20, l != 0x09 { return self }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
