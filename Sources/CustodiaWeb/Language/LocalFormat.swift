/// Numbers and dates as the user's language writes them, in pure Swift (no locale data
/// from the system, so output is the same on every machine).
///
/// | | es | en |
/// | --- | --- | --- |
/// | number | `1.234.567`, `1234` | `1,234,567`, `1,234` |
/// | date | `22/11/2026` | `2026-11-22` |
/// | date and time | `22/11/2026 14:05` | `2026-11-22 14:05` |
/// | long date | `22 de noviembre de 2026` | `22 November 2026` |
///
/// Spanish leaves four-digit numbers ungrouped, as the RAE and CLDR do. Times are UTC.
public struct LocalFormat: Sendable {
    public let language: Language

    public init(_ language: Language) {
        self.language = language
    }

    /// A whole number with the language's digit grouping.
    public func number(_ n: Int64) -> String {
        let negative = n < 0
        let digits = Array(String(n.magnitude))
        let separator: Character = language == .es ? "." : ","
        // Spanish groups only from five digits up.
        let minimum = language == .es ? 5 : 4
        var out = ""
        if digits.count < minimum {
            out = String(digits)
        } else {
            for (i, d) in digits.enumerated() {
                if i > 0, (digits.count - i) % 3 == 0 { out.append(separator) }
                out.append(d)
            }
        }
        return negative ? "-" + out : out
    }

    public func number(_ n: Int) -> String { number(Int64(n)) }

    /// A date (`YYYY-MM-DD`, or the day of an RFC 3339 time); anything else is returned as given.
    public func date(_ s: String) -> String {
        guard let t = CivilTime(s) else { return s }
        return date(t)
    }

    /// A date and time of day (minutes); a plain date gets no time; anything else is returned as given.
    public func dateTime(_ s: String) -> String {
        guard let t = CivilTime(s) else { return s }
        guard s.utf8.count > 10 else { return date(t) }
        return date(t) + " " + CivilTime.pad(t.hour, 2) + ":" + CivilTime.pad(t.minute, 2)
    }

    /// A date written out: `22 de noviembre de 2026`, `22 November 2026`.
    public func longDate(_ s: String) -> String {
        guard let t = CivilTime(s) else { return s }
        let month = Messages(language)["month.\(t.month)"]
        switch language {
        case .es: return "\(t.day) de \(month) de \(t.year)"
        case .en: return "\(t.day) \(month) \(t.year)"
        }
    }

    /// Whole calendar days from the day of `from` to the day of `to` (negative when `to`
    /// is earlier); nil when either is not a date or RFC 3339 time.
    public static func days(from: String, to: String) -> Int? {
        guard let a = CivilTime(from), let b = CivilTime(to) else { return nil }
        return b.dayNumber - a.dayNumber
    }

    func date(_ t: CivilTime) -> String {
        switch language {
        case .es: "\(CivilTime.pad(t.day, 2))/\(CivilTime.pad(t.month, 2))/\(CivilTime.pad(t.year, 4))"
        case .en: t.isoDate
        }
    }
}
