import CustodiaLedger

extension Store {
    /// The receipt of entry `seq` (nil when there is no such entry): its leaf hash, the
    /// entry itself, and its inclusion proof in the checkpoint that best vouches for it.
    ///
    /// That checkpoint is the latest one including the entry that `quorum` of `witnesses`
    /// (verifier keys) cosigned; with no witnesses named, the latest one any witness
    /// cosigned; failing both (the entry is newer than every cosignature, or no witness is
    /// configured), the latest signed checkpoint. Its cosignatures follow the log's
    /// signature, those of `witnesses` first.
    public func receipt(seq: Int64, witnesses: [String] = [], quorum: Int = 0) async throws -> Receipt? {
        guard seq >= 0, let event = try await event(seq: seq) else { return nil }
        var size: Int64?
        if !witnesses.isEmpty, quorum > 0 {
            size = try await latestCosignedSize(witnesses: witnesses, quorum: quorum, atLeast: seq + 1)
        } else if witnesses.isEmpty {
            size = try await latestCosignedSize(witnesses: [], quorum: 1, atLeast: seq + 1)
        }
        var note: String?
        if let size { note = try await checkpoint(size: size) }
        if note == nil { note = try await checkpoint(size: nil) }
        guard let note else { return nil }
        let text = note.split(separator: "\n", maxSplits: 2)
        guard text.count >= 2, let signedSize = Int64(text[1]), signedSize > seq else { return nil }
        let lines = try await cosignatures(size: signedSize)
        let ordered = witnesses.compactMap { lines[$0] } + lines.keys.filter { !witnesses.contains($0) }.sorted().map { lines[$0]! }
        let proof = try await inclusionProof(index: seq, size: signedSize)
        return Receipt(
            logKey: try await verifierKey(), index: seq, leafHash: proof.leafHash, entry: event.leaf, proof: proof.proof,
            checkpoint: CosignedCheckpoint.adding(ordered, to: note))
    }
}
