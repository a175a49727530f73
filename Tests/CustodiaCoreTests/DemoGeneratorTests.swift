import Testing

@testable import CustodiaCore

/// The small demo dataset applied to an empty engine, once for all the tests that look at it.
private struct SmallRun {
    var kinds: [EventKind: Int] = [:]
    var total = 0
    var refused: [String] = []
    var registeredItems = 0
    var registeredLots = 0
    var holderKinds: [HolderKind: Int] = [:]
    var categories: [Category: Int] = [:]
    var models: [Category: Set<String>] = [:]
    var outOfOrder = 0
    var badTimes = 0
    var notRoundTripped: [String] = []
    var firstActivity: String?
    var lastActivity: String?
    var partialReceives = 0
    var items: [ItemRecord] = []
    var generatorCount = 0

    static let shared = SmallRun()

    init() {
        var engine = CustodyEngine(loader: EmptyStateLoader(), holders: [:], nextSeq: 0, nextItemID: 1, nextLotID: 1)
        let generator = DemoGenerator(scale: .small)
        generatorCount = generator.eventCount
        var previous = ""
        for event in generator {
            total += 1
            kinds[event.kind, default: 0] += 1
            if event.occurredAt < previous { outOfOrder += 1 }
            previous = event.occurredAt
            if !Timestamp.isRFC3339UTC(event.occurredAt) { badTimes += 1 }
            if let due = event.dueBack, !Timestamp.isDate(due) { badTimes += 1 }
            if event.kind.isHolderChange, let kind = event.holder?.kind { holderKinds[kind, default: 0] += 1 }
            if event.kind == .register {
                registeredItems += event.registrations.count
                registeredLots += event.lotRegistrations.count
                for m in event.registrations {
                    categories[m.category, default: 0] += 1
                    models[m.category, default: []].insert(m.model)
                }
            } else if !event.kind.isHolderChange, event.occurredAt >= "2025-11-01" {
                if firstActivity == nil { firstActivity = event.occurredAt }
                lastActivity = event.occurredAt
            }
            if event.kind == .receive, event.note != nil { partialReceives += 1 }
            do {
                let reread = try Event(json: event.jsonValue)
                if reread != event, notRoundTripped.count < 5 { notRoundTripped.append("\(event.kind.rawValue) #\(total - 1)") }
            } catch {
                if notRoundTripped.count < 5 { notRoundTripped.append("\(event.kind.rawValue) #\(total - 1): \(error)") }
            }
            do {
                let applied = try engine.apply(event)
                if applied.seq != Int64(total - 1), refused.count < 5 { refused.append("seq \(applied.seq) ≠ \(total - 1)") }
            } catch {
                if refused.count < 5 { refused.append("event \(total - 1) (\(event.kind.rawValue)): \(error)") }
            }
        }
        items = engine.takeChanges(dropCache: false).newItems
    }
}

@Suite struct DemoGeneratorTests {
    @Test func theSmallDatasetIsAcceptedEventByEventByAnEmptyEngine() {
        let run = SmallRun.shared
        #expect(run.refused.isEmpty, "\(run.refused)")
        #expect(run.total == run.generatorCount)
        #expect((15_000...25_000).contains(run.total))
    }

    @Test func theSmallDatasetHasEveryKindOfActivity() {
        let run = SmallRun.shared
        let expected: [EventKind] = [
            .holderAdd, .register, .issue, .return, .maintenanceOut, .maintenanceIn, .dispatch, .receive, .condition,
            .count, .loss, .theft, .recovery, .surrender, .expend, .destroy, .export, .correction,
        ]
        for kind in expected {
            #expect(run.kinds[kind, default: 0] > 0, "no \(kind.rawValue) event")
        }
        #expect(run.partialReceives > 0)
    }

    @Test func theSmallDatasetHasTheStatedSizes() {
        let run = SmallRun.shared
        #expect(run.holderKinds[.region] == 3)
        #expect((4...10).contains(run.holderKinds[.zone, default: 0]))
        #expect((8...16).contains(run.holderKinds[.site, default: 0]))
        #expect((25...40).contains(run.holderKinds[.unit, default: 0]))
        #expect((150...260).contains(run.holderKinds[.person, default: 0]))
        #expect(run.holderKinds[.external, default: 0] >= 4)
        #expect((2_500...4_000).contains(run.registeredItems))
        #expect(run.registeredLots >= 20)
        #expect(run.items.count == run.registeredItems)
    }

    @Test func theSmallDatasetRunsThroughOneYearInOrder() {
        let run = SmallRun.shared
        #expect(run.outOfOrder == 0)
        #expect(run.badTimes == 0)
        #expect(run.firstActivity.map { $0.hasPrefix("2025-11-01") } == true)
        #expect(run.lastActivity.map { $0.hasPrefix("2026-10") } == true)
        #expect(run.notRoundTripped.isEmpty, "\(run.notRoundTripped)")
    }

    @Test func theSmallDatasetEndsWithRealisticState() {
        let states = SmallRun.shared.items.map(\.state)
        let overdue = states.filter { s in
            s.status == .held && s.dueBack.map { $0 < "2026-11-01" } == true
        }
        #expect(!overdue.isEmpty, "some issued items are past their due date")
        #expect(states.contains { $0.status == .missing })
        #expect(states.contains { $0.status == .destroyed })
        #expect(states.contains { $0.status == .exported })
        #expect(states.contains { $0.status == .expended })
        #expect(states.filter { $0.status == .held }.count > states.count / 2)
    }

    @Test func manpadsComponentsAreSerialisedAsThreeCategories() {
        let run = SmallRun.shared
        for category in [Category.manpadsLaunchMechanism, .manpadsMissile, .manpadsBattery] {
            #expect(run.categories[category, default: 0] > 0, "no \(category.rawValue)")
        }
        #expect(run.models[.manpadsLaunchMechanism]?.contains("9P522 gripstock") == true)
        #expect(run.models[.manpadsMissile]?.contains("9M342 missile in launch tube") == true)
        #expect(run.models[.manpadsBattery]?.contains("9B238 battery-coolant unit") == true)
    }

    @Test func theSameSeedGivesTheSameEvents() {
        let a = Array(DemoGenerator(scale: .small).prefix(5_000))
        let b = Array(DemoGenerator(scale: .small, seed: 2026).prefix(5_000))
        #expect(a.count == 5_000)
        #expect(a == b)
    }

    @Test func anotherSeedGivesOtherEvents() {
        let a = Array(DemoGenerator(scale: .small).prefix(5_000))
        let c = Array(DemoGenerator(scale: .small, seed: 7).prefix(5_000))
        #expect(a != c)
    }

    @Test func itemsAreAlwaysNamedWithTheirModel() {
        for event in DemoGenerator(scale: .small).prefix(8_000) {
            for item in event.items {
                guard case .marking(_, _, let model) = item else {
                    Issue.record("item named by id")
                    continue
                }
                #expect(model != nil)
            }
        }
    }

    @Test func theNationalScaleIsDescribedWithoutGeneratingIt() {
        let national = DemoGenerator(scale: .national)
        #expect(national.eventCount >= 2_000_000)
        #expect(national.underestimatedCount == national.eventCount)
    }
}
