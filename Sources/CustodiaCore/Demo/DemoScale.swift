/// How large a demonstration dataset `DemoGenerator` produces.
public enum DemoScale: String, CaseIterable, Sendable {
    /// A few regions, ten sites, ~3,000 items and ~20,000 events: for tests and a first look.
    case small
    /// A national register: 8 regions, 220 sites, ~20,000 people, 300,000 items and
    /// 2.1 million events.
    case national
}

/// The sizes behind a `DemoScale`.
struct DemoParameters: Sendable {
    var regions: Int
    var zonesPerRegion: Int
    /// The sites in every zone, in order.
    var zoneSites: [DemoRole]
    /// The sites every region has besides the central ones (which sit in region Centro).
    var regionalSites: [DemoRole]
    var unitsPerZone: Int
    var personsPerUnit: Int
    var staffPerSite: Int
    var items: Int
    var lots: Int
    /// Exactly how many events the generator yields.
    var events: Int
    /// At least this many items in one stocktake (`count`) event, when the holder has them.
    var countSize: Int
    /// A stocktake takes at least 1/`countRounds` of the holder's stock, so that the yearly
    /// rotation over every site and unit counts most of it.
    var countRounds: Int

    static func of(_ scale: DemoScale) -> DemoParameters {
        switch scale {
        case .small:
            DemoParameters(
                regions: 3, zonesPerRegion: 2, zoneSites: [.depot], regionalSites: [], unitsPerZone: 5,
                personsPerUnit: 6, staffPerSite: 2, items: 3_000, lots: 24, events: 20_000, countSize: 60, countRounds: 2)
        case .national:
            DemoParameters(
                regions: 8, zonesPerRegion: 5, zoneSites: [.depot, .depot, .armoury, .armoury, .magazine],
                regionalSites: [.workshop, .collection], unitsPerZone: 25, personsPerUnit: 19, staffPerSite: 3,
                items: 300_000, lots: 1_200, events: 2_100_000, countSize: 60, countRounds: 6)
        }
    }
}
