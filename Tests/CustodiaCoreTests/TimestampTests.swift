import Testing

@testable import CustodiaCore

@Suite struct TimestampTests {
    @Test(arguments: [
        "2026-03-01", "2024-02-29", "2000-02-29", "1800-01-01", "2026-12-31", "2026-04-30",
    ])
    func existingCalendarDatesAreDates(date: String) {
        #expect(Timestamp.isDate(date))
    }

    @Test(arguments: [
        "2023-02-29", "1900-02-29", "2100-02-29", "2026-04-31", "2026-06-31", "2026-09-31", "2026-11-31", "2026-01-32",
        "2026-00-01", "2026-13-01", "2026-01-00", "1799-12-31", "2026-3-01", "2026/03/01", "20260301", "2026-03-01T00:00:00Z",
        "2026-03-01 ", "", "abcd-ef-gh",
    ])
    func otherTextsAreNotDates(text: String) {
        #expect(!Timestamp.isDate(text))
    }

    @Test(arguments: [
        (1, 2025, 31), (2, 2023, 28), (2, 2024, 29), (2, 1900, 28), (2, 2000, 29), (4, 2026, 30), (6, 2026, 30),
        (9, 2026, 30), (11, 2026, 30), (12, 2026, 31), (7, 2026, 31), (8, 2026, 31),
    ])
    func monthsHaveTheirCalendarLength(month: Int, year: Int, days: Int) {
        #expect(Timestamp.daysIn(month: month, year: year) == days)
    }

    @Test func theDayOfATimeIsItsDatePart() {
        #expect(Timestamp.day(of: "2026-03-01T23:59:59.9Z") == "2026-03-01")
        #expect(Timestamp.day(of: "2026-03-01") == "2026-03-01")
    }

    @Test func utcTimesOfTheSamePrecisionSortAsText() {
        let times = ["2026-03-01T08:00:00Z", "2025-12-31T23:59:59Z", "2026-03-01T07:59:59Z", "2026-02-28T23:00:00Z"]
        #expect(times.allSatisfy(Timestamp.isRFC3339UTC))
        #expect(
            times.sorted() == ["2025-12-31T23:59:59Z", "2026-02-28T23:00:00Z", "2026-03-01T07:59:59Z", "2026-03-01T08:00:00Z"])
    }

    @Test(arguments: [
        ("2026-03-01T23:59:59Z", true), ("2026-03-01T00:00:00Z", true), ("2026-03-01T24:00:00Z", false),
        ("2026-03-01T23:60:00Z", false), ("2026-03-01T23:59:60Z", false), ("2026-03-01T23:59:59.000000001Z", true),
        ("2026-03-01T23:59:59,5Z", false), ("2026-03-01T23:59:59.5", false), ("2026-03-01T23:59:59Z ", false),
        ("2026-03-01X23:59:59Z", false), ("2026-03-01T23-59-59Z", false), ("2026-02-29T12:00:00Z", false),
        ("2028-02-29T12:00:00Z", true),
    ])
    func rfc3339UTCIsCheckedFieldByField(text: String, valid: Bool) {
        #expect(Timestamp.isRFC3339UTC(text) == valid)
    }
}
