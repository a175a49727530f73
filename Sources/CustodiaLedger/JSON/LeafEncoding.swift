import CustodiaCore

/// The ledger leaf of an event: its canonical JSON (RFC 8785), written directly.
///
/// Produces exactly the bytes of `CanonicalJSON.encode(event.jsonValue)` (a test holds the
/// two together) without building the intermediate JSON tree, because it runs once for
/// every recorded event. Keys are written in their canonical (sorted) order by hand.
public enum LeafEncoding {
    public static func leaf(_ event: Event) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        append(event, to: &out)
        return out
    }

    public static func append(_ e: Event, to out: inout [UInt8]) {
        var w = Writer(out: out)
        out = []
        w.open()
        if let a = e.authorisation {
            w.key("authorisation")
            w.bytes(CanonicalJSON.encode(a.jsonValue))
        }
        w.string("certificate", e.certificate)
        w.string("condition", e.condition?.rawValue)
        if !e.confirmedBy.isEmpty { w.strings("confirmedBy", e.confirmedBy) }
        if let c = e.corrects { w.int("corrects", c) }
        w.string("destinationCountry", e.destinationCountry)
        if e.distinct { w.key("distinct"); w.raw("true") }
        w.string("document", e.document)
        w.string("dueBack", e.dueBack)
        w.string("finding", e.finding?.rawValue)
        w.string("from", e.from)
        if let h = e.holder {
            w.key("holder")
            w.object { inner in
                inner.string("code", h.code)
                inner.string("kind", h.kind?.rawValue)
                inner.string("name", h.name)
                if e.kind == .holderAdd || e.kind == .holderMove {
                    inner.key("parent")
                    if let p = h.parent { inner.value(p) } else { inner.raw("null") }
                }
            }
        }
        if !e.registrations.isEmpty {
            w.key("items")
            w.raw("[")
            for (n, m) in e.registrations.enumerated() {
                if n > 0 { w.raw(",") }
                w.object { o in
                    if m.assignedMark { o.key("assignedMark"); o.raw("true") }
                    o.string("calibre", m.calibre)
                    o.string("category", m.category.rawValue)
                    o.string("country", m.country)
                    o.string("importCountry", m.importCountry)
                    if let y = m.importYear { o.int("importYear", Int64(y)) }
                    o.string("manufacturer", m.manufacturer)
                    o.string("marks", m.marks)
                    o.string("model", m.model)
                    o.string("serial", m.serial)
                    if let y = m.year { o.int("year", Int64(y)) }
                }
            }
            w.raw("]")
        } else if !e.items.isEmpty {
            w.key("items")
            w.raw("[")
            for (n, ref) in e.items.enumerated() {
                if n > 0 { w.raw(",") }
                w.object { o in
                    switch ref {
                    case .marking(let manufacturer, let serial, let model):
                        o.string("manufacturer", manufacturer)
                        o.string("model", model)
                        o.string("serial", serial)
                    case .id(let id):
                        o.int("id", id)
                    }
                }
            }
            w.raw("]")
        }
        w.string("kind", e.kind.rawValue)
        w.string("licence", e.licence)
        if !e.lotRegistrations.isEmpty {
            w.key("lots")
            w.raw("[")
            for (n, r) in e.lotRegistrations.enumerated() {
                if n > 0 { w.raw(",") }
                w.object { o in
                    o.string("calibre", r.marking.calibre)
                    o.string("lot", r.marking.lot)
                    o.string("manufacturer", r.marking.manufacturer)
                    o.int("quantity", r.quantity)
                    o.string("type", r.marking.type)
                    if let y = r.marking.year { o.int("year", Int64(y)) }
                }
            }
            w.raw("]")
        } else if !e.lots.isEmpty {
            w.key("lots")
            w.raw("[")
            for (n, r) in e.lots.enumerated() {
                if n > 0 { w.raw(",") }
                w.object { o in
                    o.string("lot", r.lot)
                    o.string("manufacturer", r.manufacturer)
                    o.int("quantity", r.quantity)
                }
            }
            w.raw("]")
        }
        w.string("method", e.method)
        w.string("note", e.note)
        w.string("occurredAt", e.occurredAt)
        if let o = e.opening {
            w.key("opening")
            w.bytes(CanonicalJSON.encode(o.jsonValue))
        }
        if let p = e.plan {
            w.key("plan")
            w.bytes(CanonicalJSON.encode(p.jsonValue))
        }
        if let p = e.policy {
            w.key("policy")
            w.bytes(CanonicalJSON.encode(p.jsonValue))
        }
        w.string("reason", e.reason)
        if let r = e.reconciliation {
            w.key("reconciliation")
            w.bytes(CanonicalJSON.encode(r.jsonValue))
        }
        w.string("recordedAt", e.recordedAt)
        w.string("recordedBy", e.recordedBy)
        if let r = e.resolvedBy { w.int("resolvedBy", r) }
        w.string("salt", e.salt)
        if let s = e.sample { w.int("sample", s) }
        if let s = e.stocktake { w.int("stocktake", s) }
        w.string("to", e.to)
        if !e.unlisted.isEmpty {
            w.key("unlisted")
            w.bytes(CanonicalJSON.encode(.array(e.unlisted.map(\.jsonValue))))
        }
        if let u = e.user {
            w.key("user")
            w.object { inner in
                inner.string("code", u.code)
                inner.string("role", u.role?.rawValue)
                if e.kind == .userAdd {
                    inner.string("scope", u.scope)
                } else if e.kind == .userChange, u.setsScope {
                    inner.key("scope")
                    if let s = u.scope { inner.value(s) } else { inner.raw("null") }
                }
                inner.string("token", u.token)
            }
        }
        if let waiver = e.waiver {
            w.key("waiver")
            w.bytes(CanonicalJSON.encode(waiver.jsonValue))
        }
        if !e.witnesses.isEmpty { w.strings("witnesses", e.witnesses) }
        w.close()
        out = w.out
    }

    /// Writes one JSON object's members, in the order given (which must be canonical).
    private struct Writer {
        var out: [UInt8]
        var first = true

        mutating func open() {
            out.append(UInt8(ascii: "{"))
            first = true
        }

        mutating func close() { out.append(UInt8(ascii: "}")) }

        /// Writes a nested object whose members `body` adds, in canonical order.
        mutating func object(_ body: (inout Writer) -> Void) {
            var inner = Writer(out: out)
            out = []
            inner.open()
            body(&inner)
            inner.close()
            out = inner.out
        }

        mutating func bytes(_ b: [UInt8]) { out.append(contentsOf: b) }

        mutating func raw(_ s: StaticString) {
            s.withUTF8Buffer { out.append(contentsOf: $0) }
        }

        mutating func key(_ k: StaticString) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            k.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
        }

        mutating func value(_ s: String) { CanonicalJSON.appendString(s, to: &out) }

        mutating func string(_ k: StaticString, _ v: String?) {
            guard let v else { return }
            key(k)
            value(v)
        }

        mutating func int(_ k: StaticString, _ v: Int64) {
            key(k)
            CanonicalJSON.appendInteger(v, to: &out)
        }

        mutating func strings(_ k: StaticString, _ vs: [String]) {
            key(k)
            out.append(UInt8(ascii: "["))
            for (n, v) in vs.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                value(v)
            }
            out.append(UInt8(ascii: "]"))
        }
    }
}
