/// Strict checks for the two time forms events use: RFC 3339 timestamps in UTC
/// (`2026-03-01T08:00:00Z`, optional fraction) and calendar dates (`2026-03-31`).
///
/// Both compare correctly as strings, so the core keeps them as validated strings.
public enum Timestamp {
    /// True when `s` is an RFC 3339 date-time in UTC (ending in `Z`).
    public static func isRFC3339UTC(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count >= 20, isDate(b, 0), b[10] == 0x54 || b[10] == 0x74 else { return false }
        guard digits(b, 11, 2), b[13] == 0x3A, digits(b, 14, 2), b[16] == 0x3A, digits(b, 17, 2) else { return false }
        guard number(b, 11, 2) < 24, number(b, 14, 2) < 60, number(b, 17, 2) < 60 else { return false }
        var i = 19
        if b[i] == 0x2E {
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > start, i - start <= 9 else { return false }
        }
        return i == b.count - 1 && (b[i] == 0x5A || b[i] == 0x7A)
    }

    /// True when `s` is a calendar date `YYYY-MM-DD` that exists.
    public static func isDate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return b.count == 10 && isDate(b, 0)
    }

    /// The calendar date part (`YYYY-MM-DD`) of a timestamp or date.
    public static func day(of s: String) -> String { String(s.prefix(10)) }

    /// Whole seconds since 1970-01-01T00:00:00Z of an RFC 3339 UTC time or a date (its
    /// midnight), the fraction dropped; nil when `s` is neither.
    public static func seconds(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        guard isDate(b, 0) else { return nil }
        var total = daysFromCivil(year: number(b, 0, 4), month: number(b, 5, 2), day: number(b, 8, 2)) * 86_400
        if b.count > 10 {
            guard isRFC3339UTC(s) else { return nil }
            total += Int64(number(b, 11, 2) * 3600 + number(b, 14, 2) * 60 + number(b, 17, 2))
        }
        return total
    }

    /// Days from 1970-01-01 to a civil date (the proleptic Gregorian calendar).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The RFC 3339 UTC time (whole seconds) of `seconds` since 1970-01-01T00:00:00Z.
    public static func rfc3339(seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rest / 3600, 2)):\(pad(rest % 3600 / 60, 2)):\(pad(rest % 60, 2))Z"
    }

    private static func isDate(_ b: [UInt8], _ at: Int) -> Bool {
        guard b.count >= at + 10, digits(b, at, 4), b[at + 4] == 0x2D, digits(b, at + 5, 2), b[at + 7] == 0x2D,
            digits(b, at + 8, 2)
        else { return false }
        let year = number(b, at, 4), month = number(b, at + 5, 2), day = number(b, at + 8, 2)
        guard year >= 1800, month >= 1, month <= 12, day >= 1 else { return false }
        return day <= daysIn(month: month, year: year)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func digits(_ b: [UInt8], _ at: Int, _ n: Int) -> Bool {
        guard b.count >= at + n else { return false }
        return b[at..<at + n].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    private static func number(_ b: [UInt8], _ at: Int, _ n: Int) -> Int {
        b[at..<at + n].reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }
}
