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
