import CustodiaCore

/// Reading what people type into the forms: dates, quantities, serial and lot lines, lists
/// of codes. Each function returns nil (or throws nothing) for input it cannot read; the
/// validator turns that into a message that says what to write instead.
enum FormInput {
    /// A date as `YYYY-MM-DD`. Accepts ISO dates in every language (what `<input
    /// type="date">` sends) and, in Spanish, day first: `22/11/2026`, `22-11-2026`,
    /// `22.11.2026`. English refuses day-first and month-first forms as ambiguous.
    static func date(_ s: String, language: Language) -> String? {
        let text = s.trimmingSpaces
        if Timestamp.isDate(text) { return text }
        guard language == .es else { return nil }
        let parts = text.split(omittingEmptySubsequences: false) { $0 == "/" || $0 == "-" || $0 == "." }
        guard parts.count == 3, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count), parts[2].count == 4,
            let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2])
        else { return nil }
        let iso = "\(CivilTime.pad(y, 4))-\(CivilTime.pad(m, 2))-\(CivilTime.pad(d, 2))"
        return Timestamp.isDate(iso) ? iso : nil
    }

    /// A UTC date and time as RFC 3339 (`YYYY-MM-DDTHH:MM:SSZ`). Accepts an RFC 3339 UTC
    /// time, `YYYY-MM-DDTHH:MM[:SS]` (what `<input type="datetime-local">` sends),
    /// the same with a space, a date as `date` reads it with an optional `HH:MM[:SS]`, or
    /// a date alone (midnight).
    static func dateTime(_ s: String, language: Language) -> String? {
        let text = s.trimmingSpaces
        if Timestamp.isRFC3339UTC(text) {
            return CivilTime(text)?.rfc3339
        }
        var datePart = Substring(text)
        var timePart: Substring = ""
        if let t = text.firstIndex(where: { $0 == "T" || $0 == " " }) {
            datePart = text[..<t]
            timePart = text[text.index(after: t)...].drop { $0 == " " }
        }
        if timePart.hasSuffix("Z") || timePart.hasSuffix("z") { timePart = timePart.dropLast() }
        guard let iso = date(String(datePart), language: language), var civil = CivilTime(iso) else { return nil }
        if !timePart.isEmpty {
            let hms = timePart.split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(hms.count), hms.allSatisfy({ (1...2).contains($0.count) && $0.allSatisfy(\.isASCIIDigit) }),
                let h = Int(hms[0]), let m = Int(hms[1]), h < 24, m < 60
            else { return nil }
            let sec = hms.count == 3 ? Int(hms[2]) ?? 60 : 0
            guard sec < 60 else { return nil }
            civil.hour = h
            civil.minute = m
            civil.second = sec
        }
        return civil.rfc3339
    }

    /// A positive whole quantity: digits, optionally grouped in threes by `.`, `,` or a
    /// narrow no-break space (`1.200`, `1,200`). At most 15 digits.
    static func quantity(_ s: Substring) -> Int64? {
        let groups = s.split(omittingEmptySubsequences: false) { $0 == "." || $0 == "," || $0 == "\u{202F}" }
        guard let first = groups.first, (1...(groups.count == 1 ? 15 : 3)).contains(first.count) else { return nil }
        guard groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
        let digits = groups.joined()
        guard digits.count <= 15, digits.allSatisfy(\.isASCIIDigit), let n = Int64(digits), n > 0 else { return nil }
        return n
    }

    /// Non-empty lines, trimmed.
    static func lines(_ s: String) -> [String] {
        s.split(whereSeparator: \.isNewline).map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }

    /// A serial line: `SERIAL`, `SERIAL | MANUFACTURER` or `SERIAL | MANUFACTURER | MODEL`
    /// (a tab works as well as `|`). Nil when the serial is empty or there are more parts.
    static func serialLine(_ line: String) -> SerialLine? {
        let parts = line.split(omittingEmptySubsequences: false) { $0 == "|" || $0 == "\t" }.map {
            String($0).trimmingSpaces
        }
        guard parts.count <= 3, let serial = parts.first, !serial.isEmpty else { return nil }
        func part(_ i: Int) -> String? { parts.count > i && !parts[i].isEmpty ? parts[i] : nil }
        return SerialLine(serial: serial.nfc, manufacturer: part(1)?.nfc, model: part(2)?.nfc)
    }

    /// A lot line: `LOT QUANTITY` or `LOT QUANTITY | MANUFACTURER`. The quantity is the last
    /// word before `|` and may be grouped (`1.200`). Nil when unreadable.
    static func lotLine(_ line: String) -> LotLine? {
        let parts = line.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        guard parts.count <= 2, let head = parts.first else { return nil }
        let words = head.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count >= 2, let quantity = quantity(words.last!) else { return nil }
        let lot = words.dropLast().joined(separator: " ")
        let manufacturer = parts.count == 2 && !parts[1].isEmpty ? parts[1].nfc : nil
        return LotLine(lot: lot.nfc, quantity: quantity, manufacturer: manufacturer)
    }

    /// Codes separated by spaces, commas, semicolons or lines.
    static func codes(_ s: String) -> [String] {
        s.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0 == "\t" || $0.isNewline }).map { String($0).nfc }
    }
}

struct SerialLine: Equatable {
    var serial: String
    var manufacturer: String?
    var model: String?
}

struct LotLine: Equatable {
    var lot: String
    var quantity: Int64
    var manufacturer: String?
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
