import CustodiaCore

@testable import CustodiaWeb

/// Pages filled as the server would fill them, at realistic sizes.
enum Samples {
    static let names = Fixture.names

    /// An item with `events` entries of custody history, with long names and documents.
    static func itemPage(events: Int) -> ItemPage {
        let item = Fixture.items[3]
        var history: [EventEntry] = []
        let units = ["U-N1-01-03", "U-N1-02-11", "P-104729", "P-339021", "U-EVIL"]
        var names = Fixture.names
        names["U-N1-01-03"] = "3.ª Compañía del Batallón de Infantería Mecanizada n.º 12"
        names["U-N1-02-11"] = "11.ª Batería del Grupo de Artillería de Campaña"
        names["P-104729"] = "María del Carmen Fernández-Villalobos"
        names["P-339021"] = "José Antonio Rodríguez de la Fuente"
        for n in 0..<events {
            let seq = Int64(1_000_000 + n * 37)
            var e: Event
            if n == 0 {
                e = Event(kind: .register, occurredAt: "2025-01-02T08:00:00Z")
                e.to = "DEP-N1-01"
                e.registrations = [item.marking]
            } else {
                let day = 1 + n % 28
                let month = 1 + (n / 28) % 12
                let when = "2026-\(CivilTime.pad(month, 2))-\(CivilTime.pad(day, 2))T\(CivilTime.pad(n % 24, 2)):15:00Z"
                let out = n % 2 == 1
                e = Event(kind: out ? .issue : .return, occurredAt: when)
                let unit = units[n % units.count]
                e.from = out ? "DEP-N1-01" : unit
                e.to = out ? unit : "DEP-N1-01"
                e.items = [
                    .marking(manufacturer: item.marking.manufacturer, serial: item.marking.serial, model: item.marking.model)
                ]
                e.document = "VO-2026-\(CivilTime.pad(n, 6))"
                if out { e.dueBack = "2026-\(CivilTime.pad(month, 2))-28" }
                e.confirmedBy = n % 5 == 0 ? ["P-000124"] : []
                e.note = n % 10 == 0 ? "Entrega para ejercicio de tiro en el campo de maniobras" : nil
            }
            e.recordedAt = n % 7 == 0 ? "2026-12-30T09:00:00Z" : e.occurredAt
            e.recordedBy = "U-000\(100 + n % 9)"
            history.append(EventEntry(seq: seq, event: e))
        }
        return ItemPage(item: item, history: history, holderNames: names, now: Fixture.now)
    }

    static func loss(_ n: Int, items: Int) -> EventEntry {
        var e = Event(kind: n % 2 == 0 ? .loss : .theft, occurredAt: "2026-11-\(CivilTime.pad(1 + n, 2))T10:00:00Z")
        e.from = "U-EVIL"
        e.items = (0..<items).map { .marking(manufacturer: "Kalashnikov Concern", serial: "AK-\(n)-\($0)", model: "AK-74M") }
        e.lots = [LotReference(lot: "762-2019-04", manufacturer: "Arsenal", quantity: 120)]
        e.document = "PL-2026-\(n)"
        e.recordedBy = "U-000001"
        e.recordedAt = e.occurredAt
        return EventEntry(seq: Int64(5000 + n), event: e)
    }

    static func dashboard(overdue: Int = 20, missing: Int = 20, losses: Int = 10) -> DashboardPage {
        var byCategory: [String: Int64] = [:]
        for (n, c) in Category.allCases.enumerated() { byCategory[c.rawValue] = Int64(1000 * (n + 1) + 7 * n) }
        let overdueItems = (0..<overdue).map { n in
            Fixture.record(
                Int64(100 + n), Fixture.ak("AK-9\(n)", id: 0), .held, holder: n % 3 == 0 ? "U-EVIL" : "U-7",
                dueBack: "2026-10-\(CivilTime.pad(1 + n, 2))")
        }
        let missingItems = (0..<missing).map { n in
            Fixture.record(Int64(200 + n), Fixture.ak("AK-8\(n)", id: 0), .missing, holder: nil, account: "U-EVIL")
        }
        return DashboardPage(
            items: 250_000, lots: 1_234, holders: 4_321, events: 2_345_678, byCategory: byCategory,
            byStatus: ["held": 240_000, "in-transit": 1_200, "missing": 312, "destroyed": 8_000, "exported": 488],
            byCondition: [
                "serviceable": 200_000, "unserviceable": 20_000, "repairable": 15_000, "surplus": 10_000,
                "awaiting-destruction": 5_000,
            ],
            overdue: overdueItems, overdueTotal: 1_234, missing: missingItems, missingTotal: 312,
            recentLosses: (0..<losses).map { loss($0, items: 8) },
            ledger: LedgerStatus(
                origin: "registry.example.org/custodia", size: 2_345_678, root: "m2n9dY1aZ0r8QO8lUQ2vP3Wk8Yc9+Zr2nO1sS5bQmXs=",
                signedAt: "2026-11-22T13:59:58Z", lastVerifiedAt: "2026-11-21T02:00:00Z", lastVerifyPassed: true),
            holderNames: names, now: Fixture.now)
    }

    static func holderPage(evil: Bool = true) -> HolderPage {
        let holder = evil ? Fixture.holders[7] : Fixture.holders[2]
        return HolderPage(
            holder: holder, path: [Fixture.holders[0], Fixture.holders[1], Fixture.holders[2]],
            totals: SubtreeTotals(items: 12_345, lotQuantity: 1_500_000, missing: 3, overdue: 12),
            children: [
                HolderSummary(
                    holder: Fixture.holders[3], totals: SubtreeTotals(items: 40, lotQuantity: 300, missing: 1, overdue: 2)),
                HolderSummary(holder: Fixture.holders[7], totals: SubtreeTotals(items: 2, lotQuantity: 0)),
            ],
            items: Array(Fixture.items.prefix(4)), itemsHeld: 240, lots: [LotQuantity(marking: Fixture.lot762, quantity: 5000)],
            page: 2, hasNextPage: true, holderNames: names, now: Fixture.now)
    }

    static func receipt(kind: EventKind = .issue) -> ReceiptPage {
        var e = Event(kind: kind, occurredAt: "2026-11-22T10:00:00Z")
        e.from = "DEP-N1-01"
        e.to = "U-EVIL"
        e.items = ["AK-0001", "AK-0002", "AK-0003"].map {
            .marking(manufacturer: "Kalashnikov Concern", serial: $0, model: "AK-74M")
        }
        e.lots = [LotReference(lot: "762-2019-04", manufacturer: "Arsenal", quantity: 1200)]
        e.document = "VO-2026-0001"
        e.dueBack = "2026-12-01"
        e.recordedAt = "2026-11-22T10:03:00Z"
        e.recordedBy = "U-000001"
        var holders: [String: Holder] = [:]
        for h in Fixture.holders { holders[h.code] = h }
        return ReceiptPage(
            seq: 2_345_679, event: e, items: Array(Fixture.items.prefix(3).map(\.marking)), holders: holders, treeSize: 2_345_680,
            root: "q8Y3kz0Q0dO6m1tQ5l2vR1hG8sYV0fN4x2QdK9pWm7E=")
    }

    static let checkpoint =
        "registry.example.org/custodia\n2345680\nq8Y3kz0Q0dO6m1tQ5l2vR1hG8sYV0fN4x2QdK9pWm7E=\n\n— registry.example.org/custodia Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
}
