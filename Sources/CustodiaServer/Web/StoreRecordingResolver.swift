import CustodiaCore
import CustodiaStore
import CustodiaWeb

/// What the recording forms' validator reads of the register, from the store: a few batch
/// queries per form, whatever its length. Answers are not filtered by scope; the validator
/// applies the user's scope itself.
struct StoreRecordingResolver: RecordingResolver {
    let store: any Store
    let directory: HolderDirectory

    func items(serials: [String]) async throws -> [ItemRecord] {
        try await store.items(serials: serials)
    }

    /// From the holder tree in memory; codes it does not know (added by another process a
    /// moment ago) are read from the store.
    func holders(codes: [String]) async throws -> [Holder] {
        let snapshot = try await directory.snapshot()
        var found: [Holder] = []
        for code in codes {
            if let h = snapshot.holders[code] {
                found.append(h)
            } else if let h = try await store.holder(code: code) {
                found.append(h)
            }
        }
        return found
    }

    func lots(numbers: [String]) async throws -> [LotMarking] {
        try await store.lots(numbers: numbers).map(\.marking)
    }

    func balance(lot: LotMarking, holder: String) async throws -> Int64 {
        guard let record = try await store.lots(numbers: [lot.lot]).first(where: { $0.marking.manufacturer == lot.manufacturer })
        else { return 0 }
        return try await store.lotBalance(lotID: record.id, holder: holder)
    }

    func dispatch(document: String) async throws -> DispatchView? {
        try await store.dispatch(document: document)
    }

    func policy() async throws -> PolicyPack {
        try await store.policyInForce().pack
    }
}
