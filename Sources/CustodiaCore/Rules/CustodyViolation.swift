/// An event refused because it does not fit the current state: names the item, lot or
/// holder, its state, and the rule.
public struct CustodyViolation: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

/// An event after the rules accepted it: its position in the ledger, its normalised form
/// (what the leaf records), and what it touched.
public struct AppliedEvent: Sendable {
    public var seq: Int64
    public var event: Event
    public var itemIDs: [Int64]
    public var lotIDs: [Int64]
    /// A person's name from a holder-add or holder-rename: stored beside the ledger, never in it.
    public var privateName: String?
}

/// The state rows an accepted batch changed, for the store to write.
public struct StateChanges: Sendable {
    public var newItems: [ItemRecord] = []
    public var changedItems: [ItemRecord] = []
    /// For each of `changedItems`, in the same order, the fields of its state that differ
    /// from the state the store holds for it (read from the store, or last taken from the
    /// engine): a store writes only those, and leaves the indexes of the others alone.
    public var changedItemColumns: [ItemStateColumns] = []
    public var newLots: [LotRecord] = []
    public var balances: [(LotHolder, Int64)] = []
    public var missingLots: [(Int64, Int64)] = []
    public var newDispatches: [DispatchRecord] = []
    public var changedDispatches: [DispatchRecord] = []
    public var newHolders: [Holder] = []
    /// The sequence number of the holder-add of each new holder.
    public var holderAddedSeq: [String: Int64] = [:]
    public var changedHolders: [Holder] = []
    /// Users added, in the order of their user-add events.
    public var newUsers: [UserRecord] = []
    /// Users whose role, scope or activity changed (not new ones).
    public var changedUsers: [UserRecord] = []
    /// Tokens created, in the order of their token-create events.
    public var newTokens: [APITokenRecord] = []
    /// Tokens revoked (not new ones).
    public var changedTokens: [APITokenRecord] = []

    public var isEmpty: Bool {
        newItems.isEmpty && changedItems.isEmpty && newLots.isEmpty && balances.isEmpty && missingLots.isEmpty
            && newDispatches.isEmpty && changedDispatches.isEmpty && newHolders.isEmpty && changedHolders.isEmpty
            && newUsers.isEmpty && changedUsers.isEmpty && newTokens.isEmpty && changedTokens.isEmpty
    }
}
