/// What a `stocktake-open` fixes: how the holder is counted, and a commitment to what the
/// register expects it to hold at that ledger position.
///
/// The expected list itself is not in the leaf (it would show a holder's stock to anyone who
/// reads the ledger); its SHA-256 is (`expected`, over `Stocktake.expectedListBytes`), so
/// the reconciliation can show that it worked from the list fixed at the opening.
public struct StocktakeOpening: Sendable, Equatable {
    /// The counters are never shown the expected list nor the progress against it.
    public var blind: Bool
    /// The holder and everything under it (otherwise the holder's own stock only).
    public var recursive: Bool
    /// How many items, and how many lot balances (lot and holder), are expected.
    public var items: Int64
    public var lots: Int64
    /// SHA-256 of the expected list, 64 lowercase hex digits.
    public var expected: String

    public init(blind: Bool, recursive: Bool, items: Int64, lots: Int64, expected: String) {
        self.blind = blind
        self.recursive = recursive
        self.items = items
        self.lots = lots
        self.expected = expected
    }

    static let fields = ["blind", "expected", "items", "lots", "recursive"]

    public var jsonValue: JSONValue {
        .object([
            ("blind", .bool(blind)), ("expected", .string(expected)), ("items", .int(items)), ("lots", .int(lots)),
            ("recursive", .bool(recursive)),
        ])
    }

    /// Reads the `opening` member of a `stocktake-open`.
    public init(json value: JSONValue) throws(FieldError) {
        guard let object = value.objectValue else { throw FieldError("opening", "expected an object") }
        var blind: Bool?
        var recursive: Bool?
        var items: Int64?
        var lots: Int64?
        var expected: String?
        for (key, v) in object {
            let field = "opening.\(key)"
            switch key {
            case "blind": blind = try Self.bool(v, field)
            case "recursive": recursive = try Self.bool(v, field)
            case "items": items = try Self.count(v, field)
            case "lots": lots = try Self.count(v, field)
            case "expected":
                guard let s = v.stringValue, Hex.isSHA256(s) else {
                    throw FieldError(field, "expected 64 lowercase hex digits (a SHA-256)")
                }
                expected = s
            default:
                throw FieldError(field, "not a field of an opening; it has \(Self.fields.joined(separator: ", "))")
            }
        }
        guard let blind, let recursive, let items, let lots, let expected else {
            throw FieldError("opening", "incomplete; an opening has \(Self.fields.joined(separator: ", "))")
        }
        self.init(blind: blind, recursive: recursive, items: items, lots: lots, expected: expected)
    }

    static func bool(_ v: JSONValue, _ field: String) throws(FieldError) -> Bool {
        guard case .bool(let b) = v else { throw FieldError(field, "expected true or false") }
        return b
    }

    static func count(_ v: JSONValue, _ field: String) throws(FieldError) -> Int64 {
        guard let n = v.intValue, n >= 0 else { throw FieldError(field, "expected a whole number, 0 or more") }
        return n
    }
}

/// A mark read during a count that is not an item on the counted holder's books: an item of
/// another holder's, or one the register does not know. A `count` lists them so that the
/// reconciliation reports them; a `stocktake-resolve` names them when it settles them.
public struct UnlistedMark: Sendable, Equatable, Hashable, Comparable {
    public var serial: String
    public var manufacturer: String?

    public init(serial: String, manufacturer: String? = nil) {
        self.serial = serial
        self.manufacturer = manufacturer
    }

    public var label: String { manufacturer.map { "\(serial) (\($0))" } ?? serial }

    public static func < (a: UnlistedMark, b: UnlistedMark) -> Bool {
        (a.serial, a.manufacturer ?? "") < (b.serial, b.manufacturer ?? "")
    }

    public var jsonValue: JSONValue {
        var m: [(String, JSONValue)] = []
        if let manufacturer { m.append(("manufacturer", .string(manufacturer))) }
        m.append(("serial", .string(serial)))
        return .object(m)
    }

    init(json value: JSONValue, path: String) throws(FieldError) {
        guard let object = value.objectValue else { throw FieldError(path, "expected an object with serial and manufacturer") }
        var serial: String?
        var manufacturer: String?
        for (key, v) in object {
            switch key {
            case "serial": serial = try Event.text(v, "\(path).serial")
            case "manufacturer": manufacturer = try Event.text(v, "\(path).manufacturer")
            default: throw FieldError("\(path).\(key)", "not a field of a mark; it has serial and manufacturer")
            }
        }
        guard let serial, !serial.isEmpty else { throw FieldError("\(path).serial", "missing; give the serial as read") }
        self.init(serial: serial, manufacturer: manufacturer)
    }
}

/// What a `stocktake-close` records of its reconciliation: how many of each finding, who
/// counted, and the SHA-256 of the whole reconciliation (`Reconciliation.csv`), so that the
/// list printed for signing can be checked against the ledger.
public struct ReconciliationSummary: Sendable, Equatable {
    public var found: Int64
    public var notFound: Int64
    public var movedDuring: Int64
    public var elsewhere: Int64
    public var unregistered: Int64
    public var lotDifferences: Int64
    /// The users who recorded the counts, sorted.
    public var counters: [String]
    /// SHA-256 of the reconciliation's CSV, 64 lowercase hex digits.
    public var list: String
    /// Every line but the `found` ones (those follow from the counts): what was not found,
    /// moved, read elsewhere or unregistered, and the lot differences.
    public var lines: [Reconciliation.Line]

    public init(
        found: Int64, notFound: Int64, movedDuring: Int64, elsewhere: Int64, unregistered: Int64, lotDifferences: Int64,
        counters: [String], list: String, lines: [Reconciliation.Line]
    ) {
        self.lines = lines
        self.found = found
        self.notFound = notFound
        self.movedDuring = movedDuring
        self.elsewhere = elsewhere
        self.unregistered = unregistered
        self.lotDifferences = lotDifferences
        self.counters = counters
        self.list = list
    }

    static let countFields = ["elsewhere", "found", "lotDifferences", "movedDuring", "notFound", "unregistered"]

    public var jsonValue: JSONValue {
        .object([
            ("counters", .array(counters.map { .string($0) })), ("elsewhere", .int(elsewhere)), ("found", .int(found)),
            ("lines", .array(lines.map(\.jsonValue))), ("list", .string(list)), ("lotDifferences", .int(lotDifferences)), ("movedDuring", .int(movedDuring)),
            ("notFound", .int(notFound)), ("unregistered", .int(unregistered)),
        ])
    }

    /// Reads the `reconciliation` member of a `stocktake-close`.
    public init(json value: JSONValue) throws(FieldError) {
        guard let object = value.objectValue else { throw FieldError("reconciliation", "expected an object") }
        var counts: [String: Int64] = [:]
        var counters: [String]?
        var list: String?
        var lines: [Reconciliation.Line] = []
        for (key, v) in object {
            let field = "reconciliation.\(key)"
            if Self.countFields.contains(key) {
                counts[key] = try StocktakeOpening.count(v, field)
            } else if key == "counters" {
                counters = try Event.codes(v, field)
            } else if key == "lines" {
                guard case .array(let values) = v else { throw FieldError(field, "expected a list") }
                for (n, x) in values.enumerated() { lines.append(try Reconciliation.Line(json: x, path: "\(field)[\(n)]")) }
            } else if key == "list" {
                guard let s = v.stringValue, Hex.isSHA256(s) else { throw FieldError(field, "expected 64 lowercase hex digits") }
                list = s
            } else {
                throw FieldError(field, "not a field of a reconciliation")
            }
        }
        guard counts.count == Self.countFields.count, let counters, let list else {
            throw FieldError(
                "reconciliation", "incomplete; it has counters, list and \(Self.countFields.joined(separator: ", "))")
        }
        self.init(
            found: counts["found"]!, notFound: counts["notFound"]!, movedDuring: counts["movedDuring"]!,
            elsewhere: counts["elsewhere"]!, unregistered: counts["unregistered"]!,
            lotDifferences: counts["lotDifferences"]!, counters: counters, list: list, lines: lines)
    }
}

/// Lowercase hexadecimal text.
public enum Hex {
    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
