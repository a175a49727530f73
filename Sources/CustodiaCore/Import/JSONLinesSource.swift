/// Events from JSON Lines: one JSON object per line, blank lines ignored.
public struct JSONLinesSource: EventSource {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0
    private var line = 0

    /// `bytes` must stay valid while the source is used (e.g. a mapped file).
    public init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    public mutating func next() -> SourcedEvent? {
        while offset < bytes.count {
            line += 1
            var end = offset
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let content = UnsafeBufferPointer(rebasing: bytes[offset..<end])
            offset = end + 1
            if let entry = Self.parseLine(content, line: line) { return entry }
        }
        return nil
    }

    /// Reads one line (without its `\n`; a trailing `\r` is ignored) as an event; nil for a
    /// blank line.
    public static func parseLine(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) -> SourcedEvent? {
        var content = bytes
        if let last = content.last, last == 0x0D { content = UnsafeBufferPointer(rebasing: content.dropLast()) }
        if content.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        do {
            let value = try JSONParser.parse(content)
            return .event(line: line, try Event(json: value, source: .input))
        } catch let error as JSONParseError {
            return .invalid(line: line, FieldError("", "invalid JSON at column \(error.column): \(error.message)"))
        } catch let error as FieldError {
            return .invalid(line: line, error)
        } catch {
            return .invalid(line: line, FieldError("", "\(error)"))
        }
    }
}
