/// An event refused because it does not fit the current state: names the item, lot or
/// holder, its state, and the rule.
public struct CustodyViolation: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    /// Which family of rule refused, where an interface answers it differently (nil: the
    /// custody rules). `confirmation`: the two-person rule.
    public var rule: String?
    /// The refusal's particulars by name (the subject, the state found, what would satisfy
    /// the rule), for an interface that words the refusal itself from `rule`: the policy
    /// rules give them (see `CustodyEngine.PolicyRule`).
    public var details: [String: String]

    public init(_ field: String, _ message: String, rule: String? = nil, details: [String: String] = [:]) {
        self.field = field
        self.message = message
        self.rule = rule
        self.details = details
    }

    /// The stable code of the refusal: its rule, or `custody` for the custody rules.
    public var code: String { rule ?? "custody" }

    /// The rule family of the two-person rule's refusals: `confirmation`, or
    /// `confirmation.<refusal>` for those an interface words itself.
    public static let confirmationRule = "confirmation"

    /// The two-person rule's refusals that interfaces word in the reader's language.
    public enum ConfirmationRefusal: String, Sendable, CaseIterable {
        case inactive, role, notParty = "not-party", used, required
        /// A person named twice, or the recorder named as their own second person: the event
        /// itself is wrong, whatever proofs come with it.
        case twice, recorder
        /// A person named without a proof of their consent (the path then asks for it).
        case missing

        public var rule: String { "\(CustodyViolation.confirmationRule).\(rawValue)" }
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
    /// For each of `newItems`, in the same order, its serial's look-alike key
    /// (`Identifier.serialKey`).
    public var newItemSerialKeys: [String] = []
    /// The confirmations consumed by the events, in order.
    public var usedConfirmations: [UsedConfirmation] = []
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
        usedConfirmations.isEmpty && newItems.isEmpty && changedItems.isEmpty && newLots.isEmpty && balances.isEmpty && missingLots.isEmpty
            && newDispatches.isEmpty && changedDispatches.isEmpty && newHolders.isEmpty && changedHolders.isEmpty
            && newUsers.isEmpty && changedUsers.isEmpty && newTokens.isEmpty && changedTokens.isEmpty
    }
}

/// A confirmation consumed by an event: kept beside the ledger so that no second event can
/// offer it, on any server, after any restart.
public struct UsedConfirmation: Sendable, Equatable {
    public var id: String
    public var user: String
    public var seq: Int64

    public init(id: String, user: String, seq: Int64) {
        self.id = id
        self.user = user
        self.seq = seq
    }
}
