/// Where events come from for an append: a file being read, a request body, a generator.
///
/// Yields events in order with the line (or index) they came from; input that could not be
/// read as an event is yielded as `.invalid` so that every problem is reported at once.
public protocol EventSource {
    mutating func next() -> SourcedEvent?
    /// How this source names a field of an event in its own terms, for error messages
    /// (a CSV import says `serial` where the event says `items[0].serial`).
    func inputField(for eventField: String) -> String
}

extension EventSource {
    public func inputField(for eventField: String) -> String { eventField }
}

/// One entry of an event source.
public enum SourcedEvent: Sendable {
    case event(line: Int, Event)
    case invalid(line: Int, FieldError)
}

/// An event source over an array, for tests, the server and small batches.
public struct ArrayEventSource: EventSource {
    private var events: [Event]
    private var index = 0

    public init(_ events: [Event]) { self.events = events }

    public mutating func next() -> SourcedEvent? {
        guard index < events.count else { return nil }
        defer { index += 1 }
        return .event(line: index + 1, events[index])
    }
}
