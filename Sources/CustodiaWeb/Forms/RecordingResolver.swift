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
    func dispatch(document: String) async throws -> DispatchView?
    /// The policy pack in force.
    func policy() async throws -> PolicyPack
}
