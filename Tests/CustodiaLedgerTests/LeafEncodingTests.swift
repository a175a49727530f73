import CustodiaCore
import Testing

@testable import CustodiaLedger

/// The direct leaf encoder must produce exactly the canonical JSON of the event's JSON value:
/// `verify` relies on it to prove every stored leaf canonical.
@Suite struct LeafEncodingTests {
    @Test func everyDemoEventEncodesToItsCanonicalJSON() {
        var generator = DemoGenerator(scale: .small)
        var count = 0
        var kinds: Set<EventKind> = []
        while var event = generator.next() {
            event.recordedAt = "2026-11-01T00:00:00Z"
            event.recordedBy = "tester"
            let direct = LeafEncoding.leaf(event)
            let viaTree = CanonicalJSON.encode(event.jsonValue)
            #expect(direct == viaTree, "event \(count) (\(event.kind.rawValue)) encodes differently")
            if direct != viaTree { return }
            kinds.insert(event.kind)
            count += 1
        }
        #expect(count == 20_000)
        #expect(kinds.count >= 18)
    }

    @Test func unusualFieldsEncodeToTheirCanonicalJSON() throws {
        var event = Event(kind: .destroy, occurredAt: "2026-03-01T08:00:00Z")
        event.from = "DEP-01"
        event.to = "EXT-DEST"
        event.items = [.id(7), .marking(manufacturer: "Fábrica \"Ñ\"", serial: "A\u{1}B", model: nil)]
        event.lots = [LotReference(lot: "L-1", quantity: 5)]
        event.method = "cutting"
        event.certificate = "CERT/1"
        event.witnesses = ["P-1", "P-2"]
        event.confirmedBy = ["P-3"]
        event.note = "line\nbreak\ttab"
        event.licence = "LIC-9"
        event.destinationCountry = "XR"
        event.recordedAt = "2026-03-01T09:00:00Z"
        event.recordedBy = "cli"
        #expect(LeafEncoding.leaf(event) == CanonicalJSON.encode(event.jsonValue))

        var holder = Event(kind: .holderAdd, occurredAt: "2026-03-01T08:00:00Z")
        holder.holder = HolderChange(code: "P-1", kind: .person, name: nil, parent: "UNIT-1")
        holder.recordedAt = "2026-03-01T09:00:00Z"
        holder.recordedBy = "cli"
        #expect(LeafEncoding.leaf(holder) == CanonicalJSON.encode(holder.jsonValue))

        var correction = Event(kind: .correction, occurredAt: "2026-03-01T08:00:00Z")
        correction.corrects = 12
        correction.reason = "wrong unit"
        #expect(LeafEncoding.leaf(correction) == CanonicalJSON.encode(correction.jsonValue))
    }

    static let userChanges: [(EventKind, UserChange)] = [
        (.userAdd, .add(code: "ana", role: .clerk, scope: "DEP-01")),
        (.userAdd, .add(code: "aud", role: .auditor, scope: nil)),
        (.userAdd, UserChange(code: "adm", role: .admin, scope: nil, setsScope: false)),
        (.userChange, .change(code: "ana", role: .inspector, scope: nil)),
        (.userChange, .change(code: "ana", role: nil, scope: .some("Z-1"))),
        (.userChange, .change(code: "ana", role: .admin, scope: .some(nil))),
        (.userChange, .change(code: "ana", role: nil, scope: .some(nil))),
        (.userDisable, .disable(code: "ana")),
        (.tokenCreate, .token("0123456789abcdef", owner: "ana")),
        (.tokenRevoke, .token("0123456789abcdef", owner: "ana")),
    ]

    @Test(arguments: 0..<userChanges.count)
    func userAndTokenEventsEncodeToTheirCanonicalJSON(index: Int) throws {
        let (kind, change) = Self.userChanges[index]
        var event = Event(kind: kind, occurredAt: "2026-03-01T08:00:00Z")
        event.user = change
        event.recordedAt = "2026-03-01T09:00:00Z"
        event.recordedBy = "admin-1"
        event.reason = "rotation \"2026\""
        let leaf = LeafEncoding.leaf(event)
        #expect(leaf == CanonicalJSON.encode(event.jsonValue))
        // The leaf is canonical: parsed back from the ledger, it encodes to the same bytes.
        let parsed = try leaf.withUnsafeBufferPointer { try JSONParser.parse($0) }
        let replayed = try Event(json: parsed, source: .ledger)
        #expect(LeafEncoding.leaf(replayed) == leaf)
        let text = String(decoding: leaf, as: UTF8.self)
        #expect(text.contains(#""user":{"code":"#))
    }
}
