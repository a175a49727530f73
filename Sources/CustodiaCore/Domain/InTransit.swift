/// A lot and a quantity: a balance, a line of an event, or what is in transit.
public struct LotQuantity: Sendable, Equatable {
    public var marking: LotMarking
    public var quantity: Int64

    public init(marking: LotMarking, quantity: Int64) {
        self.marking = marking
        self.quantity = quantity
    }
}

/// A dispatch (the first half of a transfer) and what is still in transit on it: what the
/// store reads and the receive form shows.
public struct DispatchView: Sendable, Equatable {
    /// The document that names the transfer; unique among dispatches.
    public var document: String
    /// The ledger position of the dispatch event.
    public var seq: Int64
    public var from: String
    public var to: String
    /// When it was dispatched (RFC 3339), where known.
    public var occurredAt: String?
    /// Items still in transit on it.
    public var itemsInTransit: Int64
    /// Lots still in transit on it (positive quantities only).
    public var lotsInTransit: [LotQuantity]
    /// When it was last received, if ever.
    public var lastReceivedAt: String?

    public init(
        document: String, seq: Int64, from: String, to: String, occurredAt: String? = nil, itemsInTransit: Int64,
        lotsInTransit: [LotQuantity] = [], lastReceivedAt: String? = nil
    ) {
        self.lastReceivedAt = lastReceivedAt
        self.document = document
        self.seq = seq
        self.from = from
        self.to = to
        self.occurredAt = occurredAt
        self.itemsInTransit = itemsInTransit
        self.lotsInTransit = lotsInTransit
    }

    /// Whether anything is still to be received.
    public var isOpen: Bool { itemsInTransit > 0 || lotsInTransit.contains { $0.quantity > 0 } }
}
