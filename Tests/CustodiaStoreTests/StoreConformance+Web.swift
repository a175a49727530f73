import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import Testing

/// The conformance checks for what the web pages read: batch lookups for the forms, the
/// search box, the dashboard's lists and counts, dispatches, and the record of `verify` runs.
extension StoreConformance {
    static let webChecks: [ConformanceCheck] = [
        ConformanceCheck("items are read by many serials or ids at once", itemsAreReadInBatches),
        ConformanceCheck("a holder's items are paged in id order and holdings carry item ids", heldItemsArePaged),
        ConformanceCheck("the search box finds partial serials, models and a holder's items, by serial", searchBoxFindsItems),
        ConformanceCheck("the search box answers alike for rare and common text", searchBoxRareAndCommonText),
        ConformanceCheck("overdue items are those held past their due date, longest overdue first", overdueItemsAreListed),
        ConformanceCheck("missing items are listed by their account's scope, newest first", missingItemsAreListed),
        ConformanceCheck("recent losses and thefts are listed newest first, inside the scope", recentEventsAreListed),
        ConformanceCheck("item briefs cover every item with the ledger size they reflect", itemBriefsCoverEveryItem),
        ConformanceCheck("lots are read by number, with balances per holder", lotsAreReadByNumber),
        ConformanceCheck("dispatches are read by document and open ones by destination", dispatchesAreRead),
        ConformanceCheck("verify runs are recorded and the latest is read back", verificationsAreRecorded),
        ConformanceCheck("witnesses' cosignatures are kept once and the quorum's latest is found", cosignaturesAreKept),
        ConformanceCheck("a receipt proves its entry in the latest cosigned checkpoint", receiptsAreAssembled),
    ]

    /// The scope of `root` after adding 70 people under U1, so that it takes the large-scope path.
    static func largeScope(_ store: any Store, root: String) async throws -> HolderScope {
        try await store.recordValid((0..<70).map { E.holder("P-L\($0)", .person, "Person \($0)", parent: "U1") })
        let scope = HolderScope(root: root, holders: try await store.holders())
        #expect(scope.codes.count > 64)
        return scope
    }

    static func itemsAreReadInBatches(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            try await store.recordValid([
                E.register(E.item("AK-1", manufacturer: "Izhmash"), to: "S2")
            ])
            let found = try await store.items(serials: ["AK-1", "G-1", "AK-1", "NOPE"])
            #expect(
                found.map { "\($0.marking.serial)/\($0.marking.manufacturer)" } == [
                    "AK-1/Izhmash", "AK-1/Kalashnikov", "G-1/Glock",
                ])
            #expect(try await store.items(serials: []) == [])
            // More serials than one statement takes are still all found.
            let many = (0..<1200).map { "X-\($0)" } + ["AK-7"]
            #expect(try await store.items(serials: many).map(\.marking.serial) == ["AK-7"])
        }
    }

    static func heldItemsArePaged(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            // S1 holds AK-4, AK-5, AK-6 (AK-1 issued, AK-2 in transit, AK-3 lost).
            let all = try await store.items(heldBy: "S1", limit: 100, offset: 0)
            #expect(all.map(\.marking.serial) == ["AK-4", "AK-5", "AK-6"])
            #expect(try await store.items(heldBy: "S1", limit: 2, offset: 0).map(\.marking.serial) == ["AK-4", "AK-5"])
            #expect(try await store.items(heldBy: "S1", limit: 2, offset: 2).map(\.marking.serial) == ["AK-6"])
            #expect(try await store.items(heldBy: "S1", limit: 2, offset: 4) == [])
            #expect(try await store.items(heldBy: "P1", limit: 10, offset: 0).map(\.marking.serial) == ["AK-1"])
            let holdings = try #require(try await store.holdings(of: "S1", recursive: false))
            #expect(holdings.items.map(\.id) == all.map(\.id))
        }
    }

    static func searchBoxFindsItems(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            try await store.recordValid([
                E.register(
                    [
                        E.item("B-100", manufacturer: "Beretta", model: "92FS", category: .revolverPistol),
                        E.item("B-ak-2", manufacturer: "Beretta", model: "92FS", category: .revolverPistol),
                        E.item("50%OFF", manufacturer: "Beretta", model: "92FS", category: .revolverPistol),
                    ], to: "S2")
            ])
            func serials(_ search: ItemSearch) async throws -> [String] {
                try await store.findItems(search).map(\.marking.serial)
            }
            // A part of the serial, ignoring case, in serial order.
            #expect(
                try await serials(ItemSearch(text: "ak-")) == ["AK-1", "AK-2", "AK-3", "AK-4", "AK-5", "AK-6", "AK-7", "B-ak-2"])
            #expect(try await serials(ItemSearch(text: "K-2")) == ["AK-2", "B-ak-2"])
            // A model, whole, ignoring case; a part of a model is not a match.
            #expect(try await serials(ItemSearch(text: "92fs")) == ["50%OFF", "B-100", "B-ak-2"])
            #expect(try await serials(ItemSearch(text: "92F")) == [])
            #expect(try await serials(ItemSearch(text: "%")) == ["50%OFF"], "% is a character, not a pattern")
            // Pages: limit and offset over the same order.
            #expect(try await serials(ItemSearch(text: "ak-", limit: 3)) == ["AK-1", "AK-2", "AK-3"])
            #expect(try await serials(ItemSearch(text: "ak-", limit: 3, offset: 6)) == ["AK-7", "B-ak-2"])
            // A holder's code adds what it holds.
            #expect(try await serials(ItemSearch(text: "S1", heldBy: "S1")) == ["AK-4", "AK-5", "AK-6"])
            #expect(try await serials(ItemSearch(text: "P1", heldBy: "P1")) == ["AK-1"])
            // Scopes, small (through the holder indexes) and large (walking the serial order).
            let holders = try await store.holders()
            let north = HolderScope(root: "R1", holders: holders)
            let south = HolderScope(root: "R2", holders: holders)
            #expect(try await serials(ItemSearch(text: "ak-", scope: north)) == ["AK-1", "AK-2", "AK-3", "AK-4", "AK-5", "AK-6"])
            #expect(try await serials(ItemSearch(text: "ak-", scope: south)) == ["AK-7", "B-ak-2"])
            #expect(try await serials(ItemSearch(text: "S1", heldBy: "S1", scope: south)) == [])
            #expect(try await serials(ItemSearch(text: "")) == [], "an empty box finds nothing")
            let bigNorth = try await largeScope(store, root: "R1")
            #expect(
                try await serials(ItemSearch(text: "ak-", scope: bigNorth)) == ["AK-1", "AK-2", "AK-3", "AK-4", "AK-5", "AK-6"])
            #expect(try await serials(ItemSearch(text: "ak-", scope: bigNorth, limit: 2, offset: 4)) == ["AK-5", "AK-6"])
        }
    }

    static func searchBoxRareAndCommonText(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            // More items sharing a part of their serial than an index lookup sorts at once.
            let common = (0..<2100).map { E.item(String(format: "CMN-%04d", $0), manufacturer: "Norinco", model: "Type 56") }
            try await store.recordValid([E.register(common, to: "S2")])
            func serials(_ text: String, limit: Int = 1000, offset: Int = 0) async throws -> [String] {
                try await store.findItems(ItemSearch(text: text, limit: limit, offset: offset)).map(\.marking.serial)
            }
            #expect(try await serials("CMN-", limit: 3) == ["CMN-0000", "CMN-0001", "CMN-0002"])
            #expect(try await serials("cmn-", limit: 2, offset: 2098) == ["CMN-2098", "CMN-2099"])
            #expect(try await serials("type 56", limit: 2) == ["CMN-0000", "CMN-0001"], "a common model, whole")
            #expect(try await serials("MN-0042") == ["CMN-0042"])
            let twenties = try await serials("n-20")
            #expect(twenties == (2000..<2100).map { String(format: "CMN-%04d", $0) }, "a rare part, any case, in order")
            #expect(
                try await serials("n-20", limit: 5, offset: 95) == ["CMN-2095", "CMN-2096", "CMN-2097", "CMN-2098", "CMN-2099"])
            #expect(try await serials("ZZZ") == [])
            #expect(try await serials("N-2_") == [], "_ is a character, not a wildcard")
            let south = HolderScope(root: "R2", holders: try await store.holders())
            #expect(try await store.findItems(ItemSearch(text: "MN-0042", scope: south)).count == 1)
            #expect(
                try await store.findItems(
                    ItemSearch(text: "MN-0042", scope: HolderScope(root: "R1", holders: try await store.holders()))) == [])
        }
    }

    static func overdueItemsAreListed(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            try await store.recordValid([
                E.move(.issue, ["AK-4"], from: "S1", to: "U1", dueBack: "2026-03-10"),
                E.move(.issue, ["AK-5"], from: "S1", to: "P1", dueBack: "2026-03-05"),
                E.move(.issue, ["AK-7"], from: "S2", to: "EXT", dueBack: "2026-03-20"),
            ])
            func overdue(_ day: String, _ scope: HolderScope = .everything) async throws -> [String] {
                try await store.overdueItems(before: day, scope: scope, limit: 10).map(\.marking.serial)
            }
            #expect(try await overdue("2026-03-05") == [], "due on the day is not yet overdue")
            #expect(try await overdue("2026-03-06") == ["AK-5"])
            #expect(try await overdue("2026-03-21") == ["AK-5", "AK-4", "AK-7"], "longest overdue first")
            #expect(try await store.overdueItems(before: "2026-03-21", scope: .everything, limit: 2).count == 2)
            let north = HolderScope(root: "R1", holders: try await store.holders())
            #expect(try await overdue("2026-03-21", north) == ["AK-5", "AK-4"])
            #expect(try await overdue("2026-03-21", try await largeScope(store, root: "R1")) == ["AK-5", "AK-4"])
            // Returned, it is no longer overdue.
            try await store.recordValid([E.move(.return, ["AK-5"], from: "P1", to: "S1")])
            #expect(try await overdue("2026-03-21") == ["AK-4", "AK-7"])
        }
    }

    static func missingItemsAreListed(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            try await store.recordValid([E.move(.theft, ["AK-7"], from: "S2")])
            try await store.recordValid([E.move(.loss, ["AK-1"], from: "P1")])
            #expect(
                try await store.missingItems(scope: .everything, limit: 10).map(\.marking.serial) == ["AK-1", "AK-7", "AK-3"],
                "the most recently reported first")
            #expect(try await store.missingItems(scope: .everything, limit: 1).map(\.marking.serial) == ["AK-1"])
            let holders = try await store.holders()
            #expect(
                try await store.missingItems(scope: HolderScope(root: "R1", holders: holders), limit: 10).map(\.marking.serial)
                    == ["AK-1", "AK-3"], "by the account's scope")
            #expect(
                try await store.missingItems(scope: HolderScope(root: "S2", holders: holders), limit: 10).map(\.marking.serial)
                    == ["AK-7"])
            #expect(
                try await store.missingItems(scope: try await largeScope(store, root: "R1"), limit: 10).map(\.marking.serial)
                    == ["AK-1", "AK-3"])
            try await store.recordValid([E.move(.recovery, ["AK-3"], to: "S1")])
            #expect(try await store.missingItems(scope: .everything, limit: 10).map(\.marking.serial) == ["AK-1", "AK-7"])
        }
    }

    static func recentEventsAreListed(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            let theft = try await store.recordValid([E.move(.theft, ["AK-7"], from: "S2")]).firstSeq
            let loss = try await store.recordValid([E.move(.loss, ["AK-4"], from: "S1")]).firstSeq
            let all = try await store.recentEvents(kinds: [.loss, .theft], scope: .everything, limit: 10)
            #expect(all.map(\.seq) == [loss, theft, 14])
            for event in all {
                let kind = try leafObject(event.leaf)["kind"] as? String
                #expect(kind == "loss" || kind == "theft")
            }
            #expect(
                try await store.recentEvents(kinds: [.loss, .theft], scope: .everything, limit: 2).map(\.seq) == [loss, theft])
            #expect(try await store.recentEvents(kinds: [.theft], scope: .everything, limit: 10).map(\.seq) == [theft])
            let north = HolderScope(root: "R1", holders: try await store.holders())
            #expect(try await store.recentEvents(kinds: [.loss, .theft], scope: north, limit: 10).map(\.seq) == [loss, 14])
            #expect(try await store.recentEvents(kinds: [], scope: .everything, limit: 10) == [])
        }
    }

    static func itemBriefsCoverEveryItem(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            try await store.recordValid([E.move(.issue, ["AK-4"], from: "S1", to: "U1", dueBack: "2026-03-10")])
            let briefs = try await store.itemBriefs()
            #expect(briefs.ledgerSize == (try await store.ledgerSize()))
            let records = try await store.searchItems(ItemQuery(limit: 1000)).elements
            #expect(briefs.items == records.map(ItemBrief.init))
            let ak4 = try #require(briefs.items.first { $0.id == records.first { $0.marking.serial == "AK-4" }?.id })
            #expect(ak4.holder == "U1" && ak4.account == "S1" && ak4.dueBack == "2026-03-10")
            #expect(ak4.isOverdue(on: "2026-03-11") && !ak4.isOverdue(on: "2026-03-10"))
            let ak3 = try #require(briefs.items.first { $0.id == records.first { $0.marking.serial == "AK-3" }?.id })
            #expect(ak3.status == .missing && ak3.holder == nil && ak3.account == "S1")
        }
    }

    static func lotsAreReadByNumber(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            try await store.recordValid([
                E.registerLot("L1", quantity: 70, to: "S2", manufacturer: "Sellier"),
                E.move(.issue, lots: [("L2", 20)], from: "S2", to: "EXT"),
            ])
            let lots = try await store.lots(numbers: ["L1", "L2", "L9"])
            #expect(lots.map { "\($0.marking.lot)/\($0.marking.manufacturer)" } == ["L1/PPU", "L1/Sellier", "L2/PPU"])
            let l1 = try #require(lots.first { $0.marking.manufacturer == "PPU" })
            #expect(try await store.lotBalance(lotID: l1.id, holder: "S1") == 1000)
            #expect(try await store.lotBalance(lotID: l1.id, holder: "S2") == 0)
            #expect(try await store.lotQuantities(holders: nil) == ["S1": 1000, "S2": 100, "EXT": 20])
            #expect(try await store.lotQuantities(holders: ["S2", "U1"]) == ["S2": 100])
            #expect(try await store.lotQuantities(holders: []) == [:])
            #expect(
                try await store.lots(heldBy: "S2").map { "\($0.marking.lot)/\($0.marking.manufacturer) \($0.quantity)" } == [
                    "L1/Sellier 70", "L2/PPU 30",
                ])
            #expect(try await store.lots(heldBy: "U1") == [])
            #expect(try await store.lotCount(scope: .everything) == 3)
            let holders = try await store.holders()
            #expect(try await store.lotCount(scope: HolderScope(root: "R2", holders: holders)) == 2, "L1 (Sellier) and L2 at S2")
            #expect(try await store.lotCount(scope: HolderScope(root: "R1", holders: holders)) == 1)
            #expect(try await store.lotCount(scope: HolderScope(root: "U1", holders: holders)) == 0)
        }
    }

    static func dispatchesAreRead(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            let d2 = try await store.recordValid([
                E.move(.dispatch, ["AK-4"], lots: [("L1", 100)], from: "S1", to: "U1", document: "D-2")
            ]).firstSeq
            let d1 = try #require(try await store.dispatch(document: "D-1"))
            #expect(d1.seq == 13 && d1.from == "S1" && d1.to == "S2" && d1.itemsInTransit == 1 && d1.lotsInTransit == [])
            #expect(d1.occurredAt == E.t)
            #expect(d1.isOpen)
            let two = try #require(try await store.dispatch(document: "D-2"))
            #expect(two.seq == d2 && two.itemsInTransit == 1)
            #expect(two.lotsInTransit.map { "\($0.marking.lot) \($0.quantity)" } == ["L1 100"])
            #expect(try await store.dispatch(document: "D-9") == nil)

            #expect(try await store.openDispatches(to: .everything, limit: 10).map(\.document) == ["D-2", "D-1"])
            let holders = try await store.holders()
            #expect(
                try await store.openDispatches(to: HolderScope(root: "R2", holders: holders), limit: 10).map(\.document) == [
                    "D-1"
                ])
            #expect(
                try await store.openDispatches(to: HolderScope(root: "U1", holders: holders), limit: 10).map(\.document) == [
                    "D-2"
                ])

            // Received in part it stays open, with the time of its last receipt; received
            // whole it closes.
            #expect(two.lastReceivedAt == nil)
            var part = E.move(.receive, ["AK-4"], lots: [("L1", 40)], to: "U1", document: "D-2")
            part.occurredAt = "2026-03-01T09:30:00Z"
            try await store.recordValid([part])
            let partly = try #require(try await store.dispatch(document: "D-2"))
            #expect(partly.lotsInTransit.map(\.quantity) == [60])
            #expect(partly.lastReceivedAt == "2026-03-01T09:30:00Z")
            #expect(try await store.openDispatches(to: .everything, limit: 10).first?.lastReceivedAt == "2026-03-01T09:30:00Z")
            #expect(try await store.verify().divergence == nil)
            try await store.recordValid([E.move(.receive, [], lots: [("L1", 60)], to: "U1", document: "D-2")])
            let closed = try #require(try await store.dispatch(document: "D-2"))
            #expect(!closed.isOpen && closed.lotsInTransit == [])
            #expect(try await store.openDispatches(to: .everything, limit: 10).map(\.document) == ["D-1"])
        }
    }

    static func checkpointIncludingAnEntry(_ make: LedgerFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)  // 0–7, one checkpoint of size 8
            try await store.recordValid([E.holder("S3", .site, "Depot Three", parent: "R2")])  // 8, size 9
            for seq in [0, 5, 7] as [Int64] {
                let note = try #require(try await store.checkpoint(including: seq))
                #expect(try await store.signedCheckpoint(note).size == 8)
            }
            let last = try #require(try await store.checkpoint(including: 8))
            #expect(try await store.signedCheckpoint(last).size == 9)
            #expect(try await store.checkpoint(including: 9) == nil)
        }
    }

    static func verificationsAreRecorded(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            #expect(try await store.lastVerification() == nil)
            try await store.recordValid(Fixture.holderTree)
            let failed = VerificationRecord(verifiedAt: "2026-03-01T10:00:00Z", size: 8, ok: false, divergence: "event 3")
            try await store.recordVerification(failed)
            #expect(try await store.lastVerification() == failed)
            let passed = VerificationRecord(verifiedAt: "2026-03-02T10:00:00Z", size: 8, ok: true)
            try await store.recordVerification(passed)
            #expect(try await store.lastVerification() == passed)
            #expect(try await store.ledgerSize() == 8, "a verification record is not a ledger entry")
            #expect(try await store.verify().divergence == nil)
        }
    }

    static func cosignaturesAreKept(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)  // checkpoint 8
            try await store.recordValid([E.register(E.item("AK-1"), to: "S1")])  // checkpoint 9
            try await store.recordCosignature(size: 8, witness: "w1", line: "— w1 A\n", receivedAt: E.t)
            try await store.recordCosignature(size: 8, witness: "w2", line: "— w2 B\n", receivedAt: E.t)
            try await store.recordCosignature(size: 9, witness: "w1", line: "— w1 C\n", receivedAt: E.t)
            // A second line from the same witness for the same size is not kept.
            try await store.recordCosignature(size: 9, witness: "w1", line: "— w1 D\n", receivedAt: E.t)
            #expect(try await store.cosignatures(size: 8) == ["w1": "— w1 A\n", "w2": "— w2 B\n"])
            #expect(try await store.cosignatures(size: 9) == ["w1": "— w1 C\n"])
            #expect(try await store.cosignatures(size: 7) == [:])
            #expect(try await store.latestCosigned(by: ["w1", "w2", "w3"]) == ["w1": 9, "w2": 8])
            #expect(try await store.latestCosignedSize(witnesses: ["w1", "w2"], quorum: 2, atLeast: 0) == 8)
            #expect(try await store.latestCosignedSize(witnesses: ["w1", "w2"], quorum: 1, atLeast: 0) == 9)
            #expect(try await store.latestCosignedSize(witnesses: ["w2"], quorum: 1, atLeast: 9) == nil)
            #expect(try await store.latestCosignedSize(witnesses: [], quorum: 1, atLeast: 0) == 9)
            #expect(try await store.ledgerSize() == 9, "a cosignature is not a ledger entry")
            #expect(try await store.verify().divergence == nil)
        }
    }

    static func receiptsAreAssembled(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)  // checkpoint 8
            try await store.recordValid([E.register(E.item("AK-1"), to: "S1")])  // checkpoint 9
            try await store.recordValid([E.move(.issue, ["AK-1"], from: "S1", to: "U1")])  // checkpoint 10
            let log = try NoteVerifier(verifierKey: try await store.verifierKey())
            let witness = try CosignerKey(name: "witness.example/w1", rawPrivateKey: Array(repeating: 5, count: 32))
            let text = try SignedNote.open(try #require(try await store.checkpoint(size: 9)), verifiers: [log]).text
            try await store.recordCosignature(
                size: 9, witness: witness.verifierKey, line: try witness.cosign(text, timestamp: 5), receivedAt: E.t)
            let policy = try WitnessPolicy(witnesses: [try CosignatureVerifier(verifierKey: witness.verifierKey)])
            // Entry 3 is in checkpoint 9, the one cosigned; entry 9 only in the latest (10).
            let cosigned = try #require(try await store.receipt(seq: 3, witnesses: [witness.verifierKey], quorum: 1))
            #expect(try cosigned.verify(log: log, policy: policy).checkpoint.checkpoint.size == 9)
            #expect(cosigned.entry == (try await store.event(seq: 3))?.leaf)
            #expect(try #require(try await store.receipt(seq: 3)).verify(log: log, policy: policy).checkpoint.checkpoint.size == 9)
            let latest = try #require(try await store.receipt(seq: 9, witnesses: [witness.verifierKey], quorum: 1))
            #expect(try latest.verify(log: log).checkpoint.checkpoint.size == 10)
            #expect(throws: LogCheckFailure.self) { try latest.verify(log: log, policy: policy) }
            #expect(try await store.receipt(seq: 10) == nil)
        }
    }
}
