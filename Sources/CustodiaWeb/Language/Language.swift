/// The languages of the web UI.
///
/// Every label, message and error exists in each of them (the catalogue test proves it);
/// dates and numbers follow the language's conventions (see `LocalFormat`).
public enum Language: String, CaseIterable, Sendable, Hashable {
    case es
    case en

    /// The language used when nothing the browser or the user says matches: most of the
    /// people who keep these records work in Spanish.
    public static let fallback: Language = .es

    /// The language of a request: an explicit choice (the `lang` query parameter, then the
    /// `lang` cookie) wins; otherwise the best match of `Accept-Language`; otherwise
    /// `fallback`. Unknown explicit values are ignored, not errors.
    public static func negotiate(query: String? = nil, cookie: String? = nil, acceptLanguage: String? = nil) -> Language {
        if let chosen = query.flatMap(Language.init(code:)) { return chosen }
        if let chosen = cookie.flatMap(Language.init(code:)) { return chosen }
        if let header = acceptLanguage, let best = best(acceptLanguage: header) { return best }
        return fallback
    }

    /// A language from a code such as `es`, `EN` or `es-419` (only the primary subtag counts).
    public init?(code: String) {
        let primary = code.split(separator: "-", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        guard let language = Language(rawValue: primary.trimmingSpaces) else { return nil }
        self = language
    }

    /// The best language of an `Accept-Language` header (RFC 9110 §12.5.4): the highest
    /// q-value wins, ties go to the earlier entry, `q=0` means "not acceptable", `*` stands
    /// for any language not named, and malformed entries are skipped. Nil when nothing fits.
    public static func best(acceptLanguage header: String) -> Language? {
        var scores: [Language: (q: Int, order: Int)] = [:]
        var wildcard: (q: Int, order: Int)?
        var named: Set<Language> = []
        for (order, entry) in header.split(separator: ",").enumerated() {
            let parts = entry.split(separator: ";")
            guard let tag = parts.first.map({ String($0).trimmingSpaces }), !tag.isEmpty else { continue }
            var q = 1000
            var valid = true
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
                guard pair.count == 2, pair[0].lowercased() == "q" else { continue }
                if let value = qValue(pair[1]) { q = value } else { valid = false }
            }
            guard valid else { continue }
            if tag == "*" {
                if wildcard == nil { wildcard = (q, order) }
                continue
            }
            guard let language = Language(code: tag) else { continue }
            named.insert(language)
            // The first (most specific or earliest) entry for a language counts, but a
            // later entry with a higher q raises it ("es-MX;q=0.5, es;q=0.9").
            if let existing = scores[language] {
                if q > existing.q { scores[language] = (q, existing.order) }
            } else {
                scores[language] = (q, order)
            }
        }
        if let wildcard {
            for language in Language.allCases where !named.contains(language) {
                scores[language] = (wildcard.q, wildcard.order)
            }
        }
        let ranked = scores.filter { $0.value.q > 0 }.sorted {
            $0.value.q != $1.value.q ? $0.value.q > $1.value.q : $0.value.order < $1.value.order
        }
        // A wildcard alone prefers the fallback over an arbitrary language.
        if !ranked.isEmpty, named.isEmpty { return fallback }
        return ranked.first?.key
    }

    /// A q-value in thousandths: "1", "0.8", "0.125"; nil when malformed or out of range.
    static func qValue(_ s: String) -> Int? {
        let b = Array(s.utf8)
        guard let first = b.first, first == 0x30 || first == 0x31 else { return nil }
        if b.count == 1 { return first == 0x31 ? 1000 : 0 }
        guard b[1] == 0x2E, b.count <= 5 else { return nil }
        var value = Int(first - 0x30) * 1000
        var scale = 100
        for digit in b[2...] {
            guard digit >= 0x30, digit <= 0x39 else { return nil }
            value += Int(digit - 0x30) * scale
            scale /= 10
        }
        return value <= 1000 ? value : nil
    }

    /// The name of the language in itself, for the language switch.
    public var nativeName: String {
        switch self {
        case .es: "Español"
        case .en: "English"
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    var trimmingSpaces: String {
        func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\r\n" }
        var text = Substring(self)
        while let c = text.first, isSpace(c) { text.removeFirst() }
        while let c = text.last, isSpace(c) { text.removeLast() }
        return String(text)
    }
}
