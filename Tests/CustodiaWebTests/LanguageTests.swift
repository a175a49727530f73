import Testing

@testable import CustodiaWeb

struct NegotiationCase: Sendable, CustomTestStringConvertible {
    let query: String?
    let cookie: String?
    let header: String?
    let expected: Language
    var testDescription: String { "query=\(query ?? "-") cookie=\(cookie ?? "-") header=\(header ?? "-") → \(expected)" }
}

let negotiationCases: [NegotiationCase] = [
    .init(query: nil, cookie: nil, header: nil, expected: .es),
    .init(query: nil, cookie: nil, header: "en-US,en;q=0.9", expected: .en),
    .init(query: nil, cookie: nil, header: "es-419,es;q=0.9,en;q=0.8", expected: .es),
    .init(query: nil, cookie: nil, header: "en;q=0.5, es;q=0.8", expected: .es),
    .init(query: nil, cookie: nil, header: "fr-FR, fr;q=0.9, en;q=0.7, es;q=0.6", expected: .en),
    .init(query: nil, cookie: nil, header: "fr, de", expected: .es),
    .init(query: nil, cookie: nil, header: "*", expected: .es),
    .init(query: nil, cookie: nil, header: "fr, *;q=0.5", expected: .es),
    .init(query: nil, cookie: nil, header: "es;q=0, *;q=0.1", expected: .en),
    .init(query: nil, cookie: nil, header: "en;q=0, es;q=0", expected: .es),
    .init(query: nil, cookie: nil, header: "EN-gb", expected: .en),
    .init(query: nil, cookie: nil, header: "en;q=1.5, es", expected: .es),
    .init(query: nil, cookie: nil, header: "en;q=abc, es;q=0.3", expected: .es),
    .init(query: nil, cookie: nil, header: "es;q=0.8, en;q=0.8", expected: .es),
    .init(query: nil, cookie: nil, header: "en;q=0.8, es;q=0.8", expected: .en),
    .init(query: nil, cookie: nil, header: "es-MX;q=0.2, en;q=0.5, es;q=0.9", expected: .es),
    .init(query: nil, cookie: nil, header: " , ;q=1, en ; q=0.7 ", expected: .en),
    .init(query: nil, cookie: "en", header: "es", expected: .en),
    .init(query: "es", cookie: "en", header: "en", expected: .es),
    .init(query: "xx", cookie: "en", header: "es", expected: .en),
    .init(query: "xx", cookie: "yy", header: "en", expected: .en),
    .init(query: "EN", cookie: nil, header: nil, expected: .en),
]

@Suite struct LanguageTests {
    @Test(arguments: negotiationCases)
    func theLanguageFollowsTheChoiceThenTheBrowser(_ c: NegotiationCase) {
        #expect(Language.negotiate(query: c.query, cookie: c.cookie, acceptLanguage: c.header) == c.expected)
    }

    @Test(arguments: [
        ("1", 1000), ("0", 0), ("0.8", 800), ("0.125", 125), ("1.000", 1000), ("1.5", nil), ("0.1234", nil), ("x", nil),
        ("", nil), ("2", nil),
    ])
    func qValuesAreReadStrictly(_ text: String, _ value: Int?) {
        #expect(Language.qValue(text) == value)
    }

    @Test func languageCodesIgnoreRegionAndCase() {
        #expect(Language(code: "es-AR") == .es)
        #expect(Language(code: "En") == .en)
        #expect(Language(code: "pt-BR") == nil)
        #expect(Language(code: "") == nil)
    }
}

@Suite struct LocalFormatTests {
    @Test(arguments: [
        (Int64(0), "0", "0"), (7, "7", "7"), (999, "999", "999"), (1234, "1234", "1,234"), (12_345, "12.345", "12,345"),
        (1_234_567, "1.234.567", "1,234,567"), (-1_234_567, "-1.234.567", "-1,234,567"), (100_000, "100.000", "100,000"),
        (Int64.max, "9.223.372.036.854.775.807", "9,223,372,036,854,775,807"),
    ])
    func numbersAreGroupedPerLanguage(_ n: Int64, _ es: String, _ en: String) {
        #expect(LocalFormat(.es).number(n) == es)
        #expect(LocalFormat(.en).number(n) == en)
    }

    @Test func datesAndTimesAreWrittenPerLanguage() {
        let es = LocalFormat(.es)
        let en = LocalFormat(.en)
        #expect(es.dateTime("2026-11-22T14:05:00Z") == "22/11/2026 14:05")
        #expect(en.dateTime("2026-11-22T14:05:59.123Z") == "2026-11-22 14:05")
        #expect(es.date("2026-11-22T14:05:00Z") == "22/11/2026")
        #expect(en.date("2026-11-22") == "2026-11-22")
        #expect(es.dateTime("2026-11-22") == "22/11/2026")
        #expect(es.longDate("2026-02-01") == "1 de febrero de 2026")
        #expect(en.longDate("2026-11-22T00:00:00Z") == "22 November 2026")
        #expect(es.date("not a date") == "not a date")
        #expect(en.dateTime("2026-02-30T10:00:00Z") == "2026-02-30T10:00:00Z", "an impossible date is shown as given")
    }

    @Test func daysBetweenDatesCrossMonthsYearsAndLeapDays() {
        #expect(LocalFormat.days(from: "2026-11-01", to: "2026-11-22T14:05:00Z") == 21)
        #expect(LocalFormat.days(from: "2023-12-31", to: "2024-03-01") == 61)
        #expect(LocalFormat.days(from: "2026-03-01", to: "2026-02-28") == -1)
        #expect(LocalFormat.days(from: "1970-01-01", to: "2000-01-01") == 10_957)
        #expect(LocalFormat.days(from: "x", to: "2026-01-01") == nil)
    }
}
