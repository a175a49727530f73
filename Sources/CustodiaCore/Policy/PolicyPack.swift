/// The controls a deployment puts in force: which events need a second person, which
/// categories may not share a site, who may receive what by issue and for how long, and the
/// thresholds of the alerts. One pack is in force at any moment: the one the last
/// `policy-set` event of the ledger carries, or `PolicyPack.standard` while none was
/// recorded.
///
/// Read from a file a deployment edits (YAML) or from the JSON an event carries, through the
/// same checks (`PolicyPack(node:)`); recorded in its canonical form (`jsonValue`).
public struct PolicyPack: Sendable, Equatable {
    /// The rules per category, each category named by at most one.
    public var rules: [CategoryRule]
    /// Sets of categories that must not be held at the same site at once.
    public var separations: [Separation]
    /// The purposes an `authorisation` may name.
    public var purposes: [String]
    public var alerts: AlertThresholds
    /// Whether a stocktake's counts are recorded by someone independent of the holder
    /// counted: never a user whose scope is that holder (or lies under it), never a counter
    /// of the holder's previous stocktake. Blocking.
    public var independentCounters: Bool

    public init(
        rules: [CategoryRule] = [], separations: [Separation] = [], purposes: [String] = [], alerts: AlertThresholds = .init(),
        independentCounters: Bool = false
    ) {
        self.rules = rules
        self.separations = separations
        self.purposes = purposes
        self.alerts = alerts
        self.independentCounters = independentCounters
    }

    /// The rule naming `category`, if any.
    public func rule(for category: Category) -> CategoryRule? {
        rules.first { $0.categories.contains(category) }
    }

    /// Whether an event of `kind` moving items of `categories` needs a second person.
    public func needsSecondPerson(kind: EventKind, categories: some Sequence<Category>) -> Bool {
        secondPersonRule(kind: kind, categories: categories) != nil
    }

    /// The rule by which an event of `kind` moving items of `categories` needs a second
    /// person, if any.
    public func secondPersonRule(kind: EventKind, categories: some Sequence<Category>) -> CategoryRule? {
        for c in categories { if let r = rule(for: c), r.twoPerson.contains(kind) { return r } }
        return nil
    }

    /// The separations naming `category`.
    public func separations(for category: Category) -> [Separation] {
        separations.filter { $0.categories.contains(category) }
    }

    /// A pack with no rule at all: custody rules only.
    public static let empty = PolicyPack()

    /// The pack in force until a `policy-set` says otherwise: the MANPADS controls of the
    /// Wassenaar elements (two-person control of issue, transfer and destruction; missiles
    /// kept apart from launch mechanisms; issue to units only, for at most 30 days; a count
    /// by serial every 30 days), a yearly count of everything else, and the diversion alerts.
    public static let standard = PolicyPack(
        rules: [
            CategoryRule(
                names: ["manpads"], twoPerson: [.issue, .dispatch, .receive, .return, .destroy, .expend, .export],
                issueTo: [.unit], personWithAuthorisation: true, longestDueBackDays: 30, countWithinDays: 30),
            CategoryRule(
                names: Category.allCases.filter { !$0.isMANPADS }.map(\.rawValue), countWithinDays: 365),
        ],
        separations: [Separation(categories: [.manpadsMissile, .manpadsLaunchMechanism])],
        purposes: Authorisation.standardPurposes,
        alerts: AlertThresholds(
            overdueReturn: true, transitDays: 14, shortfallDays: 30, losses: LossThreshold(count: 3, days: 90),
            manpadsLoss: true, closedHolder: true),
        independentCounters: true)
}

/// The rules for one or several categories.
public struct CategoryRule: Sendable, Equatable {
    /// The categories and groups as the pack names them (`manpads`: the three components).
    public var names: [String]
    /// The categories `names` stands for.
    public var categories: [Category]
    /// The kinds that need a second person's proven consent.
    public var twoPerson: Set<EventKind>
    /// The holder kinds that may receive by issue (nil: any).
    public var issueTo: Set<HolderKind>?
    /// Whether a person outside `issueTo` may receive by issue under an authorisation in
    /// force that covers them.
    public var personWithAuthorisation: Bool
    /// The longest time an issue may set before `dueBack` (nil: no limit, and none needed).
    public var longestDueBackDays: Int?
    /// Alert: items not counted by serial within this many days.
    public var countWithinDays: Int?

    public init(
        names: [String], twoPerson: Set<EventKind> = [], issueTo: Set<HolderKind>? = nil, personWithAuthorisation: Bool = false,
        longestDueBackDays: Int? = nil, countWithinDays: Int? = nil
    ) {
        self.names = names
        categories = names.flatMap { PolicyPack.categories(named: $0) ?? [] }
        self.twoPerson = twoPerson
        self.issueTo = issueTo
        self.personWithAuthorisation = personWithAuthorisation
        self.longestDueBackDays = longestDueBackDays
        self.countWithinDays = countWithinDays
    }
}

/// Categories that must not be held under the same site at once, unless an authorisation
/// in force covers the site.
public struct Separation: Sendable, Equatable {
    public var categories: [Category]
    public init(categories: [Category]) { self.categories = categories }
}

/// The thresholds of the alerts (nil or false: the alert is off).
public struct AlertThresholds: Sendable, Equatable {
    /// Issued items past their `dueBack`.
    public var overdueReturn: Bool
    /// Dispatches in transit longer than this many days.
    public var transitDays: Int?
    /// Lot quantities left in transit after a receipt, unresolved after this many days.
    public var shortfallDays: Int?
    /// A holder subtree with at least `count` losses or thefts within `days`.
    public var losses: LossThreshold?
    /// Any loss or theft of a MANPADS component (critical; a report is due to the exporting
    /// state).
    public var manpadsLoss: Bool
    /// Items held by, or on the books of, a closed holder.
    public var closedHolder: Bool

    public init(
        overdueReturn: Bool = false, transitDays: Int? = nil, shortfallDays: Int? = nil, losses: LossThreshold? = nil,
        manpadsLoss: Bool = false, closedHolder: Bool = false
    ) {
        self.overdueReturn = overdueReturn
        self.transitDays = transitDays
        self.shortfallDays = shortfallDays
        self.losses = losses
        self.manpadsLoss = manpadsLoss
        self.closedHolder = closedHolder
    }
}

public struct LossThreshold: Sendable, Equatable {
    public var count: Int
    public var days: Int
    public init(count: Int, days: Int) {
        self.count = count
        self.days = days
    }
}

extension PolicyPack {
    /// The groups a pack may name besides the categories themselves.
    public static let groups: [String: [Category]] = [
        "manpads": [.manpadsLaunchMechanism, .manpadsMissile, .manpadsBattery]
    ]

    /// The categories a name in a pack stands for: a category, or a group; nil when neither.
    public static func categories(named name: String) -> [Category]? {
        if let c = Category(rawValue: name) { return [c] }
        return groups[name]
    }
}
