/// What a recorded event does to any one item it names, read from its leaf without reading
/// its lists (items, lots, registrations): the kind, when it happened, from, to, document,
/// due date, condition and stocktake, which are all `CustodyEngine.transition` and
/// `PastState.item` read. An event that moved five hundred items is read in the time of a
/// small one, which is what folding one item's past from its events costs.
///
/// The leaf is canonical JSON (`CanonicalJSON`): an object whose other members are skipped
/// by matching brackets outside strings.
public enum LeafHead {
    /// The event's head, with every list empty; nil when the leaf is not an object with a
    /// known kind and a time.
    public static func event(_ leaf: [UInt8]) -> Event? {
        leaf.withUnsafeBufferPointer { b in
            var fields: [String: JSONValue] = [:]
            guard members(b, { key, start, end in if wanted.contains(key) { fields[key] = value(b, start, end) } }) else {
                return nil
            }
            return head(fields)
        }
    }

    /// One entry of an item's custody chain: the event's head, who recorded and confirmed
    /// it, and how many items and lots it names, without reading them.
    public static func entry(_ leaf: [UInt8]) -> ChainEntry? {
        leaf.withUnsafeBufferPointer { b in
            var fields: [String: JSONValue] = [:]
            var items = 0
            var lots = 0
            let ok = members(b) { key, start, end in
                switch key {
                case "items", "registrations": items += elements(b, start, end)
                case "lots", "lotRegistrations": lots += elements(b, start, end)
                case "recordedAt", "recordedBy", "confirmedBy": fields[key] = value(b, start, end)
                default: if wanted.contains(key) { fields[key] = value(b, start, end) }
                }
            }
            guard ok, let event = head(fields) else { return nil }
            var confirmers: [String] = []
            if case .array(let list)? = fields["confirmedBy"] { confirmers = list.compactMap(\.stringValue) }
            return ChainEntry(
                event: event, recordedAt: fields["recordedAt"]?.stringValue, recordedBy: fields["recordedBy"]?.stringValue,
                confirmedBy: confirmers, items: items, lots: lots)
        }
    }

    static let wanted: Set<String> = ["kind", "occurredAt", "from", "to", "document", "dueBack", "condition", "stocktake"]

    static func head(_ fields: [String: JSONValue]) -> Event? {
        guard let kind = fields["kind"]?.stringValue.flatMap(EventKind.init(rawValue:)),
            let at = fields["occurredAt"]?.stringValue
        else { return nil }
        var e = Event(kind: kind, occurredAt: at)
        e.from = fields["from"]?.stringValue
        e.to = fields["to"]?.stringValue
        e.document = fields["document"]?.stringValue
        e.dueBack = fields["dueBack"]?.stringValue
        e.condition = fields["condition"]?.stringValue.flatMap(Condition.init(rawValue:))
        e.stocktake = fields["stocktake"]?.intValue
        return e
    }

    static func value(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> JSONValue? {
        try? JSONParser.parse(UnsafeBufferPointer(rebasing: b[start..<end]))
    }

    /// Calls `body` with each member of the top-level object: its key and where its value
    /// starts and ends. False when the leaf is not a well-formed object.
    static func members(_ b: UnsafeBufferPointer<UInt8>, _ body: (String, Int, Int) -> Void) -> Bool {
        var i = 0
        let n = b.count
        func skipSpace() { while i < n, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
        skipSpace()
        guard i < n, b[i] == 0x7B else { return false }
        i += 1
        while true {
            skipSpace()
            guard i < n else { return false }
            if b[i] == 0x7D { return true }
            guard b[i] == 0x22, let keyEnd = endOfString(b, i), case .string(let key)? = value(b, i, keyEnd) else { return false }
            i = keyEnd
            skipSpace()
            guard i < n, b[i] == 0x3A else { return false }
            i += 1
            skipSpace()
            guard let end = endOfValue(b, i) else { return false }
            body(key, i, end)
            i = end
            skipSpace()
            guard i < n else { return false }
            if b[i] == 0x2C {
                i += 1
                continue
            }
            return b[i] == 0x7D
        }
    }

    /// How many elements the array from `start` to `end` has (0 for anything else).
    static func elements(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        guard start < end, b[start] == 0x5B else { return 0 }
        var j = start + 1
        var count = 0
        while j < end - 1 {
            while j < end - 1, b[j] == 0x20 || b[j] == 0x0A || b[j] == 0x0D || b[j] == 0x09 || b[j] == 0x2C { j += 1 }
            guard j < end - 1, let e = endOfValue(b, j) else { break }
            count += 1
            j = e
        }
        return count
    }

    /// Past the closing quote of the string that opens at `start`.
    static func endOfString(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        var j = start + 1
        while j < b.count {
            switch b[j] {
            case 0x5C: j += 2
            case 0x22: return j + 1
            default: j += 1
            }
        }
        return nil
    }

    /// Past the end of the value that starts at `start`.
    static func endOfValue(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        let n = b.count
        guard start < n else { return nil }
        switch b[start] {
        case 0x22: return endOfString(b, start)
        case 0x7B, 0x5B:
            var depth = 0
            var j = start
            while j < n {
                switch b[j] {
                case 0x22:
                    guard let e = endOfString(b, j) else { return nil }
                    j = e
                    continue
                case 0x7B, 0x5B: depth += 1
                case 0x7D, 0x5D:
                    depth -= 1
                    if depth == 0 { return j + 1 }
                default: break
                }
                j += 1
            }
            return nil
        default:
            var j = start
            while j < n, b[j] != 0x2C, b[j] != 0x7D, b[j] != 0x5D { j += 1 }
            return j
        }
    }
}

/// One entry of an item's custody chain, read from an event's leaf (`LeafHead.entry`).
public struct ChainEntry: Sendable, Equatable {
    /// The event's head: kind, time, from, to, document, due date, condition, stocktake.
    public var event: Event
    public var recordedAt: String?
    public var recordedBy: String?
    public var confirmedBy: [String]
    /// How many items (named or registered) and lots the event names.
    public var items: Int
    public var lots: Int
}
