import CustodiaLedger
import CustodiaQR
import CustodiaServer
import CustodiaStore
import CustodiaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A witness served over a socket, the log server submitting to it, and what readers see.
@Suite struct WitnessServerTests {
    static let witnessKey = try! CosignerKey(name: "witness.inspectorate.example/w1", rawPrivateKey: Array(repeating: 5, count: 32))

    /// A witness (its own temporary state file) that witnesses `server`'s log, live on a
    /// port; `body` gets the port and the state file.
    func withWitness<T: Sendable>(
        of server: TestServer, key: CosignerKey = Self.witnessKey, _ body: @Sendable (Int, String) async throws -> T
    ) async throws -> T {
        let state = server.dir.appendingPathComponent("witness-\(key.keyID.map { String($0) }.joined()).state").path
        let logKey = try NoteVerifier(verifierKey: try await server.store.verifierKey())
        try WitnessState.logLine(origin: "test.example/custodia", verifier: logKey).write(
            toFile: state, atomically: true, encoding: .utf8)
        var logger = Logger(label: "custodia.witness.test")
        logger.logLevel = .warning
        let app = try buildWitnessApplication(key: key, statePath: state, host: "127.0.0.1", port: 0, logger: logger)
        return try await app.test(.live) { client in try await body(try #require(client.port), state) }
    }

    func configured(_ server: TestServer, witnesses: [(Int, CosignerKey)], quorum: Int? = nil) throws -> TestServer {
        var configuration = server.configuration
        configuration.witnesses = try witnesses.map { port, key in
            WitnessEndpoint(url: "http://localhost:\(port)", verifier: try CosignatureVerifier(verifierKey: key.verifierKey))
        }
        configuration.witnessQuorum = quorum
        return TestServer(
            dir: server.dir, store: server.store, users: server.users, clock: server.clock, configuration: configuration,
            tokens: server.tokens)
    }

    /// Polls `/tlog/checkpoint` until it is of `size` with `count` cosignatures.
    func cosignedCheckpoint(_ client: TestServer.Client, size: Int64, count: Int) async throws -> String {
        var last = ""
        for _ in 0..<200 {
            last = try await client.get("/tlog/checkpoint").text
            let lines = last.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.count > 1, lines[1] == "\(size)", last.components(separatedBy: "\u{2014} ").count - 2 >= count { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no checkpoint of size \(size) with \(count) cosignatures; last: \(last)")
        return last
    }

    @Test func theServerGetsEachNewCheckpointCosignedAndServesIt() async throws {
        let base = try await TestServer.make()
        try await withWitness(of: base) { port, _ in
            let server = try configured(base, witnesses: [(port, Self.witnessKey)])
            try await server.run { client in
                let before = try await server.store.ledgerSize()
                let first = try await cosignedCheckpoint(client, size: before, count: 1)
                let verifier = try CosignatureVerifier(verifierKey: Self.witnessKey.verifierKey)
                let policy = try WitnessPolicy(witnesses: [verifier])
                let log = try NoteVerifier(verifierKey: try await server.store.verifierKey())
                #expect(try CosignedCheckpoint.verify(first, log: log, policy: policy).checkpoint.size == before)

                let written = try await client.post(
                    "/api/v1/events", as: "root", json: J.move("issue", ["AK-1"], from: "S1", to: "U1"))
                #expect(written.status == 201)
                let second = try await cosignedCheckpoint(client, size: before + 1, count: 1)
                let verified = try CosignedCheckpoint.verify(second, log: log, policy: policy)
                #expect(verified.checkpoint.size == before + 1)
                // Anyone outside checks the cosignature with their own code (Python's
                // `cryptography`, over the layout of C2SP tlog-cosignature).
                try checkWithPython(note: second, witnessKey: Self.witnessKey.verifierKey)

                let health = try await client.get("/healthz?detail=true", as: "root")
                #expect(health.text.contains("\"witnessQuorum\":1"))
                #expect(health.text.contains("\"name\":\"witness.inspectorate.example/w1\""))
                #expect(health.text.contains("\"up\":true"))
                #expect(health.text.contains("\"cosignedSize\":\(before + 1)"))
                let metrics = try await client.get("/metrics", as: "root").text
                #expect(metrics.contains("custodia_witness_up{witness=\"witness.inspectorate.example/w1\"} 1"))
                #expect(metrics.contains("custodia_witness_cosigned_size{witness=\"witness.inspectorate.example/w1\"} \(before + 1)"))
                // The cosignatures are kept: a receipt carries them.
                let receipt = try #require(
                    try await server.store.receipt(seq: before, witnesses: [verifier.verifierKey], quorum: 1))
                _ = try receipt.verify(log: log, policy: policy)
            }
        }
    }

    @Test func aWitnessThatIsDownStopsNoWriteAndShowsInHealthAndMetrics() async throws {
        let base = try await TestServer.make()
        // Nothing listens on this port.
        let server = try configured(base, witnesses: [(1, Self.witnessKey)])
        try await server.run { client in
            let before = try await server.store.ledgerSize()
            let written = try await client.post(
                "/api/v1/events", as: "root", json: J.move("issue", ["AK-1"], from: "S1", to: "U1"))
            #expect(written.status == 201)
            #expect(try await server.store.ledgerSize() == before + 1)
            var health = ""
            for _ in 0..<100 {
                health = try await client.get("/healthz?detail=true", as: "root").text
                if health.contains("\"up\":false") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(health.contains("\"up\":false"), "\(health)")
            #expect(health.contains("no answer"))
            #expect(try await client.get("/metrics", as: "root").text.contains(
                "custodia_witness_up{witness=\"witness.inspectorate.example/w1\"} 0"))
            // Nothing reached the quorum: the latest checkpoint is served, uncosigned (once the
            // witness round for it has ended: publication follows the round, not the write).
            var note = ""
            for _ in 0..<100 {
                note = try await client.get("/tlog/checkpoint").text
                if note.split(separator: "\n")[1] == "\(before + 1)" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(note.split(separator: "\n")[1] == "\(before + 1)")
            #expect(note.components(separatedBy: "\u{2014} ").count == 2)
        }
    }

    @Test func withAQuorumOfTwoTheLatestCheckpointBothCosignedIsServed() async throws {
        let base = try await TestServer.make()
        let second = try CosignerKey(name: "witness.parliament.example/w2", rawPrivateKey: Array(repeating: 6, count: 32))
        try await withWitness(of: base) { port1, _ in
            try await withWitness(of: base, key: second) { port2, _ in
                let server = try configured(base, witnesses: [(port1, Self.witnessKey), (port2, second)], quorum: 2)
                try await server.run { client in
                    let size = try await server.store.ledgerSize()
                    let note = try await cosignedCheckpoint(client, size: size, count: 2)
                    let policy = try WitnessPolicy(witnesses: [
                        try CosignatureVerifier(verifierKey: Self.witnessKey.verifierKey),
                        try CosignatureVerifier(verifierKey: second.verifierKey),
                    ])
                    let log = try NoteVerifier(verifierKey: try await server.store.verifierKey())
                    #expect(try CosignedCheckpoint.verify(note, log: log, policy: policy).cosigners.count == 2)
                    try checkWithPython(note: note, witnessKey: second.verifierKey)
                }
            }
        }
    }

    @Test func theWebReceiptCarriesAReceiptAnyoneChecksAndTheLedgerPageShowsTheWitnesses() async throws {
        let base = try await TestServer.make()
        try await base.record([W.move(.issue, ["AK-1", "AK-2"], from: "S1", to: "U1", document: "VO-12")])
        let seq = try await base.store.ledgerSize() - 1
        try await withWitness(of: base) { port, _ in
            let server = try configured(base, witnesses: [(port, Self.witnessKey)])
            try await server.runWeb { web in
                let size = try await server.store.ledgerSize()
                var cosigned = false
                for _ in 0..<200 where !cosigned {
                    cosigned = try await server.store.latestCosigned(by: [Self.witnessKey.verifierKey])[Self.witnessKey.verifierKey] == size
                    if !cosigned { try await Task.sleep(for: .milliseconds(50)) }
                }
                try #require(cosigned)
                let browser = try await web.signedIn("clerk-n", language: "en")
                let page = try await browser.get("/receipts/\(seq)")
                #expect(page.status == 200)
                #expect(page.body.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
                let pre = try #require(page.body.firstMatch(of: /<pre class="note receipt-text">([^<]*)<\/pre>/)).1
                let receipt = try Receipt(text: WebPage.decode(String(pre)))
                #expect(receipt.index == seq)
                #expect(receipt.entry == nil, "the page and its QR code carry no entry")
                let policy = try WitnessPolicy(witnesses: [try CosignatureVerifier(verifierKey: Self.witnessKey.verifierKey)])
                let log = try NoteVerifier(verifierKey: try await server.store.verifierKey())
                #expect(try receipt.verify(log: log, policy: policy).checkpoint.checkpoint.size == size)
                #expect(page.text.contains("custodia ledger check-receipt receipt-\(seq).txt --url"))
                // The QR code is the same receipt.
                let code = try QRCode(receipt.text)
                #expect(page.body.contains(code.svg(scale: 3, title: "custodia-receipt/v1 \(seq)")), "the page draws the code's modules")

                let ledger = try await browser.get("/ledger")
                #expect(ledger.text.contains("witness.inspectorate.example/w1"))
                #expect(ledger.text.contains("cosigning"))
                #expect(ledger.text.contains("at least 1 of these 1 witnesses"))
                #expect(WebPage.decode(ledger.body).contains("--witness '\(Self.witnessKey.verifierKey)'"))
            }
        }
    }

    /// The witness's own refusals over HTTP, and submissions racing each other.
    @Test func theWitnessRefusesOverHTTPAndConcurrentSubmissionsNeverRollItBack() async throws {
        let base = try await TestServer.make()
        defer { base.discard() }
        let key = try LogKey.generate(name: "test.example/custodia")
        // The witness here knows `key` for the test log (not the store's): checkpoints are
        // made and signed in the test.
        let state = base.dir.appendingPathComponent("w.state").path
        try WitnessState.logLine(origin: key.name, verifier: key.verifier).write(toFile: state, atomically: true, encoding: .utf8)
        var logger = Logger(label: "w")
        logger.logLevel = .critical
        let app = try buildWitnessApplication(key: Self.witnessKey, statePath: state, host: "127.0.0.1", port: 0, logger: logger)
        var growing = TreeAppender()
        var grownTiles = MemoryTileStore()
        var signed: [Int64: String] = [:]
        for n in 0..<2000 {
            growing.append(leafHash: Merkle.leafHash(Array("leaf \(n)".utf8)))
            if (n + 1) % 100 == 0 {
                grownTiles.store(growing.takeDirtyTiles())
                signed[growing.size] = try SignedNote.sign(
                    text: try Checkpoint(origin: key.name, size: growing.size, root: growing.root()).text, key: key)
            }
        }
        let tree = growing
        let tiles = grownTiles
        let notes = signed
        @Sendable func body(old: Int64, new: Int64) throws -> String {
            AddCheckpoint(oldSize: old, proof: try TileHashReader(tiles).consistencyProof(old: old, new: new), note: notes[new]!).body
        }
        try await app.test(.live) { client in
            func post(_ body: String) async throws -> (Int, String, String) {
                let r = try await client.executeRequest(
                    uri: "/add-checkpoint", method: .post, headers: [:], body: ByteBuffer(string: body))
                return (Int(r.status.code), r.headers[.contentType] ?? "", String(buffer: r.body))
            }
            #expect(try await post(body(old: 0, new: 100)).0 == 200)
            // Twenty submissions at once, each from 100 to a different size: one wins, the
            // others are told the witness's new size.
            let outcomes = try await withThrowingTaskGroup(of: (Int64, Int, String).self) { group in
                for new in stride(from: Int64(200), through: 2000, by: 100) {
                    let text = try body(old: 100, new: new)
                    group.addTask {
                        let r = try await post(text)
                        return (new, r.0, r.2)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let accepted = outcomes.filter { $0.1 == 200 }
            #expect(accepted.count == 1)
            let winner = try #require(accepted.first).0
            #expect(outcomes.filter { $0.1 == 409 }.allSatisfy { $0.2 == "\(winner)\n" })
            // Its state moved only forward: continuing from the winner works, from 100 does not.
            #expect(try await post(body(old: 100, new: 2000)).0 == 409)
            if winner < 2000 { #expect(try await post(body(old: winner, new: 2000)).0 == 200) }
            // Refusals: unknown origin 404, unknown key 403, malformed 400, bad proof 422,
            // fork 409 (same size, another root, signed by the log's own key).
            let stranger = try LogKey.generate(name: "other.example/log")
            let strangerNote = try SignedNote.sign(
                text: try Checkpoint(origin: stranger.name, size: 1, root: Merkle.emptyRoot).text, key: stranger)
            #expect(try await post(AddCheckpoint(oldSize: 0, proof: [], note: strangerNote).body).0 == 404)
            let impostor = try LogKey(name: key.name, rawPrivateKey: Array(repeating: 1, count: 32))
            let forged = try SignedNote.sign(text: try Checkpoint(origin: key.name, size: 2000, root: tree.root()).text, key: impostor)
            #expect(try await post(AddCheckpoint(oldSize: 2000, proof: [], note: forged).body).0 == 403)
            #expect(try await post("old x\n\n" + notes[2000]!).0 == 400)
            let forkedNote = try SignedNote.sign(
                text: try Checkpoint(origin: key.name, size: 2000, root: Merkle.emptyRoot).text, key: key)
            let fork = try await post(AddCheckpoint(oldSize: 2000, proof: [], note: forkedNote).body)
            #expect(fork.0 == 409)
            #expect(fork.2.contains("forked"))
            // A larger tree with a proof that does not hold: 422.
            var more = tree
            more.append(leafHash: Merkle.leafHash(Array("extra".utf8)))
            let larger = try SignedNote.sign(text: try Checkpoint(origin: key.name, size: 2001, root: more.root()).text, key: key)
            let proof = try TileHashReader(tiles).consistencyProof(old: 1900, new: 2000)
            #expect(try await post(AddCheckpoint(oldSize: 2000, proof: proof, note: larger).body).0 == 422)
            // A rollback to an older checkpoint: 409 (stale old) or 400 (old above size).
            #expect(try await post(AddCheckpoint(oldSize: 100, proof: [], note: notes[100]!).body).0 == 409)
            #expect(try await post(AddCheckpoint(oldSize: 2000, proof: [], note: notes[100]!).body).0 == 400)
        }
        // Read back from the disk: the state is the last one cosigned.
        let reread = try WitnessState(journal: try String(contentsOfFile: state, encoding: .utf8))
        #expect(reread.logs[key.name]?.size == 2000)
        #expect(reread.logs[key.name]?.root == tree.root())
    }

    /// Checks every cosignature line of `note` by `witnessKey` with Python's `cryptography`.
    func checkWithPython(note: String, witnessKey: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("custodia-py-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try note.write(to: dir.appendingPathComponent("note"), atomically: true, encoding: .utf8)
        try Self.verifier.write(to: dir.appendingPathComponent("verify.py"), atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out").path
        let process = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["python3", "verify.py", witnessKey, "note"],
            environment: ProcessInfo.processInfo.environment, directory: dir.path, output: out, error: out)
        let status = process.terminationStatus
        let output = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(status == 0, "python: \(output)")
        #expect(output.contains("cosignature OK"), "python: \(output)")
    }

    /// An outside verifier of C2SP tlog-cosignature/v1, written from the specification.
    static let verifier = #"""
        import base64, hashlib, struct, sys
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        name, key_id_hex, key_b64 = sys.argv[1].split("+", 2)
        raw = base64.b64decode(key_b64)
        assert raw[0] == 0x04, "not a cosignature/v1 key"
        public = raw[1:]
        key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + public).digest()[:4]
        assert key_id.hex() == key_id_hex, "key id mismatch"
        note = open(sys.argv[2], "rb").read().decode()
        text, _, signatures = note.rpartition("\n\n")
        text += "\n"
        found = 0
        for line in signatures.splitlines():
            dash, signer, blob = line.split(" ")
            assert dash == "\u2014"
            if signer != name:
                continue
            data = base64.b64decode(blob)
            assert data[:4] == key_id
            (timestamp,) = struct.unpack(">Q", data[4:12])
            message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + text.encode()
            Ed25519PublicKey.from_public_bytes(public).verify(data[12:], message)
            found += 1
        assert found == 1, "no cosignature by " + name
        print("cosignature OK", name)
        """#
}
