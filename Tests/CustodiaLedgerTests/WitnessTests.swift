import Foundation
import Testing

@testable import CustodiaLedger

/// A log of `size` leaves kept in memory, signing its checkpoints, for the witness checks.
struct TestLog {
    static let key = try! LogKey(name: "registry.example.org/custodia", rawPrivateKey: Array(repeating: 7, count: 32))
    var tree = TreeAppender()
    var tiles = MemoryTileStore()
    var leaves: [[UInt8]] = []

    init(size: Int) { grow(to: size) }

    mutating func grow(to size: Int) {
        while leaves.count < size {
            let leaf = Array("{\"n\":\(leaves.count),\"salt\":\"\(leaves.count)\"}".utf8)
            leaves.append(leaf)
            tree.append(leafHash: Merkle.leafHash(leaf))
        }
        tiles.store(tree.takeDirtyTiles())
    }

    var checkpoint: Checkpoint { try! Checkpoint(origin: Self.key.name, size: tree.size, root: tree.root()) }

    func note(signedBy key: LogKey = Self.key, _ checkpoint: Checkpoint? = nil) -> String {
        try! SignedNote.sign(text: (checkpoint ?? self.checkpoint).text, key: key)
    }

    func proof(from old: Int64) -> [TreeHash] {
        try! TileHashReader(tiles).consistencyProof(old: old, new: tree.size)
    }

    func request(from old: Int64, proof: [TreeHash]? = nil, note: String? = nil) -> [UInt8] {
        Array(AddCheckpoint(oldSize: old, proof: proof ?? self.proof(from: old), note: note ?? self.note()).body.utf8)
    }
}

@Suite struct WitnessTests {
    static let witness = try! CosignerKey(name: "witness.inspectorate.example/w1", rawPrivateKey: Array(repeating: 5, count: 32))

    func state(cosigned log: TestLog? = nil) -> WitnessState {
        var state = WitnessState()
        state.add(origin: TestLog.key.name, verifier: TestLog.key.verifier)
        if let log { state.record(log.checkpoint) }
        return state
    }

    func check(_ body: [UInt8], _ state: WitnessState) -> Result<Witness.Accepted, WitnessRefusal> {
        do { return Witness.check(try AddCheckpoint(body: body), state: state) } catch { return .failure(error) }
    }

    func status(_ result: Result<Witness.Accepted, WitnessRefusal>) -> Int {
        switch result {
        case .success: 200
        case .failure(let refusal): refusal.status
        }
    }

    @Test func theFirstCheckpointAndEachExtensionAreAccepted() throws {
        var log = TestLog(size: 1000)
        let first = check(log.request(from: 0), state())
        #expect(try first.get().checkpoint == log.checkpoint)
        let before = log
        log.grow(to: 70_000)
        #expect(status(check(log.request(from: 1000), state(cosigned: before))) == 200)
        // The same checkpoint again (old = its size, no proof) is cosigned again.
        #expect(status(check(before.request(from: 1000, proof: []), state(cosigned: before))) == 200)
    }

    @Test func refusalsHaveTheStatusesOfTheSpecification() throws {
        var log = TestLog(size: 300)
        let cosigned = log
        log.grow(to: 900)
        // An origin the witness does not know: 404.
        var unknown = WitnessState()
        unknown.add(origin: "another.example/log", verifier: TestLog.key.verifier)
        #expect(status(check(log.request(from: 0), unknown)) == 404)
        // Signed by another key under the log's name: 403.
        let impostor = try LogKey(name: TestLog.key.name, rawPrivateKey: Array(repeating: 3, count: 32))
        #expect(status(check(log.request(from: 300, note: log.note(signedBy: impostor)), state(cosigned: cosigned))) == 403)
        // A stale old size: 409 with the witness's size as text/x.tlog.size.
        guard case .failure(let stale) = check(log.request(from: 100), state(cosigned: cosigned)) else {
            Issue.record("a stale old size was accepted")
            return
        }
        #expect(stale.status == 409)
        #expect(stale.contentType == "text/x.tlog.size")
        #expect(stale.body == "300\n")
        // A rollback: a checkpoint smaller than the one cosigned; old = the witness's size
        // is larger than the checkpoint's: 400; old = the small size: 409.
        let small = TestLog(size: 200)
        #expect(status(check(small.request(from: 0), state(cosigned: cosigned))) == 409)
        #expect(status(check(Array(AddCheckpoint(oldSize: 300, proof: [], note: small.note()).body.utf8), state(cosigned: cosigned))) == 400)
        // A fork: same size, another root, signed by the log's own key: 409.
        let forked = try Checkpoint(origin: TestLog.key.name, size: 300, root: TreeHash(bytes: Array(repeating: 1, count: 32))!)
        #expect(status(check(Array(AddCheckpoint(oldSize: 300, proof: [], note: log.note(forked)).body.utf8), state(cosigned: cosigned))) == 409)
        // A larger tree whose proof does not lead from the cosigned one: 422.
        var bad = log.proof(from: 300)
        bad[0] = TreeHash(bytes: Array(repeating: 2, count: 32))!
        #expect(status(check(log.request(from: 300, proof: bad), state(cosigned: cosigned))) == 422)
        // Another history of 900 entries (a fork that grew): its proof cannot verify either.
        var other = TestLog(size: 299)
        other.leaves.append(Array("rewritten".utf8))
        other.tree.append(leafHash: Merkle.leafHash(Array("rewritten".utf8)))
        other.grow(to: 900)
        #expect(status(check(other.request(from: 300), state(cosigned: cosigned))) == 422)
    }

    @Test(arguments: [
        "", "old 1\n", "new 1\n\nx", "old -1\n\nx", "old 01\n\nx", "old 1\nnot base64\n\nx",
"old 0\n\nregistry.example.org/custodia\nfive\nroot\n\n— registry.example.org/custodia AAAA\n",
    ])
    func malformedBodiesAre400(body: String) {
        #expect(status(check(Array(body.utf8), state())) == 400)
    }

    @Test func aBodyIsAtMost64KiBAnd63ProofLines() {
        let log = TestLog(size: 10)
        let hashes = Array(repeating: log.checkpoint.root, count: 64)
        #expect(status(check(log.request(from: 5, proof: hashes), state())) == 400)
        #expect(status(check(Array(repeating: 0x41, count: 65 * 1024), state())) == 400)
    }

    @Test func aCosignatureFollowsTheSpecificationLayout() throws {
        let log = TestLog(size: 5)
        let text = log.checkpoint.text
        let line = try Self.witness.cosign(text, timestamp: 1_700_000_000)
        #expect(line.hasPrefix("\u{2014} witness.inspectorate.example/w1 "))
        let blob = try #require(Data(base64Encoded: String(line.dropFirst(2 + Self.witness.name.count + 1).dropLast())))
        #expect(blob.count == 4 + 8 + 64)
        // Key ID: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4].
        #expect(Array(blob.prefix(4)) == Self.witness.keyID)
        #expect(Array(blob.dropFirst(4).prefix(8)) == [0, 0, 0, 0, 0x65, 0x53, 0xF1, 0x00])
        let verifier = try CosignatureVerifier(verifierKey: Self.witness.verifierKey)
        #expect(CosignedCheckpoint.check(line: line, by: verifier, on: text) == 1_700_000_000)
        #expect(CosignedCheckpoint.check(line: line, by: verifier, on: TestLog(size: 6).checkpoint.text) == nil)
        // The verifier key: name+hex key ID+base64(0x04 ‖ public key).
        let parts = Self.witness.verifierKey.split(separator: "+", maxSplits: 2)
        #expect(parts[1] == Bytes.hex(Self.witness.keyID)[...])
        #expect(Data(base64Encoded: String(parts[2]))?.first == 0x04)
        // A log's key (type 0x01) is not a witness key.
        #expect(throws: NoteError.self) { try CosignatureVerifier(verifierKey: TestLog.key.verifierKey) }
    }

    @Test func theJournalIgnoresALineCutShortAndNamesABadOne() throws {
        let log = TestLog(size: 7)
        var state = self.state()
        let journal = WitnessState.logLine(origin: TestLog.key.name, verifier: TestLog.key.verifier)
            + WitnessState.cosignedLine(origin: TestLog.key.name, size: 7, root: log.checkpoint.root)
        let read = try WitnessState(journal: journal + "cosigned\t\(TestLog.key.name)\t9")
        #expect(read.logs[TestLog.key.name]?.size == 7)
        state.record(log.checkpoint)
        #expect(read == state)
        #expect(try WitnessState(journal: read.journal) == read)
        #expect(throws: WitnessStateError.self) { try WitnessState(journal: journal + "nonsense\n") }
    }
}

@Suite struct CosignedCheckpointTests {
    static let witnesses = (1...3).map {
        try! CosignerKey(name: "witness.example/w\($0)", rawPrivateKey: Array(repeating: UInt8($0), count: 32))
    }

    func policy(_ quorum: Int) throws -> WitnessPolicy {
        try WitnessPolicy(witnesses: Self.witnesses.map { try CosignatureVerifier(verifierKey: $0.verifierKey) }, quorum: quorum)
    }

    func cosigned(by signers: [CosignerKey], log: TestLog = TestLog(size: 12)) throws -> String {
        CosignedCheckpoint.adding(try signers.map { try $0.cosign(log.checkpoint.text, timestamp: 1) }, to: log.note())
    }

    @Test func theQuorumCountsOnlyValidCosignaturesOfTrustedWitnesses() throws {
        let two = try cosigned(by: Array(Self.witnesses.prefix(2)))
        let verified = try CosignedCheckpoint.verify(two, log: TestLog.key.verifier, policy: policy(2))
        #expect(verified.cosigners.map(\.name) == ["witness.example/w1", "witness.example/w2"])
        do {
            _ = try CosignedCheckpoint.verify(two, log: TestLog.key.verifier, policy: policy(3))
            Issue.record("a quorum of 3 was met by 2")
        } catch let error as LogCheckFailure {
            #expect(error.kind == .quorum)
            #expect(error.message.contains("witness.example/w3"))
        }
        // A cosignature of another checkpoint pasted under this one does not count.
        let other = try Self.witnesses[2].cosign(TestLog(size: 13).checkpoint.text, timestamp: 1)
        let pasted = CosignedCheckpoint.adding([other], to: two)
        #expect(throws: LogCheckFailure.self) { try CosignedCheckpoint.verify(pasted, log: TestLog.key.verifier, policy: policy(3)) }
        // An untrusted witness's valid cosignature does not count either.
        let stranger = try CosignerKey(name: "witness.example/w3", rawPrivateKey: Array(repeating: 99, count: 32))
        let strange = CosignedCheckpoint.adding([try stranger.cosign(TestLog(size: 12).checkpoint.text, timestamp: 1)], to: two)
        #expect(throws: LogCheckFailure.self) { try CosignedCheckpoint.verify(strange, log: TestLog.key.verifier, policy: policy(3)) }
        #expect(throws: LogCheckFailure.self) { try WitnessPolicy(witnesses: [], quorum: 1) }
    }

    @Test func historyStepsNameRollbacksAndForks() throws {
        var log = TestLog(size: 1000)
        let old = log.checkpoint
        log.grow(to: 5000)
        #expect(try LogHistory.step(from: nil, to: old) == .first)
        #expect(try LogHistory.step(from: old, to: old) == .unchanged)
        #expect(try LogHistory.step(from: old, to: log.checkpoint) == .grown(previous: old))
        try LogHistory.checkExtends(log.checkpoint, previous: old, proof: log.proof(from: 1000))
        func kind(_ body: () throws -> Void) -> LogCheckFailure.Kind? {
            do { try body() } catch { return (error as? LogCheckFailure)?.kind }
            return nil
        }
        #expect(kind { _ = try LogHistory.step(from: log.checkpoint, to: old) } == .rollback)
        let forked = try Checkpoint(origin: old.origin, size: old.size, root: log.checkpoint.root)
        #expect(kind { _ = try LogHistory.step(from: old, to: forked) } == .fork)
        #expect(kind { try LogHistory.checkExtends(log.checkpoint, previous: forked, proof: log.proof(from: 1000)) } == .fork)
    }

    @Test func tilesFetchedOneByOneGiveTheSameProofs() async throws {
        let log = TestLog(size: 70_000)
        var asked: [String] = []
        for old: Int64 in [1, 255, 256, 257, 65_536, 69_999] {
            let proof = try await FetchedTiles.compute(size: 70_000, fetch: { wanted in
                asked.append(wanted.path)
                return try #require(log.tiles.tile(level: wanted.level, index: wanted.index))
            }) { try $0.consistencyProof(old: old, new: 70_000) }
            #expect(proof == log.proof(from: old))
        }
        #expect(asked.contains("tile/0/273.p/112"))
        #expect(asked.allSatisfy { $0.hasPrefix("tile/") })
    }
}

@Suite struct ReceiptTests {
    func receipt(index: Int64, log: TestLog, cosigners: [CosignerKey] = CosignedCheckpointTests.witnesses) throws -> Receipt {
        let proof = try TileHashReader(log.tiles).inclusionProof(index: index, size: log.tree.size)
        let note = CosignedCheckpoint.adding(try cosigners.map { try $0.cosign(log.checkpoint.text, timestamp: 2) }, to: log.note())
        return Receipt(
            logKey: TestLog.key.verifierKey, index: index, leafHash: Merkle.leafHash(log.leaves[Int(index)]),
            entry: log.leaves[Int(index)], proof: proof, checkpoint: note)
    }

    @Test func aReceiptReadsBackAndVerifies() throws {
        let log = TestLog(size: 1234)
        let receipt = try receipt(index: 1000, log: log)
        #expect(try Receipt(text: receipt.text) == receipt)
        #expect(try Receipt(text: receipt.withoutEntry.text).entry == nil)
        // As saved on another system: CRLF line ends.
        let copied = try Receipt(text: receipt.text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(copied == receipt)
        let policy = try WitnessPolicy(
            witnesses: CosignedCheckpointTests.witnesses.map { try CosignatureVerifier(verifierKey: $0.verifierKey) })
        let verified = try receipt.verify(log: TestLog.key.verifier, policy: policy)
        #expect(verified.checkpoint.checkpoint.size == 1234)
        #expect(verified.entry == log.leaves[1000])
        _ = try receipt.withoutEntry.verify()
    }

    @Test func everyAlterationIsCaught() throws {
        let log = TestLog(size: 600)
        let good = try receipt(index: 17, log: log)
        func kind(_ receipt: Receipt, log key: NoteVerifier? = nil) -> LogCheckFailure.Kind? {
            do { _ = try receipt.verify(log: key) } catch { return error.kind }
            return nil
        }
        #expect(kind(good) == nil)
        // Another entry under the same leaf hash.
        let entry = Receipt(
            logKey: good.logKey, index: 17, leafHash: good.leafHash, entry: Array("{\"n\":18}".utf8), proof: good.proof,
            checkpoint: good.checkpoint)
        #expect(kind(entry) == .inclusion)
        // The proof of another index.
        let moved = Receipt(
            logKey: good.logKey, index: 18, leafHash: good.leafHash, entry: nil, proof: good.proof, checkpoint: good.checkpoint)
        #expect(kind(moved) == .inclusion)
        // A hash of the path changed.
        var path = good.proof
        path[3] = TreeHash(bytes: Array(repeating: 4, count: 32))!
        #expect(kind(Receipt(logKey: good.logKey, index: 17, leafHash: good.leafHash, entry: nil, proof: path, checkpoint: good.checkpoint)) == .inclusion)
        // The checkpoint's size changed (signature no longer holds).
        let resized = good.checkpoint.replacingOccurrences(of: "\n600\n", with: "\n601\n")
        #expect(kind(Receipt(logKey: good.logKey, index: 17, leafHash: good.leafHash, entry: nil, proof: good.proof, checkpoint: resized)) == .signature)
        // Signed by a key other than the one the reader holds.
        let other = try LogKey(name: TestLog.key.name, rawPrivateKey: Array(repeating: 8, count: 32))
        #expect(kind(good, log: other.verifier) == .signature)
        // Entry beyond the checkpoint.
        #expect(kind(Receipt(logKey: good.logKey, index: 600, leafHash: good.leafHash, entry: nil, proof: [], checkpoint: good.checkpoint)) == .inclusion)
        #expect(throws: LogCheckFailure.self) { try Receipt(text: "custodia-receipt/v1\nkey x\n") }
        #expect(throws: LogCheckFailure.self) { try Receipt(text: good.text.replacingOccurrences(of: "index 17", with: "index seventeen")) }
    }
}
