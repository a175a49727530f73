/// A moment of the register's past, as `--at` names it.
///
/// - `entry(N)`: the register as the ledger had it once entry N was recorded (entries 0…N):
///   what an auditor compares with a checkpoint or a printed report.
/// - `time(T)`: the register as the ledger now says it was at T: every event that happened
///   (`occurredAt`) by T, in ledger order, whenever it was recorded. This is what a trace
///   asks: who held the item on the day it went missing. A loss reported a week late counts
///   from the day it happened.
public enum RegisterMoment: Sendable, Equatable, CustomStringConvertible {
    case entry(Int64)
    case time(String)

    /// Reads `--at`: a ledger entry number (`1234`), a day (`2026-03-01`, its end: 23:59:59
    /// UTC) or an RFC 3339 UTC time (`2026-03-01T08:00:00Z`).
    public init(parsing text: String) throws(FieldError) {
        let t = text.trimmingSpaces
        if !t.isEmpty, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard let n = Int64(t) else { throw FieldError("at", "\(t) is too large for a ledger entry number") }
            self = .entry(n)
        } else if Timestamp.isDate(t) {
            self = .time(t + "T23:59:59Z")
        } else if Timestamp.isRFC3339UTC(t) {
            self = .time(t)
        } else {
            throw FieldError(
                "at",
                "\(t) is neither a ledger entry number, a day nor a UTC time; write e.g. 1234, 2026-03-01 or 2026-03-01T08:00:00Z")
        }
    }

    /// Refuses a time later than `now`: the register says what has happened, not what will.
    public func refusingFuture(now: String) throws(FieldError) -> RegisterMoment {
        if case .time(let t) = self, let s = Timestamp.seconds(t), let n = Timestamp.seconds(now), s > n {
            // A whole day names its end: today's date is today, not the future.
            guard Timestamp.day(of: t) == Timestamp.day(of: now) else {
                throw FieldError(
                    "at", "\(t) is after now (\(now)): the register records what has happened; give a moment up to now, or leave out at for the register as it stands")
            }
            return .time(now)
        }
        return self
    }

    /// Whether the event at `seq`, which happened at `occurredAt`, is part of the register
    /// at this moment.
    public func includes(seq: Int64, occurredAt: String) -> Bool { filter(seq, occurredAt) }

    /// A filter for many events: the cutoff parsed once.
    public var filter: @Sendable (Int64, String) -> Bool {
        switch self {
        case .entry(let n): return { seq, _ in seq <= n }
        case .time(let t):
            let cutoff = Timestamp.seconds(t) ?? 0
            return { _, at in (Timestamp.seconds(at) ?? Int64.max) <= cutoff }
        }
    }

    /// The time the register is judged at for time-based rules (due dates, alerts): the
    /// moment's own time; for an entry, nil (the caller uses that entry's time).
    public var time: String? {
        if case .time(let t) = self { return t }
        return nil
    }

    /// As JSON, as the CLI and the API give it back: `{"entry": N}` or `{"time": T}`.
    public var jsonValue: JSONValue {
        switch self {
        case .entry(let n): return .object([("entry", .int(n))])
        case .time(let t): return .object([("time", .string(t))])
        }
    }

    public var description: String {
        switch self {
        case .entry(let n): return "entry \(n)"
        case .time(let t): return t
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
