import CustodiaLedger
import CustodiaStore
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `custodia backup` of a store a live server keeps writing to, and `custodia restore`.
@Suite struct CLIBackupTests {
    @Test func backupsTakenWhileTheServerWritesRestoreAndVerify() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.ok("user", "add", "admin", "--role", "admin", "--bcrypt-cost", "4", stdin: Data("a long enough password\n".utf8))
            let token = try #require(
                try cli.ok("token", "create", "admin").stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix("cust_") })
            let port = Int.random(in: 21000...39000)
            let server = try cli.start(["serve", "--port", "\(port)"], stderr: URL(fileURLWithPath: cli.path("serve.log")))
            defer { if server.isRunning { server.killHard() } }
            var up = false
            for _ in 0..<100 where !up {
                up = (try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!))
                    .map { ($0.1 as? HTTPURLResponse)?.statusCode == 200 } ?? false
                if !up { try await Task.sleep(for: .milliseconds(100)) }
            }
            try #require(up)

            // The server writes, batch after batch, while the backups are taken.
            let writer = Task {
                var written = 0
                for n in 0..<400 where !Task.isCancelled {
                    var post = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/events")!)
                    post.httpMethod = "POST"
                    post.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                    post.setValue("application/json", forHTTPHeaderField: "Content-Type")
                    let (kind, from, to) = n % 2 == 0 ? ("issue", "S1", "U1") : ("return", "U1", "S1")
                    post.httpBody = Data(("[" + event(kind, ["AK-1", "AK-2"], from: from, to: to) + "]").utf8)
                    if let (_, response) = try? await URLSession.shared.data(for: post), (response as? HTTPURLResponse)?.statusCode == 201 {
                        written += 1
                    }
                }
                return written
            }
            var backups: [String] = []
            for n in 0..<3 {
                try await Task.sleep(for: .milliseconds(150))
                let name = "backup-\(n).db"
                let made = try cli.ok("backup", name)
                #expect(made.stdout.contains("signed by test.example/custodia+"))
                #expect(made.stdout.contains("the key file is not in the backup"))
                backups.append(name)
            }
            let written = try await writer.value
            #expect(written > 0)
            try cli.fails("backup", backups[0])

            let key = try String(contentsOfFile: cli.path("custodia.db.key"), encoding: .utf8)
            var sizes: [Int] = []
            for (n, backup) in backups.enumerated() {
                let target = "restored-\(n).db"
                try key.write(toFile: cli.path(target + ".key"), atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: cli.path(target + ".key"))
                let restored = try cli.ok("restore", backup, "--db", target)
                #expect(restored.stdout.contains("verified:"), "\(restored)")
                // Its latest checkpoint is one the live store signed, at the same size.
                let note = try cli.ok("ledger", "checkpoint", "--db", target).stdout
                let size = try #require(Int(note.split(separator: "\n")[1]))
                #expect(try cli.ok("ledger", "checkpoint", "--size", "\(size)").stdout == note)
                sizes.append(size)
            }
            #expect(sizes == sizes.sorted(), "later backups hold more")
            // Refusals: an existing destination, another register's key.
            try cli.fails("restore", backups[0], "--db", "restored-0.db")
            try LogKeyFile.create(try LogKey.generate(name: "test.example/custodia"), at: cli.path("other.key"))
            let wrongKey = try cli.run(["restore", backups[0], "--db", "restored-x.db", "--key", "other.key"])
            #expect(!wrongKey.succeeded)
            #expect(wrongKey.stderr.contains("not by the key file given"))
            #expect(!FileManager.default.fileExists(atPath: cli.path("restored-x.db")))
        }
    }
}
