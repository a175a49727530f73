/// How an event names an item: by marking (manufacturer and serial, plus model where that
/// alone is ambiguous) or by Custodia's internal id.
public enum ItemReference: Sendable, Equatable, Hashable {
    case marking(manufacturer: String, serial: String, model: String?)
    case id(Int64)

    /// The full identity of an item named by marking (as recorded events name items); nil for
    /// a reference by id.
    public var identity: ItemIdentity? {
        guard case .marking(let manufacturer, let serial, let model) = self else { return nil }
        return ItemIdentity(manufacturer: manufacturer, model: model ?? "", serial: serial)
    }

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

/// A change to a user or an API token, carried by the user and token kinds.
///
/// Holds no secret and no personal data: a user's code, role and scope, and a token's
/// public id. Which fields a kind carries:
///
/// | kind | fields |
/// | --- | --- |
/// | `user-add` | `code`, `role`, `scope` (nil: the whole register) |
/// | `user-change` | `code`, and `role`, a new scope (`setsScope`) or both |
/// | `user-disable` | `code` |
/// | `token-create`, `token-revoke` | `code` (the token's owner), `token` |
public struct UserChange: Sendable, Equatable {
    /// The user's code (for token kinds, the token owner's).
    public var code: String
    /// `user-add`: the role; `user-change`: the new role, nil to keep the current one.
    public var role: Role?
    /// The holder code at the root of the user's scope; nil for the whole register.
    public var scope: String?
    /// `user-change` only: whether the change sets the scope to `scope` (false keeps the
    /// current scope).
    public var setsScope: Bool
    /// The token's public id, for the token kinds.
    public var token: String?

    public init(code: String, role: Role? = nil, scope: String? = nil, setsScope: Bool = false, token: String? = nil) {
        self.code = code
        self.role = role
        self.scope = scope
        self.setsScope = setsScope
        self.token = token
    }

    /// The change of a `user-add`: a new user with a role and a scope.
    public static func add(code: String, role: Role, scope: String?) -> UserChange {
        UserChange(code: code, role: role, scope: scope, setsScope: true)
    }

    /// The change of a `user-change`: a new role, a new scope (`.some(nil)`: the whole
    /// register), or both; nil keeps what the user has.
    public static func change(code: String, role: Role?, scope: String??) -> UserChange {
        UserChange(code: code, role: role, scope: scope ?? nil, setsScope: scope != nil)
    }

    /// The change of a `user-disable`.
    public static func disable(code: String) -> UserChange { UserChange(code: code) }

    /// The change of a `token-create` or `token-revoke`: the token's id and its owner.
    public static func token(_ id: String, owner: String) -> UserChange { UserChange(code: owner, token: id) }
}

/// One event: something that happened to items, lots, the holder tree or the users.
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
    /// 128 random bits, 32 lowercase hex digits, set by Custodia when it records the event
    /// (leaf format 2): the leaf's hash, which anyone may read, cannot then be matched
    /// against a guessed event. Absent in leaves written before (leaf format 1).
    public var salt: String?
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
    /// `register` only: the recorder states that the items registered are distinct from
    /// any registered item whose serial looks the same (see `Identifier`).
    public var distinct: Bool = false
    public var holder: HolderChange?
    public var user: UserChange?
    /// `policy-set` only: the pack it puts in force.
    public var policy: PolicyPack?
    /// `authorisation` only: the exception it grants.
    public var authorisation: Authorisation?
    /// `alert-waiver` only: the alert it waives, and until when.
    public var waiver: AlertWaiver?
    /// The stocktake (the sequence number of its `stocktake-open`) that a `count`, a
    /// `stocktake-close` or a `stocktake-resolve` belongs to.
    public var stocktake: Int64?
    /// `stocktake-open` only: how the holder is counted and what is expected.
    public var opening: StocktakeOpening?
    /// `stocktake-close` only: what the reconciliation found.
    public var reconciliation: ReconciliationSummary?
    /// A stocktake's `count`: marks read that are not items on the counted holder's books;
    /// a `stocktake-resolve`: those it settles.
    public var unlisted: [UnlistedMark] = []
    /// `stocktake-resolve` only: the event that settles the discrepancies (a loss report, a
    /// recovery, a registration, a correction, a transfer), when one does.
    public var resolvedBy: Int64?
    /// `sample-plan` only: what the sample commits to.
    public var plan: SamplePlan?
    /// `sample-finding` only: the plan (the sequence number of its `sample-plan`) and what
    /// the inspector found of the items it names.
    public var sample: Int64?
    public var finding: SampleFinding?

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

/// The salt of a leaf (leaf format 2): 128 bits from a cryptographic random generator, as
/// 32 lowercase hexadecimal digits.
public enum Salt {
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// The salt of 16 random bytes.
    public static func text(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for b in bytes.prefix(16) {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
