import Foundation
import Logging
import Synchronization

/// Log lines as `time level label: message key=value …` on standard error.
///
/// Unlike swift-log's `StreamLogHandler` it formats metadata only when a line is written:
/// the server adds a request id to its logger on every request and logs few lines, so
/// the formatting must not be paid per request. The server logs no personal data: user
/// codes and request ids, never names, serials or bodies.
public struct ServerLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private static let output = Mutex<FileHandle>(FileHandle.standardError)

    public init(label: String, level: Logger.Level) {
        self.label = label
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        var line = "\(Date().formatted(.iso8601)) \(event.level) \(label): \(event.message)"
        for (key, value) in all.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
        line += "\n"
        Self.output.withLock { $0.write(Data(line.utf8)) }
    }
}
