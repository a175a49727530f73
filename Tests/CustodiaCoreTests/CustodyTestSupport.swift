import Testing

@testable import CustodiaCore

// Shared fixtures for the custody rule tests: an in-memory store that plays the part of
// the SQLite store (it loads state for the engine and writes back what the engine changed),
// and a small holder tree.

/// A store over dictionaries. A class, so that what the harness writes after each event is
/// what the engine reads on its next cache miss.
final class MemoryCustodyStore: StateLoader {
    var items: [Int64: ItemRecord] = [:]
    var lots: [Int64: LotRecord] = [:]
    var balances: [LotHolder: Int64] = [:]
    var missing: [Int64: Int64] = [:]
    var dispatches: [String: DispatchRecord] = [:]
    var holders: [String: Holder] = [:]
    var users: [String: UserRecord] = [:]
    var tokens: [String: APITokenRecord] = [:]
    var serialKeys: [Int64: String] = [:]
    var events: [Int64: Event] = [:]
    var usedConfirmations: Set<String> = []
    /// How many times the engine looked items up by serial.
    var serialReads = 0

    func items(manufacturer: String, serial: String) throws -> [ItemRecord] {
        serialReads += 1
        return items.values.filter { $0.marking.manufacturer == manufacturer && $0.marking.serial == serial }.sorted { $0.id < $1.id }
    }
    func item(id: Int64) throws -> ItemRecord? { items[id] }
    func lots(number: String) throws -> [LotRecord] {
        lots.values.filter { $0.marking.lot == number }.sorted { $0.id < $1.id }
    }
    func balance(_ key: LotHolder) throws -> Int64 { balances[key] ?? 0 }
    func missingQuantity(lot: Int64) throws -> Int64 { missing[lot] ?? 0 }
    func dispatch(document: String) throws -> DispatchRecord? { dispatches[document] }
    func user(code: String) throws -> UserRecord? { users[code] }
    func token(id: String) throws -> APITokenRecord? { tokens[id] }
    func items(serialKey: String) throws -> [ItemRecord] {
        serialKeys.filter { $0.value == serialKey }.keys.sorted().compactMap { items[$0] }
    }
    func event(seq: Int64) throws -> Event? { events[seq] }
    func confirmationUsed(id: String) throws -> Bool { usedConfirmations.contains(id) }
    func userCodes() throws -> [String] { Array(users.keys) }
    func seqs(ofKind kind: EventKind) throws -> [Int64] { events.filter { $0.value.kind == kind }.keys.sorted() }
    func heldCounts(category: Category, holders: [String]) throws -> [String: Int] {
        let set = Set(holders)
        var out: [String: Int] = [:]
        for r in items.values where r.marking.category == category && r.state.status == .held {
            if let h = r.state.holder, set.contains(h) { out[h, default: 0] += 1 }
        }
        return out
    }

    /// Writes as the SQLite store does: a changed item in only the fields the engine lists
    /// as changed, so that a field it leaves out stays as it was, and the tests see it.
    func write(_ c: StateChanges) {
        for r in c.newItems { items[r.id] = r }
        for (r, key) in zip(c.newItems, c.newItemSerialKeys) { serialKeys[r.id] = key }
        for u in c.usedConfirmations { usedConfirmations.insert(u.id) }
        precondition(c.changedItemColumns.count == c.changedItems.count, "every changed item lists its changed fields")
        for (r, columns) in zip(c.changedItems, c.changedItemColumns) {
            guard var stored = items[r.id] else {
                preconditionFailure("item \(r.id) is listed as changed but was never written")
            }
            let new = r.state
            if columns.contains(.status) { stored.state.status = new.status }
            if columns.contains(.holder) { stored.state.holder = new.holder }
            if columns.contains(.account) { stored.state.account = new.account }
            if columns.contains(.condition) { stored.state.condition = new.condition }
            if columns.contains(.dueBack) { stored.state.dueBack = new.dueBack }
            if columns.contains(.transit) { stored.state.transit = new.transit }
            if columns.contains(.lastCounted) { stored.state.lastCounted = new.lastCounted }
            if columns.contains(.lastSeq) { stored.state.lastSeq = new.lastSeq }
            items[r.id] = stored
        }
        for l in c.newLots { lots[l.id] = l }
        for (k, v) in c.balances { balances[k] = v }
        for (k, v) in c.missingLots { missing[k] = v }
        for d in c.newDispatches + c.changedDispatches { dispatches[d.document] = d }
        for h in c.newHolders + c.changedHolders { holders[h.code] = h }
        for u in c.newUsers + c.changedUsers { users[u.code] = u }
        for t in c.newTokens + c.changedTokens { tokens[t.id] = t }
    }
}

/// Fixed names used throughout the rule tests.
enum Fx {
    static let region = "R-NORTH"
    static let zone = "Z-1"
    static let dep1 = "DEP-01"
    static let dep2 = "DEP-02"
    static let unit = "UNIT-1"
    static let person = "P-0001"
    static let external = "EXT-ACME"
    static let personName = "Amina Example"

    static let t0 = "2026-03-01T08:00:00Z"
    static let t1 = "2026-03-02T09:30:00Z"

    static let rifle = ItemMarking(
        category: .assaultRifle, manufacturer: "Kalashnikov Concern", country: "RU", model: "AK-74M", calibre: "5.45x39mm",
        serial: "AK-000123", year: 1995)
    static let pistol = ItemMarking(
        category: .revolverPistol, manufacturer: "Glock", country: "AT", model: "G17", calibre: "9x19mm", serial: "GL-4455",
        year: 2012, importCountry: "KE", importYear: 2014)
    /// Same manufacturer and serial as `rifle`, another model.
    static let rifleTwin = ItemMarking(
        category: .assaultRifle, manufacturer: "Kalashnikov Concern", country: "RU", model: "AKM", calibre: "7.62x39mm",
        serial: "AK-000123")

    static func ref(_ m: ItemMarking, model: Bool = false) -> ItemReference {
        .marking(manufacturer: m.manufacturer, serial: m.serial, model: model ? m.model : nil)
    }
    static func fullRef(_ m: ItemMarking) -> ItemReference {
        .marking(manufacturer: m.manufacturer, serial: m.serial, model: m.model)
    }

    static let lotMarking = LotMarking(lot: "L-2020-07", manufacturer: "PMC", calibre: "7.62x39mm", type: "ball", year: 2020)

    /// The holder-add events of the fixture tree: a region, a zone, two sites, a unit, a
    /// person and an external party.
    static var holderAdds: [Event] {
        [
            holderAdd(region, .region, "Northern Region", parent: nil),
            holderAdd(zone, .zone, "Zone One", parent: region),
            holderAdd(dep1, .site, "Depot One", parent: zone),
            holderAdd(dep2, .site, "Depot Two", parent: zone),
            holderAdd(unit, .unit, "First Unit", parent: dep1),
            holderAdd(person, .person, personName, parent: unit),
            holderAdd(external, .external, "ACME Arms Ltd", parent: nil),
        ]
    }

    static func holderAdd(_ code: String, _ kind: HolderKind, _ name: String?, parent: String?) -> Event {
        var e = Event(kind: .holderAdd, occurredAt: t0)
        e.holder = HolderChange(code: code, kind: kind, name: name, parent: parent)
        return e
    }

    static func holderEvent(_ kind: EventKind, _ code: String, name: String? = nil, parent: String? = nil) -> Event {
        var e = Event(kind: kind, occurredAt: t0)
        e.holder = HolderChange(code: code, name: name, parent: parent)
        return e
    }

    static func event(
        _ kind: EventKind, at: String = t1, from: String? = nil, to: String? = nil, items: [ItemReference] = [],
        lots: [LotReference] = [], document: String? = nil, dueBack: String? = nil, condition: Condition? = nil
    ) -> Event {
        var e = Event(kind: kind, occurredAt: at)
        e.from = from
        e.to = to
        e.items = items
        e.lots = lots
        e.document = document
        e.dueBack = dueBack
        e.condition = condition
        return e
    }

    static func register(_ markings: [ItemMarking], to: String, condition: Condition? = nil) -> Event {
        var e = Event(kind: .register, occurredAt: t0)
        e.to = to
        e.registrations = markings
        e.condition = condition
        return e
    }

    static func registerLot(_ marking: LotMarking = lotMarking, quantity: Int64, to: String) -> Event {
        registerLots([(marking, quantity)], to: to)
    }

    static func registerLots(_ lots: [(LotMarking, Int64)], to: String) -> Event {
        var e = Event(kind: .register, occurredAt: t0)
        e.to = to
        e.lotRegistrations = lots.map { LotRegistration(marking: $0.0, quantity: $0.1) }
        return e
    }

    static func lot(_ quantity: Int64, _ number: String = lotMarking.lot, manufacturer: String? = nil) -> LotReference {
        LotReference(lot: number, manufacturer: manufacturer, quantity: quantity)
    }
}

/// An engine over a `MemoryCustodyStore`, writing the engine's changes to the store after
/// every accepted event, as the real store does after a batch.
final class CustodyHarness {
    let store: MemoryCustodyStore
    var engine: CustodyEngine
    /// Whether the engine forgets its cache after each event (reading back from the store)
    /// or keeps it (as within one long batch).
    let dropCache: Bool

    /// Starts empty and adds the fixture holders through holder-add events.
    init(dropCache: Bool = true, withHolders: Bool = true) throws {
        self.dropCache = dropCache
        let store = MemoryCustodyStore()
        self.store = store
        engine = CustodyEngine(loader: store, holders: [:], nextSeq: 0, nextItemID: 1, nextLotID: 1)
        if withHolders {
            for e in Fx.holderAdds { try apply(e) }
        }
    }

    /// Applies an event the test expects to be accepted. The event must be well formed
    /// (`checkShape`), as every event that reaches the engine is.
    @discardableResult
    func apply(_ event: Event) throws -> AppliedEvent {
        try event.checkShape()
        let applied = try engine.apply(event)
        store.write(engine.takeChanges(dropCache: dropCache))
        store.events[applied.seq] = applied.event
        return applied
    }

    /// Applies an event the test expects to be refused; records an issue if it is accepted
    /// or refused for another reason. Also checks that the refusal changed nothing: the
    /// sequence number did not advance and the engine has no changes to hand over.
    func refusal(_ event: Event, sourceLocation: SourceLocation = #_sourceLocation) -> CustodyViolation? {
        do {
            try event.checkShape()
        } catch {
            Issue.record("test event is malformed: \(error)", sourceLocation: sourceLocation)
            return nil
        }
        let seqBefore = engine.nextSeq
        let itemsBefore = store.items
        do {
            let applied = try engine.apply(event)
            Issue.record("expected a refusal, but event \(applied.seq) was accepted", sourceLocation: sourceLocation)
            store.write(engine.takeChanges(dropCache: dropCache))
            return nil
        } catch let violation as CustodyViolation {
            #expect(
                engine.nextSeq == seqBefore, "a refused event must not take a sequence number", sourceLocation: sourceLocation)
            let changes = engine.takeChanges(dropCache: dropCache)
            #expect(changes.isEmpty, "a refused event must change no state", sourceLocation: sourceLocation)
            store.write(changes)
            #expect(store.items == itemsBefore, sourceLocation: sourceLocation)
            return violation
        } catch {
            Issue.record("expected a CustodyViolation, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// The stored record of an item by its marking.
    func item(_ m: ItemMarking, sourceLocation: SourceLocation = #_sourceLocation) throws -> ItemRecord {
        let found = store.items.values.filter { $0.marking.identity == m.identity }
        return try #require(found.count == 1 ? found.first : nil, "no single item \(m.label)", sourceLocation: sourceLocation)
    }

    func balance(_ holder: String, lot: Int64 = 1) -> Int64 { store.balances[LotHolder(lot: lot, holder: holder)] ?? 0 }
    func missing(lot: Int64 = 1) -> Int64 { store.missing[lot] ?? 0 }
}
