import CustodiaCore

/// An item's place and state in brief: what counts by category, status, condition and
/// holder are made of.
public struct ItemBrief: Sendable, Equatable {
    public var id: Int64
    public var category: CustodiaCore.Category
    public var status: ItemStatus
    public var condition: Condition
    /// Who physically holds it (nil unless held).
    public var holder: String?
    /// On whose books it is.
    public var account: String?
    /// When it is due back (`YYYY-MM-DD`), for issued items.
    public var dueBack: String?

    public init(
        id: Int64, category: CustodiaCore.Category, status: ItemStatus, condition: Condition, holder: String?,
        account: String?, dueBack: String?
    ) {
        self.id = id
        self.category = category
        self.status = status
        self.condition = condition
        self.holder = holder
        self.account = account
        self.dueBack = dueBack
    }

    public init(_ record: ItemRecord) {
        self.init(
            id: record.id, category: record.marking.category, status: record.state.status,
            condition: record.state.condition, holder: record.state.holder, account: record.state.account,
            dueBack: record.state.dueBack)
    }

    /// Issued and not back by its due date: held, with a due date before `day` (`YYYY-MM-DD`).
    public func isOverdue(on day: String) -> Bool {
        guard status == .held, let dueBack else { return false }
        return dueBack < day
    }
}

/// Every item in brief, read together with the ledger size they reflect.
public struct ItemBriefs: Sendable {
    /// The number of events whose effects the briefs show.
    public var ledgerSize: Int64
    public var items: [ItemBrief]

    public init(ledgerSize: Int64, items: [ItemBrief]) {
        self.ledgerSize = ledgerSize
        self.items = items
    }
}

/// An item held, as a sample's population reads it: identity, category and holder.
public struct HeldIdentity: Sendable, Equatable {
    public var identity: ItemIdentity
    public var category: CustodiaCore.Category
    public var holder: String

    public init(identity: ItemIdentity, category: CustodiaCore.Category, holder: String) {
        self.identity = identity
        self.category = category
        self.holder = holder
    }
}

/// One search box over items: a part of the serial, or a model, or a holder's code.
public struct ItemSearch: Sendable, Equatable {
    /// Matches items whose serial contains it or whose model is it, ignoring case, in serial
    /// order.
    public var text: String
    /// When the box held a holder's code: the items this holder physically holds instead, in
    /// id order (as on the holder's page); `text` is then not matched.
    public var heldBy: String?
    /// Only items whose holder or account is inside this scope.
    public var scope: HolderScope
    /// The most items returned (1–1000).
    public var limit: Int
    /// How many matches to skip (for page numbers).
    public var offset: Int

    public init(text: String, heldBy: String? = nil, scope: HolderScope = .everything, limit: Int = 50, offset: Int = 0) {
        self.text = text
        self.heldBy = heldBy
        self.scope = scope
        self.limit = limit
        self.offset = offset
    }
}

/// One run of `verify`: when, over how many entries, and whether everything held.
public struct VerificationRecord: Sendable, Equatable {
    /// When the run finished (RFC 3339 UTC).
    public var verifiedAt: String
    /// The ledger size it checked.
    public var size: Int64
    /// Whether it found everything consistent.
    public var ok: Bool
    /// The first divergence it found, when it failed.
    public var divergence: String?

    public init(verifiedAt: String, size: Int64, ok: Bool, divergence: String? = nil) {
        self.verifiedAt = verifiedAt
        self.size = size
        self.ok = ok
        self.divergence = divergence
    }
}
