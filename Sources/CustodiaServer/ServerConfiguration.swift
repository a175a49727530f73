import Configuration
import CustodiaCore
import CustodiaLedger
import Foundation
import HTTPTypes

/// The server's settings, read with swift-configuration.
///
/// Keys (command-line flags and `CUSTODIA_*` environment variables map onto them in the
/// `custodia serve` command; the defaults are below):
///
/// | key | default | meaning |
/// | --- | --- | --- |
/// | `host` | `127.0.0.1` | address to listen on |
/// | `port` | `8080` | port to listen on |
/// | `secureCookies` | `false` | mark the session cookie `Secure` (set behind HTTPS) |
/// | `sessionIdleMinutes` | `30` | a session ends after this long without a request |
/// | `sessionHours` | `12` | a session ends this long after sign-in, whatever the activity |
/// | `confirmationMinutes` | `15` | how long a two-person confirmation token is valid |
/// | `confirmationSecret` | random | secret (base64, ≥ 32 bytes) for confirmation tokens; secret |
/// | `loginAttempts` | `5` | sign-ins a minute per account from one client address before that pair waits (doubling, up to an hour) |
/// | `loginAddressAttempts` | `20` | failed sign-ins a minute from one address, any accounts, before the address waits |
/// | `loginAccountCeiling` | `10` | failed sign-ins a minute for one account, from anywhere, past which each answer for it is slowed (never refused) |
/// | `loginSlowdownSeconds` | `2` | how long each such answer is held back |
/// | `trustedProxies` | none | comma-separated addresses of reverse proxies whose `clientAddressHeader` names the client |
/// | `clientAddressHeader` | `X-Forwarded-For` | the header a trusted proxy sets |
/// | `futureHours` | `24` | how far after the time of recording an event may say it happened |
/// | `earliestYear` | `1900` | the earliest year an event may say it happened |
/// | `operatorToken` | none | bearer token (≥ 32 characters) for `/metrics` and `/healthz?detail=true`; secret |
/// | `cursorSecret` | random | secret (base64, ≥ 32 bytes) that signs list cursors; set it alike on every server of one register; secret |
/// | `witnesses` | none | witnesses that cosign the ledger's checkpoints: `URL=VKEY` entries (the witness's submission URL and verifier key) separated by commas or spaces |
/// | `witnessQuorum` | all | how many of them must cosign a checkpoint before `/tlog/checkpoint` serves it |
/// | `witnessTimeoutSeconds` | `10` | how long to wait for a witness's answer |
/// | `maxBatchEvents` | `10000` | events in one `POST /api/v1/events` |
/// | `maxBatchBytes` | `8388608` | bytes in one `POST /api/v1/events` body |
/// | `maxBodyBytes` | `65536` | bytes in any other request body |
/// | `bcryptCost` | `12` | cost of the comparison hash used when an unknown user signs in |
/// | `holderRefreshSeconds` | `5` | how often the holder tree is re-read (changes through the API apply at once) |
/// | `alertRefreshSeconds` | `30` | this server's writes are folded into the alerts at once; what it cannot fold (a pack, a waiver, a holder change, another process's writes) and a new minute are gathered from the store at most this often (0: on every read that needs it) |
/// | `readers` | `4` | reader connections to the database |
/// | `logLevel` | `info` | swift-log level |
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var secureCookies = false
    public var sessionIdle: TimeInterval = 30 * 60
    public var sessionLifetime: TimeInterval = 12 * 3600
    public var confirmationLifetime: TimeInterval = 15 * 60
    /// The key for confirmation tokens; a random one per process when nil (tokens then do
    /// not survive a restart).
    public var confirmationSecret: [UInt8]?
    public var loginAttempts = 5
    public var loginWindow: TimeInterval = 60
    public var loginAddressAttempts = 20
    public var loginAccountCeiling = 10
    public var loginSlowdown: TimeInterval = 2
    /// Reverse proxies trusted to name the client in `clientAddressHeader`.
    public var trustedProxies: Set<String> = []
    public var clientAddressHeader = "X-Forwarded-For"
    /// When a new event may say it happened.
    public var timeWindow = TimeWindow.standard
    /// The bearer token of operators' monitoring (`/metrics`, `/healthz?detail=true`); nil:
    /// only administrators and auditors of the whole register read them.
    public var operatorToken: String?
    /// The key that signs list cursors; a random one per process when nil.
    public var cursorSecret: [UInt8]?
    /// Witnesses the server submits its checkpoints to.
    public var witnesses: [WitnessEndpoint] = []
    /// How many of `witnesses` must cosign a checkpoint before it is served as the public
    /// one; nil: all of them.
    public var witnessQuorum: Int?
    public var witnessTimeout: TimeInterval = 10
    public var maxBatchEvents = 10_000
    public var maxBatchBytes = 8 * 1024 * 1024
    public var maxBodyBytes = 64 * 1024
    public var bcryptCost: UInt8 = 12
    public var holderRefresh: TimeInterval = 5
    /// How long computed alerts serve before a write or a new minute makes them computed again.
    public var alertRefresh: TimeInterval = 30
    public var readers = 4
    public var logLevel = "info"

    public init() {}

    /// Reads every key of the table above from `reader`, keeping the default where a key is
    /// absent.
    ///
    /// - Throws: `ConfigurationError` naming the key when a value is out of range.
    public init(reader: ConfigReader) throws {
        self.init()
        // Every value is read as text and parsed here, so that a malformed one is an error
        // naming its key instead of a silent fallback to the default.
        func int(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = reader.string(forKey: ConfigKey(key)) else { return fallback }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw ConfigurationError(
                    "\(key) must be a whole number in \(range.lowerBound)–\(range.upperBound), not \"\(text)\"")
            }
            return value
        }
        func bool(_ key: String, _ fallback: Bool) throws -> Bool {
            guard let text = reader.string(forKey: ConfigKey(key)) else { return fallback }
            switch text.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: throw ConfigurationError("\(key) must be true or false, not \"\(text)\"")
            }
        }
        host = reader.string(forKey: "host", default: host)
        guard !host.isEmpty else { throw ConfigurationError("host must not be empty") }
        port = try int("port", port, 1...65535)
        secureCookies = try bool("secureCookies", secureCookies)
        sessionIdle = TimeInterval(try int("sessionIdleMinutes", 30, 1...10_080) * 60)
        sessionLifetime = TimeInterval(try int("sessionHours", 12, 1...720) * 3600)
        confirmationLifetime = TimeInterval(try int("confirmationMinutes", 15, 1...1440) * 60)
        if let secret = reader.string(forKey: "confirmationSecret", isSecret: true) {
            guard let bytes = Data(base64Encoded: secret), bytes.count >= 32 else {
                throw ConfigurationError(
                    "confirmationSecret must be at least 32 bytes in base64 (e.g. the output of `openssl rand -base64 32`)")
            }
            confirmationSecret = [UInt8](bytes)
        }
        loginAttempts = try int("loginAttempts", loginAttempts, 1...1000)
        loginAddressAttempts = try int("loginAddressAttempts", loginAddressAttempts, 1...100_000)
        loginAccountCeiling = try int("loginAccountCeiling", loginAccountCeiling, 1...100_000)
        loginSlowdown = TimeInterval(try int("loginSlowdownSeconds", 2, 0...60))
        if let proxies = reader.string(forKey: "trustedProxies") {
            trustedProxies = Set(
                proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        clientAddressHeader = reader.string(forKey: "clientAddressHeader", default: clientAddressHeader)
        guard HTTPField.Name(clientAddressHeader) != nil else {
            throw ConfigurationError("clientAddressHeader must be an HTTP header name, not \"\(clientAddressHeader)\"")
        }
        timeWindow = TimeWindow(
            futureSeconds: Int64(try int("futureHours", 24, 0...8760)) * 3600,
            earliestYear: try int("earliestYear", 1900, 1800...2100))
        if let token = reader.string(forKey: "operatorToken", isSecret: true) {
            guard token.count >= 32 else {
                throw ConfigurationError(
                    "operatorToken must be at least 32 characters (e.g. the output of `openssl rand -hex 32`)")
            }
            operatorToken = token
        }
        if let secret = reader.string(forKey: "cursorSecret", isSecret: true) {
            guard let bytes = Data(base64Encoded: secret), bytes.count >= 32 else {
                throw ConfigurationError(
                    "cursorSecret must be at least 32 bytes in base64 (e.g. the output of `openssl rand -base64 32`)")
            }
            cursorSecret = [UInt8](bytes)
        }
        if let list = reader.string(forKey: "witnesses") {
            witnesses = try list.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map {
                try WitnessEndpoint(String($0))
            }
            guard Set(witnesses.map(\.verifier.verifierKey)).count == witnesses.count else {
                throw ConfigurationError("witnesses names the same witness key twice: give each witness once")
            }
        }
        if reader.string(forKey: "witnessQuorum") != nil {
            witnessQuorum = try int("witnessQuorum", 0, 0...witnesses.count)
        }
        witnessTimeout = TimeInterval(try int("witnessTimeoutSeconds", 10, 1...300))
        maxBatchEvents = try int("maxBatchEvents", maxBatchEvents, 1...1_000_000)
        maxBatchBytes = try int("maxBatchBytes", maxBatchBytes, 1024...(1 << 30))
        maxBodyBytes = try int("maxBodyBytes", maxBodyBytes, 1024...(1 << 24))
        bcryptCost = UInt8(try int("bcryptCost", Int(bcryptCost), 4...31))
        holderRefresh = TimeInterval(try int("holderRefreshSeconds", 5, 1...3600))
        alertRefresh = TimeInterval(try int("alertRefreshSeconds", 30, 0...3600))
        readers = try int("readers", readers, 1...64)
        logLevel = reader.string(forKey: "logLevel", default: logLevel)
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError("logLevel must be one of trace, debug, info, notice, warning, error, critical")
        }
    }
}

/// A witness the server submits checkpoints to: `POST <url>/add-checkpoint` (C2SP
/// tlog-witness), its cosignatures checked with `verifier`.
public struct WitnessEndpoint: Sendable, Equatable {
    /// The submission prefix, e.g. `https://witness.example.org` (no trailing slash).
    public let url: String
    public let verifier: CosignatureVerifier

    public init(url: String, verifier: CosignatureVerifier) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.verifier = verifier
    }

    /// Parses `URL=VKEY`.
    ///
    /// - Throws: `ConfigurationError` saying what is wrong with the entry.
    public init(_ entry: String) throws {
        guard let equals = entry.firstIndex(of: "=") else {
            throw ConfigurationError(
                "a witness is given as URL=VKEY (its URL and the verifier key `custodia witness key` prints), not \"\(entry.prefix(80))\"")
        }
        let url = String(entry[..<equals])
        guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil else {
            throw ConfigurationError("the witness URL \"\(url.prefix(80))\" is not an http:// or https:// URL")
        }
        let verifier: CosignatureVerifier
        do { verifier = try CosignatureVerifier(verifierKey: String(entry[entry.index(after: equals)...])) } catch {
            throw ConfigurationError("the witness key for \(url) is not a witness verifier key: \(error)")
        }
        self.init(url: url, verifier: verifier)
    }
}

/// A configuration value out of range: names the key and what is allowed.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ message: String) { description = message }
}
