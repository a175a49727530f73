/// Who proposes new events: the command-line tool's operator, or a user.
public enum Authority: Sendable, Equatable {
    /// Whoever runs the command-line tool on the database file, holding the log key: they
    /// can write anything, so the rules of users do not apply to them (only the custody
    /// rules do). Their events name the code they record as (`--recorded-by`).
    case `operator`
    /// A user, with the role and the scope the ledger gives them. `scope` is the root of the
    /// subtree (nil: the whole register).
    case user(code: String, role: Role, scope: String?)

    /// The root of the scope, when the authority is scoped to a subtree.
    public var scopeRoot: String? {
        if case .user(_, _, let scope) = self { return scope }
        return nil
    }

    public var isScoped: Bool { scopeRoot != nil }
}

/// The rules that apply to new input and not to a ledger being replayed: who may record
/// what and where (see `CustodyEngine`'s authorisation), when an event may have happened,
/// and the second person some events need. A replay (`verify`) runs without one.
public struct Admission: Sendable, Equatable {
    public var authority: Authority
    /// The recording time (RFC 3339 UTC): the moment `occurredAt` is compared with.
    public var now: String
    public var window: TimeWindow
    /// Whether the second-person rule is enforced: every person named in `confirmedBy`
    /// proved their consent, and the pack's `two-person` kinds name one. Every path has it,
    /// the command-line operator's included (`custodia confirm`); only generated data (the
    /// demo, whose signatories are fictional) is appended without it.
    public var requiresProof: Bool

    /// The latest moment an event may say it happened, as RFC 3339 UTC (nil when `now` is
    /// not a time): such times compare as their bytes (to the second).
    public let latest: String?

    public var futureSeconds: Int64 { window.futureSeconds }
    public var earliestYear: Int { window.earliestYear }

    public init(authority: Authority, now: String, window: TimeWindow = .standard, requiresProof: Bool = true) {
        self.authority = authority
        self.now = now
        self.window = window
        latest = Timestamp.seconds(now).map { Timestamp.rfc3339(seconds: $0 + window.futureSeconds) }
        self.requiresProof = requiresProof
    }
}

/// When a new event may say it happened, against the time it is recorded.
public struct TimeWindow: Sendable, Equatable {
    /// How far after the time of recording (clocks differ; a day by default).
    public var futureSeconds: Int64
    /// The earliest year.
    public var earliestYear: Int

    public init(futureSeconds: Int64 = 86_400, earliestYear: Int = 1900) {
        self.futureSeconds = futureSeconds
        self.earliestYear = earliestYear
    }

    public static let standard = TimeWindow()
}

/// The second person's consent to one event, proven on the path that took it (a
/// confirmation token checked by the server, a password typed on the confirmation page):
/// who confirmed, and the id of the proof, which one event consumes for good.
public struct Confirmation: Sendable, Equatable, Hashable {
    public var user: String
    /// A stable id of the proof (a hash of the confirmation token): a second event offering
    /// it is refused, on any server, after any restart.
    public var id: String

    public init(user: String, id: String) {
        self.user = user
        self.id = id
    }
}
