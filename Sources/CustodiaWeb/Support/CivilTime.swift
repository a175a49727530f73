import CustodiaCore

/// A UTC calendar date and time of day, read from the RFC 3339 strings events carry. Pure
/// integer arithmetic: no Foundation calendars or locales.
struct CivilTime: Sendable, Equatable, Comparable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int

    /// Reads `YYYY-MM-DD` or an RFC 3339 UTC time (`YYYY-MM-DDTHH:MM:SS[.fff]Z`).
    init?(_ s: String) {
        let b = Array(s.utf8)
        guard b.count >= 10, Timestamp.isDate(String(decoding: b[0..<10], as: UTF8.self)) else { return nil }
        year = Self.number(b, 0, 4)
        month = Self.number(b, 5, 2)
        day = Self.number(b, 8, 2)
        if b.count == 10 {
            hour = 0
            minute = 0
            second = 0
        } else {
            guard Timestamp.isRFC3339UTC(s) else { return nil }
            hour = Self.number(b, 11, 2)
            minute = Self.number(b, 14, 2)
            second = Self.number(b, 17, 2)
        }
    }

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
    var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DD`.
    var isoDate: String { "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))" }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    var rfc3339: String { "\(isoDate)T\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2))Z" }

    static func < (a: CivilTime, b: CivilTime) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute, a.second) < (b.year, b.month, b.day, b.hour, b.minute, b.second)
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func number(_ b: [UInt8], _ at: Int, _ n: Int) -> Int {
        b[at..<at + n].reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }
}
