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
        leaf.withUnsafeBufferPointer { event($0) }
    }

    public static func event(_ b: UnsafeBufferPointer<UInt8>) -> Event? {
        var i = 0
        let n = b.count
        func skipSpace() { while i < n, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
        /// The end of the string starting at `i` (its opening quote), past the closing quote.
        func endOfString(_ start: Int) -> Int? {
            var j = start + 1
            while j < n {
                switch b[j] {
                case 0x5C: j += 2
                case 0x22: return j + 1
                default: j += 1
                }
            }
            return nil
        }
        /// The end of the value starting at `i`.
        func endOfValue(_ start: Int) -> Int? {
            guard start < n else { return nil }
            switch b[start] {
            case 0x22: return endOfString(start)
            case 0x7B, 0x5B:
                var depth = 0
                var j = start
                while j < n {
                    switch b[j] {
                    case 0x22:
                        guard let e = endOfString(j) else { return nil }
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
        func value(_ start: Int, _ end: Int) -> JSONValue? {
            try? JSONParser.parse(UnsafeBufferPointer(rebasing: b[start..<end]))
        }

        skipSpace()
        guard i < n, b[i] == 0x7B else { return nil }
        i += 1
        var fields: [String: JSONValue] = [:]
        while true {
            skipSpace()
            guard i < n else { return nil }
            if b[i] == 0x7D { break }
            guard b[i] == 0x22, let keyEnd = endOfString(i), case .string(let key)? = value(i, keyEnd) else { return nil }
            i = keyEnd
            skipSpace()
            guard i < n, b[i] == 0x3A else { return nil }
            i += 1
            skipSpace()
            guard let end = endOfValue(i) else { return nil }
            if wanted.contains(key) { fields[key] = value(i, end) }
            i = end
            skipSpace()
            guard i < n else { return nil }
            if b[i] == 0x2C {
                i += 1
                continue
            }
            guard b[i] == 0x7D else { return nil }
            break
        }
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

    static let wanted: Set<String> = ["kind", "occurredAt", "from", "to", "document", "dueBack", "condition", "stocktake"]
}
