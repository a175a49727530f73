import ArgumentParser
import Configuration
import CustodiaPostgres
import CustodiaSQLite
import CustodiaServer
import CustodiaStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// `custodia serve`: the HTTP server over the store.
///
/// Settings come from the flags, then `CUSTODIA_*` environment variables (`CUSTODIA_HOST`,
/// `CUSTODIA_PORT`, `CUSTODIA_SECURE_COOKIES`, `CUSTODIA_LOG_LEVEL`,
/// `CUSTODIA_CONFIRMATION_SECRET`, …; see `ServerConfiguration`), then defaults. The server
/// stops gracefully on SIGTERM and SIGINT: requests under way finish, queued writes are
/// committed, and the store is closed.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP server: the web pages, the JSON API, its OpenAPI document and the ledger's tiles.",
        discussion: """
            The web pages are at / (sign in with a user's code and password; Spanish or English). \
            The API is under /api/v1 (described at /api/openapi.yaml), the ledger in the C2SP \
            tlog-tiles layout under /tlog/, health at /healthz, Prometheus metrics at /metrics. \
            Create the first administrator with `custodia user add admin --role admin`, then \
            a token with `custodia token create admin`. Every setting can also be given as a \
            CUSTODIA_* environment variable (CUSTODIA_HOST, CUSTODIA_PORT, CUSTODIA_SECURE_COOKIES, \
            CUSTODIA_SESSION_IDLE_MINUTES, CUSTODIA_SESSION_HOURS, CUSTODIA_CONFIRMATION_MINUTES, \
            CUSTODIA_CONFIRMATION_SECRET, CUSTODIA_LOGIN_ATTEMPTS, CUSTODIA_LOGIN_ADDRESS_ATTEMPTS, \
            CUSTODIA_LOGIN_ACCOUNT_CEILING, CUSTODIA_LOGIN_SLOWDOWN_SECONDS, CUSTODIA_TRUSTED_PROXIES, \
            CUSTODIA_CLIENT_ADDRESS_HEADER, CUSTODIA_FUTURE_HOURS, CUSTODIA_EARLIEST_YEAR, \
            CUSTODIA_OPERATOR_TOKEN, CUSTODIA_CURSOR_SECRET, CUSTODIA_MAX_BATCH_EVENTS, \
            CUSTODIA_MAX_BATCH_BYTES, CUSTODIA_MAX_BODY_BYTES, CUSTODIA_READERS, CUSTODIA_LOG_LEVEL, \
            CUSTODIA_WITNESSES, CUSTODIA_WITNESS_QUORUM, CUSTODIA_WITNESS_TIMEOUT_SECONDS); \
            flags win over the environment.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "The address to listen on (default: $CUSTODIA_HOST or 127.0.0.1).") var host: String?
    @Option(help: "The port to listen on (default: $CUSTODIA_PORT or 8080).") var port: Int?
    @Flag(help: "Mark the session cookie Secure; use when the server is reached over HTTPS.") var secureCookies = false
    @Option(help: "trace, debug, info, notice, warning, error or critical (default: info).") var logLevel: String?
    @Option(help: "Reader connections to the database (default: 4).") var readers: Int?
    @Option(
        name: .customLong("witness"),
        help: "A witness that cosigns the checkpoints, as URL=VKEY (its URL and the key `custodia witness key` prints); repeat for several (default: $CUSTODIA_WITNESSES)."
    ) var witnesses: [String] = []
    @Option(help: "How many witnesses must cosign a checkpoint before /tlog/checkpoint serves it (default: all).")
    var witnessQuorum: Int?

    /// The configuration: flags first, then the environment, then defaults.
    func serverConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> ServerConfiguration
    {
        var flags: [AbsoluteConfigKey: ConfigValue] = [:]
        if let host { flags["host"] = ConfigValue(.string(host), isSecret: false) }
        if let port { flags["port"] = ConfigValue(.string(String(port)), isSecret: false) }
        if secureCookies { flags["secureCookies"] = ConfigValue(.string("true"), isSecret: false) }
        if let logLevel { flags["logLevel"] = ConfigValue(.string(logLevel), isSecret: false) }
        if let readers { flags["readers"] = ConfigValue(.string(String(readers)), isSecret: false) }
        if !witnesses.isEmpty { flags["witnesses"] = ConfigValue(.string(witnesses.joined(separator: ",")), isSecret: false) }
        if let witnessQuorum { flags["witnessQuorum"] = ConfigValue(.string(String(witnessQuorum)), isSecret: false) }
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: flags),
            EnvironmentVariablesProvider(
                environmentVariables: environment, secretsSpecifier: .specific([
                    "CUSTODIA_CONFIRMATION_SECRET", "CUSTODIA_OPERATOR_TOKEN", "CUSTODIA_CURSOR_SECRET",
                ])
            ).prefixKeys(with: "custodia"),
        ])
        do {
            return try ServerConfiguration(reader: reader)
        } catch let error as ConfigurationError {
            throw UserError("\(error.description) (from a flag or its CUSTODIA_* environment variable)")
        }
    }

    func run() async throws {
        // Handlers run on the event loop threads that read and write their connections,
        // instead of hopping to Swift's global pool and back for every request (measured:
        // +40% reads/s on two cores). Blocking work stays off them: the writer commits on
        // GRDB's writer queue and bcrypt runs on a dispatch queue.
        let sharedExecutor = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let configuration = try serverConfiguration()
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in ServerLogHandler(label: label, level: level) }
        var logger = Logger(label: "custodia.server")
        logger.logLevel = level

        let opened: any OpenedStore
        if let url = store.databaseURL {
            opened = try await PostgresStore.open(url: url, key: try LogKeyFile.load(from: store.keyPath))
        } else {
            let path = store.databasePath
            guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missingDatabase(path) }
            opened = try SQLiteStore(
                path: path, key: try LogKeyFile.load(from: store.keyPath), connections: .pool(readers: configuration.readers))
        }
        if try await opened.users().isEmpty {
            logger.warning(
                "no users yet: create the first administrator with `custodia user add admin --role admin` and a token with `custodia token create admin`"
            )
        }
        let app = buildApplication(
            configuration: configuration, store: opened, users: opened, routes: [try WebRoutes()], logger: logger)
        let size = try await opened.ledgerSize()
        logger.info(
            "serving",
            metadata: [
                "address": "http://\(configuration.host):\(configuration.port)", "ledgerSize": "\(size)",
                "executor": "\(sharedExecutor ? "event loops" : "global pool")",
            ])
        do {
            try await app.runService()
        } catch {
            await opened.closeStore()
            throw UserError(
                "the server stopped: \(error). If the address is in use, stop the other server or choose another --port")
        }
        await opened.closeStore()
        logger.info("stopped; the store is closed")
    }
}
