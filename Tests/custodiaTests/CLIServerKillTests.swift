import CustodiaTestSupport
import Foundation
import Testing

@testable import CustodiaPostgres

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A server killed with SIGKILL at a random moment while several clients write (single
/// events and batches, some of them refused) has, after a restart, every event it answered
/// 201 for, none of a batch it refused, no half batch, and a ledger that verifies. On the
/// SQLite store, and on PostgreSQL when a server is available.
@Suite(.serialized) struct CLIServerKillTests {
    /// What a client sent and what it was answered.
    struct Sent: Sendable {
        enum Outcome: Sendable { case acknowledged, refused, unknown }
        let serials: [String]
        let outcome: Outcome
    }

    static func register(_ serial: String) -> String {
        #"{"kind":"register","to":"S1","occurredAt":"2026-03-01T07:00:00Z","items":[{"category":"rifle-carbine","manufacturer":"FN","country":"BE","model":"FAL","calibre":"7.62x51","serial":"\#(serial)"}]}"#
    }

    /// One client: requests until the server stops answering.
    static func client(port: Int, token: String, round: Int, client: Int) async -> [Sent] {
        var sent: [Sent] = []
        var n = 0
        while n < 10_000 {
            n += 1
            let size = n % 3 == 0 ? 5 : 1
            let serials = (0..<size).map { "KX-\(round)-\(client)-\(n)-\($0)" }
            var lines = serials.map(register)
            // Every fourth batch ends with an event the rules refuse: the whole batch is refused.
            let refused = n % 4 == 0
            if refused {
                lines.append(#"{"kind":"issue","from":"S1","to":"U1","occurredAt":"2026-03-01T08:00:00Z","items":[{"serial":"NOPE-\#(n)","manufacturer":"FN"}]}"#)
            }
            var post = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/events")!)
            post.httpMethod = "POST"
            post.timeoutInterval = 20
            post.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            post.setValue("application/json", forHTTPHeaderField: "Content-Type")
            post.httpBody = Data(("[" + lines.joined(separator: ",") + "]").utf8)
            do {
                let (_, response) = try await URLSession.shared.data(for: post)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                sent.append(Sent(serials: serials, outcome: status == 201 ? .acknowledged : (400..<500).contains(status) ? .refused : .unknown))
                if status >= 500 { break }
            } catch {
                sent.append(Sent(serials: serials, outcome: .unknown))
                break
            }
        }
        return sent
    }

    /// Starts `custodia serve` on a free port and waits until it serves; a server that ends
    /// before serving (another test took the port first) is started again on another port,
    /// and after three tries the failure shows its log.
    static func serve(_ cli: CLI, log name: String) async throws -> (port: Int, process: ChildProcess) {
        var last = ""
        for attempt in 0..<3 {
            let port = Int.random(in: 21000...39000)
            let log = cli.path("\(name)-\(attempt).log")
            let server = try cli.start(["serve", "--port", "\(port)"], stderr: URL(fileURLWithPath: log))
            for _ in 0..<300 {
                guard server.isRunning else { break }
                let up = (try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!))
                    .map { ($0.1 as? HTTPURLResponse)?.statusCode == 200 } ?? false
                if up { return (port, server) }
                try await Task.sleep(for: .milliseconds(100))
            }
            if server.isRunning { server.killHard() }
            last = String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self)
        }
        Issue.record("the server never served /healthz; its log: \(last.suffix(2000))")
        throw CancellationError()
    }

    /// Rounds of: start the server, four clients writing, SIGKILL at a random moment, then
    /// check every batch against the store (read by the command-line tool, not the server).
    func killRounds(_ cli: CLI, rounds: Int) async throws {
        try cli.seededStore()
        try cli.ok("user", "add", "admin", "--role", "admin", "--bcrypt-cost", "4", stdin: Data("a long enough password\n".utf8))
        let token = try #require(
            try cli.ok("token", "create", "admin").stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix("cust_") })
        var all: [Sent] = []
        for round in 0..<rounds {
            let (port, server) = try await Self.serve(cli, log: "serve-\(round)")
            let clients = (0..<4).map { c in Task { await Self.client(port: port, token: token, round: round, client: c) } }
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500)))
            server.killHard()
            #expect(server.terminationStatus == SIGKILL)
            for c in clients { all += await c.value }
        }
        let acknowledged = all.filter { $0.outcome == .acknowledged }
        let refused = all.filter { $0.outcome == .refused }
        #expect(acknowledged.count > rounds, "the clients wrote before each kill (\(acknowledged.count) batches acknowledged)")
        #expect(refused.count > 0)
        print("kill rounds: \(acknowledged.count) batches acknowledged, \(refused.count) refused, \(all.count - acknowledged.count - refused.count) unanswered")

        let entries = try cli.ok("ledger", "entries").stdout
        var present = Set<String>()
        for line in entries.split(separator: "\n") where line.contains("\"KX-") {
            var rest = line[...]
            while let r = rest.range(of: "\"serial\":\"KX-") {
                let tail = rest[r.upperBound...]
                let end = tail.firstIndex(of: "\"") ?? tail.endIndex
                present.insert("KX-" + tail[..<end])
                rest = tail[end...]
            }
        }
        for batch in all {
            let found = batch.serials.filter(present.contains)
            switch batch.outcome {
            case .acknowledged: #expect(found.count == batch.serials.count, "acknowledged but lost: \(batch.serials)")
            case .refused: #expect(found.isEmpty, "refused but written: \(batch.serials)")
            case .unknown: #expect(found.isEmpty || found.count == batch.serials.count, "half a batch: \(found)")
            }
        }
        let verify = try cli.run(["verify"])
        #expect(verify.succeeded, "\(verify)")
        // The server starts again on the store and serves what was acknowledged.
        let (port, server) = try await Self.serve(cli, log: "serve-last")
        defer { if server.isRunning { server.killHard() } }
        if let last = acknowledged.last?.serials.first {
            var get = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/items?serial=\(last)")!)
            get.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            let (body, _) = try await URLSession.shared.data(for: get)
            #expect(String(decoding: body, as: UTF8.self).contains(last))
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func aServerKilledWhileWritingOnSQLiteLosesNothingAcknowledged() async throws {
        try await withCLI { cli in try await killRounds(cli, rounds: 5) }
    }

    @Test(
        .timeLimit(.minutes(5)),
        .enabled(
            if: ProcessInfo.processInfo.environment["CUSTODIA_TEST_POSTGRES_URL"] != nil,
            "PostgreSQL tests need a server: run `eval \"$(scripts/pg-cluster.sh start)\"` to set CUSTODIA_TEST_POSTGRES_URL"))
    func aServerKilledWhileWritingOnPostgreSQLLosesNothingAcknowledged() async throws {
        try await withPostgresCLI { cli in try await killRounds(cli, rounds: 5) }
    }
}

/// Two servers on one PostgreSQL database, written to at once through both: one tree order,
/// every acknowledged event kept, each server's answers counting the other's writes, and a
/// ledger that verifies.
@Suite(
    .serialized,
    .enabled(
        if: ProcessInfo.processInfo.environment["CUSTODIA_TEST_POSTGRES_URL"] != nil,
        "PostgreSQL tests need a server: run `eval \"$(scripts/pg-cluster.sh start)\"` to set CUSTODIA_TEST_POSTGRES_URL"))
struct CLITwoServersTests {
    @Test(.timeLimit(.minutes(5)))
    func twoServersOnOneDatabaseTakeConcurrentWrites() async throws {
        try await withPostgresCLI { cli in
            try cli.seededStore()
            try cli.ok(
                "user", "add", "admin", "--role", "admin", "--bcrypt-cost", "4", stdin: Data("a long enough password\n".utf8))
            let token = try #require(
                try cli.ok("token", "create", "admin").stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix("cust_") })
            var opened: [Int] = [], servers: [ChildProcess] = []
            defer { for s in servers where s.isRunning { s.killHard() } }
            for n in 0..<2 {
                let (port, server) = try await CLIServerKillTests.serve(cli, log: "serve-\(n)")
                opened.append(port)
                servers.append(server)
            }
            let ports = opened

            // Four clients, two on each server, each sending 25 batches (some refused).
            let clients = (0..<4).map { c in
                Task { () -> [CLIServerKillTests.Sent] in
                    var sent: [CLIServerKillTests.Sent] = []
                    for n in 1...25 {
                        let serials = (0..<(n % 3 == 0 ? 4 : 1)).map { "TS-\(c)-\(n)-\($0)" }
                        var lines = serials.map(CLIServerKillTests.register)
                        if n % 5 == 0 {
                            lines.append(#"{"kind":"issue","from":"S1","to":"U1","occurredAt":"2026-03-01T08:00:00Z","items":[{"serial":"NOPE","manufacturer":"FN"}]}"#)
                        }
                        var post = URLRequest(url: URL(string: "http://127.0.0.1:\(ports[c % 2])/api/v1/events")!)
                        post.httpMethod = "POST"
                        post.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                        post.setValue("application/json", forHTTPHeaderField: "Content-Type")
                        post.httpBody = Data(("[" + lines.joined(separator: ",") + "]").utf8)
                        let status = ((try? await URLSession.shared.data(for: post))?.1 as? HTTPURLResponse)?.statusCode ?? 0
                        sent.append(.init(serials: serials, outcome: status == 201 ? .acknowledged : status == 409 ? .refused : .unknown))
                    }
                    return sent
                }
            }
            var all: [CLIServerKillTests.Sent] = []
            for c in clients { all += await c.value }
            let acknowledged = all.filter { $0.outcome == .acknowledged }
            #expect(all.allSatisfy { $0.outcome != .unknown }, "every request was answered")
            #expect(acknowledged.count == 80 && all.count - acknowledged.count == 20)
            let registered = acknowledged.reduce(0) { $0 + $1.serials.count }

            // Each server counts every item, whichever server recorded it (the other's writes
            // show as a longer ledger, and the counts are read again).
            for port in ports {
                var counted = 0
                for _ in 0..<50 {
                    var get = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/summary")!)
                    get.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                    let (body, _) = try await URLSession.shared.data(for: get)
                    let object = try JSONSerialization.jsonObject(with: body) as? [String: Any]
                    counted = (object?["items"] as? Int) ?? -1
                    if counted == 3 + registered { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(counted == 3 + registered, "the server on port \(port) counts \(counted) items")
            }
            // Each server's web dashboard counts them too: its counts are kept in memory, kept
            // current from its own commits, and read again once the other's commits show as
            // a longer ledger.
            for port in ports {
                let web = try await WebSession(port: port, user: "admin", password: "a long enough password")
                var shown = -1
                for _ in 0..<150 {
                    shown = try await web.dashboardItems() ?? -1
                    if shown == 3 + registered { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(shown == 3 + registered, "the dashboard on port \(port) shows \(shown) items")
            }
            for s in servers { s.killHard() }
            let entries = try cli.ok("ledger", "entries").stdout
            for batch in all {
                let found = batch.serials.filter { entries.contains("\"serial\":\"\($0)\"") }
                #expect(found.count == (batch.outcome == .acknowledged ? batch.serials.count : 0), "\(batch.serials)")
            }
            let verify = try cli.run(["verify"])
            #expect(verify.succeeded, "\(verify)")
        }
    }
}

/// A browser's session with one server's web pages: signed in through the form, with its
/// own cookies (two servers on one host share no cookie jar).
struct WebSession {
    let port: Int
    let session = URLSession(configuration: .ephemeral)

    init(port: Int, user: String, password: String) async throws {
        self.port = port
        let (form, _) = try await session.data(from: URL(string: "http://127.0.0.1:\(port)/signin")!)
        let html = String(decoding: form, as: UTF8.self)
        let csrf = try #require(html.firstMatch(of: /name="csrf" value="([^"]*)"/).map { String($0.1) }, "no sign-in form: \(html)")
        var post = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/signin")!)
        post.httpMethod = "POST"
        post.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        let fields = [("csrf", csrf), ("user", user), ("password", password), ("next", "/")]
        let allowed = CharacterSet.alphanumerics
        post.httpBody = Data(
            fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&").utf8)
        let (_, response) = try await session.data(for: post)
        try #require((response as? HTTPURLResponse)?.statusCode == 200, "signing in on port \(port): \(response)")
    }

    /// The number of items the dashboard shows (its first total).
    func dashboardItems() async throws -> Int? {
        let (body, _) = try await session.data(from: URL(string: "http://127.0.0.1:\(port)/")!)
        let html = String(decoding: body, as: UTF8.self)
        guard let match = html.firstMatch(of: /<ul class="totals"><li><b>([^<]*)<\/b>/) else { return nil }
        return Int(match.1.filter(\.isNumber))
    }
}

/// Runs `body` with a CLI whose register is a new PostgreSQL database (dropped afterwards)
/// and whose key file is in its directory.
func withPostgresCLI<T>(_ body: (CLI) async throws -> T) async throws -> T {
    let admin = try #require(ProcessInfo.processInfo.environment["CUSTODIA_TEST_POSTGRES_URL"])
    let location = try PostgresLocation(url: admin)
    let name = "custodia_cli_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
    let link = try await PostgresLink.connect(location, logger: PostgresStore.logger)
    try await link.execute(sql: "CREATE DATABASE \(name)")
    let result: Result<T, any Error>
    do {
        result = .success(
            try await withCLI { base in
                var cli = base
                cli.environment["CUSTODIA_DATABASE_URL"] = "postgres://\(location.user)@\(location.host):\(location.port)/\(name)"
                cli.environment["CUSTODIA_KEY"] = cli.path("custodia.key")
                return try await body(cli)
            })
    } catch {
        result = .failure(error)
    }
    try? await link.execute(sql: "DROP DATABASE \(name) WITH (FORCE)")
    await link.close()
    return try result.get()
}
