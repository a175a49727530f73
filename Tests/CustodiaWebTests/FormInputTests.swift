import Testing

@testable import CustodiaWeb

@Suite struct FormInputTests {
    @Test(arguments: [
        ("2026-11-22", Language.en, "2026-11-22"), ("2026-11-22", .es, "2026-11-22"), ("22/11/2026", .es, "2026-11-22"),
        ("1/2/2026", .es, "2026-02-01"), ("22-11-2026", .es, "2026-11-22"), ("22.11.2026", .es, "2026-11-22"),
        (" 22/11/2026 ", .es, "2026-11-22"),
    ])
    func datesPeopleWriteAreRead(_ text: String, _ language: Language, _ iso: String) {
        #expect(FormInput.date(text, language: language) == iso)
    }

    @Test(arguments: [
        ("22/11/2026", Language.en), ("31/02/2026", .es), ("2026-13-01", .es), ("11/22/2026", .es), ("22/11/26", .es), ("", .es),
        ("mañana", .es),
    ])
    func datesThatCannotBeReadAreRefused(_ text: String, _ language: Language) {
        #expect(FormInput.date(text, language: language) == nil)
    }

    @Test(arguments: [
        ("2026-11-22T14:05", Language.en, "2026-11-22T14:05:00Z"), ("2026-11-22T14:05:09", .en, "2026-11-22T14:05:09Z"),
        ("2026-11-22 14:05", .en, "2026-11-22T14:05:00Z"), ("2026-11-22T14:05:00.250Z", .en, "2026-11-22T14:05:00Z"),
        ("22/11/2026 9:05", .es, "2026-11-22T09:05:00Z"), ("2026-11-22", .en, "2026-11-22T00:00:00Z"),
        ("2026-11-22T14:05Z", .en, "2026-11-22T14:05:00Z"),
    ])
    func timesPeopleWriteAreRead(_ text: String, _ language: Language, _ rfc: String) {
        #expect(FormInput.dateTime(text, language: language) == rfc)
    }

    @Test(arguments: ["2026-11-22T24:00", "2026-11-22T10:60", "2026-11-22 10", "22/11/2026 10:00", "2026-11-22T1:2:3:4", "ayer"])
    func timesThatCannotBeReadAreRefused(_ text: String) {
        #expect(FormInput.dateTime(text, language: .en) == nil)
    }

    @Test(arguments: [("1200", Int64(1200)), ("1.200", 1200), ("1,200", 1200), ("1.234.567", 1_234_567), ("7", 7)])
    func quantitiesMayBeGrouped(_ text: String, _ n: Int64) {
        #expect(FormInput.quantity(Substring(text)) == n)
    }

    @Test(arguments: ["0", "-5", "12,00", "1.2345", "1..200", "abc", "1e3", "1234567890123456", ""])
    func quantitiesThatAreNotPositiveWholeNumbersAreRefused(_ text: String) {
        #expect(FormInput.quantity(Substring(text)) == nil)
    }

    @Test func serialAndLotLinesSplitTheirParts() {
        #expect(FormInput.serialLine("AK-1") == SerialLine(serial: "AK-1"))
        #expect(
            FormInput.serialLine("AK-1 | Kalashnikov Concern") == SerialLine(serial: "AK-1", manufacturer: "Kalashnikov Concern"))
        #expect(FormInput.serialLine("AK-1\tKC\tAK-74M") == SerialLine(serial: "AK-1", manufacturer: "KC", model: "AK-74M"))
        #expect(FormInput.serialLine("AK-1 || AK-74M") == SerialLine(serial: "AK-1", model: "AK-74M"))
        #expect(FormInput.serialLine(" | KC") == nil)
        #expect(FormInput.lotLine("762-2019-04 1200") == LotLine(lot: "762-2019-04", quantity: 1200))
        #expect(FormInput.lotLine("LOT 7 A  1.200 | Arsenal") == LotLine(lot: "LOT 7 A", quantity: 1200, manufacturer: "Arsenal"))
        #expect(FormInput.lotLine("762-2019-04") == nil)
        #expect(FormInput.lotLine("762 x") == nil)
        #expect(FormInput.lines("a\r\n\r\n b \n\nc") == ["a", "b", "c"])
        #expect(FormInput.codes("P-1, P-2;P-3\nP-4  P-5") == ["P-1", "P-2", "P-3", "P-4", "P-5"])
    }

    @Test func aFormBodyIsDecoded() {
        let fields = FormData.parse("items=AK-1%0D%0AAK-2&note=caf%C3%A9+y+t%C3%A9&csrf=a%2Bb&empty=&items=ignored&bad=%ZZ")
        #expect(fields["items"] == "AK-1\r\nAK-2")
        #expect(fields["note"] == "café y té")
        #expect(fields["csrf"] == "a+b")
        #expect(fields["empty"] == "")
        #expect(fields["bad"] == "%ZZ")
    }
}

@Suite struct WebPathsTests {
    @Test(arguments: [
        (String?.none, "/"), ("/items/4", "/items/4"), ("//evil.example", "/"), ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("items/4", "/"), ("/search?q=a", "/search?q=a"), ("/x\r\nSet-Cookie: a", "/"),
    ])
    func signInReturnsOnlyToPathsOfThisSite(_ next: String?, _ expected: String) {
        #expect(WebPaths.safeReturnPath(next) == expected)
    }

    @Test func pathsEncodeWhatTheyCarry() {
        #expect(WebPaths.holder("DEP/01") == "/holders/DEP%2F01")
        #expect(WebPaths.search("AK 1/ñ", page: 3) == "/search?q=AK%201%2F%C3%B1&page=3")
        #expect(WebPaths.recordingKind("issue") == .issue)
        #expect(WebPaths.recordingKind("register") == nil)
        #expect(WebPaths.recordingKind("nope") == nil)
        #expect(SearchPage.pageNumber("3") == 3)
        #expect(SearchPage.pageNumber("-1") == 1)
        #expect(SearchPage.pageNumber("x") == 1)
        #expect(QueryItem.parse("q=a+b&&=x&page") == [QueryItem("q", "a b"), QueryItem("page", "")])
    }
}

@Suite struct BarChartTests {
    @Test func barLengthsAreProportionalToTheValues() {
        let chart = BarChart(
            id: "c", title: "T",
            bars: [
                .init(label: "a", value: 400), .init(label: "b", value: 100), .init(label: "c", value: 0),
                .init(label: "d", value: 250),
            ])
        #expect(chart.length(of: 400) == BarChart.maxBar)
        #expect(abs(chart.length(of: 100) - BarChart.maxBar / 4) < 0.001)
        #expect(chart.length(of: 0) == 0)
        let layout = chart.layout(LocalFormat(.en))
        let widths = layout.rows.map { Double($0.barWidth)! }
        for (bar, width) in zip(chart.bars, widths) {
            #expect(abs(width - BarChart.maxBar * Double(bar.value) / 400) <= 0.05)
        }
        #expect(layout.rows.map(\.value) == ["400", "100", "0", "250"])
        #expect(layout.viewBox == "0 0 360 136")
    }

    @Test func theChartIsAccessibleSVGWithEscapedLabels() {
        let chart = BarChart(
            id: "c-x", title: "Por <categoría>",
            bars: [.init(label: Fixture.evil, value: 12_345, tone: "missing"), .init(label: "Fusil", value: 5)])
        let svg = Fixture.renderer.chart(chart, language: .es)
        #expect(
            svg.hasPrefix("<figure class=\"chart\"><figcaption>Por &lt;categoría&gt;</figcaption><svg viewBox=\"0 0 360 68\""))
        #expect(svg.contains(#"role="img" aria-labelledby="c-x c-x-d""#))
        #expect(svg.contains(#"<title id="c-x">Por &lt;categoría&gt;</title>"#))
        #expect(svg.contains("<desc id=\"c-x-d\">&lt;script&gt;alert(1)&lt;/script&gt;: 12.345; Fusil: 5</desc>"))
        #expect(svg.contains(#"<rect x="0" y="17" width="288" height="12" rx="2"/>"#))
        #expect(svg.contains(#"<rect x="0" y="51" width="0.1" height="12" rx="2"/>"#))
        #expect(svg.contains(#"<g class="bar b-missing">"#))
        #expect(svg.contains(#"<text class="v" x="294" y="28">12.345</text>"#))
        #expect(!svg.contains("<script>"))
        let empty = Fixture.renderer.chart(BarChart(id: "e", title: "Nada", bars: []), language: .en)
        #expect(empty.contains("Nada · no data"))
    }

    @Test func coordinatesKeepOneDecimal() {
        #expect(BarChart.decimal(12) == "12")
        #expect(BarChart.decimal(12.04) == "12")
        #expect(BarChart.decimal(12.25) == "12.3")
        #expect(BarChart.decimal(0.06) == "0.1")
    }
}
