/// The marking of one item as the International Tracing Instrument (paras 7–8) asks:
/// manufacturer, country of manufacture and serial; year, model and calibre; the import
/// marking; other marks; and whether the state assigned the mark because none existed.
///
/// Identity is (manufacturer, serial, model): serial numbers alone are not unique.
public struct ItemMarking: Sendable, Equatable, Hashable, Codable {
    public var category: Category
    public var manufacturer: String
    public var country: String
    public var model: String
    public var calibre: String
    public var serial: String
    public var year: Int?
    public var importCountry: String?
    public var importYear: Int?
    public var marks: String?
    public var assignedMark: Bool

    public init(
        category: Category, manufacturer: String, country: String, model: String,
        calibre: String, serial: String, year: Int? = nil, importCountry: String? = nil,
        importYear: Int? = nil, marks: String? = nil, assignedMark: Bool = false
    ) {
        self.category = category
        self.manufacturer = manufacturer
        self.country = country
        self.model = model
        self.calibre = calibre
        self.serial = serial
        self.year = year
        self.importCountry = importCountry
        self.importYear = importYear
        self.marks = marks
        self.assignedMark = assignedMark
    }

    public var identity: ItemIdentity { ItemIdentity(manufacturer: manufacturer, model: model, serial: serial) }

    /// A short, human label without personal data: "AK-000123 (Kalashnikov Concern AK-74M)".
    public var label: String { identity.label }

    /// Puts the marking's text in normal form (see `Identifier`), refusing hidden characters;
    /// `path` names the marking in errors (`items[0]`, or empty for a CSV row's columns).
    public mutating func normalizeIdentifiers(path: String) throws(FieldError) {
        func field(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
        manufacturer = try Identifier.normalized(manufacturer, field: field("manufacturer"))
        country = try Identifier.normalized(country, field: field("country"))
        model = try Identifier.normalized(model, field: field("model"))
        calibre = try Identifier.normalized(calibre, field: field("calibre"))
        serial = try Identifier.normalized(serial, field: field("serial"))
        if let c = importCountry { importCountry = try Identifier.normalized(c, field: field(path.isEmpty ? "import_country" : "importCountry")) }
        if let m = marks { marks = try Identifier.normalized(m, field: field("marks")) }
    }
}

/// The identity of an item: (manufacturer, model, serial).
public struct ItemIdentity: Sendable, Hashable, Codable {
    public var manufacturer: String
    public var model: String
    public var serial: String

    public init(manufacturer: String, model: String, serial: String) {
        self.manufacturer = manufacturer
        self.model = model
        self.serial = serial
    }

    public var label: String { "\(serial) (\(manufacturer) \(model))" }
}

/// A key to look items up by what an event names: manufacturer and serial.
public struct SerialKey: Sendable, Hashable {
    public var manufacturer: String
    public var serial: String
    public init(manufacturer: String, serial: String) {
        self.manufacturer = manufacturer
        self.serial = serial
    }
}

/// An ammunition lot: counted by quantity, never by piece.
public struct LotMarking: Sendable, Equatable, Hashable, Codable {
    public var lot: String
    public var manufacturer: String
    public var calibre: String
    public var type: String
    public var year: Int?

    public init(lot: String, manufacturer: String, calibre: String, type: String, year: Int?) {
        self.lot = lot
        self.manufacturer = manufacturer
        self.calibre = calibre
        self.type = type
        self.year = year
    }
}
