import ArgumentParser
import CustodiaLedger
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A witness's rate of cosigning a log of a million entries, each checkpoint with its
/// consistency proof, beside its floors measured in the same run: the checks and the
/// signature alone in this process, one line appended and flushed to the disk, and an HTTP
/// round trip to the same witness that does nothing. Then the time to check a receipt,
/// beside the three signature checks it cannot avoid. Run by `scripts/bench-witness.sh`,
/// which starts the witness (`--url`).
struct WitnessBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "witness")

    /// The benchmark logs' keys (fixed: the witness is told their verifier keys beforehand).
    /// Log 0 is submitted to alone, one checkpoint after the other; logs 1… at once.
    static func logKey(_ n: Int) -> LogKey {
        try! LogKey(name: "bench.custodia.example/log\(n)", rawPrivateKey: Array(repeating: UInt8(42 + n), count: 32))
    }

    @Flag(help: "Print the benchmark logs' verifier keys, one per line, and stop.") var printLogKeys = false
    @Option(help: "The witness's URL.") var url: String?
    @Option(help: "The witness's verifier key.") var witnessKey: String?
    @Option(help: "Entries in each log before its first checkpoint.") var leaves = 1_000_000
    @Option(help: "Checkpoints to submit in each part.") var count = 3000
    @Option(help: "Logs submitting at once in the second part.") var logs = 8
    @Option(help: "A directory for the disk floor's file.") var dir = NSTemporaryDirectory()

    func run() async throws {
        if printLogKeys {
            for n in 0...logs { print(Self.logKey(n).verifierKey) }
            return
        }
        guard let url, let witnessKey else { throw ValidationError("give --url and --witness-key") }
        let witness = try CosignatureVerifier(verifierKey: witnessKey)

        // The logs' tree: `leaves` entries, then 3 more per checkpoint.
        var start = ContinuousClock.now
        var tree = TreeAppender()
        var tiles = MemoryTileStore()
        let total = leaves + 3 * count
        for n in 0..<total {
            var bytes = [UInt8](repeating: 0, count: 16)
            withUnsafeBytes(of: UInt64(n).bigEndian) { bytes.replaceSubrange(0..<8, with: $0) }
            tree.append(leafHash: Merkle.leafHash(bytes))
            if n % 65_536 == 0 { tiles.store(tree.takeDirtyTiles()) }
        }
        tiles.store(tree.takeDirtyTiles())
        let reader = TileHashReader(tiles)
        var sizes: [Int64] = [Int64(leaves)]
        for i in 1...count { sizes.append(Int64(leaves + 3 * i)) }
        let roots = try sizes.map { try reader.root(size: $0) }
        let proofs = try sizes.indices.map { i in try reader.consistencyProof(old: i == 0 ? 0 : sizes[i - 1], new: sizes[i]) }
        /// The chain of `log`: its first `length` checkpoints after the first, as request bodies.
        func chain(_ log: Int, length: Int) throws -> (notes: [String], bodies: [String]) {
            var notes: [String] = []
            var bodies: [String] = []
            for i in 0...length {
                let note = try SignedNote.sign(
                    text: try Checkpoint(origin: Self.logKey(log).name, size: sizes[i], root: roots[i]).text, key: Self.logKey(log))
                notes.append(note)
                bodies.append(AddCheckpoint(oldSize: i == 0 ? 0 : sizes[i - 1], proof: proofs[i], note: note).body)
            }
            return (notes, bodies)
        }
        let (notes, bodies) = try chain(0, length: count)
        let perLog = max(1, count / logs)
        let chains = try (1...logs).map { try chain($0, length: perLog) }
        print(
            "logs of \(leaves) entries; \(count) checkpoints of 3 entries more each (consistency proofs of \(proofs.last!.count) hashes), prepared in \(fmt(seconds(since: start))) s"
        )
        let logKey = Self.logKey(0)

        // Floor 1: the witness's checks and its signature, in this process.
        let local = try CosignerKey(name: "bench.witness.example/local", rawPrivateKey: Array(repeating: 7, count: 32))
        var state = WitnessState()
        state.add(origin: logKey.name, verifier: logKey.verifier)
        start = ContinuousClock.now
        for body in bodies {
            let accepted = try Witness.check(try AddCheckpoint(body: Array(body.utf8)), state: state).get()
            state.record(accepted.checkpoint)
            _ = try local.cosign(accepted.text, timestamp: 1)
        }
        let checkRate = Double(bodies.count) / seconds(since: start)

        // Floor 2: one journal line appended and flushed, as the witness does before answering.
        let path = (dir as NSString).appendingPathComponent("custodia-bench-fsync-\(UUID().uuidString)")
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw ValidationError("cannot write \(path)") }
        let line = Array(WitnessState.cosignedLine(origin: logKey.name, size: 1_000_000, root: tree.root()).utf8)
        start = ContinuousClock.now
        for _ in 0..<count {
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            fdatasync(fd)
        }
        let syncRate = Double(count) / seconds(since: start)
        close(fd)
        unlink(path)

        // Floor 3: HTTP round trips to the witness's status page.
        let session = URLSession(configuration: .ephemeral)
        let status = URL(string: url + "/")!
        start = ContinuousClock.now
        for _ in 0..<count { _ = try await session.data(from: status) }
        let httpRate = Double(count) / seconds(since: start)

        // The witness: every checkpoint of log 0, in order, over HTTP.
        start = ContinuousClock.now
        let lines = try await Self.submit(bodies, to: url, session: session)
        let witnessRate = Double(bodies.count) / seconds(since: start)
        for (line, note) in zip(lines, notes) {
            let text = try SignedNote.open(note, verifiers: [logKey.verifier]).text
            guard CosignedCheckpoint.check(line: line, by: witness, on: text) != nil else {
                throw ValidationError("a cosignature does not verify")
            }
        }
        // Several logs at once (a witness serves many registries): each log's checkpoints in
        // order, the logs side by side; beside it, as many status requests at once.
        start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 1...logs {
                group.addTask {
                    for _ in 0...perLog { _ = try await session.data(from: status) }
                }
            }
            try await group.waitForAll()
        }
        let httpParallelRate = Double(logs * (perLog + 1)) / seconds(since: start)
        start = ContinuousClock.now
        let parallelLines = try await withThrowingTaskGroup(of: [String].self) { group in
            for (_, bodies) in chains { group.addTask { try await Self.submit(bodies, to: url, session: session) } }
            return try await group.reduce(into: 0) { $0 += $1.count }
        }
        let parallelRate = Double(parallelLines) / seconds(since: start)
        print(
            "witness_cosigns_per_s_\(logs)_logs_at_once=\(Int(parallelRate))   floor: http_round_trips_per_s_\(logs)_at_once=\(Int(httpParallelRate))"
        )
        print(
            "witness_cosigns_per_s_one_log=\(Int(witnessRate)) (all \(lines.count) cosignatures verified)   floors: checks_and_signature_in_process_per_s=\(Int(checkRate)) append_and_fdatasync_per_s=\(Int(syncRate)) http_round_trips_per_s=\(Int(httpRate))"
        )
        print(
            "   witness_ms_per_checkpoint=\(fmt(1000 / witnessRate, 3)) = at least fdatasync \(fmt(1000 / syncRate, 3)) + HTTP \(fmt(1000 / httpRate, 3)) + checks \(fmt(1000 / checkRate, 3))"
        )

        // A receipt: entry of a random index in the last checkpoint, cosigned by two witnesses.
        let size = sizes.last!
        let cosigners = try (1...2).map {
            try CosignerKey(name: "bench.witness.example/w\($0)", rawPrivateKey: Array(repeating: UInt8($0), count: 32))
        }
        let last = try SignedNote.open(notes.last!, verifiers: [logKey.verifier]).text
        let cosigned = CosignedCheckpoint.adding(try cosigners.map { try $0.cosign(last, timestamp: 1) }, to: notes.last!)
        let policy = try WitnessPolicy(witnesses: try cosigners.map { try CosignatureVerifier(verifierKey: $0.verifierKey) })
        var receiptTimes: [Double] = []
        var floorTimes: [Double] = []
        let signatures = try SignedNote.open(cosigned, verifiers: [logKey.verifier])
        for _ in 0..<1000 {
            let index = Int64.random(in: 0..<size)
            let text = Receipt(
                logKey: logKey.verifierKey, index: index, leafHash: try reader.leafHash(index: index), entry: nil,
                proof: try reader.inclusionProof(index: index, size: size), checkpoint: cosigned
            ).text
            var t = ContinuousClock.now
            _ = try Receipt(text: text).verify(log: logKey.verifier, policy: policy)
            receiptTimes.append(seconds(since: t) * 1000)
            // The floor: the three Ed25519 checks (the log's signature, two cosignatures).
            t = ContinuousClock.now
            _ = try SignedNote.open(cosigned, verifiers: [logKey.verifier])
            for (cosigner, signature) in zip(policy.witnesses, signatures.unverifiedSignatures) {
                _ = cosigner.timestamp(of: signature, on: last)
            }
            floorTimes.append(seconds(since: t) * 1000)
        }
        print(
            "receipt_verify_ms_median=\(fmt(median(receiptTimes), 3)) p99=\(fmt(percentile(receiptTimes, 0.99), 3))   floor: three_signature_checks_ms_median=\(fmt(median(floorTimes), 3))"
        )
    }

    /// Submits `bodies` one after the other; the cosignature lines.
    static func submit(_ bodies: [String], to url: String, session: URLSession) async throws -> [String] {
        var request = URLRequest(url: URL(string: url + "/add-checkpoint")!)
        request.httpMethod = "POST"
        // No `Expect: 100-continue` round trip before each body.
        request.setValue("", forHTTPHeaderField: "Expect")
        var lines: [String] = []
        lines.reserveCapacity(bodies.count)
        for body in bodies {
            request.httpBody = Data(body.utf8)
            let (data, response) = try await session.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                throw ValidationError("the witness refused: \(String(decoding: data, as: UTF8.self))")
            }
            lines.append(String(decoding: data, as: UTF8.self))
        }
        return lines
    }
}
