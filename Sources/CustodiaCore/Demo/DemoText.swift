/// Dates, timestamps, codes and document numbers for the demo data, formatted by hand:
/// the core reads no clock and needs no Foundation.
enum DemoText {
    /// Days since 1970-01-01 of a civil date (proleptic Gregorian).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number.
    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// `YYYY-MM-DD`.
    static func date(_ days: Int) -> String {
        let c = civil(days)
        return build(10) { w in
            w.digits(c.year, 4)
            w.byte(0x2D)
            w.digits(c.month, 2)
            w.byte(0x2D)
            w.digits(c.day, 2)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for a civil date and a second of the day.
    static func timestamp(_ c: (year: Int, month: Int, day: Int), second: Int) -> String {
        build(20) { w in
            w.digits(c.year, 4)
            w.byte(0x2D)
            w.digits(c.month, 2)
            w.byte(0x2D)
            w.digits(c.day, 2)
            w.byte(0x54)
            w.digits(second / 3600, 2)
            w.byte(0x3A)
            w.digits(second / 60 % 60, 2)
            w.byte(0x3A)
            w.digits(second % 60, 2)
            w.byte(0x5A)
        }
    }

    /// `prefix` followed by `number` zero-padded to `width` digits.
    static func code(_ prefix: String, _ number: Int, width: Int) -> String {
        build(prefix.utf8.count + width) { w in
            w.text(prefix)
            w.digits(number, width)
        }
    }

    /// A document number such as `VO-2026-000123`.
    static func document(_ prefix: String, year: Int, number: Int) -> String {
        build(prefix.utf8.count + 12) { w in
            w.text(prefix)
            w.byte(0x2D)
            w.digits(year, 4)
            w.byte(0x2D)
            w.digits(number, 6)
        }
    }

    /// A string of exactly `count` ASCII bytes written by `body`.
    static func build(_ count: Int, _ body: (inout Writer) -> Void) -> String {
        String(unsafeUninitializedCapacity: count) { buffer in
            var w = Writer(buffer: buffer)
            body(&w)
            return w.index
        }
    }

    struct Writer {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var index = 0

        mutating func byte(_ b: UInt8) {
            buffer[index] = b
            index += 1
        }

        mutating func text(_ s: String) {
            for b in s.utf8 { byte(b) }
        }

        /// `n` in decimal, zero-padded (and truncated) to `width` digits.
        mutating func digits(_ n: Int, _ width: Int) {
            var v = n
            var i = index + width - 1
            while i >= index {
                buffer[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
                i -= 1
            }
            index += width
        }
    }
}
