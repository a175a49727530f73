import ArgumentParser
import Foundation
import Testing

@testable import custodia

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `custodia serve`: its settings, and a run of the built binary over a real store.
@Suite struct CLIServeTests {
    @Test func flagsWinOverTheEnvironmentWhichWinsOverDefaults() throws {
        let serve = try Serve.parse(["--port", "9000", "--log-level", "debug"])
        let c = try serve.serverConfiguration(environment: [
            "CUSTODIA_PORT": "1234", "CUSTODIA_HOST": "0.0.0.0", "CUSTODIA_SECURE_COOKIES": "true",
            "CUSTODIA_SESSION_IDLE_MINUTES": "10", "CUSTODIA_MAX_BATCH_EVENTS": "500",
        ])
        #expect(c.port == 9000)
        #expect(c.host == "0.0.0.0")
        #expect(c.secureCookies)
        #expect(c.sessionIdle == 600)
        #expect(c.maxBatchEvents == 500)
        #expect(c.logLevel == "debug")
        let defaults = try Serve.parse([]).serverConfiguration(environment: [:])
        #expect(defaults.host == "127.0.0.1")
        #expect(defaults.port == 8080)
        #expect(!defaults.secureCookies)
        #expect(defaults.confirmationSecret == nil)
        let secret = try Serve.parse([]).serverConfiguration(environment: [
            "CUSTODIA_CONFIRMATION_SECRET": Data(repeating: 7, count: 32).base64EncodedString()
        ])
        #expect(secret.confirmationSecret == [UInt8](repeating: 7, count: 32))
    }

    @Test(arguments: [
        (["CUSTODIA_PORT": "eighty"], "port"), (["CUSTODIA_PORT": "70000"], "port"),
        (["CUSTODIA_SECURE_COOKIES": "maybe"], "secureCookies"), (["CUSTODIA_LOG_LEVEL": "loud"], "logLevel"),
        (["CUSTODIA_CONFIRMATION_SECRET": "short"], "confirmationSecret"), (["CUSTODIA_READERS": "0"], "readers"),
    ])
    func aBadSettingIsRefusedByName(environment: [String: String], key: String) throws {
        do {
            _ = try Serve.parse([]).serverConfiguration(environment: environment)
            Issue.record("\(environment) was accepted")
        } catch let error as UserError {
            #expect(error.description.contains(key), "\(error)")
        }
    }

    @Test func theServerAnswersRecordsAndStopsCleanlyOnSIGTERM() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.ok(
                "user", "add", "admin", "--role", "admin", "--bcrypt-cost", "4", stdin: Data("a long enough password\n".utf8))
            let created = try cli.ok("token", "create", "admin")
            let token = try #require(
                created.stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix("cust_") })
            let port = Int.random(in: 21000...39000)
            let log = cli.path("serve.log")
            let process = try cli.start(["serve", "--port", "\(port)"], stderr: URL(fileURLWithPath: log))
            defer { if process.isRunning { process.killHard() } }

            func get(_ path: String) async throws -> (Int, Data) {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                let (data, response) = try await URLSession.shared.data(for: request)
                return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
            }
            var up = false
            for _ in 0..<100 where !up {
                up = (try? await get("/healthz"))?.0 == 200
                if !up { try await Task.sleep(for: .milliseconds(100)) }
            }
            try #require(up, "the server did not come up: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            let (status, body) = try await get("/api/v1/items?serial=AK-1")
            #expect(status == 200)
            #expect(String(decoding: body, as: UTF8.self).contains("\"serial\":\"AK-1\""))

            var post = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/events")!)
            post.httpMethod = "POST"
            post.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            post.setValue("application/json", forHTTPHeaderField: "Content-Type")
            post.httpBody = Data(event("issue", ["AK-1"], from: "S1", to: "U1").utf8)
            let (_, response) = try await URLSession.shared.data(for: post)
            #expect((response as? HTTPURLResponse)?.statusCode == 201)

            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let output = try String(contentsOfFile: log, encoding: .utf8)
            #expect(output.contains("stopped; the store is closed"))
            #expect(!output.contains(token), "no secret in the log")
            let verified = try cli.ok("verify")
            #expect(verified.succeeded)
            #expect(try cli.ok("where", "AK-1", "--json").stdout.contains("\"holder\":\"U1\""))
        }
    }

    @Test func servingAStoreThatDoesNotExistSaysToCreateOne() throws {
        try withCLISync { cli in
            let r = try cli.fails("serve", "--db", "nothing.db")
            #expect(r.stderr.contains("custodia init"))
        }
    }
}

func withCLISync<T>(_ body: (CLI) throws -> T) throws -> T {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("custodia-cli-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    return try body(try CLI(root: root))
}
