/// What a user may do. Every user has one role and one scope (a subtree of holders).
public enum Role: String, CaseIterable, Sendable, Codable {
    /// Reads within the scope.
    case viewer
    /// Records custody movements within the scope.
    case clerk
    /// Accepts hand-overs to holders in the scope and confirms them as the second person.
    case custodian
    /// Reads within the scope, opens, counts, closes and resolves stocktakes.
    case inspector
    /// Reads everything and uses the ledger tools; never writes.
    case auditor
    /// Manages users, tokens and holders; may do everything. Only an admin records the
    /// user and token kinds.
    case admin

    /// Whether a user of this role may be scoped to the whole register (no holder).
    public var mayBeUnscoped: Bool { self == .auditor || self == .admin }
}

/// Something a user asks to do; the scope check is separate (see `HolderScope`).
public enum Action: Sendable, Equatable, Hashable {
    /// Read items, holders, lots, events and summaries.
    case read
    /// Record a ledger entry of this kind.
    case record(EventKind)
    /// Confirm, as the second person, an event that another user records.
    case confirm
    /// Read the ledger's proofs, entries and checkpoints through the API.
    case ledger
    /// Add, change and disable users and tokens.
    case manageUsers
}

extension Role {
    /// The role rule: whether this role may take `action` at all (inside its scope).
    public func may(_ action: Action) -> Bool {
        switch (self, action) {
        case (.admin, _): true
        case (_, .read), (_, .ledger): true
        case (.auditor, _): false
        case (.viewer, _): false
        case (_, .manageUsers): false
        case (_, .record(let kind)) where kind.isSampling: self == .inspector
        case (.clerk, .record(let kind)): !kind.isHolderChange && !kind.isUserChange && !kind.isControl
        case (.custodian, .record(let kind)) where kind.isStocktake: false
        case (.inspector, .record(let kind)) where kind.isStocktake: true
        case (.clerk, .confirm): true
        case (.custodian, .record(let kind)): kind == .receive || kind == .return || kind == .count
        case (.custodian, .confirm): true
        case (.inspector, .record(let kind)): kind == .count
        case (.inspector, .confirm): true
        }
    }
}
