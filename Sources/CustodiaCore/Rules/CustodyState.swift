/// An item with its marking and derived state.
public struct ItemRecord: Sendable, Equatable {
    public var id: Int64
    public var marking: ItemMarking
    public var state: ItemState
    /// The sequence number of the event that registered it.
    public var registeredSeq: Int64

    public init(id: Int64, marking: ItemMarking, state: ItemState, registeredSeq: Int64) {
        self.id = id
        self.marking = marking
        self.state = state
        self.registeredSeq = registeredSeq
    }
}

/// The state of one item, derived only from events.
public struct ItemState: Sendable, Equatable {
    public var status: ItemStatus
    /// Who physically has it; nil when in transit, missing or gone.
    public var holder: String?
    /// Whose books it is on.
    public var account: String?
    public var condition: Condition
    public var dueBack: String?
    /// The dispatch document while in transit.
    public var transit: String?
    public var lastCounted: String?
    /// The sequence number of the last event that touched the item.
    public var lastSeq: Int64

    public init(
        status: ItemStatus, holder: String?, account: String?, condition: Condition, dueBack: String? = nil,
        transit: String? = nil, lastCounted: String? = nil, lastSeq: Int64
    ) {
        self.status = status
        self.holder = holder
        self.account = account
        self.condition = condition
        self.dueBack = dueBack
        self.transit = transit
        self.lastCounted = lastCounted
        self.lastSeq = lastSeq
    }
}

/// The stored fields of an item's state, as a set: which of them differ between two states.
public struct ItemStateColumns: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let status = ItemStateColumns(rawValue: 1 << 0)
    public static let holder = ItemStateColumns(rawValue: 1 << 1)
    public static let account = ItemStateColumns(rawValue: 1 << 2)
    public static let condition = ItemStateColumns(rawValue: 1 << 3)
    public static let dueBack = ItemStateColumns(rawValue: 1 << 4)
    public static let transit = ItemStateColumns(rawValue: 1 << 5)
    public static let lastCounted = ItemStateColumns(rawValue: 1 << 6)
    public static let lastSeq = ItemStateColumns(rawValue: 1 << 7)
    public static let all = ItemStateColumns(rawValue: 0xFF)
}

extension ItemState {
    /// The fields in which this state differs from `other`.
    public func columns(differingFrom other: ItemState) -> ItemStateColumns {
        var c: ItemStateColumns = []
        if status != other.status { c.insert(.status) }
        if holder != other.holder { c.insert(.holder) }
        if account != other.account { c.insert(.account) }
        if condition != other.condition { c.insert(.condition) }
        if dueBack != other.dueBack { c.insert(.dueBack) }
        if transit != other.transit { c.insert(.transit) }
        if lastCounted != other.lastCounted { c.insert(.lastCounted) }
        if lastSeq != other.lastSeq { c.insert(.lastSeq) }
        return c
    }
}

/// A registered lot.
public struct LotRecord: Sendable, Equatable {
    public var id: Int64
    public var marking: LotMarking
    public var registeredSeq: Int64

    public init(id: Int64, marking: LotMarking, registeredSeq: Int64) {
        self.id = id
        self.marking = marking
        self.registeredSeq = registeredSeq
    }
}

/// A lot balance key: which lot at which holder.
public struct LotHolder: Sendable, Hashable {
    public var lot: Int64
    public var holder: String

    public init(lot: Int64, holder: String) {
        self.lot = lot
        self.holder = holder
    }
}

/// A dispatch: the first half of a transfer, open while anything on it is in transit.
public struct DispatchRecord: Sendable, Equatable {
    public var document: String
    public var seq: Int64
    public var from: String
    public var to: String
    /// Items still in transit on this dispatch.
    public var itemsInTransit: Int64
    /// Lot quantities still in transit, by lot id.
    public var lotsInTransit: [Int64: Int64]
    /// When the last receive of this dispatch happened (nil: none yet).
    public var lastReceivedAt: String?

    public init(
        document: String, seq: Int64, from: String, to: String, itemsInTransit: Int64, lotsInTransit: [Int64: Int64],
        lastReceivedAt: String? = nil
    ) {
        self.document = document
        self.seq = seq
        self.from = from
        self.to = to
        self.itemsInTransit = itemsInTransit
        self.lotsInTransit = lotsInTransit
        self.lastReceivedAt = lastReceivedAt
    }

    public var isOpen: Bool { itemsInTransit > 0 || lotsInTransit.values.contains { $0 > 0 } }
}

/// A user as the ledger knows it: code, role, scope and whether active. Passwords and
/// names are not part of it.
public struct UserRecord: Sendable, Equatable {
    public var code: String
    public var role: Role
    /// The holder at the root of the user's scope; nil for the whole register.
    public var scope: String?
    public var active: Bool
    /// The sequence number of the user-add.
    public var addedSeq: Int64

    public init(code: String, role: Role, scope: String?, active: Bool = true, addedSeq: Int64) {
        self.code = code
        self.role = role
        self.scope = scope
        self.active = active
        self.addedSeq = addedSeq
    }
}

/// An API token as the ledger knows it: its public id, its owner and whether active. Its
/// secret is never part of it.
public struct APITokenRecord: Sendable, Equatable {
    public var id: String
    public var user: String
    public var active: Bool
    /// The sequence number of the token-create.
    public var createdSeq: Int64

    public init(id: String, user: String, active: Bool = true, createdSeq: Int64) {
        self.id = id
        self.user = user
        self.active = active
        self.createdSeq = createdSeq
    }
}

/// What the custody rules read from storage. A store implements it over its tables (inside
/// the transaction that will write the result); a test implements it over dictionaries.
public protocol StateLoader {
    /// All items with this manufacturer and serial (several when only the model differs).
    func items(manufacturer: String, serial: String) throws -> [ItemRecord]
    func item(id: Int64) throws -> ItemRecord?
    /// All lots with this lot number (several when only the manufacturer differs).
    func lots(number: String) throws -> [LotRecord]
    func balance(_ key: LotHolder) throws -> Int64
    /// Quantity of a lot reported lost or stolen and not yet recovered.
    func missingQuantity(lot: Int64) throws -> Int64
    func dispatch(document: String) throws -> DispatchRecord?
    /// The user with this code, active or disabled.
    func user(code: String) throws -> UserRecord?
    /// The API token with this id, active or revoked.
    func token(id: String) throws -> APITokenRecord?
    /// Every item whose serial has this look-alike key (`Identifier.serialKey`), of any
    /// manufacturer and model.
    func items(serialKey: String) throws -> [ItemRecord]
    /// The recorded event at `seq`, as its leaf reads (nil when there is none).
    func event(seq: Int64) throws -> Event?
    /// The head of the recorded event at `seq` (`LeafHead.event`: kind, time, from, to,
    /// document, due date, condition, stocktake; its lists empty), read without its lists.
    func eventHead(seq: Int64) throws -> Event?
    /// Whether a confirmation with this id was already consumed by an event.
    func confirmationUsed(id: String) throws -> Bool
    /// The code of every user, active or disabled.
    func userCodes() throws -> [String]
    /// The sequence numbers of the recorded events of `kind`, in ledger order (for the
    /// control kinds, which are few: the policy packs and the authorisations).
    func seqs(ofKind kind: EventKind) throws -> [Int64]
    /// How many items of `category` each of `holders` holds (status held); a holder with
    /// none may be absent.
    func heldCounts(category: Category, holders: [String]) throws -> [String: Int]
}

extension StateLoader {
    /// The whole event: a loader that keeps no leaves reads no faster.
    public func eventHead(seq: Int64) throws -> Event? { try event(seq: seq) }
}

/// A loader that knows nothing: for an empty store, and for replaying a ledger from zero.
public struct EmptyStateLoader: StateLoader {
    public init() {}
    public func items(manufacturer: String, serial: String) throws -> [ItemRecord] { [] }
    public func item(id: Int64) throws -> ItemRecord? { nil }
    public func lots(number: String) throws -> [LotRecord] { [] }
    public func balance(_ key: LotHolder) throws -> Int64 { 0 }
    public func missingQuantity(lot: Int64) throws -> Int64 { 0 }
    public func dispatch(document: String) throws -> DispatchRecord? { nil }
    public func user(code: String) throws -> UserRecord? { nil }
    public func token(id: String) throws -> APITokenRecord? { nil }
    public func items(serialKey: String) throws -> [ItemRecord] { [] }
    public func event(seq: Int64) throws -> Event? { nil }
    public func confirmationUsed(id: String) throws -> Bool { false }
    public func userCodes() throws -> [String] { [] }
    public func seqs(ofKind kind: EventKind) throws -> [Int64] { [] }
    public func heldCounts(category: Category, holders: [String]) throws -> [String: Int] { [:] }
}
