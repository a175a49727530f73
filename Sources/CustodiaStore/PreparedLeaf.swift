import CustodiaCore
import CustodiaLedger

/// An event's ledger leaf made before the custody rules see the event, off the thread that
/// writes: `init` stamps the event with who records it and when, normalizes its text,
/// and encodes and hashes its leaf. The writer's thread then runs only the rules and the
/// writes.
///
/// The rules record most events exactly as given (registrations, corrections, movements
/// that name items by full marking); when they rewrite one (an item named by id or without
/// its model, a holder or user change), `leaf(for:)` says so and the writer encodes again.
/// A class: the writer's thread takes it by reference, without copying its fields.
package final class PreparedLeaf: Sendable {
    package let kind: EventKind
    package let items: [ItemReference]
    package let lots: [LotReference]
    package let from: String?
    package let to: String?
    package let witnesses: [String]
    package let leaf: [UInt8]
    package let hash: TreeHash

    /// Stamps and normalizes `event` in place, as an append would before the rules, and
    /// prepares its leaf.
    package init(_ event: inout Event, recordedBy: String, recordedAt: String) {
        Stamp.apply(&event, recordedBy: recordedBy, recordedAt: recordedAt)
        event = event.normalizedText()
        kind = event.kind
        items = event.items
        lots = event.lots
        from = event.from
        to = event.to
        witnesses = event.witnesses
        (leaf, hash) = Self.encode(event)
    }

    /// An event's leaf and the leaf's hash, encoded now: for an event the rules rewrote, or
    /// one that was not prepared.
    package static func encode(_ event: Event) -> (leaf: [UInt8], hash: TreeHash) {
        let leaf = LeafEncoding.leaf(event)
        return (leaf, Merkle.leafHash(leaf))
    }

    /// The prepared leaf and hash when `recorded` (the event as the rules recorded it) is
    /// the event as prepared; the rules change only the fields compared here.
    package func leaf(for recorded: Event) -> (leaf: [UInt8], hash: TreeHash)? {
        guard !kind.isHolderChange, !kind.isUserChange, recorded.items == items, recorded.lots == lots,
            recorded.from == from, recorded.to == to, recorded.witnesses == witnesses
        else { return nil }
        return (leaf, hash)
    }
}

/// An event source that prepares its events' leaves (see `PreparedLeaf`) on its own thread.
package protocol PreparingEventSource: AnyObject {
    /// The append the source prepares its events for (their stamp); nil when it does not.
    var preparedFor: AppendOptions? { get }
    /// The leaf prepared for the event the last `next()` returned, when there is one; that
    /// event is then already stamped and normalized.
    var lastPrepared: PreparedLeaf? { get }
}
