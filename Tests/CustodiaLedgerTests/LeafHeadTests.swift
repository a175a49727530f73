import CustodiaCore
import CustodiaLedger
import Testing

/// `LeafHead` reads what an event does to one item without its lists, and reads it as the
/// whole event does.
@Suite struct LeafHeadTests {
    @Test func theHeadOfALeafIsTheWholeEventsHead() throws {
        var e = Event(kind: .issue, occurredAt: "2026-03-01T08:00:00Z")
        e.from = "S1"
        e.to = "U\"1]}"
        e.document = "VO-[1], {x}"
        e.dueBack = "2026-03-10"
        e.items = (1...300).map { .marking(manufacturer: "Kalashnikov \"KC\" [ok]", serial: "AK-\($0)}", model: "AK-74M") }
        e.note = "a note with \\ backslash, \"quotes\", ] and }"
        let leaf = CanonicalJSON.encode(e.jsonValue)
        let head = try #require(LeafHead.event(leaf))
        #expect(head.kind == .issue && head.occurredAt == e.occurredAt)
        #expect(head.from == "S1" && head.to == "U\"1]}" && head.document == "VO-[1], {x}" && head.dueBack == "2026-03-10")
        #expect(head.items.isEmpty && head.condition == nil && head.stocktake == nil)

        var count = Event(kind: .count, occurredAt: "2026-03-02T08:00:00Z")
        count.from = "S1"
        count.stocktake = 42
        count.items = [.marking(manufacturer: "K", serial: "1", model: nil)]
        let countHead = try #require(LeafHead.event(CanonicalJSON.encode(count.jsonValue)))
        #expect(countHead.stocktake == 42 && countHead.kind == .count)

        var condition = Event(kind: .condition, occurredAt: "2026-03-02T08:00:00Z")
        condition.from = "S1"
        condition.condition = .repairable
        condition.items = [.marking(manufacturer: "K", serial: "1", model: nil)]
        #expect(LeafHead.event(CanonicalJSON.encode(condition.jsonValue))?.condition == .repairable)

        for bad in ["", "[]", "{\"kind\":\"issue\"}", "{\"kind\":\"nope\",\"occurredAt\":\"x\"}", "{\"kind\":\"issue\",\"occurredAt\":\"x\""] {
            #expect(LeafHead.event(Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    /// On every event of the small demo, the head equals the whole event's head fields.
    @Test func everyDemoEventsHeadMatches() throws {
        var checked = 0
        for var event in DemoGenerator(scale: .small) {
            event.recordedAt = "2026-11-01T00:00:00Z"
            event.recordedBy = "tester"
            let head = try #require(LeafHead.event(LeafEncoding.leaf(event)))
            #expect(head.kind == event.kind && head.occurredAt == event.occurredAt)
            #expect(head.from == event.from && head.to == event.to && head.document == event.document)
            #expect(head.dueBack == event.dueBack && head.condition == event.condition && head.stocktake == event.stocktake)
            checked += 1
        }
        #expect(checked > 10_000)
    }
}
