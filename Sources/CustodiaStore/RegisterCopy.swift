import CustodiaCore
import CustodiaLedger

/// Everything a register holds beside its leaves, which a copy to another backend carries
/// over verbatim: the register's identity, its signed checkpoints, people's names (kept out
/// of the ledger), secrets kept beside the ledger, used confirmations, witnesses'
/// cosignatures and the record of `verify` runs.
package struct RegisterSideRows: Sendable {
    package var origin: String
    package var verifierKey: String
    package var createdAt: String
    package var saltedFrom: Int64
    package var checkpoints: [(size: Int64, note: String, signedAt: String)] = []
    /// Every holder's name as stored (people's names are not in their leaves).
    package var holderNames: [String: String] = [:]
    /// Password hashes, oldest first.
    package var passwordHashes: [(user: String, hash: String, setAt: String)] = []
    package var tokenSecrets: [(tokenID: String, secretHash: String)] = []
    package var confirmationsUsed: [UsedConfirmation] = []
    package var cosignatures: [(size: Int64, witness: String, line: String, receivedAt: String)] = []
    package var verifications: [VerificationRecord] = []

    package init(origin: String, verifierKey: String, createdAt: String, saltedFrom: Int64) {
        self.origin = origin
        self.verifierKey = verifierKey
        self.createdAt = createdAt
        self.saltedFrom = saltedFrom
    }
}

/// A store a register can be copied out of (`custodia migrate --from`).
package protocol RegisterExport: Sendable {
    /// The side rows and the leaves, read in one snapshot: `body` gets the side rows and a
    /// source of the leaves in order.
    func export<T: Sendable>(_ body: @escaping @Sendable (RegisterSideRows, any LedgerHashSource) throws -> T) async throws -> T
}

/// The copy of a register into an empty store, the same on every backend: every recorded
/// leaf is replayed through the custody rules as it was recorded (verbatim: the same bytes,
/// salts and stamps), the tree rebuilt and its tiles written, and every signed checkpoint
/// stored as signed after checking that it signs the rebuilt tree at its size. The copy's
/// roots and checkpoints are therefore identical to the source's, and no key is needed.
package struct RegisterCopy {
    package let side: RegisterSideRows

    package init(side: RegisterSideRows) {
        self.side = side
    }

    /// Copies the leaves of `source` into `tx` (an empty store's transaction), with the
    /// checkpoints. Returns the number of events copied.
    package func copyLedger(from source: any LedgerHashSource, into tx: some AppendTransaction) throws -> Int64 {
        let verifier = try NoteVerifier(verifierKey: side.verifierKey)
        var engine = CustodyEngine(loader: try tx.stateLoader(), holders: [:], nextSeq: 0, nextItemID: 1, nextLotID: 1)
        var tree = TreeAppender()
        var pending: [PendingEvent] = []
        var checkpoints = side.checkpoints.sorted { $0.size < $1.size }[...]
        var expected: Int64 = 0
        var failure: StoreError?

        func storeCheckpoints() throws {
            while let c = checkpoints.first, c.size <= tree.size {
                checkpoints.removeFirst()
                guard c.size == tree.size else {
                    throw StoreError(.invalidRequest, "the source's checkpoint for size \(c.size) falls inside a leaf; it does not verify")
                }
                let text = try SignedNote.open(c.note, verifiers: [verifier]).text
                let checkpoint = try Checkpoint(text: text)
                guard checkpoint.size == c.size, checkpoint.root == tree.root(), checkpoint.origin == side.origin else {
                    throw StoreError(
                        .invalidRequest,
                        "the source's checkpoint for size \(c.size) does not sign the tree its events make; run `custodia verify` on the source")
                }
                try tx.insertCheckpoint(size: c.size, note: c.note, signedAt: c.signedAt)
            }
        }

        func flush() throws {
            try tx.write(events: pending, changes: engine.takeChanges(dropCache: engine.cachedRecords > 300_000))
            pending.removeAll(keepingCapacity: true)
            try tx.writeTiles(tree.takeDirtyTiles())
        }

        // Leaves are taken a chunk at a time (cut at checkpoint sizes), so that the
        // destination reads ahead what the rules will ask about them.
        var chunk: [(seq: Int64, leaf: [UInt8], event: Event)] = []
        func apply() throws {
            try tx.prefetch(chunk.map(\.event))
            for (seq, leaf, event) in chunk {
                do {
                    let applied = try engine.apply(event)
                    pending.append(PendingEvent(applied, leaf: leaf))
                    tree.append(leafHash: Merkle.leafHash(leaf))
                } catch {
                    throw StoreError(
                        .invalidRequest, "the source's event \(seq) does not replay (\(error)); run `custodia verify` on the source")
                }
            }
            chunk.removeAll(keepingCapacity: true)
            // A checkpoint's size is reached with its tiles written.
            try flush()
            try storeCheckpoints()
        }

        try storeCheckpoints()
        try source.forEachLeaf { seq, raw in
            guard seq == expected else {
                failure = StoreError(.invalidRequest, "the source's event \(expected) is missing; run `custodia verify` on the source")
                return false
            }
            let leaf = [UInt8](raw)
            let event: Event
            do {
                let value = try leaf.withUnsafeBufferPointer { try JSONParser.parse($0) }
                event = try Event(json: value, source: .ledger)
            } catch {
                failure = StoreError(
                    .invalidRequest, "the source's event \(seq) is not a valid leaf (\(error)); run `custodia verify` on the source")
                return false
            }
            guard LedgerEncodingCheck.isCanonical(leaf, event) else {
                failure = StoreError(
                    .invalidRequest, "the source's event \(seq) is not in canonical form; run `custodia verify` on the source")
                return false
            }
            chunk.append((seq, leaf, event))
            expected += 1
            if chunk.count >= 4096 || checkpoints.first?.size == expected {
                do { try apply() } catch {
                    failure = error as? StoreError ?? StoreError(.storage, "\(error)")
                    return false
                }
            }
            return true
        }
        if let failure { throw failure }
        if !chunk.isEmpty { try apply() }
        try flush()
        try storeCheckpoints()
        try tx.finish()
        if let c = checkpoints.first {
            throw StoreError(
                .invalidRequest,
                "the source has a checkpoint for size \(c.size) but only \(expected) events; run `custodia verify` on the source")
        }
        return expected
    }
}

/// Whether a leaf is exactly the canonical encoding of the event it records.
package enum LedgerEncodingCheck {
    package static func isCanonical(_ leaf: [UInt8], _ event: Event) -> Bool {
        LeafEncoding.leaf(event) == leaf
    }
}
