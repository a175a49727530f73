import CustodiaCore

/// What the validator needs to know about the register. The server implements it with
/// the store; tests implement it with dictionaries. Every method answers for several keys
/// at once so that a form of 500 serials costs a few queries, not 500.
///
/// Answers are not filtered by scope: the validator applies the user's `HolderScope`
/// itself, and reports anything outside it exactly as if it did not exist.
public protocol RecordingResolver: Sendable {
    /// Every item whose serial is one of `serials` (exactly, any manufacturer or model).
    func items(serials: [String]) async throws -> [ItemRecord]
    /// The holders among `codes` that exist (closed ones included).
    func holders(codes: [String]) async throws -> [Holder]
    /// Every lot whose number is one of `numbers` (any manufacturer).
    func lots(numbers: [String]) async throws -> [LotMarking]
    /// The balance of `lot` at `holder` (0 when none).
    func balance(lot: LotMarking, holder: String) async throws -> Int64
    /// The dispatch with this document number, open or not; nil when there is none.
    func dispatch(document: String) async throws -> DispatchInfo?
}

/// A dispatch (the first half of a transfer) as the receive form needs it.
public struct DispatchInfo: Sendable, Equatable {
    public var document: String
    /// The ledger position of the dispatch event.
    public var seq: Int64
    public var from: String
    public var to: String
    /// When it was dispatched (RFC 3339), where known.
    public var occurredAt: String?
    public var itemsInTransit: Int64
    public var lotsInTransit: [LotQuantity]

    public init(
        document: String, seq: Int64, from: String, to: String, occurredAt: String? = nil, itemsInTransit: Int64,
        lotsInTransit: [LotQuantity] = []
    ) {
        self.document = document
        self.seq = seq
        self.from = from
        self.to = to
        self.occurredAt = occurredAt
        self.itemsInTransit = itemsInTransit
        self.lotsInTransit = lotsInTransit
    }

    /// Whether anything is still in transit on it.
    public var isOpen: Bool { itemsInTransit > 0 || lotsInTransit.contains { $0.quantity > 0 } }
}
