import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import Testing

/// One behaviour every `Store` must have, run against a backend by its factory.
struct ConformanceCheck: Sendable, CustomTestStringConvertible {
    let name: String
    let body: @Sendable (StoreFactory) async throws -> Void
    init(_ name: String, _ body: @escaping @Sendable (StoreFactory) async throws -> Void) {
        self.name = name
        self.body = body
    }
    var testDescription: String { name }
}

/// The conformance suite: what any `Store` implementation must do. A backend runs every
/// check with its factory (see `SQLiteConformanceTests`).
enum StoreConformance {
    static let all: [ConformanceCheck] =
        [
            ConformanceCheck("a new store is empty", aNewStoreIsEmpty),
            ConformanceCheck("holders are added and listed", holdersAreAddedAndListed),
            ConformanceCheck("holder renames, moves and closes are applied", holderChangesAreApplied),
            ConformanceCheck("a person's name is kept but stays out of the ledger", personNamesStayOutOfTheLedger),
            ConformanceCheck("registered items are found by serial, manufacturer and model", registeredItemsAreFound),
            ConformanceCheck("an item is registered only once", anItemIsRegisteredOnce),
            ConformanceCheck("one invalid event among valid ones writes nothing and is reported", oneInvalidEventWritesNothing),
            ConformanceCheck("every invalid event of a batch is reported with its line and field", everyInvalidEventIsReported),
            ConformanceCheck("a dry run writes nothing but counts what it accepted", dryRunWritesNothing),
            ConformanceCheck("an empty append writes nothing", emptyAppendWritesNothing),
            ConformanceCheck("history lists every event touching the item, in order", historyListsEveryEventInOrder),
            ConformanceCheck("holdings list items and lot balances, directly and recursively", holdingsDirectAndRecursive),
            ConformanceCheck("summary counts items by category, status, condition and region", summaryCounts),
            ConformanceCheck("verify finds no divergence in an honest store", verifyPassesOnAnHonestStore),
            ConformanceCheck("a batch of thousands of events is applied whole", aLargeBatchIsAppliedWhole),
            ConformanceCheck(
                "serials equal only under Unicode normalisation do not break verify", unicodeEquivalentSerialsVerify),
        ] + serverChecks + webChecks + stocktakeChecks + samplingChecks + pastChecks + markChecks

    // MARK: Holders

    static func aNewStoreIsEmpty(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            #expect(try await store.ledgerSize() == 0)
            #expect(try await store.holders() == [])
            #expect(try await store.entries(from: 0, to: 10) == [])
            let s = try await store.summary()
            #expect(s.items == 0 && s.lots == 0 && s.events == 0 && s.holders == 0)
            if let note = try await store.checkpoint(size: nil) {
                #expect(try await store.signedCheckpoint(note).size == 0)
            }
            _ = try NoteVerifier(verifierKey: try await store.verifierKey())
            #expect(try await store.verify().divergence == nil)
        }
    }

    static func holdersAreAddedAndListed(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            let report = try await store.recordValid(Fixture.holderTree)
            #expect(report.accepted == 8)
            #expect(report.firstSeq == 0)
            #expect(report.size == 8)
            let holders = try await store.holders()
            #expect(holders.map(\.code) == ["EXT", "P1", "R1", "R2", "S1", "S2", "U1", "Z1"])
            let byCode = Dictionary(uniqueKeysWithValues: holders.map { ($0.code, $0) })
            #expect(byCode["R1"] == Holder(code: "R1", kind: .region, name: "North"))
            #expect(byCode["Z1"] == Holder(code: "Z1", kind: .zone, name: "North zone", parent: "R1"))
            #expect(byCode["S1"] == Holder(code: "S1", kind: .site, name: "Depot One", parent: "Z1"))
            #expect(byCode["U1"] == Holder(code: "U1", kind: .unit, name: "First Unit", parent: "S1"))
            #expect(byCode["P1"]?.kind == .person)
            #expect(byCode["P1"]?.parent == "U1")
            #expect(byCode["EXT"] == Holder(code: "EXT", kind: .external, name: "Buyer Ltd"))
            #expect(try await store.summary().holders == 8)
            #expect(try await store.ledgerSize() == 8)

            // Children recorded before their parents in one batch are refused, not reordered.
            let refused = try await store.record([
                E.holder("U9", .unit, "Nine", parent: "S9"), E.holder("S9", .site, "Nine", parent: "R1"),
            ])
            #expect(refused.errors.map(\.line) == [1])
            #expect(refused.errors.first?.field == "holder.parent")
            #expect(try await store.holders().count == 8)
        }
    }

    static func holderChangesAreApplied(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([
                E.holderChange(.holderRename, HolderChange(code: "S1", name: "Depot One (new)")),
                E.holderChange(.holderMove, HolderChange(code: "U1", parent: "S2")),
                E.holderChange(.holderClose, HolderChange(code: "EXT")),
            ])
            let byCode = Dictionary(uniqueKeysWithValues: try await store.holders().map { ($0.code, $0) })
            #expect(byCode["S1"]?.name == "Depot One (new)")
            #expect(byCode["U1"]?.parent == "S2")
            #expect(byCode["EXT"]?.closed == true)
            #expect(byCode["S2"]?.closed == false)

            // A zone moved under a site and an item sent to a closed holder are refused.
            let refused = try await store.record([
                E.holderChange(.holderMove, HolderChange(code: "Z1", parent: "S1")),
                E.register(E.item("AK-1"), to: "EXT"),
            ])
            #expect(refused.errors.map(\.line) == [1, 2])
            #expect(refused.errors.map(\.field) == ["holder.parent", "to"])
            #expect(try await store.ledgerSize() == 11)
        }
    }

    static func personNamesStayOutOfTheLedger(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([E.holderChange(.holderRename, HolderChange(code: "P1", name: "Jane Roe"))])
            #expect(try await store.holders().first { $0.code == "P1" }?.name == "Jane Roe")
            let leaves = try await store.entries(from: 0, to: try await store.ledgerSize()).map(\.json)
            #expect(leaves.count == 9)
            #expect(!leaves.contains { $0.contains("Jane") })
            #expect(leaves.contains { $0.contains("Depot One") }, "the names of places are in the ledger")
        }
    }

    // MARK: Items

    static func registeredItemsAreFound(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            let full = ItemMarking(
                category: .assaultRifle, manufacturer: "Kalashnikov", country: "RU", model: "AK-103", calibre: "7.62x39",
                serial: "AK-1", year: 2001, importCountry: "XX", importYear: 2003, marks: "crest on receiver", assignedMark: true)
            let report = try await store.recordValid([
                E.register(E.item("AK-1"), to: "S1"),
                E.register(full, to: "S1"),
                E.register(
                    [
                        E.item("AK-1", manufacturer: "Izhmash"),
                        E.item("G-1", manufacturer: "Glock", model: "G17", category: .revolverPistol),
                    ], to: "U1", condition: .repairable),
            ])
            #expect(report.accepted == 3)
            #expect(report.firstSeq == 8)

            let all = try await store.items(serial: "AK-1", manufacturer: nil, model: nil)
            #expect(all.count == 3)
            #expect(
                Set(all.map { "\($0.record.marking.manufacturer) \($0.record.marking.model)" })
                    == ["Kalashnikov AK-74M", "Kalashnikov AK-103", "Izhmash AK-74M"])
            #expect(try await store.items(serial: "AK-1", manufacturer: "Kalashnikov", model: nil).count == 2)
            #expect(try await store.items(serial: "AK-1", manufacturer: nil, model: "AK-74M").count == 2)
            #expect(try await store.items(serial: "AK-1", manufacturer: "Izhmash", model: "AK-103") == [])
            #expect(try await store.items(serial: "AK-2", manufacturer: nil, model: nil) == [])

            let found = try await store.items(serial: "AK-1", manufacturer: "Kalashnikov", model: "AK-103")
            let view = try #require(found.first)
            #expect(found.count == 1)
            #expect(view.record.marking == full)
            #expect(view.registeredSeq == 9)
            #expect(view.record.registeredSeq == 9)
            #expect(view.record.state.status == .held)
            #expect(view.record.state.holder == "S1")
            #expect(view.record.state.account == "S1")
            #expect(view.record.state.condition == .serviceable)
            #expect(view.record.state.lastSeq == 9)

            let glock = try await store.item("G-1")
            #expect(glock.registeredSeq == 10)
            #expect(glock.record.marking.category == .revolverPistol)
            #expect(glock.record.state.holder == "U1")
            #expect(glock.record.state.condition == .repairable)
            #expect(Set(all.map(\.record.id)).count == 3, "each item has its own id")
            #expect(!all.map(\.record.id).contains(glock.record.id))
        }
    }

    static func anItemIsRegisteredOnce(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([E.register(E.item("AK-1"), to: "S1")])
            let again = try await store.record([E.register(E.item("AK-2"), to: "S1"), E.register(E.item("AK-1"), to: "S2")])
            #expect(again.errors.count == 1)
            #expect(again.errors.first?.line == 2)
            #expect(again.errors.first?.field == "items[0]")
            #expect(again.errors.first?.message.contains("already registered") == true)
            #expect(try await store.items(serial: "AK-2", manufacturer: nil, model: nil) == [])
            #expect(try await store.item("AK-1").record.state.holder == "S1")
        }
    }

    // MARK: All or nothing

    /// A store with the holder tree, two rifles and a pistol at S1, and lot L1 (1000) at S1.
    static func stocked(_ make: StoreFactory, _ dir: URL) async throws -> any Store {
        let store = try await make(dir)
        try await store.recordValid(Fixture.holderTree)
        try await store.recordValid([
            E.register([E.item("AK-1"), E.item("AK-2")], to: "S1"),
            E.register(E.item("G-1", manufacturer: "Glock", model: "G17", category: .revolverPistol), to: "S1"),
            E.registerLot("L1", quantity: 1000, to: "S1"),
        ])
        return store
    }

    static func snapshot(_ store: any Store) async throws -> StoreSnapshot {
        try await store.snapshot(serials: ["AK-1", "AK-2", "G-1"], holders: ["R1", "S1", "U1", "P1"])
    }

    static func oneInvalidEventWritesNothing(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await stocked(make, dir)
            let before = try await snapshot(store)
            let report = try await store.record([
                E.move(.issue, ["AK-1"], from: "S1", to: "P1"),
                E.move(.issue, ["AK-2"], lots: [("L1", 10)], from: "S1", to: "U1"),
                E.move(.issue, ["G-1"], manufacturer: "Glock", from: "U1", to: "P1"),  // G-1 is at S1, not U1
                E.move(.return, ["AK-1"], from: "P1", to: "S1"),
            ])
            #expect(report.errors.count == 1)
            let error = try #require(report.errors.first)
            #expect(error.line == 3)
            #expect(error.field == "items[0]")
            #expect(error.message.contains("G-1"))
            #expect(error.message.contains("S1"))
            #expect(!report.written)
            #expect(report.checkpoint == nil)
            #expect(report.size == before.size)
            let after = try await snapshot(store)
            #expect(after == before)
            #expect(try await store.item("AK-1").record.state.holder == "S1")
            #expect(try await store.holdings(of: "U1", recursive: false)?.lots == [])
        }
    }

    static func everyInvalidEventIsReported(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await stocked(make, dir)
            let before = try await snapshot(store)
            let report = try await store.record([
                E.move(.issue, ["AK-1"], from: "S1", to: "P1"),
                E.move(.issue, ["AK-404"], from: "S1", to: "P1"),  // never registered
                E.move(.issue, lots: [("L1", 5000)], from: "S1", to: "U1"),  // more than S1 holds
                E.move(.issue, ["AK-2"], from: "S1", to: "NOBODY"),  // unknown holder
                E.move(.return, ["AK-1"], from: "P1", to: "S1"),
                E.move(.receive, ["AK-2"], to: "S2", document: "NO-SUCH-DISPATCH"),
            ])
            #expect(report.errors.map(\.line) == [2, 3, 4, 6])
            #expect(report.errors.map(\.field) == ["items[0]", "lots[0].quantity", "to", "document"])
            #expect(report.errors.allSatisfy { !$0.message.isEmpty })
            #expect(report.accepted == 2, "the valid events are counted but not written")
            #expect(!report.written)
            #expect(try await snapshot(store) == before)
        }
    }

    static func dryRunWritesNothing(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await stocked(make, dir)
            let before = try await snapshot(store)
            let batch = [
                E.move(.issue, ["AK-1"], from: "S1", to: "P1", dueBack: "2026-03-31"),
                E.move(.issue, lots: [("L1", 100)], from: "S1", to: "U1"),
                E.move(.dispatch, ["AK-2"], from: "S1", to: "S2", document: "D-1"),
            ]
            let dry = try await store.record(batch, dryRun: true)
            #expect(dry.dryRun)
            #expect(dry.errors == [])
            #expect(dry.accepted == 3)
            #expect(!dry.written)
            #expect(dry.checkpoint == nil)
            #expect(dry.size == before.size)
            #expect(try await snapshot(store) == before)

            let dryInvalid = try await store.record(batch + [E.move(.issue, ["AK-1"], from: "S1", to: "U1")], dryRun: true)
            #expect(dryInvalid.errors.map(\.line) == [4])
            #expect(try await snapshot(store) == before)

            let real = try await store.recordValid(batch)
            #expect(real.accepted == 3)
            #expect(real.size == before.size + 3)
            #expect(try await store.item("AK-1").record.state.dueBack == "2026-03-31")
        }
    }

    static func emptyAppendWritesNothing(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await stocked(make, dir)
            let before = try await snapshot(store)
            let report = try await store.record([])
            #expect(report.accepted == 0)
            #expect(report.errors == [])
            #expect(!report.written)
            #expect(report.checkpoint == nil)
            #expect(try await snapshot(store) == before)
        }
    }

    // MARK: Queries

    static func historyListsEveryEventInOrder(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)  // 0–7
            try await store.recordValid([
                E.register(E.item("AK-1"), to: "S1"),  // 8
                E.register(E.item("AK-2"), to: "S1"),  // 9
                E.move(.issue, ["AK-1", "AK-2"], from: "S1", to: "P1"),  // 10
            ])
            try await store.recordValid([
                E.move(.return, ["AK-1"], from: "P1", to: "S1"),  // 11
                E.move(.condition, ["AK-2"], from: "P1", condition: .unserviceable),  // 12
                E.move(.count, ["AK-1"], from: "S1"),  // 13
                E.move(.dispatch, ["AK-1"], from: "S1", to: "S2", document: "D-7"),  // 14
                E.move(.loss, ["AK-2"], from: "P1"),  // 15
                E.move(.receive, ["AK-1"], to: "S2", document: "D-7"),  // 16
            ])
            let ak1 = try await store.item("AK-1")
            let ak2 = try await store.item("AK-2")
            let h1 = try await store.history(itemID: ak1.record.id)
            let h2 = try await store.history(itemID: ak2.record.id)
            #expect(h1.map(\.seq) == [8, 10, 11, 13, 14, 16])
            #expect(h2.map(\.seq) == [9, 10, 12, 15])
            #expect(
                try h1.map { try leafObject($0.leaf)["kind"] as? String } == [
                    "register", "issue", "return", "count", "dispatch", "receive",
                ])
            #expect(try h2.map { try leafObject($0.leaf)["kind"] as? String } == ["register", "issue", "condition", "loss"])
            for e in h1 + h2 {
                #expect(try await store.entries(from: e.seq, to: e.seq + 1) == [e], "history gives the leaf as recorded")
            }
            // The recorded issue names both items by their full identity.
            let issue = try leafObject(h1[1].leaf)
            let items = try #require(issue["items"] as? [[String: Any]])
            #expect(items.map { $0["model"] as? String } == ["AK-74M", "AK-74M"])
            #expect(try await store.history(itemID: 999_999) == [])
            #expect(ak1.record.state.status == .held && ak1.record.state.holder == "S2" && ak1.record.state.account == "S2")
            #expect(ak2.record.state.status == .missing && ak2.record.state.holder == nil)
        }
    }

    static func holdingsDirectAndRecursive(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([
                E.register([E.item("AK-1"), E.item("AK-2"), E.item("AK-3")], to: "S1"),
                E.register(E.item("G-1", manufacturer: "Glock", model: "G17", category: .revolverPistol), to: "U1"),
                E.register(E.item("AK-9"), to: "S2"),
                E.registerLot("L1", quantity: 1000, to: "S1"),
                E.move(.issue, ["AK-3"], lots: [("L1", 30)], from: "S1", to: "P1", dueBack: "2026-04-01"),
                E.move(.issue, lots: [("L1", 200)], from: "S1", to: "U1"),
                E.move(.issue, lots: [("L1", 50)], from: "U1", to: "P1"),
                E.move(.return, lots: [("L1", 80)], from: "P1", to: "S1"),
            ])
            func items(_ h: Holdings?) -> Set<String> { Set((h?.items ?? []).map { "\($0.holder) \($0.marking.serial)" }) }
            func lots(_ h: Holdings?) -> Set<String> {
                Set((h?.lots ?? []).map { "\($0.holder) \($0.marking.lot) \($0.quantity)" })
            }

            let s1 = try await store.holdings(of: "S1", recursive: false)
            #expect(s1?.holder.code == "S1")
            #expect(items(s1) == ["S1 AK-1", "S1 AK-2"])
            #expect(lots(s1) == ["S1 L1 850"])
            let ak1 = try #require(s1?.items.first { $0.marking.serial == "AK-1" })
            #expect(ak1.marking == E.item("AK-1"))
            #expect(ak1.status == .held && ak1.condition == .serviceable && ak1.dueBack == nil)

            let s1All = try await store.holdings(of: "S1", recursive: true)
            #expect(items(s1All) == ["S1 AK-1", "S1 AK-2", "U1 G-1", "P1 AK-3"])
            #expect(lots(s1All) == ["S1 L1 850", "U1 L1 150"], "P1's balance went back to zero and is not listed")
            #expect(s1All?.items.first { $0.marking.serial == "AK-3" }?.dueBack == "2026-04-01")

            #expect(items(try await store.holdings(of: "R1", recursive: true)) == items(s1All))
            #expect(lots(try await store.holdings(of: "R1", recursive: true)) == lots(s1All))
            let r1 = try await store.holdings(of: "R1", recursive: false)
            #expect(r1?.items == [] && r1?.lots == [])
            #expect(items(try await store.holdings(of: "R2", recursive: true)) == ["S2 AK-9"])
            #expect(items(try await store.holdings(of: "P1", recursive: false)) == ["P1 AK-3"])
            #expect(lots(try await store.holdings(of: "P1", recursive: false)) == [])
            #expect(try await store.holdings(of: "NOBODY", recursive: true) == nil)
        }
    }

    static func summaryCounts(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([
                E.register([E.item("AK-1"), E.item("AK-2"), E.item("AK-3"), E.item("AK-4"), E.item("AK-5")], to: "S1"),
                E.register(E.item("G-1", manufacturer: "Glock", model: "G17", category: .revolverPistol), to: "S2"),
                E.register(
                    E.item("M-1", manufacturer: "Hirtenberger", model: "M6", category: .mortar), to: "S2",
                    condition: .unserviceable),
                E.registerLot("L1", quantity: 100, to: "S1"),
                E.registerLot("L2", quantity: 100, to: "S2"),
                E.move(.issue, ["AK-1"], from: "S1", to: "P1"),
                E.move(.loss, ["AK-4"], from: "S1"),
                E.move(.export, ["AK-5"], from: "S1", to: "EXT"),
                E.move(.condition, ["AK-2"], from: "S1", condition: .surplus),
            ])
            let s = try await store.summary()
            #expect(s.items == 7)
            #expect(s.lots == 2)
            #expect(s.holders == 8)
            #expect(s.events == (try await store.ledgerSize()))
            #expect(s.events == 17)
            #expect(s.byCategory == ["assault-rifle": 5, "revolver-pistol": 1, "mortar": 1])
            #expect(s.byStatus == ["held": 5, "missing": 1, "exported": 1])
            #expect(s.byCondition == ["serviceable": 5, "unserviceable": 1, "surplus": 1])
            // The lost and the exported rifle count where their account is (S1, under R1).
            #expect(s.byRegion == ["R1": 5, "R2": 2])
        }
    }

    // MARK: Ledger

    /// A store of a few hundred events written in several appends (crossing a 256-entry
    /// tile); returns the reports of the appends.
    static func ledgerOfSeveralAppends(_ make: LedgerFactory, _ dir: URL) async throws -> (any LedgerStore, [AppendReport]) {
        let store = try await make(dir)
        var reports = [try await store.recordValid(Fixture.holderTree)]  // 8
        for batch in [(0, 100), (100, 350), (350, 352), (352, 600)] {
            let events = (batch.0..<batch.1).map { E.register(E.item(String(format: "R-%04d", $0)), to: "S1") }
            reports.append(try await store.recordValid(events))
        }
        reports.append(try await store.recordValid([E.move(.issue, ["R-0001"], from: "S1", to: "P1")]))
        return (store, reports)  // sizes 8, 108, 358, 360, 608, 609
    }

    static func eachAppendSignsACheckpoint(_ make: LedgerFactory) async throws {
        try await withTemporaryDirectory { dir in
            let (store, reports) = try await ledgerOfSeveralAppends(make, dir)
            #expect(reports.map(\.size) == [8, 108, 358, 360, 608, 609])
            #expect(reports.map(\.firstSeq) == [0, 8, 108, 358, 360, 608])
            let verifier = try NoteVerifier(verifierKey: try await store.verifierKey())
            var origins: Set<String> = []
            for report in reports {
                let note = try #require(report.checkpoint)
                let opened = try SignedNote.open(note, verifiers: [verifier])
                let checkpoint = try Checkpoint(text: opened.text)
                origins.insert(checkpoint.origin)
                #expect(checkpoint.size == report.size)
                let proof = try await store.inclusionProof(index: report.size - 1, size: report.size)
                #expect(checkpoint.root == proof.root)
                let leaves = try await store.entries(from: 0, to: report.size).map { Merkle.leafHash($0.leaf) }
                #expect(checkpoint.root == Merkle.root(of: leaves))
                #expect(try await store.checkpoint(size: report.size) == note)
            }
            #expect(origins.count == 1, "every checkpoint names the same origin")
            #expect(try await store.checkpoint(size: nil) == reports.last?.checkpoint)
            #expect(try await store.checkpoint(size: 100) == nil, "no append ended at size 100")

            let stranger = try LogKey.generate(name: origins.first ?? testOrigin)
            #expect(throws: NoteError.self) { try SignedNote.open(reports[0].checkpoint ?? "", verifiers: [stranger.verifier]) }
        }
    }

    static func inclusionProofsVerify(_ make: LedgerFactory) async throws {
        try await withTemporaryDirectory { dir in
            let (store, reports) = try await ledgerOfSeveralAppends(make, dir)
            let size = try await store.ledgerSize()
            let leaves = try await store.entries(from: 0, to: size).map { Merkle.leafHash($0.leaf) }
            let checkpointRoots = try await reports.asyncMap { (report: AppendReport) in
                (report.size, try await store.signedCheckpoint(try #require(report.checkpoint)).root)
            }
            for index: Int64 in [0, 1, 7, 8, 107, 255, 256, 257, 358, 511, 512, 607, 608] {
                for treeSize in Set([index + 1, index + 2, 358, 360, 512, 513, size].filter { $0 > index && $0 <= size }) {
                    let p = try await store.inclusionProof(index: index, size: treeSize)
                    #expect(p.index == index && p.size == treeSize)
                    #expect(p.leafHash == leaves[Int(index)])
                    #expect(p.root == Merkle.root(of: leaves[0..<Int(treeSize)]))
                    #expect(throws: Never.self, "index \(index) in size \(treeSize)") {
                        try Merkle.verifyInclusion(
                            leafHash: p.leafHash, index: index, size: treeSize, proof: p.proof, root: p.root)
                    }
                    if let signed = checkpointRoots.first(where: { $0.0 == treeSize }) {
                        #expect(p.root == signed.1, "the proof ends at the signed root of size \(treeSize)")
                    }
                    // The same proof does not show another leaf.
                    let other = leaves[Int((index + 1) % treeSize)]
                    if treeSize > 1 {
                        #expect(throws: ProofError.self) {
                            try Merkle.verifyInclusion(
                                leafHash: other, index: index, size: treeSize, proof: p.proof, root: p.root)
                        }
                    }
                }
            }
        }
    }

    static func consistencyProofsVerify(_ make: LedgerFactory) async throws {
        try await withTemporaryDirectory { dir in
            let (store, reports) = try await ledgerOfSeveralAppends(make, dir)
            let size = try await store.ledgerSize()
            var roots: [Int64: TreeHash] = [:]
            for report in reports { roots[report.size] = try await store.signedCheckpoint(try #require(report.checkpoint)).root }
            let sizes = reports.map(\.size)
            var pairs: [(Int64, Int64)] = []
            for (i, a) in sizes.enumerated() { for b in sizes[i...] { pairs.append((a, b)) } }
            pairs += [(1, size), (255, 257), (256, 512), (256, size), (0, size), (0, 0), (size, size), (511, 513)]
            let leaves = try await store.entries(from: 0, to: size).map { Merkle.leafHash($0.leaf) }
            for (old, new) in pairs {
                let p = try await store.consistencyProof(old: old, new: new)
                #expect(p.old == old && p.new == new)
                #expect(p.oldRoot == Merkle.root(of: leaves[0..<Int(old)]))
                #expect(p.newRoot == Merkle.root(of: leaves[0..<Int(new)]))
                if let signedOld = roots[old], let signedNew = roots[new] {
                    #expect(p.oldRoot == signedOld && p.newRoot == signedNew, "\(old) → \(new) joins the signed roots")
                }
                #expect(throws: Never.self, "\(old) → \(new)") {
                    try Merkle.verifyConsistency(
                        oldSize: old, newSize: new, oldRoot: p.oldRoot, newRoot: p.newRoot, proof: p.proof)
                }
                if old > 0, old < new {
                    let wrongOld = Merkle.root(of: leaves[0..<Int(old - 1)])
                    #expect(throws: ProofError.self, "\(old) → \(new) with a wrong old root") {
                        try Merkle.verifyConsistency(
                            oldSize: old, newSize: new, oldRoot: wrongOld, newRoot: p.newRoot, proof: p.proof)
                    }
                }
            }
        }
    }

    static func proofsOutsideTheLedgerAreRefused(_ make: LedgerFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            for (index, size): (Int64, Int64) in [(8, 8), (0, 9), (0, 0), (-1, 8), (5, 3)] {
                await #expect(throws: (any Error).self, "index \(index) in size \(size)") {
                    _ = try await store.inclusionProof(index: index, size: size)
                }
            }
            for (old, new): (Int64, Int64) in [(0, 9), (5, 4), (-1, 3), (9, 9)] {
                await #expect(throws: (any Error).self, "\(old) → \(new)") {
                    _ = try await store.consistencyProof(old: old, new: new)
                }
            }
        }
    }

    static func entriesAreTheLeaves(_ make: LedgerFactory) async throws {
        try await withTemporaryDirectory { dir in
            let (store, reports) = try await ledgerOfSeveralAppends(make, dir)
            let size = try await store.ledgerSize()
            let all = try await store.entries(from: 0, to: size)
            #expect(all.map(\.seq) == Array(0..<size))
            let root = try await store.signedCheckpoint(try #require(reports.last?.checkpoint)).root
            #expect(Merkle.root(of: all.map { Merkle.leafHash($0.leaf) }) == root)
            #expect(try await store.entries(from: 250, to: 260) == Array(all[250..<260]))
            #expect(try await store.entries(from: size - 2, to: size + 5) == Array(all[Int(size) - 2..<Int(size)]))
            #expect(try await store.entries(from: 5, to: 5) == [])
            for entry in all {
                let object = try leafObject(entry.leaf)
                #expect(object["recordedAt"] as? String == recordedAt)
                #expect(object["recordedBy"] as? String == recordedBy)
                #expect(object["occurredAt"] as? String == E.t)
                let canonical = try JSONSerialization.data(
                    withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                #expect(String(decoding: canonical, as: UTF8.self) == entry.json, "leaf \(entry.seq) is canonical JSON")
            }
            let register = try leafObject(all[8].leaf)
            #expect(register["kind"] as? String == "register")
            #expect(register["to"] as? String == "S1")
            #expect((register["items"] as? [[String: Any]])?.first?["serial"] as? String == "R-0000")
        }
    }

    static func verifyPassesOnAnHonestStore(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([
                E.register((0..<300).map { E.item(String(format: "V-%03d", $0)) }, to: "S1"),
                E.registerLot("L1", quantity: 1000, to: "S1"),
                E.move(.issue, ["V-001"], lots: [("L1", 10)], from: "S1", to: "P1", dueBack: "2026-03-10"),
                E.move(.dispatch, ["V-002", "V-003"], lots: [("L1", 100)], from: "S1", to: "S2", document: "D-1"),
                E.move(.receive, ["V-002"], lots: [("L1", 60)], to: "S2", document: "D-1"),
            ])
            try await store.recordValid([
                E.move(.loss, ["V-004"], lots: [("L1", 5)], from: "S1"),
                E.move(.recovery, ["V-004"], lots: [("L1", 5)], to: "S1"),
                E.move(.condition, ["V-005"], from: "S1", condition: .awaitingDestruction),
                E.move(.destroy, ["V-005"], from: "S1"),
                E.move(.expend, lots: [("L1", 3)], from: "P1"),
                E.holderChange(.holderMove, HolderChange(code: "U1", parent: "S2")),
                E.holderChange(.holderRename, HolderChange(code: "P1", name: "Jane Roe")),
            ])
            var correction = Event(kind: .correction, occurredAt: E.t)
            correction.corrects = 9
            correction.reason = "wrong date"
            try await store.recordValid([correction])
            let report = try await store.verify()
            #expect(report.divergence == nil)
            #expect(report.events == (try await store.ledgerSize()))
            #expect(report.events == 21)
            #expect(report.checkpoints == 4)
            #expect(report.items == 300)
            #expect(report.holders == 8)
            #expect(report.lotBalances >= 3)
            #expect(report.leafBytes > 0)
        }
    }
}

extension StoreConformance {
    /// One append far larger than any internal chunk: items registered early in the batch
    /// are moved late in it, a dispatch is received thousands of events later, and lots
    /// registered at the start are issued at the end.
    static func aLargeBatchIsAppliedWhole(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            var batch = [E.registerLot("L1", quantity: 500, to: "S1"), E.register(E.item("FIRST"), to: "S1")]
            batch.append(E.move(.dispatch, ["FIRST"], lots: [("L1", 100)], from: "S1", to: "S2", document: "D-1"))
            batch += (0..<9000).map { E.register(E.item(String(format: "B-%05d", $0)), to: "S1") }
            batch += [
                E.move(.receive, ["FIRST"], lots: [("L1", 100)], to: "S2", document: "D-1"),
                E.move(.issue, ["B-00000", "B-08999"], lots: [("L1", 7)], from: "S1", to: "P1"),
                E.move(.issue, lots: [("L1", 60)], from: "S2", to: "P1"),
            ]
            let report = try await store.recordValid(batch)
            #expect(report.accepted == 9006)
            #expect(report.size == 9014)
            #expect(try await store.ledgerSize() == 9014)
            #expect(try await store.item("FIRST").record.state.holder == "S2")
            #expect(try await store.item("B-00000").record.state.holder == "P1")
            #expect(try await store.item("B-08999").record.state.holder == "P1")
            #expect(try await store.item("B-04500").record.state.holder == "S1")
            let p1 = try await store.holdings(of: "P1", recursive: false)
            #expect(p1?.lots.map(\.quantity) == [67])
            #expect(try await store.holdings(of: "S2", recursive: false)?.lots.map(\.quantity) == [40])
            #expect(try await store.summary().items == 9001)
            #expect(try await store.history(itemID: try await store.item("FIRST").record.id).count == 3)
            let note = try #require(report.checkpoint)
            #expect(try await store.signedCheckpoint(note).size == 9014)
            #expect(try await store.verify().divergence == nil)
        }
    }

    /// "É-1" written precomposed (U+00C9) and decomposed (E + U+0301) are different bytes
    /// but equal Swift strings. Whatever the store decides for the second registration,
    /// a store written only through `append` must verify.
    static func unicodeEquivalentSerialsVerify(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([E.register(E.item("\u{00C9}-1"), to: "S1")])
            let second = try await store.record([E.register(E.item("E\u{0301}-1"), to: "S1")])
            let report = try await store.verify()
            #expect(report.divergence == nil, "second registration \(second.written ? "accepted" : "refused")")
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await transform(e)) }
        return out
    }
}
