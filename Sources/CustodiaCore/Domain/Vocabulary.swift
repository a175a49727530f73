/// The weapon and component types of the UN 1997 Panel of Governmental Experts on Small
/// Arms (A/52/298), with MANPADS split into their separately serialised components.
public enum Category: String, CaseIterable, Sendable, Codable {
    case revolverPistol = "revolver-pistol"
    case rifleCarbine = "rifle-carbine"
    case submachineGun = "submachine-gun"
    case assaultRifle = "assault-rifle"
    case lightMachineGun = "light-machine-gun"
    case heavyMachineGun = "heavy-machine-gun"
    case grenadeLauncher = "grenade-launcher"
    case antiTankGun = "anti-tank-gun"
    case antiAircraftGun = "anti-aircraft-gun"
    case recoillessRifle = "recoilless-rifle"
    case antiTankMissileLauncher = "anti-tank-missile-launcher"
    case manpadsLaunchMechanism = "manpads-launch-mechanism"
    case manpadsMissile = "manpads-missile"
    case manpadsBattery = "manpads-battery"
    case mortar
    case other

    /// True for the three MANPADS components, which the default policy treats strictly.
    public var isMANPADS: Bool {
        self == .manpadsLaunchMechanism || self == .manpadsMissile || self == .manpadsBattery
    }
}

/// The kinds of holder in the one holder tree.
public enum HolderKind: String, CaseIterable, Sendable, Codable {
    case region, zone, site, unit, person, external
}

/// Where an item stands in its life, derived from its events.
public enum ItemStatus: String, CaseIterable, Sendable, Codable {
    case held
    case inTransit = "in-transit"
    case missing
    case expended
    case destroyed
    case exported
    case deactivated

    /// Terminal statuses accept no further custody event.
    public var isTerminal: Bool {
        switch self {
        case .expended, .destroyed, .exported, .deactivated: true
        case .held, .inTransit, .missing: false
        }
    }
}

/// Serviceability of an item, set by `condition` events.
public enum Condition: String, CaseIterable, Sendable, Codable {
    case serviceable, unserviceable, repairable, surplus
    case awaitingDestruction = "awaiting-destruction"
}

/// Every kind of ledger entry: custody events, changes to the holder tree, and changes to
/// users and their API tokens.
public enum EventKind: String, CaseIterable, Sendable, Codable {
    case register
    case dispatch
    case receive
    case issue
    case `return`
    case maintenanceOut = "maintenance-out"
    case maintenanceIn = "maintenance-in"
    case condition
    case count
    case loss
    case theft
    case recovery
    case surrender
    case expend
    case destroy
    case export
    case deactivate
    case correction
    case holderAdd = "holder-add"
    case holderRename = "holder-rename"
    case holderMove = "holder-move"
    case holderClose = "holder-close"
    case userAdd = "user-add"
    case userChange = "user-change"
    case userDisable = "user-disable"
    case tokenCreate = "token-create"
    case tokenRevoke = "token-revoke"
    case policySet = "policy-set"
    case authorisation
    case alertWaiver = "alert-waiver"
    case stocktakeOpen = "stocktake-open"
    case stocktakeClose = "stocktake-close"
    case stocktakeResolve = "stocktake-resolve"
    case samplePlan = "sample-plan"
    case sampleFinding = "sample-finding"

    /// Kinds that change the holder tree rather than custody.
    public var isHolderChange: Bool {
        switch self {
        case .holderAdd, .holderRename, .holderMove, .holderClose: true
        default: false
        }
    }

    /// Kinds that change users or their API tokens rather than custody. They carry a
    /// user's code, role and scope and a token's public id; never a secret.
    public var isUserChange: Bool {
        switch self {
        case .userAdd, .userChange, .userDisable, .tokenCreate, .tokenRevoke: true
        default: false
        }
    }

    /// Kinds that change the controls in force rather than custody: the policy pack, the
    /// authorisations that make exceptions to it, and the waivers of its alerts. Only an
    /// admin records them.
    public var isControl: Bool { self == .policySet || self == .authorisation || self == .alertWaiver }

    /// Kinds that frame a physical verification rather than move anything: a stocktake's
    /// opening, its closing with the reconciliation, and the resolution of what it found.
    /// (Its counts are `count` events that name it.)
    public var isStocktake: Bool { self == .stocktakeOpen || self == .stocktakeClose || self == .stocktakeResolve }

    /// Kinds of a statistical verification: a sample's plan and the inspectors' findings.
    public var isSampling: Bool { self == .samplePlan || self == .sampleFinding }

    /// The custody kinds, in the order the documentation lists them.
    public static var custodyKinds: [EventKind] {
        allCases.filter { !$0.isHolderChange && !$0.isUserChange && !$0.isControl && !$0.isStocktake && !$0.isSampling }
    }
}
