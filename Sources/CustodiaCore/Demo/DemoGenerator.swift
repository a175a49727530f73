/// A realistic, fictional and deterministic demonstration dataset, as a lazy sequence of
/// input events.
///
/// Applied in order to an empty store, every event is accepted by `CustodyEngine`: first the
/// holder tree (regions, zones, sites with their staff, units with their people, external
/// parties), then the initial registration of items and ammunition lots at the sites
/// (October 2025), then a year of activity from 2025-11-01 to 2026-10-31 (issues and
/// returns, transfers in two steps, maintenance, condition changes, stocktakes, losses and
/// thefts, recoveries, surrenders, destructions, exports, expenditure, corrections). With
/// `endingOn`, the whole timeline moves so that the year of activity ends on that day (the
/// `custodia demo` command ends it yesterday, so that the alerts of the policy pack judged
/// today are the handful the story has, not everything due after a fixed date).
///
/// The story holds a few of each alert: two MANPADS missiles stolen and not recovered, a
/// unit disbanded (closed) on the last day with its weapons not yet collected, some returns
/// that never come, and counts by serial that cover most but not all of each holder's stock.
///
/// The generator keeps only compact state (a few small arrays per item, balances per lot
/// and holder, open dispatches), never the events, so the national scale runs in bounded
/// memory. The same scale and seed always give the same events.
///
/// ```swift
/// for event in DemoGenerator(scale: .small) { _ = try engine.apply(event) }
/// ```
public struct DemoGenerator: Sequence, IteratorProtocol {
    public typealias Element = Event

    public let scale: DemoScale
    public let seed: UInt64
    /// Exactly how many events the sequence yields.
    public let eventCount: Int
    /// How many events have been yielded: the sequence number the next event gets in a
    /// ledger that started empty.
    public private(set) var yielded = 0

    enum Phase { case holders, registration, allocation, activity }

    enum ItemStatus: UInt8 { case held, inTransit, missing, gone }

    enum Document: Int, CaseIterable {
        case voucher, transfer, workOrder, report, seizure, countReport, destruction, export, licence, register
        case ddr, firing, deactivation, acquisition

        var prefix: String {
            switch self {
            case .voucher: "VO"
            case .transfer: "TR"
            case .workOrder: "OT"
            case .report: "DEN"
            case .seizure: "ACTA-INC"
            case .countReport: "ACTA-INV"
            case .destruction: "CD"
            case .export: "EXP"
            case .licence: "LIC-EXP"
            case .register: "ALTA"
            case .ddr: "DDR"
            case .firing: "PT"
            case .deactivation: "CDV"
            case .acquisition: "IMP"
            }
        }
    }

    /// Model tables for registration and acquisitions.
    enum Table: Int { case depot, gripstocks, batteries, armoury, manpadsMagazine, found, acquisition }

    static let workdaySeconds = 14 * 3600
    static let workdayStart = 6 * 3600
    static let holderStartDay = DemoText.days(year: 2025, month: 9, day: 1)
    static let registrationStartDay = DemoText.days(year: 2025, month: 10, day: 1)
    static let registrationDays = 24
    static let allocationStartDay = DemoText.days(year: 2025, month: 10, day: 27)
    static let allocationDays = 5
    /// Share (percent) of each site's serviceable stock allocated to units before the year starts.
    static let allocationPercent = 35
    static let activityStartDay = DemoText.days(year: 2025, month: 11, day: 1)
    static let activityDays = 365

    let params: DemoParameters
    let catalogue = DemoCatalogue.models
    var rng: DemoRandom
    var phase = Phase.holders

    // Clock
    var now = ""
    var today = 0
    var todayYear = 2025
    /// Days added to every date the events carry (see `endingOn`).
    var shift = 0
    var cachedDay = Int.min
    var cachedCivil = (year: 0, month: 0, day: 0)

    // Holders
    var holders: [DemoHolder] = []
    var holderCursor = 0
    var personCounter = 0
    var issuingSites: [Int32] = []
    var lotSites: [Int32] = []
    var countSites: [Int32] = []
    var manpadsDepots: [Int32] = []
    var manpadsMagazines: [Int32] = []
    var manpadsSites: [Int32] = []
    var collections: [Int32] = []
    var foreignStates: [Int32] = []
    var allUnits: [Int32] = []
    var zoneUnits: [[Int32]] = []
    var zoneLotSite: [Int32] = []
    var regionWorkshop: [Int32] = []
    var regionCollection: [Int32] = []
    var centralDepot: Int32 = -1
    var centralMagazine: Int32 = -1
    var manufacturerExternal: Int32 = -1
    var destructionFacility: Int32 = -1
    var court: Int32 = -1
    /// Per holder: 0 unit, 1 person, 2 court (holders items are returned from), -1 other.
    var activeClass: [Int8] = []
    var activePos: [Int32] = []
    var active: [[Int32]] = [[], [], []]

    // Items, by index
    var held: [[Int32]] = []
    var holderOf: [Int32] = []
    var pos: [Int32] = []
    var home: [Int32] = []
    var model: [UInt8] = []
    var serialValue: [UInt32] = []
    var status: [ItemStatus] = []
    var cond: [Condition] = []
    var modelCount: [Int] = []
    var modelBlocks: [UInt64] = []
    var modelMultiplier: [UInt64] = []
    var modelOffset: [UInt64] = []
    var modelIsMANPADS: [Bool] = []
    var modelIsIndividual: [Bool] = []
    var modelCategory: [Category] = []
    var modelManufacturer: [String] = []
    var modelName: [String] = []
    var modelPrefix: [String] = []
    /// Letters and digits of the serial format, and 10^digits.
    var modelShape: [(letters: Int, digits: Int, tens: Int)] = []
    var assignedCount = 0
    var missing: [Int32] = []

    // Lots
    var lots: [DemoLot] = []
    var lotBalance: [UInt64: Int64] = [:]
    var siteLotPairs: [DemoLotPair] = []
    var unitLotPairs: [DemoLotPair] = []
    var siteLots: [[Int32]] = []
    var lotMissing: [Int64] = []
    var missingLots: [Int32] = []

    // Registration
    var registrationPlan: [(site: Int32, table: Table, items: Int, manpads: Int, lots: Int)] = []
    var registrationCursor = 0
    var registrationItemsLeft = 0
    /// Of the items left, how many are MANPADS gripstocks and batteries.
    var registrationMANPADSLeft = 0
    var registrationLotsLeft = 0
    var registrationSecond = 0
    var registrationStep = 1
    var allocationCursor = 0
    var allocationLeft = 0
    var allocationSecond = 0
    var allocationStep = 1
    var modelTables: [DemoWeights] = []
    var ammunitionTable = DemoWeights()

    // Activity
    var activityStart = 0
    var activityTotal = 1
    var eventsPerDay = 1
    var act = 0
    var documentNumbers = [Int](repeating: 0, count: Document.allCases.count)
    var countCursor = 0
    var countOffset: [Int32] = []
    var manpadsCountCursor = Int.max
    var nextMANPADSCountDay = 0
    var repairQueue = DemoQueue<DemoBatch>()
    var maintenanceQueue = DemoQueue<DemoBatch>()
    var unserviceableQueue = DemoQueue<DemoBatch>()
    var surplusQueue = DemoQueue<DemoBatch>()
    var destructionQueue = DemoQueue<DemoBatch>()
    var transitQueue = DemoQueue<DemoTransit>()
    var returnQueue = DemoQueue<DemoBatch>()
    var exportDays: [Int] = []
    var manpadsTheftDays: [Int] = []
    var exerciseQueue = DemoQueue<DemoExercise>()

    /// - Parameters:
    ///   - scale: how large a dataset.
    ///   - seed: another seed gives another dataset of the same shape.
    ///   - endingOn: the last day of the year of activity (`YYYY-MM-DD`); nil: 2026-10-31.
    public init(scale: DemoScale, seed: UInt64 = 2026, endingOn: String? = nil) {
        self.scale = scale
        self.seed = seed
        if let end = endingOn, Timestamp.isDate(end), let seconds = Timestamp.seconds(end + "T00:00:00Z") {
            shift = Int(seconds / 86_400) - (Self.activityStartDay + Self.activityDays - 1)
        }
        params = DemoParameters.of(scale)
        eventCount = params.events
        rng = DemoRandom(seed: seed ^ 0xC057_0D1A_2026_5EED)
        buildTree()
        buildTables()
        planRegistration()
    }

    public var underestimatedCount: Int { eventCount - yielded }

    public mutating func next() -> Event? {
        guard yielded < eventCount else { return nil }
        let event: Event
        switch phase {
        case .holders:
            event = nextHolder()
        case .registration, .allocation:
            if phase == .registration, let e = nextRegistration() {
                event = e
            } else {
                if phase == .registration { startAllocation() }
                if let e = nextAllocation() {
                    event = e
                } else {
                    startActivity()
                    event = nextActivity()
                }
            }
        case .activity:
            event = nextActivity()
        }
        yielded += 1
        return event
    }

    // MARK: Clock

    mutating func setClock(day: Int, second: Int) {
        if day != cachedDay {
            cachedDay = day
            cachedCivil = DemoText.civil(day + shift)
        }
        today = day
        todayYear = cachedCivil.year
        now = DemoText.timestamp(cachedCivil, second: second)
    }

    /// Sets the clock to `work` seconds of working time (06:00–20:00) after `base`.
    mutating func setClock(base: Int, work: Int) {
        setClock(day: base + work / Self.workdaySeconds, second: Self.workdayStart + work % Self.workdaySeconds)
    }

    /// A day of the timeline as the events write it.
    func date(_ day: Int) -> String { DemoText.date(day + shift) }

    // MARK: Holder tree

    mutating func buildTree() {
        let p = params
        var regionIDs: [Int32] = []
        for r in 0..<p.regions {
            let (name, code) = DemoCatalogue.regions[r]
            regionIDs.append(
                addHolder("REG-\(code)", .region, .region, "Región \(name)", parent: -1, region: Int32(r), zone: -1))
        }
        for x in DemoCatalogue.externals {
            let id = addHolder(x.code, .external, x.role, x.name, parent: -1, region: -1, zone: -1)
            switch x.role {
            case .foreignState: foreignStates.append(id)
            case .manufacturer: manufacturerExternal = id
            case .destructionFacility: destructionFacility = id
            case .court: court = id
            default: break
            }
        }
        let central = Int32(DemoCatalogue.centralRegion)
        let centre = regionIDs[Int(central)]
        centralDepot = addSite(.depot, "DEP-CEN", "Depósito Central de Armamento", parent: centre, region: central, zone: -1)
        centralMagazine = addSite(.magazine, "MAG-CEN", "Polvorín Central", parent: centre, region: central, zone: -1)
        let centralWorkshop = addSite(
            .workshop, "TAL-CEN", "Taller Central de Armamento", parent: centre, region: central, zone: -1)
        let centralCollection = addSite(
            .collection, "DDR-CEN", "Centro Nacional de Acopio DDR", parent: centre, region: central, zone: -1)
        manpadsDepots.append(centralDepot)
        manpadsMagazines.append(centralMagazine)

        var battalion = 0
        for r in 0..<p.regions {
            let (regionName, rc) = DemoCatalogue.regions[r]
            let region = Int32(r)
            var workshop = centralWorkshop
            var collection = centralCollection
            for role in p.regionalSites {
                switch role {
                case .workshop:
                    workshop = addSite(
                        .workshop, "TAL-\(rc)", "Taller Regional de Armamento \(regionName)", parent: regionIDs[r],
                        region: region, zone: -1)
                case .collection:
                    collection = addSite(
                        .collection, "DDR-\(rc)", "Centro de Acopio DDR \(regionName)", parent: regionIDs[r],
                        region: region, zone: -1)
                default: break
                }
            }
            regionWorkshop.append(workshop)
            regionCollection.append(collection)

            for z in 0..<p.zonesPerRegion {
                let zoneOrdinal = Int32(zoneUnits.count)
                let place = DemoCatalogue.places[Int(zoneOrdinal) % DemoCatalogue.places.count]
                let zc = "\(rc)\(z + 1)"
                let zone = addHolder(
                    "ZON-\(zc)", .zone, .zone, "Zona \(place)", parent: regionIDs[r], region: region, zone: zoneOrdinal)
                var lotSite: Int32 = -1
                var ordinals: [DemoRole: Int] = [:]
                for role in p.zoneSites {
                    let n = (ordinals[role] ?? 0) + 1
                    ordinals[role] = n
                    let prefix: String
                    let name: String
                    switch role {
                    case .armoury:
                        prefix = "ARM"
                        name = "Armería \(place) \(n)"
                    case .magazine:
                        prefix = "MAG"
                        name = "Polvorín \(place)"
                    default:
                        prefix = "DEP"
                        name = "Depósito de Armamento \(place) \(n)"
                    }
                    let site = addSite(
                        role, "\(prefix)-\(zc)-\(n < 10 ? "0" : "")\(n)", name, parent: zone, region: region,
                        zone: zoneOrdinal)
                    if role == .magazine || lotSite < 0 && role == .depot { lotSite = site }
                    // The first zone of each region may store MANPADS (national scale).
                    if z == 0, p.regions > 3, n == 1 {
                        if role == .depot { manpadsDepots.append(site) }
                        if role == .magazine { manpadsMagazines.append(site) }
                    }
                }
                zoneLotSite.append(lotSite)

                var units: [Int32] = []
                var currentBattalion = zone
                for j in 0..<p.unitsPerZone {
                    let code = "UNIT-\(zc)-\(j + 1 < 10 ? "0" : "")\(j + 1)"
                    let unit: Int32
                    switch j % 5 {
                    case 0:
                        battalion += 1
                        unit = addHolder(
                            code, .unit, .unit, "Batallón de Infantería N.º \(battalion)", parent: zone, region: region,
                            zone: zoneOrdinal)
                        currentBattalion = unit
                    case 1, 2:
                        unit = addHolder(
                            code, .unit, .unit,
                            "Compañía \(j % 5 == 1 ? "A" : "B") del Batallón de Infantería N.º \(battalion)",
                            parent: currentBattalion, region: region, zone: zoneOrdinal)
                    case 3:
                        unit = addHolder(
                            code, .unit, .unit, "Comisaría \(j / 5 + 1) de \(place)", parent: zone, region: region,
                            zone: zoneOrdinal)
                    default:
                        unit = addHolder(
                            code, .unit, .unit, "Destacamento de Fronteras \(place) \(j / 5 + 1)", parent: zone,
                            region: region, zone: zoneOrdinal)
                    }
                    units.append(unit)
                    let first = Int32(holders.count)
                    for _ in 0..<p.personsPerUnit {
                        _ = addHolder(nextPersonCode(), .person, .person, "", parent: unit, region: region, zone: zoneOrdinal)
                    }
                    holders[Int(unit)].firstMember = first
                    holders[Int(unit)].members = Int32(p.personsPerUnit)
                }
                zoneUnits.append(units)
                allUnits += units
            }
        }
        manpadsSites = manpadsDepots + manpadsMagazines
        // Units count what they hold too, in the same rotation as the sites.
        countSites += allUnits

        let n = holders.count
        held = Array(repeating: [], count: n)
        siteLots = Array(repeating: [], count: n)
        countOffset = Array(repeating: 0, count: n)
        activePos = Array(repeating: -1, count: n)
        activeClass = holders.map { h in
            switch h.role {
            case .unit: 0
            case .person: 1
            case .court: 2
            default: -1
            }
        }
    }

    mutating func addHolder(
        _ code: String, _ kind: HolderKind, _ role: DemoRole, _ name: String, parent: Int32, region: Int32, zone: Int32
    ) -> Int32 {
        let id = Int32(holders.count)
        holders.append(DemoHolder(code: code, kind: kind, role: role, name: name, parent: parent, region: region, zone: zone))
        return id
    }

    /// A site with its staff (the people who sign for it and witness its destructions).
    mutating func addSite(_ role: DemoRole, _ code: String, _ name: String, parent: Int32, region: Int32, zone: Int32)
        -> Int32
    {
        let site = addHolder(code, .site, role, name, parent: parent, region: region, zone: zone)
        let first = Int32(holders.count)
        for _ in 0..<params.staffPerSite {
            _ = addHolder(nextPersonCode(), .person, .staff, "", parent: site, region: region, zone: zone)
        }
        holders[Int(site)].firstMember = first
        holders[Int(site)].members = Int32(params.staffPerSite)
        switch role {
        case .depot, .armoury:
            issuingSites.append(site)
            lotSites.append(site)
        case .magazine:
            lotSites.append(site)
        case .collection:
            collections.append(site)
        default:
            break
        }
        countSites.append(site)
        return site
    }

    /// An opaque person code: `P-` and six digits, unique but not in order.
    mutating func nextPersonCode() -> String {
        let n = personCounter
        personCounter += 1
        return DemoText.code("P-", (n * 7919 + 104_729) % 1_000_000, width: 6)
    }

    /// A fictional full name for a person (kept outside the ledger by the engine).
    func personName(_ index: Int) -> String {
        let h = DemoRandom.mix(seed ^ UInt64(index) &* 0x2545_F491_4F6C_DD1D)
        let first = DemoCatalogue.firstNames[Int(h % UInt64(DemoCatalogue.firstNames.count))]
        let s1 = DemoCatalogue.surnames[Int((h >> 20) % UInt64(DemoCatalogue.surnames.count))]
        let s2 = DemoCatalogue.surnames[Int((h >> 40) % UInt64(DemoCatalogue.surnames.count))]
        return "\(first) \(s1) \(s2)"
    }

    mutating func nextHolder() -> Event {
        let h = holders[holderCursor]
        setClock(base: Self.holderStartDay, work: holderCursor * 20)
        var e = Event(kind: .holderAdd, occurredAt: now)
        e.holder = HolderChange(
            code: h.code, kind: h.kind, name: h.kind == .person ? personName(holderCursor) : h.name,
            parent: h.parent >= 0 ? holders[Int(h.parent)].code : nil)
        holderCursor += 1
        if holderCursor == holders.count { phase = .registration }
        return e
    }

    // MARK: Catalogue tables

    mutating func buildTables() {
        var tables = [DemoWeights](repeating: DemoWeights(), count: 7)
        for (i, m) in catalogue.enumerated() {
            let id = Int32(i)
            switch m.category {
            case .manpadsLaunchMechanism:
                tables[Table.gripstocks.rawValue].add(id, weight: m.depotWeight)
            case .manpadsBattery:
                tables[Table.batteries.rawValue].add(id, weight: m.depotWeight)
            case .manpadsMissile:
                tables[Table.manpadsMagazine.rawValue].add(id, weight: m.depotWeight)
            default:
                tables[Table.depot.rawValue].add(id, weight: m.depotWeight)
                tables[Table.armoury.rawValue].add(id, weight: m.armouryWeight)
                if m.individual, m.years.lowerBound < 2000 { tables[Table.found.rawValue].add(id, weight: m.depotWeight) }
                if DemoCatalogue.acquisitionModels.contains(m.model) { tables[Table.acquisition.rawValue].add(id, weight: 1) }
            }
            modelIsMANPADS.append(m.category.isMANPADS)
            modelIsIndividual.append(m.individual)
            modelCategory.append(m.category)
            modelManufacturer.append(m.manufacturer)
            modelName.append(m.model)
            modelPrefix.append(m.prefix)
            var tens = 1
            for _ in 0..<m.digits { tens *= 10 }
            modelShape.append((m.letters, m.digits, tens))
            modelCount.append(0)
            // Serials come in runs of 16 (one production batch); the runs are spread over
            // the format's space by an affine permutation, so serials are unique per model.
            let blocks = Swift.max(1, m.serialSpace / 16)
            var multiplier: UInt64 = 1
            for candidate: UInt64 in [1_000_003, 104_729, 15_485_863, 7919] where gcd(candidate, blocks) == 1 {
                multiplier = candidate
                break
            }
            modelBlocks.append(blocks)
            modelMultiplier.append(multiplier)
            modelOffset.append(DemoRandom.mix(seed &+ UInt64(i) &* 0x9E37_79B9) % blocks)
        }
        modelTables = tables
        for (i, a) in DemoCatalogue.ammunition.enumerated() { ammunitionTable.add(Int32(i), weight: a.weight) }
    }

    private func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    // MARK: Registration

    mutating func planRegistration() {
        var itemWeights: [(Int32, Table, Int)] = []
        var lotWeights: [(Int32, Int)] = []
        for (i, h) in holders.enumerated() where h.role.isSite {
            let id = Int32(i)
            let central = id == centralDepot || id == centralMagazine
            switch h.role {
            case .depot:
                itemWeights.append((id, .depot, central ? 4000 : 1000))
                lotWeights.append((id, central ? 2 : 1))
            case .armoury:
                itemWeights.append((id, .armoury, 600))
                lotWeights.append((id, 1))
            case .magazine:
                if manpadsMagazines.contains(id) { itemWeights.append((id, .manpadsMagazine, 150)) }
                lotWeights.append((id, central ? 10 : 6))
            default:
                break
            }
        }
        let itemTotal = itemWeights.reduce(0) { $0 + $1.2 }
        let lotTotal = lotWeights.reduce(0) { $0 + $1.1 }
        var items: [Int32: (Table, Int)] = [:]
        var assigned = 0
        for (site, table, w) in itemWeights {
            let n = params.items * w / itemTotal
            items[site] = (table, n)
            assigned += n
        }
        items[centralDepot]!.1 += params.items - assigned
        var lotCounts: [Int32: Int] = [:]
        assigned = 0
        for (site, w) in lotWeights {
            let n = params.lots * w / lotTotal
            lotCounts[site] = n
            assigned += n
        }
        lotCounts[centralMagazine, default: 0] += params.lots - assigned
        for (i, h) in holders.enumerated() where h.role.isSite {
            let id = Int32(i)
            let (table, n) = items[id] ?? (.depot, 0)
            let l = lotCounts[id] ?? 0
            // The depots authorised for MANPADS keep 2% of their stock as gripstocks and
            // battery-coolant units (the missiles are in the magazines).
            let manpads = manpadsDepots.contains(id) ? Swift.max(6, n / 50) : 0
            if n > 0 || l > 0 { registrationPlan.append((id, table, n, manpads, l)) }
        }
        registrationItemsLeft = registrationPlan.first?.items ?? 0
        registrationMANPADSLeft = registrationPlan.first?.manpads ?? 0
        registrationLotsLeft = registrationPlan.first?.lots ?? 0
        let estimate = params.items / 24 + params.lots / 2 + registrationPlan.count + 1
        registrationStep = Swift.max(1, Self.registrationDays * Self.workdaySeconds / (estimate + estimate / 4))
        eventsPerDay = Swift.max(1, (params.events - holders.count - estimate) / Self.activityDays)
    }

    mutating func nextRegistration() -> Event? {
        while registrationCursor < registrationPlan.count {
            let plan = registrationPlan[registrationCursor]
            if registrationItemsLeft > 0 { return registerItems(at: plan.site, table: plan.table) }
            if registrationLotsLeft > 0 { return registerLots(at: plan.site) }
            registrationCursor += 1
            if registrationCursor < registrationPlan.count {
                registrationItemsLeft = registrationPlan[registrationCursor].items
                registrationMANPADSLeft = registrationPlan[registrationCursor].manpads
                registrationLotsLeft = registrationPlan[registrationCursor].lots
            }
        }
        return nil
    }

    mutating func advanceRegistrationClock() {
        registrationSecond = Swift.min(registrationSecond + registrationStep, Self.registrationDays * Self.workdaySeconds - 1)
        setClock(base: Self.registrationStartDay, work: registrationSecond)
    }

    mutating func registerItems(at site: Int32, table: Table) -> Event {
        advanceRegistrationClock()
        // MANPADS components first: a third gripstocks, then battery-coolant units.
        let components = registrationMANPADSLeft > 0
        var source = table
        if components {
            let quota = registrationPlan[registrationCursor].manpads
            source = registrationMANPADSLeft > quota * 2 / 3 ? .gripstocks : .batteries
        }
        let m = Int(modelTables[source.rawValue].pick(&rng))
        let manpads = modelIsMANPADS[m]
        var k = Swift.min(registrationItemsLeft, rng.range(1...(manpads ? 12 : 50)))
        if components {
            let quota = registrationPlan[registrationCursor].manpads
            k = Swift.min(k, source == .gripstocks ? registrationMANPADSLeft - quota * 2 / 3 : registrationMANPADSLeft)
        }
        let assigned = !manpads && rng.below(1000) < 6
        if assigned { k = Swift.min(k, 3) }
        var condition = Condition.serviceable
        if !manpads {
            let r = rng.below(1000)
            if r < 20 { condition = .surplus } else if r < 45 { condition = .unserviceable }
            if condition != .serviceable { k = Swift.min(k, rng.range(1...10)) }
        }
        var e = Event(kind: .register, occurredAt: now)
        e.to = code(site)
        var ids: [Int32] = []
        for _ in 0..<k {
            let i = newItem(m, at: site, condition: condition, assigned: assigned)
            ids.append(i)
            e.registrations.append(marking(i))
        }
        registrationItemsLeft -= k
        if components { registrationMANPADSLeft -= k }
        e.document = document(.register)
        if assigned {
            e.reason = "Alta de arma sin marcado legible; marca asignada por el Estado"
        } else if condition != .serviceable {
            e.condition = condition
            e.reason = "Inventario inicial: material dado de baja pendiente de disposición"
            let batch = DemoBatch(holder: site, other: site, items: ids, readyAt: rng.below(eventsPerDay * 120))
            if condition == .surplus { surplusQueue.push(batch) } else { unserviceableQueue.push(batch) }
        } else {
            e.reason = "Inventario inicial de existencias"
        }
        return e
    }

    mutating func registerLots(at site: Int32) -> Event {
        advanceRegistrationClock()
        let n = Swift.min(registrationLotsLeft, rng.range(1...4))
        var e = Event(kind: .register, occurredAt: now)
        e.to = code(site)
        for _ in 0..<n { e.lotRegistrations.append(newLot(at: site, year: nil)) }
        registrationLotsLeft -= n
        e.document = document(.register)
        e.reason = "Inventario inicial de munición"
        return e
    }

    // MARK: Standing allocations

    /// Before the year starts, units already hold part of the stock: issues without a due
    /// date from each depot and armoury to the units it serves.
    mutating func startAllocation() {
        phase = .allocation
        allocationCursor = 0
        allocationLeft = issuingSites.first.map { held[Int($0)].count * Self.allocationPercent / 100 } ?? 0
        let estimate = params.items * Self.allocationPercent / 100 / 22 + issuingSites.count + 1
        allocationStep = Swift.max(1, Self.allocationDays * Self.workdaySeconds / (estimate + estimate / 4))
    }

    mutating func nextAllocation() -> Event? {
        while allocationCursor < issuingSites.count {
            let s = issuingSites[allocationCursor]
            if allocationLeft > 0 {
                let limit = Swift.min(allocationLeft, rng.range(10...40))
                let from = randomStart(s)
                let items = collect(at: s, from: from, limit: limit, scan: limit * 3 + 16) { i in
                    cond[Int(i)] == .serviceable && !isMANPADS(i)
                }
                if !items.isEmpty {
                    allocationLeft -= items.count
                    allocationSecond = Swift.min(
                        allocationSecond + allocationStep, Self.allocationDays * Self.workdaySeconds - 1)
                    setClock(base: Self.allocationStartDay, work: allocationSecond)
                    let unit = unitNear(s)
                    var e = Event(kind: .issue, occurredAt: now)
                    e.from = code(s)
                    e.to = code(unit)
                    e.items = references(items)
                    e.document = document(.voucher)
                    e.reason = "Asignación orgánica a la unidad"
                    for i in items { move(i, to: unit) }
                    return e
                }
            }
            allocationCursor += 1
            if allocationCursor < issuingSites.count {
                allocationLeft = held[Int(issuingSites[allocationCursor])].count * Self.allocationPercent / 100
            }
        }
        return nil
    }

    /// A new item, held by `h` and accounted there.
    mutating func newItem(_ m: Int, at h: Int32, condition: Condition, assigned: Bool) -> Int32 {
        let i = Int32(model.count)
        model.append(UInt8(m))
        if assigned {
            assignedCount += 1
            serialValue.append(0x8000_0000 | UInt32(assignedCount))
        } else {
            let ordinal = UInt64(modelCount[m])
            modelCount[m] += 1
            let blocks = modelBlocks[m]
            let block = (ordinal / 16 % blocks &* modelMultiplier[m] &+ modelOffset[m]) % blocks
            serialValue.append(UInt32(block * 16 + ordinal % 16))
        }
        cond.append(condition)
        status.append(.held)
        holderOf.append(-1)
        pos.append(-1)
        home.append(h)
        place(i, at: h)
        return i
    }

    /// The serial of an item: the model's format, or `CUST-` and seven digits for a mark the
    /// state assigned.
    func serial(_ i: Int32) -> String {
        let v = serialValue[Int(i)]
        if v & 0x8000_0000 != 0 { return DemoText.code("CUST-", Int(v & 0x7FFF_FFFF), width: 7) }
        let m = Int(model[Int(i)])
        let prefix = modelPrefix[m]
        let shape = modelShape[m]
        let value = Int(v)
        return DemoText.build(prefix.utf8.count + shape.letters + shape.digits) { w in
            w.text(prefix)
            var rest = value / shape.tens
            for _ in 0..<shape.letters {
                w.byte(DemoModel.alphabet[rest % DemoModel.alphabet.count])
                rest /= DemoModel.alphabet.count
            }
            w.digits(value % shape.tens, shape.digits)
        }
    }

    /// The full marking of an item, for its register event.
    func marking(_ i: Int32, year fixedYear: Int? = nil) -> ItemMarking {
        let m = catalogue[Int(model[Int(i)])]
        let v = serialValue[Int(i)]
        let h = DemoRandom.mix(seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
        var marking = ItemMarking(
            category: m.category, manufacturer: m.manufacturer, country: m.country, model: m.model, calibre: m.calibre,
            serial: serial(i))
        if v & 0x8000_0000 != 0 {
            marking.assignedMark = true
            marking.marks = DemoCatalogue.assignedMarks[Int(h % UInt64(DemoCatalogue.assignedMarks.count))]
            if h >> 8 % 2 == 0 { marking.year = m.years.lowerBound + Int((h >> 12) % UInt64(m.years.count)) }
            return marking
        }
        // Items of one run of 16 serials share their year of manufacture.
        let run = DemoRandom.mix(UInt64(v / 16) ^ UInt64(model[Int(i)]) << 40 ^ seed)
        let year = fixedYear ?? m.years.lowerBound + Int(run % UInt64(m.years.count))
        marking.year = year
        if Int(h % 100) < m.importPercent {
            marking.importCountry = DemoCatalogue.importCountry
            marking.importYear = fixedYear ?? Swift.max(year, Swift.min(year + 1 + Int((h >> 8) % 3), 2025))
        }
        if (h >> 16) % 100 < 6 {
            marking.marks = DemoCatalogue.otherMarks[Int((h >> 24) % UInt64(DemoCatalogue.otherMarks.count))]
        }
        return marking
    }

    /// A new ammunition lot at `site`, booked there.
    mutating func newLot(at site: Int32, year: Int?) -> LotRegistration {
        let a = Int(ammunitionTable.pick(&rng))
        let ammunition = DemoCatalogue.ammunition[a]
        let maker = ammunition.makers[rng.below(ammunition.makers.count)]
        let y = year ?? rng.range(1980...2024)
        let l = Int32(lots.count)
        let number =
            "\(DemoCatalogue.ammunitionMakers[maker].code)-\(DemoText.code("", y % 100, width: 2))-"
            + DemoText.code("", Int(l) + 1, width: l < 9999 ? 4 : 6)
        lots.append(DemoLot(number: number, ammunition: Int16(a), maker: Int16(maker), year: Int16(y), home: site))
        lotMissing.append(0)
        let q = Swift.max(ammunition.pack, rng.range(ammunition.quantity) / ammunition.pack * ammunition.pack)
        addBalance(l, site, Int64(q))
        return LotRegistration(
            marking: LotMarking(
                lot: number, manufacturer: DemoCatalogue.ammunitionMakers[maker].name, calibre: ammunition.calibre,
                type: ammunition.type, year: y),
            quantity: Int64(q))
    }

    // MARK: Item and lot state

    func code(_ h: Int32) -> String { holders[Int(h)].code }

    func isMANPADS(_ i: Int32) -> Bool { modelIsMANPADS[Int(model[Int(i)])] }

    func category(_ i: Int32) -> Category { modelCategory[Int(model[Int(i)])] }

    /// Held by `h` right now.
    func isAt(_ i: Int32, _ h: Int32) -> Bool { status[Int(i)] == .held && holderOf[Int(i)] == h }

    func reference(_ i: Int32) -> ItemReference {
        let m = Int(model[Int(i)])
        return .marking(manufacturer: modelManufacturer[m], serial: serial(i), model: modelName[m])
    }

    func references(_ items: [Int32]) -> [ItemReference] {
        var out: [ItemReference] = []
        out.reserveCapacity(items.count)
        for i in items { out.append(reference(i)) }
        return out
    }

    mutating func place(_ i: Int32, at h: Int32) {
        let hh = Int(h)
        holderOf[Int(i)] = h
        pos[Int(i)] = Int32(held[hh].count)
        status[Int(i)] = .held
        held[hh].append(i)
        if held[hh].count == 1 { activate(h) }
    }

    mutating func unplace(_ i: Int32) {
        let hh = Int(holderOf[Int(i)])
        let p = Int(pos[Int(i)])
        let last = held[hh].removeLast()
        if last != i {
            held[hh][p] = last
            pos[Int(last)] = Int32(p)
        }
        holderOf[Int(i)] = -1
        pos[Int(i)] = -1
        if held[hh].isEmpty { deactivate(Int32(hh)) }
    }

    mutating func move(_ i: Int32, to h: Int32) {
        unplace(i)
        place(i, at: h)
    }

    mutating func activate(_ h: Int32) {
        let c = Int(activeClass[Int(h)])
        guard c >= 0 else { return }
        activePos[Int(h)] = Int32(active[c].count)
        active[c].append(h)
    }

    mutating func deactivate(_ h: Int32) {
        let c = Int(activeClass[Int(h)])
        guard c >= 0 else { return }
        let p = Int(activePos[Int(h)])
        let last = active[c].removeLast()
        if last != h {
            active[c][p] = last
            activePos[Int(last)] = Int32(p)
        }
        activePos[Int(h)] = -1
    }

    mutating func addMissing(_ i: Int32) {
        unplace(i)
        status[Int(i)] = .missing
        pos[Int(i)] = Int32(missing.count)
        missing.append(i)
    }

    mutating func removeMissing(_ i: Int32) {
        let p = Int(pos[Int(i)])
        let last = missing.removeLast()
        if last != i {
            missing[p] = last
            pos[Int(last)] = Int32(p)
        }
        pos[Int(i)] = -1
    }

    static func lotKey(_ l: Int32, _ h: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: h))
    }

    func balance(_ l: Int32, _ h: Int32) -> Int64 { lotBalance[Self.lotKey(l, h)] ?? 0 }

    mutating func addBalance(_ l: Int32, _ h: Int32, _ delta: Int64) {
        let key = Self.lotKey(l, h)
        let old = lotBalance[key] ?? 0
        let new = old + delta
        precondition(new >= 0, "demo generator overdrew lot \(lots[Int(l)].number) at \(code(h))")
        lotBalance[key] = new == 0 ? nil : new
        guard old == 0, new > 0 else { return }
        if holders[Int(h)].role.isSite {
            siteLotPairs.append(DemoLotPair(holder: h, lot: l))
            if !siteLots[Int(h)].contains(l) { siteLots[Int(h)].append(l) }
        } else if holders[Int(h)].kind == .unit {
            unitLotPairs.append(DemoLotPair(holder: h, lot: l))
        }
    }

    func lotReference(_ l: Int32, _ quantity: Int64) -> LotReference {
        let lot = lots[Int(l)]
        return LotReference(lot: lot.number, manufacturer: lot.manufacturer, quantity: quantity)
    }

    mutating func document(_ kind: Document) -> String {
        documentNumbers[kind.rawValue] += 1
        return DemoText.document(kind.prefix, year: todayYear, number: documentNumbers[kind.rawValue])
    }
}
