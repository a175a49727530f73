import CustodiaCore
import CustodiaStore
import CustodiaLedger
import Hummingbird

/// A JSON response value. Members keep their order; recorded events go in as their leaf
/// bytes (already canonical JSON) without being parsed again.
enum JSONOut: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONOut])
    case object([(String, JSONOut)])
    /// Bytes that are already JSON.
    case raw([UInt8])

    static func optional(_ text: String?) -> JSONOut { text.map { .string($0) } ?? .null }
    static func optional(_ number: Int?) -> JSONOut { number.map { .int(Int64($0)) } ?? .null }

    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        encode(into: &out)
        return out
    }

    func encode(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let n): out.append(contentsOf: String(n).utf8)
        case .string(let s): CanonicalJSON.encode(.string(s), into: &out)
        case .raw(let bytes): out.append(contentsOf: bytes)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (n, e) in elements.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                e.encode(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (n, (key, value)) in members.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                CanonicalJSON.encode(.string(key), into: &out)
                out.append(UInt8(ascii: ":"))
                value.encode(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON response with this value as its body.
    func response(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: encoded())))
    }
}

/// How the API writes the register's values.
enum Render {
    /// A match of a damaged mark: the item, and how close its serial comes to the mark.
    static func markMatch(_ m: MarkMatch) -> JSONOut {
        guard case .object(var fields) = item(m.item) else { return item(m.item) }
        fields.append((
            "closeness",
            .object([
                ("exact", .bool(m.closeness.isExact)), ("substitutions", .int(Int64(m.closeness.substitutions))),
                ("unknown", .int(Int64(m.closeness.unknown))),
            ])
        ))
        return .object(fields)
    }

    static func item(_ r: ItemRecord) -> JSONOut {
        .object([
            ("id", .int(r.id)), ("marking", marking(r.marking)), ("state", state(r.state)),
            ("registeredSeq", .int(r.registeredSeq)),
        ])
    }

    static func marking(_ m: ItemMarking) -> JSONOut {
        var fields: [(String, JSONOut)] = [
            ("category", .string(m.category.rawValue)), ("manufacturer", .string(m.manufacturer)),
            ("country", .string(m.country)), ("model", .string(m.model)), ("calibre", .string(m.calibre)),
            ("serial", .string(m.serial)),
        ]
        if let year = m.year { fields.append(("year", .int(Int64(year)))) }
        if let c = m.importCountry { fields.append(("importCountry", .string(c))) }
        if let y = m.importYear { fields.append(("importYear", .int(Int64(y)))) }
        if let marks = m.marks { fields.append(("marks", .string(marks))) }
        fields.append(("assignedMark", .bool(m.assignedMark)))
        return .object(fields)
    }

    static func state(_ s: ItemState) -> JSONOut {
        var fields: [(String, JSONOut)] = [("status", .string(s.status.rawValue))]
        if let h = s.holder { fields.append(("holder", .string(h))) }
        if let a = s.account { fields.append(("account", .string(a))) }
        fields.append(("condition", .string(s.condition.rawValue)))
        if let d = s.dueBack { fields.append(("dueBack", .string(d))) }
        if let t = s.transit { fields.append(("transit", .string(t))) }
        if let c = s.lastCounted { fields.append(("lastCounted", .string(c))) }
        fields.append(("lastSeq", .int(s.lastSeq)))
        return .object(fields)
    }

    static func holder(_ h: Holder) -> JSONOut {
        var fields: [(String, JSONOut)] = [
            ("code", .string(h.code)), ("kind", .string(h.kind.rawValue)), ("name", .string(h.name)),
        ]
        if let p = h.parent { fields.append(("parent", .string(p))) }
        fields.append(("closed", .bool(h.closed)))
        return .object(fields)
    }

    static func lot(_ l: LotMarking) -> [(String, JSONOut)] {
        var fields: [(String, JSONOut)] = [
            ("lot", .string(l.lot)), ("manufacturer", .string(l.manufacturer)), ("calibre", .string(l.calibre)),
            ("type", .string(l.type)),
        ]
        if let y = l.year { fields.append(("year", .int(Int64(y)))) }
        return fields
    }

    /// A recorded event: its seq and the event as recorded (its ledger leaf).
    static func event(seq: Int64, leaf: [UInt8]) -> JSONOut {
        .object([("seq", .int(seq)), ("event", .raw(leaf))])
    }

    static func page(_ key: String, _ elements: [JSONOut], nextCursor: String?) -> JSONOut {
        .object([(key, .array(elements)), ("nextCursor", .optional(nextCursor))])
    }

    /// One entry of an item's custody chain: what the event did and who recorded it, the
    /// number of the other items and the lots it names, its leaf hash, and where the whole
    /// event is. An event that moved five hundred rifles is as small here as one that moved one.
    static func chainEntry(seq: Int64, leaf: [UInt8]) throws -> JSONOut {
        guard let c = LeafHead.entry(leaf) else { throw Problem.internalError() }
        var f: [(String, JSONOut)] = [
            ("seq", .int(seq)), ("kind", .string(c.event.kind.rawValue)), ("occurredAt", .string(c.event.occurredAt)),
        ]
        if let from = c.event.from { f.append(("from", .string(from))) }
        if let to = c.event.to { f.append(("to", .string(to))) }
        if let document = c.event.document { f.append(("document", .string(document))) }
        if let due = c.event.dueBack { f.append(("dueBack", .string(due))) }
        if let condition = c.event.condition { f.append(("condition", .string(condition.rawValue))) }
        if let stocktake = c.event.stocktake { f.append(("stocktake", .int(stocktake))) }
        if let at = c.recordedAt { f.append(("recordedAt", .string(at))) }
        if let by = c.recordedBy { f.append(("recordedBy", .string(by))) }
        if !c.confirmedBy.isEmpty { f.append(("confirmedBy", .array(c.confirmedBy.map { .string($0) }))) }
        f += [
            ("otherItems", .int(Int64(max(0, c.items - 1)))), ("lots", .int(Int64(c.lots))),
            ("leafHash", .string(Merkle.leafHash(leaf).hex)), ("event", .string("/api/v1/events/\(seq)")),
        ]
        return .object(f)
    }

    /// A past moment of the register, as `RegisterMoment.jsonValue`.
    static func moment(_ m: RegisterMoment) -> JSONOut { .raw(CanonicalJSON.encode(m.jsonValue)) }

    static func counts(_ d: [String: Int64]) -> JSONOut {
        .object(d.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })
    }
}
