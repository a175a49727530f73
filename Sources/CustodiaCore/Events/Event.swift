/// How an event names an item: by marking (manufacturer and serial, plus model where that
/// alone is ambiguous) or by Custodia's internal id.
public enum ItemReference: Sendable, Equatable, Hashable {
    case marking(manufacturer: String, serial: String, model: String?)
    case id(Int64)

    /// A short description for error messages.
    public var label: String {
        switch self {
        case .marking(let m, let s, let model): model.map { "\(s) (\(m) \($0))" } ?? "\(s) (\(m))"
        case .id(let id): "item #\(id)"
        }
    }
}

/// A lot and a quantity in an event. `manufacturer` is needed only where the lot number
/// alone is ambiguous.
public struct LotReference: Sendable, Equatable, Hashable {
    public var lot: String
    public var manufacturer: String?
    public var quantity: Int64

    public init(lot: String, manufacturer: String? = nil, quantity: Int64) {
        self.lot = lot
        self.manufacturer = manufacturer
        self.quantity = quantity
    }
}

/// A lot brought onto the books by a `register` event.
public struct LotRegistration: Sendable, Equatable, Hashable {
    public var marking: LotMarking
    public var quantity: Int64

    public init(marking: LotMarking, quantity: Int64) {
        self.marking = marking
        self.quantity = quantity
    }
}

/// A change to the holder tree, carried by the `holder-*` kinds.
public struct HolderChange: Sendable, Equatable {
    public var code: String
    public var kind: HolderKind?
    public var name: String?
    public var parent: String?

    public init(code: String, kind: HolderKind? = nil, name: String? = nil, parent: String? = nil) {
        self.code = code
        self.kind = kind
        self.name = name
        self.parent = parent
    }
}

/// One event: something that happened to items, lots or the holder tree.
///
/// As input, items are references and `recordedAt`/`recordedBy` are absent (Custodia sets
/// them). Once accepted, the event is normalised: every item reference is replaced by the
/// item's full identity, lots carry their manufacturer, and the event is recorded as a
/// ledger leaf in canonical JSON.
public struct Event: Sendable, Equatable {
    public var kind: EventKind
    public var occurredAt: String
    public var recordedAt: String?
    public var recordedBy: String?
    public var from: String?
    public var to: String?
    public var items: [ItemReference] = []
    public var registrations: [ItemMarking] = []
    public var lots: [LotReference] = []
    public var lotRegistrations: [LotRegistration] = []
    public var document: String?
    public var dueBack: String?
    public var condition: Condition?
    public var reason: String?
    public var note: String?
    public var corrects: Int64?
    public var confirmedBy: [String] = []
    public var method: String?
    public var certificate: String?
    public var witnesses: [String] = []
    public var licence: String?
    public var destinationCountry: String?
    public var holder: HolderChange?

    public init(kind: EventKind, occurredAt: String) {
        self.kind = kind
        self.occurredAt = occurredAt
    }
}

/// A problem with one field of an event or a row: which field and what is wrong.
public struct FieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field path, e.g. `items[2].serial`; empty when the problem is the whole line.
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}
