import CustodiaCore

@testable import CustodiaWeb

/// A small register for the web tests: holders, items in every state, lots and a dispatch.
enum Fixture {
    static let now = "2026-11-22T14:05:00Z"
    static let evil = "<script>alert(1)</script>"

    static let holders: [Holder] = [
        Holder(code: "REG-N", kind: .region, name: "Región Norte"),
        Holder(code: "ZN-1", kind: .zone, name: "Zona 1", parent: "REG-N"),
        Holder(code: "DEP-N1-01", kind: .site, name: "Depósito Norte 1", parent: "ZN-1"),
        Holder(code: "U-7", kind: .unit, name: "7.ª Compañía", parent: "DEP-N1-01"),
        Holder(code: "P-000123", kind: .person, name: "Ana Pérez", parent: "U-7"),
        Holder(code: "P-000124", kind: .person, name: "Luis Gil", parent: "U-7"),
        Holder(code: "U-CLOSED", kind: .unit, name: "Unidad disuelta", parent: "DEP-N1-01", closed: true),
        Holder(code: "U-EVIL", kind: .unit, name: evil, parent: "DEP-N1-01"),
        Holder(code: "REG-S", kind: .region, name: "Región Sur"),
        Holder(code: "DEP-S-01", kind: .site, name: "Depósito Sur", parent: "REG-S"),
        Holder(code: "EXT-PE", kind: .external, name: "República del Perú"),
        Holder(code: "EXT-DESTR", kind: .external, name: "Planta de destrucción"),
    ]

    static var names: [String: String] { Dictionary(uniqueKeysWithValues: holders.map { ($0.code, $0.name) }) }

    static func ak(_ serial: String, id: Int64) -> ItemMarking {
        ItemMarking(
            category: .assaultRifle, manufacturer: "Kalashnikov Concern", country: "RU", model: "AK-74M", calibre: "5.45x39mm",
            serial: serial, year: 2012)
    }

    static func record(
        _ id: Int64, _ marking: ItemMarking, _ status: ItemStatus, holder: String?, account: String? = "DEP-N1-01",
        dueBack: String? = nil, transit: String? = nil
    ) -> ItemRecord {
        ItemRecord(
            id: id, marking: marking,
            state: ItemState(
                status: status, holder: holder, account: account, condition: .serviceable, dueBack: dueBack, transit: transit,
                lastSeq: id),
            registeredSeq: id)
    }

    static let pistol = ItemMarking(
        category: .revolverPistol, manufacturer: "Glock", country: "AT", model: "17", calibre: "9x19mm", serial: "GL-0007")

    static let items: [ItemRecord] = [
        record(1, ak("AK-0001", id: 1), .held, holder: "DEP-N1-01"),
        record(2, ak("AK-0002", id: 2), .held, holder: "DEP-N1-01"),
        record(3, ak("AK-0003", id: 3), .held, holder: "DEP-N1-01"),
        record(4, ak("AK-0004", id: 4), .held, holder: "U-7", dueBack: "2026-11-01"),
        record(9, ak("AK-0009", id: 9), .missing, holder: nil),
        record(10, ak("AK-0010", id: 10), .destroyed, holder: nil),
        record(11, pistol, .missing, holder: nil),
        record(20, ak("AK-0020", id: 20), .inTransit, holder: nil, transit: "TR-2026-0007"),
        record(21, ak("AK-0021", id: 21), .inTransit, holder: nil, transit: "TR-2026-0008"),
        // The same serial from two manufacturers.
        record(
            30,
            ItemMarking(
                category: .rifleCarbine, manufacturer: "FN Herstal", country: "BE", model: "FAL", calibre: "7.62x51mm",
                serial: "123"),
            .held, holder: "DEP-N1-01"),
        record(
            31,
            ItemMarking(
                category: .rifleCarbine, manufacturer: "IMBEL", country: "BR", model: "FAL", calibre: "7.62x51mm", serial: "123"),
            .held, holder: "DEP-N1-01"),
        // The same serial and manufacturer, two models.
        record(
            32,
            ItemMarking(
                category: .submachineGun, manufacturer: "Heckler & Koch", country: "DE", model: "MP5", calibre: "9x19mm",
                serial: "HK-1"),
            .held, holder: "DEP-N1-01"),
        record(
            33,
            ItemMarking(
                category: .submachineGun, manufacturer: "Heckler & Koch", country: "DE", model: "MP7", calibre: "4.6x30mm",
                serial: "HK-1"),
            .held, holder: "DEP-N1-01"),
        // Outside a zone-1 user's scope.
        record(40, ak("AK-SUR-1", id: 40), .held, holder: "DEP-S-01", account: "DEP-S-01"),
        record(
            50,
            ItemMarking(
                category: .manpadsLaunchMechanism, manufacturer: "KBM", country: "RU", model: "9P522", calibre: "72mm",
                serial: "LM-0042", year: 2009),
            .held, holder: "DEP-N1-01"),
    ]

    static let lot762 = LotMarking(lot: "762-2019-04", manufacturer: "Arsenal", calibre: "7.62x39mm", type: "ball", year: 2019)
    static let lot545a = LotMarking(lot: "545-2020-01", manufacturer: "Tula", calibre: "5.45x39mm", type: "ball", year: 2020)
    static let lot545b = LotMarking(lot: "545-2020-01", manufacturer: "Barnaul", calibre: "5.45x39mm", type: "ball", year: 2020)

    static let balances: [String: [LotMarking: Int64]] = [
        "DEP-N1-01": [lot762: 5000, lot545a: 100, lot545b: 100],
        "U-7": [lot762: 300],
    ]

    static let dispatches: [DispatchView] = [
        DispatchView(
            document: "TR-2026-0007", seq: 700, from: "DEP-S-01", to: "DEP-N1-01", occurredAt: "2026-11-20T08:00:00Z",
            itemsInTransit: 1, lotsInTransit: [LotQuantity(marking: lot762, quantity: 1200)]),
        DispatchView(
            document: "TR-2026-0008", seq: 701, from: "DEP-N1-01", to: "DEP-S-01", itemsInTransit: 1),
        DispatchView(document: "TR-2026-0001", seq: 100, from: "DEP-S-01", to: "DEP-N1-01", itemsInTransit: 0),
    ]

    /// Zone 1 and everything under it.
    static let zoneScope = HolderScope(root: "ZN-1", holders: holders)

    static func validator(
        scope: HolderScope = .everything, language: Language = .es, resolver: FakeResolver = FakeResolver()
    ) -> RecordingValidator {
        RecordingValidator(resolver: resolver, scope: scope, now: now, language: language)
    }

    static func session(_ role: Role = .clerk, scope: Holder? = holders[1]) -> SessionInfo {
        SessionInfo(userCode: "U-000001", userName: "Marta Ruiz", role: role, scope: scope, csrfToken: "tok-123")
    }

    static func context(_ language: Language = .es, role: Role = .clerk, path: String = "/") -> PageContext {
        PageContext(language: language, session: session(role), path: path)
    }

    static let renderer: WebRenderer = {
        do { return try WebRenderer() } catch { fatalError("templates do not load: \(error)") }
    }()
}

/// The register of `Fixture`, answered from memory.
struct FakeResolver: RecordingResolver {
    var items: [ItemRecord] = Fixture.items
    var holders: [Holder] = Fixture.holders
    var pack: PolicyPack = .standard

    func items(serials: [String]) async throws -> [ItemRecord] {
        let wanted = Set(serials)
        return items.filter { wanted.contains($0.marking.serial) }
    }

    func holders(codes: [String]) async throws -> [Holder] {
        let wanted = Set(codes)
        return holders.filter { wanted.contains($0.code) }
    }

    func lots(numbers: [String]) async throws -> [LotMarking] {
        [Fixture.lot762, Fixture.lot545a, Fixture.lot545b].filter { numbers.contains($0.lot) }
    }

    func balance(lot: LotMarking, holder: String) async throws -> Int64 {
        Fixture.balances[holder]?[lot] ?? 0
    }

    func dispatch(document: String) async throws -> DispatchView? {
        Fixture.dispatches.first { $0.document == document }
    }

    func policy() async throws -> PolicyPack { pack }
}
