import CustodiaCore
import CustodiaLedger
@testable import CustodiaPostgres
import CustodiaSQLite
import CustodiaStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import CustodiaServer

/// The store the server tests run on: SQLite, or PostgreSQL when
/// `CUSTODIA_TEST_SERVER_BACKEND=postgres` (with `CUSTODIA_TEST_POSTGRES_URL`), so that the
/// same tests show the server behaving the same on both.
protocol TestStore: Store, UserStore {
    /// Closes the store and lets go of what it holds (its database, for PostgreSQL).
    func shutDown()
}

extension SQLiteStore: TestStore {
    func shutDown() { try? close() }
}

extension PostgresStore: TestStore {
    func shutDown() {
        Task {
            await close()
            await TestBackend.drop(location)
        }
    }
}

enum TestBackend {
    static let postgres: String? = {
        let env = ProcessInfo.processInfo.environment
        guard env["CUSTODIA_TEST_SERVER_BACKEND"] == "postgres" else { return nil }
        return env["CUSTODIA_TEST_POSTGRES_URL"]
    }()

    /// A new register: an SQLite file in `dir`, or a new PostgreSQL database.
    static func create(dir: URL, key: LogKey) async throws -> any TestStore {
        if let admin = postgres {
            let location = try PostgresLocation(url: admin)
            let name = "custodia_srv_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
            let link = try await PostgresLink.connect(location, logger: PostgresStore.logger)
            try await link.execute(sql: "CREATE DATABASE \(name)")
            await link.close()
            let url = "postgres://\(location.user)@\(location.host):\(location.port)/\(name)"
            // One reading connection: the tests run side by side, each with a store.
            return try await PostgresStore.create(
                url: url, origin: "test.example/custodia", key: key, now: "2026-03-01T08:00:00Z", readers: 1)
        }
        let path = dir.appendingPathComponent("custodia.db").path
        let created = try SQLiteStore.create(path: path, origin: "test.example/custodia", key: key, now: "2026-03-01T08:00:00Z")
        try created.close()
        return try SQLiteStore(path: path, key: key, connections: .pool(readers: 2))
    }

    static func drop(_ location: PostgresLocation) async {
        guard let admin = postgres, let adminLocation = try? PostgresLocation(url: admin),
            let link = try? await PostgresLink.connect(adminLocation, logger: PostgresStore.logger)
        else { return }
        try? await link.execute(sql: "DROP DATABASE IF EXISTS \(location.database) WITH (FORCE)")
        await link.close()
    }
}

/// A clock the tests move by hand.
final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_772_352_000))  // 2026-03-01T08:00:00Z

    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// The register every server test starts from.
///
/// Holders: region R1 › zone Z1 › site S1 › unit U1 › persons P1, P2; region R2 › site S2 ›
/// unit U2 › person P3; external EXT. Items: AK-1…AK-6 at S1, AK-21 and AK-22 at S2 (all
/// Kalashnikov AK-74M). Lots: L1 (1000) at S1, L2 (500) at S2.
///
/// Users (password `pw-<code>`, a token each in `tokens`): `root` admin of everything;
/// `auditor` of everything; one user of each role scoped to R1 (`viewer-n`, `clerk-n`,
/// `custodian-n`, `inspector-n`, `auditor-n`, `admin-n`); people who confirm: `P1`
/// (custodian, scope U1), `P2` (clerk, scope R1), `P3` (custodian, scope R2); `gone`, a
/// disabled clerk.
struct TestServer: Sendable {
    let dir: URL
    let store: any TestStore
    let users: any UserStore
    let clock: TestClock
    let configuration: ServerConfiguration
    /// Each user's API token.
    let tokens: [String: String]

    static let roleUsers: [(String, Role)] = [
        ("viewer-n", .viewer), ("clerk-n", .clerk), ("custodian-n", .custodian), ("inspector-n", .inspector),
        ("auditor-n", .auditor), ("admin-n", .admin),
    ]

    /// - Parameter storeUsers: keep the users in the SQLite store itself (their changes are
    ///   ledger entries) instead of in memory.
    static func make(storeUsers: Bool = true, configure: (inout ServerConfiguration) -> Void = { _ in }) async throws
        -> TestServer
    {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("custodia-server-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let key = try LogKey.generate(name: "test.example/custodia")
        let store = try await TestBackend.create(dir: dir, key: key)
        var source = ArrayEventSource(Self.fixtureEvents)
        let report = try await store.append(
            &source, options: AppendOptions(recordedBy: "setup", recordedAt: "2026-03-01T08:00:00Z"))
        try #require(report.written, "the fixture is accepted: \(report.errors)")

        let users: any UserStore = storeUsers ? store : MemoryUserStore()
        let options = AppendOptions(recordedBy: "setup", recordedAt: "2026-03-01T08:00:00Z")
        var accounts: [UserAccount] = [
            UserAccount(code: "root", role: .admin, scope: nil), UserAccount(code: "auditor", role: .auditor, scope: nil),
            UserAccount(code: "P1", role: .custodian, scope: "U1"), UserAccount(code: "P2", role: .clerk, scope: "R1"),
            UserAccount(code: "P3", role: .custodian, scope: "R2"),
            UserAccount(code: "gone", role: .clerk, scope: "R1", active: false),
        ]
        accounts += roleUsers.map { UserAccount(code: $0.0, role: $0.1, scope: "R1") }
        if storeUsers {
            // The store adds users active; `gone` is disabled by its own entry below.
            accounts = accounts.map { UserAccount(code: $0.code, role: $0.role, scope: $0.scope) }
        }
        var tokens: [String: String] = [:]
        for account in accounts {
            let added = try await users.addUser(
                account, passwordHash: Bcrypt.hash("pw-\(account.code)", cost: 4), options: options)
            try #require(added.errors.isEmpty, "\(added.errors)")
            let (id, token) = APIToken.generate()
            tokens[account.code] = token
            if account.active {
                _ = try await users.createToken(
                    TokenRecord(id: id, user: account.code), secretHash: APIToken.secretHash(token), options: options)
            }
        }
        if storeUsers { _ = try await users.disableUser(code: "gone", options: options) }
        var configuration = ServerConfiguration()
        // The tests move the clock and write between reads: alerts computed afresh each time.
        configuration.alertRefresh = 0
        configuration.bcryptCost = 4
        configure(&configuration)
        return TestServer(
            dir: dir, store: store, users: users, clock: TestClock(), configuration: configuration, tokens: tokens)
    }

    static var fixtureEvents: [Event] {
        func holder(_ code: String, _ kind: HolderKind, _ name: String, _ parent: String?) -> Event {
            var e = Event(kind: .holderAdd, occurredAt: "2026-01-01T08:00:00Z")
            e.holder = HolderChange(code: code, kind: kind, name: name, parent: parent)
            return e
        }
        func register(_ serials: [String], at code: String) -> Event {
            var e = Event(kind: .register, occurredAt: "2026-01-02T08:00:00Z")
            e.to = code
            e.registrations = serials.map {
                ItemMarking(
                    category: .assaultRifle, manufacturer: "Kalashnikov", country: "RU", model: "AK-74M", calibre: "5.45x39",
                    serial: $0, year: 1995)
            }
            return e
        }
        func lot(_ number: String, _ quantity: Int64, at code: String) -> Event {
            var e = Event(kind: .register, occurredAt: "2026-01-02T08:00:00Z")
            e.to = code
            e.lotRegistrations = [
                LotRegistration(
                    marking: LotMarking(lot: number, manufacturer: "PPU", calibre: "5.45x39", type: "ball", year: 2020),
                    quantity: quantity)
            ]
            return e
        }
        return [
            holder("R1", .region, "North", nil), holder("Z1", .zone, "North zone", "R1"), holder("S1", .site, "Depot One", "Z1"),
            holder("U1", .unit, "First Unit", "S1"), holder("P1", .person, "Ana Pérez", "U1"),
            holder("P2", .person, "Luis Gómez", "U1"), holder("R2", .region, "South", nil),
            holder("S2", .site, "Depot Two", "R2"), holder("U2", .unit, "Second Unit", "S2"),
            holder("P3", .person, "Eva Ruiz", "U2"), holder("EXT", .external, "Buyer Ltd", nil),
            register((1...6).map { "AK-\($0)" }, at: "S1"), register(["AK-21", "AK-22"], at: "S2"), lot("L1", 1000, at: "S1"),
            lot("L2", 500, at: "S2"),
        ]
    }

    func application() -> some ApplicationProtocol {
        let clock = self.clock
        var logger = Logger(label: "custodia.test")
        logger.logLevel = .warning
        return buildApplication(
            configuration: configuration, store: store, users: users, logger: logger, now: { clock.now })
    }

    /// Closes the store and removes its directory (for tests that use the store directly).
    func discard() {
        store.shutDown()
        try? FileManager.default.removeItem(at: dir)
    }

    /// The web pages' counts over this store, on the test clock, refreshed after 5 s.
    func tally() -> RegisterTally {
        let clock = self.clock
        let directory = HolderDirectory(store: store, refresh: 5, now: { clock.now })
        return RegisterTally(store: store, directory: directory, refresh: 5, now: { clock.now })
    }

    /// Runs `body` against the application through the router (no socket) or live.
    func run<T: Sendable>(_ setup: TestingSetup = .router, _ body: @Sendable (Client) async throws -> T) async throws -> T {
        defer {
            store.shutDown()
            try? FileManager.default.removeItem(at: dir)
        }
        return try await application().test(setup) { client in try await body(Client(client: client, server: self)) }
    }

    /// The item id of a serial in the fixture.
    func itemID(_ serial: String) async throws -> Int64 {
        try #require(try await store.searchItems(ItemQuery(serial: serial)).elements.first).id
    }

    /// A client that speaks JSON and checks every response against `openapi.yaml`.
    struct Client: Sendable {
        let client: any TestClientProtocol
        let server: TestServer

        func request(
            _ method: HTTPRequest.Method, _ uri: String, as user: String? = nil, headers: HTTPFields = [:],
            body: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> APIResponse {
            var headers = headers
            if let user { headers[.authorization] = "Bearer \(server.tokens[user] ?? "cust_unknown_\(user)")" }
            if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
            let response = try await client.executeRequest(
                uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
            let result = APIResponse(
                status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
            let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
            // A path or method the API does not have is answered by the router, outside the document.
            let unrouted =
                (result.status == 404 && result.problem == "no-such-route")
                || (result.status == 405 && result.problem == "method-not-allowed")
            let mismatches =
                unrouted
                ? []
                : OpenAPIContract.shared.check(
                    method: method.rawValue, path: path, status: result.status, contentType: response.headers[.contentType],
                    body: result.body)
            for mismatch in mismatches {
                Issue.record("the response breaks openapi.yaml: \(mismatch)", sourceLocation: sourceLocation)
            }
            if result.status >= 500 {
                Issue.record("\(method) \(uri) answered \(result.status): \(result.text)", sourceLocation: sourceLocation)
            }
            return result
        }

        func get(_ uri: String, as user: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws
            -> APIResponse
        {
            try await request(.get, uri, as: user, sourceLocation: sourceLocation)
        }

        func post(
            _ uri: String, as user: String? = nil, json: String, headers: HTTPFields = [:],
            sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> APIResponse {
            try await request(.post, uri, as: user, headers: headers, body: json, sourceLocation: sourceLocation)
        }
    }
}

/// A response, with its body as JSON when it is JSON.
struct APIResponse: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    var isProblem: Bool { headers[.contentType] == "application/problem+json" }
    /// The problem's slug (`urn:custodia:problem:<slug>`).
    var problem: String? {
        guard isProblem, let type = json["type"] as? String else { return nil }
        return String(type.dropFirst("urn:custodia:problem:".count))
    }
    var detail: String { json["detail"] as? String ?? "" }
    var errors: [[String: Any]] { json["errors"] as? [[String: Any]] ?? [] }
}

extension Data {
    init(buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}

/// Event JSON for the tests.
enum J {
    static func move(
        _ kind: String, _ serials: [String] = [], from: String? = nil, to: String? = nil, lots: [(String, Int)] = [],
        extra: String = ""
    ) -> String {
        var fields = ["\"kind\":\"\(kind)\"", "\"occurredAt\":\"2026-03-01T07:00:00Z\""]
        if let from { fields.append("\"from\":\"\(from)\"") }
        if let to { fields.append("\"to\":\"\(to)\"") }
        if !serials.isEmpty {
            fields.append(
                "\"items\":[" + serials.map { "{\"serial\":\"\($0)\",\"manufacturer\":\"Kalashnikov\"}" }.joined(separator: ",")
                    + "]")
        }
        if !lots.isEmpty {
            fields.append("\"lots\":[" + lots.map { "{\"lot\":\"\($0.0)\",\"quantity\":\($0.1)}" }.joined(separator: ",") + "]")
        }
        if !extra.isEmpty { fields.append(extra) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func batch(_ events: [String]) -> String { "[" + events.joined(separator: ",") + "]" }
}
