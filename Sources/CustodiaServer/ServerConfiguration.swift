import Configuration
import Foundation

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
/// | `loginAttempts` | `5` | failed sign-ins per minute allowed per account and per address |
/// | `maxBatchEvents` | `10000` | events in one `POST /api/v1/events` |
/// | `maxBatchBytes` | `8388608` | bytes in one `POST /api/v1/events` body |
/// | `maxBodyBytes` | `65536` | bytes in any other request body |
/// | `bcryptCost` | `12` | cost of the comparison hash used when an unknown user signs in |
/// | `holderRefreshSeconds` | `5` | how often the holder tree is re-read (changes through the API apply at once) |
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
    public var maxBatchEvents = 10_000
    public var maxBatchBytes = 8 * 1024 * 1024
    public var maxBodyBytes = 64 * 1024
    public var bcryptCost: UInt8 = 12
    public var holderRefresh: TimeInterval = 5
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
        maxBatchEvents = try int("maxBatchEvents", maxBatchEvents, 1...1_000_000)
        maxBatchBytes = try int("maxBatchBytes", maxBatchBytes, 1024...(1 << 30))
        maxBodyBytes = try int("maxBodyBytes", maxBodyBytes, 1024...(1 << 24))
        bcryptCost = UInt8(try int("bcryptCost", Int(bcryptCost), 4...31))
        holderRefresh = TimeInterval(try int("holderRefreshSeconds", 5, 1...3600))
        readers = try int("readers", readers, 1...64)
        logLevel = reader.string(forKey: "logLevel", default: logLevel)
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError("logLevel must be one of trace, debug, info, notice, warning, error, critical")
        }
    }
}

/// A configuration value out of range: names the key and what is allowed.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ message: String) { description = message }
}
