import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import Synchronization
import Testing

/// The conformance checks for what the server reads and writes: searches with cursors and
/// scopes, point reads, group appends, tiles.
extension StoreConformance {
    static let serverChecks: [ConformanceCheck] = [
        ConformanceCheck("items are searched by every filter, a page at a time, in id order", itemsAreSearched),
        ConformanceCheck("a cursor from another listing or a forged one is refused", invalidCursorsAreRefused),
        ConformanceCheck("a scope limits item, lot and event searches and the summary", scopesLimitSearches),
        ConformanceCheck("events are listed by kind, holder, item and seq range, in both orders", eventsAreListed),
        ConformanceCheck("a correction is listed with the holders of the event it corrects", correctionsFollowTheirEvent),
        ConformanceCheck("items, holders, lots and events are read by key", pointReads),
        ConformanceCheck("in a group, a refused request changes nothing and the others are written", groupIsolatesRequests),
        ConformanceCheck("in a group, each request sees what the accepted ones before it did", groupRequestsSeeEarlierOnes),
        ConformanceCheck("a group that changes the holder tree is seen by the next group", groupHolderChangesPersist),
        ConformanceCheck("the holder generation moves with holder changes only", holderGenerationMovesWithHolderChanges),
        ConformanceCheck("a group taken when the store may write: none taken writes nothing", groupTakenWhenWriting),
    ]

    static func groupTakenWhenWriting(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            let before = try await store.ledgerSize()
            let checkpoint = try await store.checkpoint(size: nil)
            let calls = Mutex(0)
            let empty = try await store.appendGroup(taking: {
                calls.withLock { $0 += 1 }
                return []
            })
            #expect(calls.withLock { $0 } == 1, "take is called once")
            #expect(empty.requests.isEmpty && empty.report.reports.isEmpty && empty.report.checkpoint == nil)
            #expect(empty.report.size == before)
            #expect(try await store.ledgerSize() == before)
            #expect(try await store.checkpoint(size: nil) == checkpoint)

            let taken = try await store.appendGroup(taking: {
                calls.withLock { $0 += 1 }
                return [
                    AppendRequest(events: [E.move(.issue, ["AK-4"], from: "S1", to: "U1")], recordedBy: "clerk-a", recordedAt: E.t),
                    AppendRequest(events: [E.move(.issue, ["AK-7"], from: "S1", to: "U1")], recordedBy: "clerk-b", recordedAt: E.t),
                ]
            })
            #expect(calls.withLock { $0 } == 2)
            #expect(taken.requests.map(\.recordedBy) == ["clerk-a", "clerk-b"])
            #expect(taken.report.reports.map(\.written) == [true, false], "each request all-or-nothing, as in appendGroup")
            #expect(taken.report.size == before + 1)
            #expect(try await store.checkpoint(size: nil) == taken.report.checkpoint)
            #expect(try await store.item("AK-4").record.state.holder == "U1")
        }
    }

    static func holderGenerationMovesWithHolderChanges(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            #expect(try await store.holderGeneration() == -1)
            try await store.recordValid(Fixture.holderTree)
            let afterTree = try await store.ledgerSize() - 1
            #expect(try await store.holderGeneration() == afterTree)
            try await store.recordValid([
                E.register([E.item("AK-1"), E.item("AK-2")], to: "S1"), E.move(.issue, ["AK-1"], from: "S1", to: "P1"),
            ])
            #expect(try await store.holderGeneration() == afterTree, "custody events leave it")
            for change in [
                E.holderChange(.holderRename, HolderChange(code: "S1", name: "Depot One (new)")),
                E.holderChange(.holderMove, HolderChange(code: "U1", parent: "S2")),
                E.holderChange(.holderClose, HolderChange(code: "EXT")),
                E.holder("S9", .site, "Depot Nine", parent: "Z1"),
            ] {
                try await store.recordValid([change, E.move(.return, ["AK-1"], from: "P1", to: "S1")])
                #expect(try await store.holderGeneration() == (try await store.ledgerSize()) - 2, "\(change.kind)")
                try await store.recordValid([E.move(.issue, ["AK-1"], from: "S1", to: "P1")])
            }
        }
    }

    /// The holder tree, AK-1…AK-6 at S1, AK-7 and G-1 at S2, L1 (1000) at S1, L2 (50) at S2;
    /// then AK-1 issued to P1, AK-2 dispatched S1→S2 (D-1), AK-3 lost at S1.
    static func searchable(_ make: StoreFactory, _ dir: URL) async throws -> any Store {
        let store = try await make(dir)
        try await store.recordValid(Fixture.holderTree)  // 0–7
        try await store.recordValid([
            E.register((1...6).map { E.item("AK-\($0)") }, to: "S1"),  // 8
            E.register(
                [E.item("AK-7"), E.item("G-1", manufacturer: "Glock", model: "G17", category: .revolverPistol)], to: "S2"),  // 9
            E.registerLot("L1", quantity: 1000, to: "S1"),  // 10
            E.registerLot("L2", quantity: 50, to: "S2"),  // 11
            E.move(.issue, ["AK-1"], from: "S1", to: "P1"),  // 12
            E.move(.dispatch, ["AK-2"], from: "S1", to: "S2", document: "D-1"),  // 13
            E.move(.loss, ["AK-3"], from: "S1"),  // 14
        ])
        return store
    }

    static func itemsAreSearched(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            let all = try await store.searchItems(ItemQuery())
            #expect(all.elements.map(\.marking.serial) == ["AK-1", "AK-2", "AK-3", "AK-4", "AK-5", "AK-6", "AK-7", "G-1"])
            #expect(all.elements.map(\.id) == all.elements.map(\.id).sorted())
            #expect(all.nextCursor == nil)

            // Pages of three, following cursors, give the same items in the same order.
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await store.searchItems(ItemQuery(limit: 3, cursor: cursor))
                #expect(page.elements.count <= 3)
                seen += page.elements.map(\.marking.serial)
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == all.elements.map(\.marking.serial))
            #expect(pages == 3)

            #expect(try await store.searchItems(ItemQuery(serial: "AK-7")).elements.map(\.marking.serial) == ["AK-7"])
            #expect(try await store.searchItems(ItemQuery(serial: "ak-7")).elements == [], "the exact serial is exact")
            #expect(
                try await store.searchItems(ItemQuery(serialContains: "k-")).elements.count == 7,
                "a partial serial matches anywhere, ignoring case")
            #expect(try await store.searchItems(ItemQuery(serialContains: "%")).elements == [], "% is a character, not a pattern")
            #expect(try await store.searchItems(ItemQuery(manufacturer: "Glock")).elements.map(\.marking.serial) == ["G-1"])
            #expect(try await store.searchItems(ItemQuery(model: "AK-74M")).elements.count == 7)
            #expect(
                try await store.searchItems(ItemQuery(category: .revolverPistol)).elements.map(\.marking.serial) == ["G-1"])
            #expect(try await store.searchItems(ItemQuery(status: .missing)).elements.map(\.marking.serial) == ["AK-3"])
            #expect(try await store.searchItems(ItemQuery(status: .inTransit)).elements.map(\.marking.serial) == ["AK-2"])
            #expect(try await store.searchItems(ItemQuery(holder: "P1")).elements.map(\.marking.serial) == ["AK-1"])
            #expect(
                try await store.searchItems(ItemQuery(serialContains: "AK", holder: "S1")).elements.map(\.marking.serial)
                    == ["AK-4", "AK-5", "AK-6"])
            #expect(try await store.searchItems(ItemQuery(limit: 0)).elements.count == 1, "a limit below 1 reads one")
        }
    }

    static func invalidCursorsAreRefused(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            let itemCursor = try #require(try await store.searchItems(ItemQuery(limit: 2)).nextCursor)
            let eventCursor = try #require(try await store.searchEvents(EventQuery(limit: 2)).nextCursor)
            for bad in ["", "not a cursor", "!!!!", String(repeating: "A", count: 200), eventCursor, itemCursor + "A"] {
                await #expect(throws: StoreError.self, "item cursor \(bad)") {
                    try await store.searchItems(ItemQuery(cursor: bad))
                }
            }
            do {
                _ = try await store.searchEvents(EventQuery(cursor: itemCursor))
                Issue.record("an item cursor was accepted by the event listing")
            } catch let error as StoreError {
                #expect(error.code == .invalidCursor)
                #expect(error.message.contains("nextCursor"))
            }
            await #expect(throws: StoreError.self) { try await store.searchLots(LotQuery(cursor: itemCursor)) }
        }
    }

    static func scopesLimitSearches(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            let holders = try await store.holders()
            let north = HolderScope(root: "R1", holders: holders)
            let south = HolderScope(root: "R2", holders: holders)
            let unit = HolderScope(root: "U1", holders: holders)

            // Items: AK-2 is in transit from S1 on S1's books, AK-3 missing on S1's books.
            #expect(
                try await store.searchItems(ItemQuery(scope: north)).elements.map(\.marking.serial)
                    == ["AK-1", "AK-2", "AK-3", "AK-4", "AK-5", "AK-6"])
            #expect(try await store.searchItems(ItemQuery(scope: south)).elements.map(\.marking.serial) == ["AK-7", "G-1"])
            #expect(try await store.searchItems(ItemQuery(scope: unit)).elements.map(\.marking.serial) == ["AK-1"])
            #expect(try await store.searchItems(ItemQuery(serial: "AK-7", scope: north)).elements == [])

            // A large scope (over the small-scope threshold) gives the same answer as a small one.
            var tree = Fixture.holderTree
            for n in 0..<80 { tree.append(E.holder("P-X\(n)", .person, "Person \(n)", parent: "U1")) }
            try await store.recordValid(Array(tree.dropFirst(8)))
            let bigUnit = HolderScope(root: "U1", holders: try await store.holders())
            #expect(bigUnit.codes.count > 64)
            #expect(try await store.searchItems(ItemQuery(scope: bigUnit)).elements.map(\.marking.serial) == ["AK-1"])

            // Lots: balances outside the scope are left out, and so are lots without one inside.
            let northLots = try await store.searchLots(LotQuery(scope: north)).elements
            #expect(northLots.map(\.record.marking.lot) == ["L1"])
            #expect(northLots.first?.balances == [LotView.Balance(holder: "S1", quantity: 1000)])
            #expect(try await store.searchLots(LotQuery(scope: south)).elements.map(\.record.marking.lot) == ["L2"])
            #expect(try await store.searchLots(LotQuery()).elements.count == 2)

            // Events: those naming a holder in the scope, whatever the scope's size.
            let southEvents = try await store.searchEvents(EventQuery(scope: south)).elements.map(\.seq)
            #expect(southEvents == [5, 6, 9, 11, 13])
            let unitEvents = try await store.searchEvents(EventQuery(scope: unit, limit: 1000)).elements.map(\.seq)
            #expect(unitEvents == [3, 4, 12] + Array(15..<95), "adding a holder under U1 names U1")
            let bigUnitEvents = try await store.searchEvents(EventQuery(scope: bigUnit, limit: 1000)).elements.map(\.seq)
            #expect(bigUnitEvents == [3, 4, 12] + Array(15..<95))

            // Summary: counts inside the scope only.
            let s = try await store.summary(scope: south)
            #expect(s.items == 2)
            #expect(s.byCategory == ["assault-rifle": 1, "revolver-pistol": 1])
            #expect(s.byRegion == ["R2": 2])
            #expect(s.lots == 1)
            #expect(s.holders == 2)
            #expect(s.events == 5)
            let whole = try await store.summary(scope: .everything)
            #expect(whole == (try await store.summary()))
            #expect(whole.items == 8)
        }
    }

    static func eventsAreListed(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            let all = try await store.searchEvents(EventQuery())
            #expect(all.elements.map(\.seq) == Array(0..<15))
            #expect(all.elements[12].json.contains("\"kind\":\"issue\""))
            let newest = try await store.searchEvents(EventQuery(order: .descending, limit: 4))
            #expect(newest.elements.map(\.seq) == [14, 13, 12, 11])
            let next = try await store.searchEvents(EventQuery(order: .descending, limit: 4, cursor: newest.nextCursor))
            #expect(next.elements.map(\.seq) == [10, 9, 8, 7])

            #expect(try await store.searchEvents(EventQuery(kind: .holderAdd)).elements.map(\.seq) == Array(0..<8))
            #expect(try await store.searchEvents(EventQuery(kind: .loss)).elements.map(\.seq) == [14])
            #expect(try await store.searchEvents(EventQuery(holder: "S2")).elements.map(\.seq) == [6, 9, 11, 13])
            #expect(try await store.searchEvents(EventQuery(holder: "P1")).elements.map(\.seq) == [4, 12])
            let ak2 = try #require(try await store.searchItems(ItemQuery(serial: "AK-2")).elements.first)
            #expect(try await store.searchEvents(EventQuery(itemID: ak2.id)).elements.map(\.seq) == [8, 13])
            #expect(try await store.searchEvents(EventQuery(fromSeq: 5, toSeq: 9)).elements.map(\.seq) == [5, 6, 7, 8])
            #expect(
                try await store.searchEvents(EventQuery(kind: .register, fromSeq: 9, toSeq: 11)).elements.map(\.seq) == [9, 10])

            var seen: [Int64] = []
            var cursor: String?
            repeat {
                let page = try await store.searchEvents(EventQuery(holder: "S1", limit: 2, cursor: cursor))
                seen += page.elements.map(\.seq)
                cursor = page.nextCursor
            } while cursor != nil && seen.count < 100
            #expect(seen == [2, 3, 8, 10, 12, 13, 14])
        }
    }

    static func correctionsFollowTheirEvent(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            var correction = Event(kind: .correction, occurredAt: E.t)
            correction.corrects = 12
            correction.reason = "issued against the wrong voucher"
            var second = Event(kind: .correction, occurredAt: E.t)
            second.corrects = 15
            second.reason = "the correction named the wrong voucher"
            try await store.recordValid([correction, second])  // 15, 16
            #expect(try await store.searchEvents(EventQuery(holder: "P1")).elements.map(\.seq) == [4, 12, 15, 16])
            let unit = HolderScope(root: "U1", holders: try await store.holders())
            #expect(try await store.searchEvents(EventQuery(scope: unit)).elements.map(\.seq) == [3, 4, 12, 15, 16])
            #expect(try await store.holdersNamed(bySeq: 16) == ["S1", "P1"])
            #expect(try await store.holdersNamed(bySeq: 12) == ["S1", "P1"])
            #expect(try await store.holdersNamed(bySeq: 3) == ["U1", "S1"])
            #expect(try await store.holdersNamed(bySeq: 99) == [])
            #expect(try await store.verify().divergence == nil)
        }
    }

    static func pointReads(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            let ak1 = try await store.item("AK-1")
            #expect(try await store.item(id: ak1.record.id) == ak1.record)
            #expect(try await store.item(id: 999) == nil)
            #expect(try await store.holder(code: "S1") == Holder(code: "S1", kind: .site, name: "Depot One", parent: "Z1"))
            #expect(try await store.holder(code: "NOPE") == nil)
            let lots = try await store.searchLots(LotQuery(lot: "L1")).elements
            let l1 = try #require(lots.first)
            #expect(lots.count == 1)
            #expect(l1.record.marking.manufacturer == "PPU")
            #expect(try await store.lot(id: l1.record.id) == l1)
            #expect(l1.missing == 0 && l1.inTransit == 0)
            #expect(try await store.lot(id: 999) == nil)
            #expect(try await store.event(seq: 12)?.json.contains("\"to\":\"P1\"") == true)
            #expect(try await store.event(seq: 15) == nil)
        }
    }

    static func groupIsolatesRequests(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            let before = try await store.ledgerSize()
            let report = try await store.appendGroup([
                AppendRequest(events: [E.move(.issue, ["AK-4"], from: "S1", to: "U1")], recordedBy: "clerk-a", recordedAt: E.t),
                AppendRequest(
                    events: [
                        E.move(.issue, ["AK-5"], from: "S1", to: "U1"),
                        E.move(.issue, ["AK-7"], from: "S1", to: "U1"),  // AK-7 is at S2
                    ], recordedBy: "clerk-b", recordedAt: E.t),
                AppendRequest(
                    events: [E.move(.issue, lots: [("L1", 10)], from: "S1", to: "U1")], recordedBy: "clerk-c", recordedAt: E.t,
                    dryRun: true),
                AppendRequest(events: [E.move(.return, ["AK-1"], from: "P1", to: "S1")], recordedBy: "clerk-d", recordedAt: E.t),
            ])
            #expect(report.reports.count == 4)
            #expect(report.size == before + 2)
            let checkpoint = try #require(report.checkpoint)
            #expect(try await store.signedCheckpoint(checkpoint).size == before + 2)
            #expect(try await store.checkpoint(size: nil) == checkpoint)

            let (a, b, c, d) = (report.reports[0], report.reports[1], report.reports[2], report.reports[3])
            #expect(a.written && a.firstSeq == before && a.size == before + 2 && a.checkpoint == checkpoint)
            #expect(!b.written)
            #expect(b.errors.map(\.line) == [2])
            #expect(b.errors.first?.field == "items[0]")
            #expect(c.dryRun && c.errors.isEmpty && c.accepted == 1 && !c.written)
            #expect(d.written && d.firstSeq == before + 1)

            #expect(try await store.item("AK-4").record.state.holder == "U1")
            #expect(try await store.item("AK-5").record.state.holder == "S1", "the refused request changed nothing")
            #expect(try await store.item("AK-1").record.state.holder == "S1")
            // The report carries the items the written requests changed, as they now are;
            // not those of the refused request or the dry run.
            let ak4 = try await store.item("AK-4").record
            let ak1 = try await store.item("AK-1").record
            #expect(report.items == [ak1, ak4].sorted { $0.id < $1.id })
            #expect(try await store.holdings(of: "U1", recursive: false)?.lots == [], "the dry run changed nothing")
            let leaves = try await store.entries(from: before, to: before + 2).map(\.json)
            #expect(leaves[0].contains("\"recordedBy\":\"clerk-a\""))
            #expect(leaves[1].contains("\"recordedBy\":\"clerk-d\""))
            #expect(try await store.verify().divergence == nil)

            // A group where every request is refused writes nothing and signs nothing.
            let refused = try await store.appendGroup([
                AppendRequest(events: [E.move(.issue, ["AK-404"], from: "S1", to: "U1")], recordedBy: "x", recordedAt: E.t)
            ])
            #expect(refused.checkpoint == nil)
            #expect(refused.items.isEmpty)
            #expect(refused.size == before + 2)
            #expect(try await store.ledgerSize() == before + 2)
        }
    }

    static func groupRequestsSeeEarlierOnes(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            let report = try await store.appendGroup([
                AppendRequest(events: [E.move(.issue, ["AK-4"], from: "S1", to: "U1")], recordedBy: "a", recordedAt: E.t),
                // Sees AK-4 at U1: issuing it again from S1 is refused, returning it is not.
                AppendRequest(events: [E.move(.issue, ["AK-4"], from: "S1", to: "P1")], recordedBy: "b", recordedAt: E.t),
                AppendRequest(events: [E.move(.return, ["AK-4"], from: "U1", to: "S1")], recordedBy: "c", recordedAt: E.t),
                // A refused request in the middle does not hide its effects from nobody: the
                // next one sees the state without it.
                AppendRequest(
                    events: [E.move(.issue, ["AK-5"], from: "S1", to: "U1"), E.move(.issue, ["AK-404"], from: "S1", to: "U1")],
                    recordedBy: "d", recordedAt: E.t),
                AppendRequest(events: [E.move(.issue, ["AK-5"], from: "S1", to: "P1")], recordedBy: "e", recordedAt: E.t),
                AppendRequest(
                    events: [E.register(E.item("AK-100"), to: "S2"), E.move(.issue, ["AK-100"], from: "S2", to: "S1")],
                    recordedBy: "f", recordedAt: E.t),
            ])
            #expect(report.reports.map(\.written) == [true, false, true, false, true, true])
            #expect(report.reports[1].errors.first?.message.contains("U1") == true)
            #expect(try await store.item("AK-4").record.state.holder == "S1")
            #expect(try await store.item("AK-5").record.state.holder == "P1")
            #expect(try await store.item("AK-100").record.state.holder == "S1")
            #expect(try await store.verify().divergence == nil)
        }
    }

    static func groupHolderChangesPersist(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await searchable(make, dir)
            let first = try await store.appendGroup([
                AppendRequest(events: [E.holder("S3", .site, "Depot Three", parent: "R2")], recordedBy: "admin", recordedAt: E.t)
            ])
            #expect(first.reports[0].written)
            let second = try await store.appendGroup([
                AppendRequest(events: [E.move(.issue, ["AK-4"], from: "S1", to: "S3")], recordedBy: "a", recordedAt: E.t),
                AppendRequest(
                    events: [E.holderChange(.holderClose, HolderChange(code: "S3"))], recordedBy: "admin", recordedAt: E.t),
                AppendRequest(events: [E.move(.issue, ["AK-5"], from: "S1", to: "S3")], recordedBy: "b", recordedAt: E.t),
            ])
            #expect(second.reports.map(\.written) == [true, true, false])
            #expect(second.reports[2].errors.first?.message.contains("closed") == true)
            // A change through a plain append is seen by the next group too.
            try await store.recordValid([E.holder("S4", .site, "Depot Four", parent: "R2")])
            let third = try await store.appendGroup([
                AppendRequest(events: [E.move(.issue, ["AK-6"], from: "S1", to: "S4")], recordedBy: "a", recordedAt: E.t)
            ])
            #expect(third.reports[0].written)
            #expect(try await store.verify().divergence == nil)
        }
    }

    static func tilesAndBundles(_ make: LedgerFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid((0..<300).map { E.register(E.item(String(format: "T-%03d", $0)), to: "S1") })
            let size = try await store.ledgerSize()
            #expect(size == 308)
            let leaves = try await store.entries(from: 0, to: size).map(\.leaf)

            let full = try #require(try await store.tile(level: 0, index: 0, width: 256))
            #expect(full.count == 256 * 32)
            #expect(Array(full[0..<32]) == Merkle.leafHash(leaves[0]).bytes)
            #expect(Array(full[255 * 32..<256 * 32]) == Merkle.leafHash(leaves[255]).bytes)
            let partial = try #require(try await store.tile(level: 0, index: 1, width: 52))
            #expect(partial.count == 52 * 32)
            #expect(Array(partial[51 * 32..<52 * 32]) == Merkle.leafHash(leaves[307]).bytes)
            #expect(try await store.tile(level: 0, index: 1, width: 20)?.count == 20 * 32, "a prefix of the right edge")
            #expect(try await store.tile(level: 0, index: 1, width: 53) == nil, "beyond the tree")
            #expect(try await store.tile(level: 0, index: 1, width: 256) == nil)
            #expect(try await store.tile(level: 0, index: 2, width: 1) == nil)
            let level1 = try #require(try await store.tile(level: 1, index: 0, width: 1))
            let fullRoot = Merkle.root(of: leaves[0..<256].map { Merkle.leafHash($0) })
            #expect(level1 == fullRoot.bytes)
            #expect(try await store.tile(level: 1, index: 0, width: 2) == nil)
            #expect(try await store.tile(level: 6, index: 0, width: 1) == nil)

            let bundle = try #require(try await store.entryBundle(index: 0, width: 256))
            #expect(try TileEntries.parse(bundle) == Array(leaves[0..<256]))
            let partialBundle = try #require(try await store.entryBundle(index: 1, width: 52))
            #expect(try TileEntries.parse(partialBundle) == Array(leaves[256..<308]))
            #expect(try await store.entryBundle(index: 1, width: 53) == nil)
            #expect(try await store.entryBundle(index: 1, width: 256) == nil)
            #expect(try await store.entryBundle(index: Int64.max, width: 1) == nil)
        }
    }
}
