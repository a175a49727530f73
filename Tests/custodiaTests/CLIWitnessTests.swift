import CustodiaLedger
import CustodiaStore
import CustodiaTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What an inspector runs: a witness, a monitor and receipt checks, against a live server
/// started by the built binary.
@Suite(.serialized) struct CLIWitnessTests {
    static let origin = "test.example/custodia"

    /// Waits until `url` answers 200, or fails naming the log.
    func waitFor(_ url: String, log: String) async throws {
        for _ in 0..<150 {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: url)!),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(url) did not come up: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        throw CancellationError()
    }

    func checkpoint(_ port: Int) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/tlog/checkpoint")!)
        return String(decoding: data, as: UTF8.self)
    }

    /// A checkpoint of this log, signed with its own key (what a misbehaving operator could
    /// produce).
    func forged(_ cli: CLI, size: Int64, root: TreeHash) throws -> String {
        let key = try LogKeyFile.load(from: cli.path("custodia.db.key"))
        return try SignedNote.sign(text: try Checkpoint(origin: Self.origin, size: size, root: root).text, key: key)
    }

    @Test func aWitnessAMonitorAndReceiptsAgainstALiveServer() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            // The witness's key: created once, mode 0600, printed in the verifier key format.
            let made = try cli.ok("witness", "key", "--key", "w.key", "--name", "witness.inspectorate.example/w1")
            let witnessKey = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(witnessKey.hasPrefix("witness.inspectorate.example/w1+"))
            #expect(try FileManager.default.attributesOfItem(atPath: cli.path("w.key"))[.posixPermissions] as? Int == 0o600)
            #expect(try cli.ok("witness", "key", "--key", "w.key").stdout == made.stdout)
            let logKey = try cli.ok("ledger", "key").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            try cli.fails("witness", "add-log", "another.example/log", logKey, "--state", "w.state")
            try cli.ok("witness", "add-log", Self.origin, logKey, "--state", "w.state")

            let witnessPort = Int.random(in: 21000...29000)
            let serverPort = Int.random(in: 30000...39000)
            let witness = try cli.start(
                ["witness", "serve", "--state", "w.state", "--key", "w.key", "--port", "\(witnessPort)"],
                stderr: URL(fileURLWithPath: cli.path("witness.log")))
            defer { if witness.isRunning { witness.killHard() } }
            try await waitFor("http://127.0.0.1:\(witnessPort)/", log: cli.path("witness.log"))
            let server = try cli.start(
                ["serve", "--port", "\(serverPort)", "--witness", "http://127.0.0.1:\(witnessPort)=\(witnessKey)"],
                stderr: URL(fileURLWithPath: cli.path("serve.log")))
            defer { if server.isRunning { server.killHard() } }
            try await waitFor("http://127.0.0.1:\(serverPort)/healthz", log: cli.path("serve.log"))
            let url = "http://127.0.0.1:\(serverPort)"

            func cosigned(size: Int) async throws {
                for _ in 0..<100 {
                    let note = try await checkpoint(serverPort)
                    if note.split(separator: "\n")[1] == "\(size)", note.contains("\u{2014} witness.inspectorate.example/w1 ") {
                        return
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                Issue.record("size \(size) was not cosigned: \(try await checkpoint(serverPort))")
            }
            let size = try cli.state().size
            try await cosigned(size: size)

            // The monitor: the first run keeps the checkpoint; the next sees growth (a write by
            // another process, which the server's witness round picks up).
            let first = try cli.ok("ledger", "monitor", url, "--key", logKey, "--state", "m.state", "--witness", witnessKey)
            #expect(first.stdout.contains("size \(size): first checkpoint kept; cosigned by witness.inspectorate.example/w1"))
            try cli.record([event("issue", ["AK-1"], from: "S1", to: "U1"), event("issue", ["AK-2"], from: "S1", to: "U1")])
            try await cosigned(size: size + 2)
            let grown = try cli.ok("ledger", "monitor", url, "--key", logKey, "--state", "m.state", "--witness", witnessKey)
            #expect(grown.stdout.contains("size \(size + 2): grew from \(size), consistent"))
            #expect(try cli.ok("ledger", "monitor", url, "--key", logKey, "--state", "m.state").stdout.contains("unchanged"))

            // A quorum the checkpoint does not meet: a second witness never asked.
            let other = try cli.ok("witness", "key", "--key", "w2.key", "--name", "witness.other.example/w2").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let quorum = try cli.run([
                "ledger", "monitor", url, "--key", logKey, "--state", "m.state", "--witness", witnessKey, "--witness", other,
            ])
            #expect(quorum.status == 11, "\(quorum)")
            #expect(quorum.stderr.contains("missing: witness.other.example/w2"))
            // A key that is not a log key: 64; another log's key: 10.
            #expect(try cli.run(["ledger", "monitor", url, "--key", witnessKey, "--state", "x"]).status == 64)
            let impostor = try LogKey(name: Self.origin, rawPrivateKey: Array(repeating: 4, count: 32))
            #expect(try cli.run(["ledger", "monitor", url, "--key", impostor.verifierKey, "--state", "x"]).status == 10)
            // A rollback: the state holds a larger checkpoint the log once signed.
            let current = try Checkpoint(text: try SignedNote.open(try await checkpoint(serverPort), verifiers: [NoteVerifier(verifierKey: logKey)]).text)
            try cli.write("future.state", try forged(cli, size: current.size + 5, root: current.root))
            let rollback = try cli.run(["ledger", "monitor", url, "--key", logKey, "--state", "future.state"])
            #expect(rollback.status == 12, "\(rollback)")
            #expect(rollback.stderr.contains("ROLLBACK"))
            // A fork: the same size with another root, then a smaller tree the log does not extend.
            let otherRoot = TreeHash(bytes: Array(repeating: 9, count: 32))!
            try cli.write("fork.state", try forged(cli, size: current.size, root: otherRoot))
            let fork = try cli.run(["ledger", "monitor", url, "--key", logKey, "--state", "fork.state"])
            #expect(fork.status == 13, "\(fork)")
            #expect(fork.stderr.contains("FORK"))
            try cli.write("old.state", try forged(cli, size: current.size - 1, root: otherRoot))
            let diverged = try cli.run(["ledger", "monitor", url, "--key", logKey, "--state", "old.state"])
            #expect(diverged.status == 13, "\(diverged)")
            // The failing runs kept their state files as they were.
            #expect(try String(contentsOfFile: cli.path("fork.state"), encoding: .utf8).contains(otherRoot.base64))
            // A server that does not answer: 69.
            #expect(try cli.run(["ledger", "monitor", "http://127.0.0.1:1", "--key", logKey, "--state", "m.state"]).status == 69)

            // A receipt: text, QR code, checks offline and against the live log.
            let receipt = try cli.ok("receipt", "\(size)", "--witness", witnessKey, "--qr", "r.pbm")
            try cli.write("r.txt", receipt.stdout)
            #expect(receipt.stdout.hasPrefix("custodia-receipt/v1\nkey \(logKey)\nindex \(size)\n"))
            let checked = try cli.ok("ledger", "check-receipt", "r.txt", "--url", url, "--witness", witnessKey, "--key", logKey)
            #expect(checked.stdout.contains("OK entry \(size) is in \(Self.origin)"))
            #expect(checked.stdout.contains("cosigned by witness.inspectorate.example/w1"))
            #expect(checked.stdout.contains("\"to\":\"U1\""))
            // The QR code, read back by another program (zbarimg), is the receipt without the entry.
            let scanned = try zbarimg(cli.path("r.pbm"))
            #expect(scanned == receipt.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("entry ") }.joined(separator: "\n"))
            try cli.write("scanned.txt", scanned)
            #expect(try cli.ok("ledger", "check-receipt", "scanned.txt", "--url", url).stdout.contains("is at the receipt's checkpoint"))
            // Altered: another entry under the same hash, or another index.
            try cli.write("bad.txt", receipt.stdout.replacingOccurrences(of: "index \(size)\n", with: "index \(size + 1)\n"))
            #expect(try cli.run(["ledger", "check-receipt", "bad.txt"]).status == 14)
            let entryLine = try #require(receipt.stdout.split(separator: "\n").first { $0.hasPrefix("entry ") })
            let otherEntry = "entry " + Data(#"{"kind":"issue"}"#.utf8).base64EncodedString()
            try cli.write("bad2.txt", receipt.stdout.replacingOccurrences(of: String(entryLine), with: otherEntry))
            #expect(try cli.run(["ledger", "check-receipt", "bad2.txt"]).status == 14)
            #expect(try cli.run(["ledger", "check-receipt", "r.txt", "--witness", other]).status == 11)

            // Later the log grows; the receipt still checks against it.
            try cli.record([event("return", ["AK-1"], from: "U1", to: "S1")])
            try await cosigned(size: size + 3)
            #expect(try cli.ok("ledger", "check-receipt", "r.txt", "--url", url).stdout.contains("has grown to \(size + 3) and still contains it"))
            #expect(try cli.ok("ledger", "check-receipt", "scanned.txt", "--url", url).stdout.contains("still contains it"))
            // The witness state on its disk is the last checkpoint cosigned.
            let state = try WitnessState(journal: try String(contentsOfFile: cli.path("w.state"), encoding: .utf8))
            #expect(state.logs[Self.origin]?.size == Int64(size + 3))
        }
    }

    /// A witness killed with SIGKILL at any moment forgets no checkpoint it cosigned: every
    /// cosignature it answered is on its disk when it starts again.
    @Test func killingTheWitnessLosesNoCosignedState() async throws {
        try await withCLI { cli in
            let key = try LogKey.generate(name: "kill.example/log")
            let witnessKey = try cli.ok("witness", "key", "--key", "w.key", "--name", "witness.example/k").stdout
            try cli.ok("witness", "add-log", key.name, key.verifier.verifierKey, "--state", "w.state")
            _ = witnessKey
            var tree = TreeAppender()
            var tiles = MemoryTileStore()
            var notes: [Int64: String] = [:]
            for n in 0..<3000 {
                tree.append(leafHash: Merkle.leafHash(Array("leaf \(n)".utf8)))
                tiles.store(tree.takeDirtyTiles())
                notes[tree.size] = try SignedNote.sign(
                    text: try Checkpoint(origin: key.name, size: tree.size, root: tree.root()).text, key: key)
            }
            let reader = TileHashReader(tiles)
            var acknowledged: Int64 = 0
            var next: Int64 = 1
            for round in 0..<4 {
                let port = Int.random(in: 21000...39000)
                let log = cli.path("witness-\(round).log")
                let witness = try cli.start(
                    ["witness", "serve", "--state", "w.state", "--key", "w.key", "--port", "\(port)"],
                    stderr: URL(fileURLWithPath: log))
                defer { if witness.isRunning { witness.killHard() } }
                try await waitFor("http://127.0.0.1:\(port)/", log: log)
                // On start it remembers at least everything acknowledged before.
                let state = try WitnessState(journal: try String(contentsOfFile: cli.path("w.state"), encoding: .utf8))
                let remembered = try #require(state.logs[key.name]).size
                #expect(remembered >= acknowledged, "round \(round): the witness forgot \(acknowledged) (has \(remembered))")
                acknowledged = remembered
                next = remembered + 1
                // Submit one checkpoint after another, and kill it in the middle of one.
                let killAfter = Int.random(in: 5...40)
                for n in 0..<60 where next <= 3000 {
                    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/add-checkpoint")!)
                    request.httpMethod = "POST"
                    request.httpBody = Data(
                        AddCheckpoint(
                            oldSize: acknowledged, proof: try reader.consistencyProof(old: acknowledged, new: next),
                            note: notes[next]!
                        ).body.utf8)
                    if n == killAfter {
                        // Kill while this request is on its way.
                        async let answer = try? URLSession.shared.data(for: request)
                        try await Task.sleep(for: .microseconds(Int.random(in: 0...3000)))
                        witness.killHard()
                        _ = await answer
                        break
                    }
                    let (data, response) = try await URLSession.shared.data(for: request)
                    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                    #expect(status == 200, "\(String(decoding: data, as: UTF8.self))")
                    if status == 200 { acknowledged = next }
                    next += Int64.random(in: 1...7)
                }
                if witness.isRunning { witness.killHard() }
            }
            #expect(acknowledged > 0)
        }
    }

    func zbarimg(_ path: String) throws -> String {
        let out = path + ".scan"
        let process = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["zbarimg", "--quiet", "--raw", path], environment: ProcessInfo.processInfo.environment,
            output: out, error: "/dev/null")
        #expect(process.terminationStatus == 0, "zbarimg (Debian's zbar-tools) reads the QR code")
        var text = try String(contentsOfFile: out, encoding: .utf8)
        // zbarimg ends its output with a newline of its own.
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
