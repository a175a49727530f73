import Testing

@testable import CustodiaCore

/// A JSON event line and the field (and a phrase of the message) it must be refused for.
struct BadEventLine: Sendable, CustomTestStringConvertible {
    let json: String
    let field: String
    let phrase: String
    init(_ json: String, _ field: String, _ phrase: String) {
        self.json = json
        self.field = field
        self.phrase = phrase
    }
    var testDescription: String { "\(field): \(json)" }
}

private func parseEvent(_ json: String, source: Event.Source = .input) throws -> Event {
    try Event(json: try JSONParser.parse(json), source: source)
}

/// The FieldError an event line is refused with; nil (and an issue) when the line parses.
private func eventError(_ json: String, source: Event.Source = .input, sourceLocation: SourceLocation = #_sourceLocation)
    -> FieldError?
{
    let value: JSONValue
    do {
        value = try JSONParser.parse(json)
    } catch {
        Issue.record("the test line is not valid JSON: \(error)", sourceLocation: sourceLocation)
        return nil
    }
    do {
        let e = try Event(json: value, source: source)
        Issue.record("expected a refusal, parsed \(e)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

private let at = #""occurredAt":"2026-03-01T08:00:00Z""#
private let glock = #"{"manufacturer":"Glock","serial":"GL-4455"}"#
private let fullGlock =
    #"{"category":"revolver-pistol","manufacturer":"Glock","country":"AT","model":"G17","calibre":"9x19mm","serial":"GL-4455"}"#

@Suite struct EventParsingTests {
    // MARK: Valid input

    @Test func aWellFormedIssueParsesIntoItsFields() throws {
        let e = try parseEvent(
            #"{"kind":"issue",\#(at),"from":"DEP-01","to":"P-0001","items":[{"manufacturer":"Glock","serial":"GL-4455","model":"G17"},{"id":7}],"lots":[{"lot":"L-1","quantity":30}],"dueBack":"2026-03-31","note":"range day","confirmedBy":["UNIT-1"]}"#
        )
        var expected = Event(kind: .issue, occurredAt: "2026-03-01T08:00:00Z")
        expected.from = "DEP-01"
        expected.to = "P-0001"
        expected.items = [.marking(manufacturer: "Glock", serial: "GL-4455", model: "G17"), .id(7)]
        expected.lots = [LotReference(lot: "L-1", quantity: 30)]
        expected.dueBack = "2026-03-31"
        expected.note = "range day"
        expected.confirmedBy = ["UNIT-1"]
        #expect(e == expected)
    }

    @Test func theOrderOfFieldsDoesNotMatter() throws {
        let a = try parseEvent(#"{"items":[\#(glock)],"from":"DEP-01","kind":"loss",\#(at)}"#)
        let b = try parseEvent(#"{"kind":"loss",\#(at),"from":"DEP-01","items":[\#(glock)]}"#)
        #expect(a == b)
        #expect(a.kind == .loss)
    }

    @Test func aRegisterReadsFullMarkingsAndLotDetails() throws {
        let e = try parseEvent(
            #"{"kind":"register",\#(at),"to":"DEP-01","items":[{"category":"manpads-missile","manufacturer":"KBM","country":"RU","model":"9M39","calibre":"72mm","serial":"M-1","year":1999,"importCountry":"XX","importYear":2001,"marks":"crest","assignedMark":true}],"lots":[{"lot":"L-9","manufacturer":"PMC","calibre":"9x19mm","type":"ball","year":2020,"quantity":500}],"condition":"repairable"}"#
        )
        #expect(
            e.registrations == [
                ItemMarking(
                    category: .manpadsMissile, manufacturer: "KBM", country: "RU", model: "9M39", calibre: "72mm", serial: "M-1",
                    year: 1999, importCountry: "XX", importYear: 2001, marks: "crest", assignedMark: true)
            ])
        #expect(e.items.isEmpty)
        #expect(
            e.lotRegistrations == [
                LotRegistration(
                    marking: LotMarking(lot: "L-9", manufacturer: "PMC", calibre: "9x19mm", type: "ball", year: 2020),
                    quantity: 500)
            ])
        #expect(e.condition == .repairable)
        #expect(e.registrations[0].category.isMANPADS)
    }

    // MARK: Unknown fields

    static let unknownFields: [BadEventLine] = [
        BadEventLine(#"{"kind":"loss",\#(at),"from":"DEP-01","items":[\#(glock)],"colour":"red"}"#, "colour", "unknown field"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","items":[{"manufacturer":"Glock","serial":"1","colour":"red"}]}"#,
            "items[0].colour", "unknown field"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","items":[\#(glock),{"id":3,"ref":1}]}"#, "items[1].ref", "unknown field"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","lots":[{"lot":"L-1","quantity":1,"calibre":"9mm"}]}"#, "lots[0].calibre",
            "unknown field"),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","items":[{"category":"mortar","manufacturer":"M","country":"C","model":"X","calibre":"81mm","serial":"S","weight":"40kg"}]}"#,
            "items[0].weight", "unknown field"),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","lots":[{"lot":"L","manufacturer":"M","calibre":"9mm","type":"ball","quantity":1,"box":"7"}]}"#,
            "lots[0].box", "unknown field"),
        BadEventLine(
            #"{"kind":"holder-add",\#(at),"holder":{"code":"X-1","kind":"region","name":"X","colour":"red"}}"#, "holder.colour",
            "not a field"),
        BadEventLine(
            #"{"kind":"holder-rename",\#(at),"holder":{"code":"X-1","name":"Y","parent":"R-1"}}"#, "holder.parent",
            "not a field of a holder-rename"),
        BadEventLine(
            #"{"kind":"holder-move",\#(at),"holder":{"code":"X-1","parent":"R-1","name":"Y"}}"#, "holder.name",
            "not a field of a holder-move"),
        BadEventLine(
            #"{"kind":"holder-close",\#(at),"holder":{"code":"X-1","kind":"site"}}"#, "holder.kind",
            "not a field of a holder-close"),
    ]

    @Test(arguments: unknownFields)
    func unknownFieldsAreRefusedByName(c: BadEventLine) throws {
        let error = try #require(eventError(c.json))
        #expect(error.field == c.field)
        #expect(error.message.contains(c.phrase), "\(error)")
    }

    // MARK: Wrong types and values

    static let wrongValues: [BadEventLine] = [
        BadEventLine(#"[1,2]"#, "", "JSON object"),
        BadEventLine(#"{"kind":1,\#(at)}"#, "kind", "expected a string"),
        BadEventLine(#"{"kind":"sell",\#(at)}"#, "kind", "unknown kind \"sell\""),
        BadEventLine(#"{\#(at),"from":"DEP-01"}"#, "kind", "missing"),
        BadEventLine(#"{"kind":"loss","from":"DEP-01","items":[\#(glock)]}"#, "occurredAt", "missing"),
        BadEventLine(
            #"{"kind":"loss","occurredAt":20260301,"from":"DEP-01","items":[\#(glock)]}"#, "occurredAt",
            "expected a string, found an integer"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":5,"items":[\#(glock)]}"#, "from", "expected a string, found an integer"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":null,"items":[\#(glock)]}"#, "from", "found null"),
        BadEventLine(#"{"kind":"issue",\#(at),"from":"DEP-01","to":"P 1","items":[\#(glock)]}"#, "to", "not a holder code"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":"DEP-01","items":{}}"#, "items", "expected an array"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":"DEP-01","items":[5]}"#, "items[0]", "expected an object"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":"DEP-01","items":[{"serial":"1"}]}"#, "items[0].manufacturer", "missing"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":"DEP-01","items":[{"manufacturer":"Glock"}]}"#, "items[0].serial", "missing"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","items":[{"manufacturer":"Glock","serial":""}]}"#, "items[0].serial",
            "missing"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","items":[{"manufacturer":"Glock","serial":7}]}"#, "items[0].serial",
            "expected a string"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":"DEP-01","items":[{"id":0}]}"#, "items[0].id", "positive"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":"DEP-01","items":[{"id":"7"}]}"#, "items[0].id", "positive"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","items":[{"id":7,"serial":"1","manufacturer":"G"}]}"#, "items[0]",
            "either by id"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":"DEP-01","items":[\#(glock),\#(glock)]}"#, "items", "listed twice"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":"DEP-01","lots":"L-1"}"#, "lots", "expected an array"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":"DEP-01","lots":[{"quantity":1}]}"#, "lots[0].lot", "missing"),
        BadEventLine(#"{"kind":"loss",\#(at),"from":"DEP-01","lots":[{"lot":"L-1"}]}"#, "lots[0].quantity", "missing"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","lots":[{"lot":"L-1","quantity":"10"}]}"#, "lots[0].quantity", "whole number"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","lots":[{"lot":"L-1","quantity":0}]}"#, "lots[0].quantity",
            "greater than zero"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","lots":[{"lot":"L-1","quantity":-5}]}"#, "lots[0].quantity",
            "greater than zero"),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","items":[{"category":"rifle","manufacturer":"M","country":"C","model":"X","calibre":"c","serial":"S"}]}"#,
            "items[0].category", "unknown category \"rifle\""),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","items":[{"manufacturer":"M","country":"C","model":"X","calibre":"c","serial":"S"}]}"#,
            "items[0].category", "missing"),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","items":[{"category":"mortar","manufacturer":"M","model":"X","calibre":"c","serial":"S"}]}"#,
            "items[0].country", "missing"),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","items":[{"category":"mortar","manufacturer":"M","country":"C","model":"","calibre":"c","serial":"S"}]}"#,
            "items[0].model", "missing"),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","items":[{"category":"mortar","manufacturer":"M","country":"C","model":"X","calibre":"c","serial":"S","year":"1999"}]}"#,
            "items[0].year", "whole number"),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","items":[{"category":"mortar","manufacturer":"M","country":"C","model":"X","calibre":"c","serial":"S","year":1799}]}"#,
            "items[0].year", "out of range"),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","items":[{"category":"mortar","manufacturer":"M","country":"C","model":"X","calibre":"c","serial":"S","importYear":2101}]}"#,
            "items[0].importYear", "out of range"),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","items":[{"category":"mortar","manufacturer":"M","country":"C","model":"X","calibre":"c","serial":"S","assignedMark":"yes"}]}"#,
            "items[0].assignedMark", "true or false"),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","lots":[{"lot":"L","manufacturer":"M","type":"ball","quantity":1}]}"#,
            "lots[0].calibre", "missing"),
        BadEventLine(
            #"{"kind":"register",\#(at),"to":"DEP-01","lots":[{"lot":"L","calibre":"9mm","type":"ball","quantity":1}]}"#,
            "lots[0].manufacturer", "missing"),
        BadEventLine(
            #"{"kind":"condition",\#(at),"items":[\#(glock)],"condition":"broken"}"#, "condition", "unknown condition \"broken\""),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","items":[\#(glock)],"witnesses":"P-1"}"#, "witnesses", "array of codes"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","items":[\#(glock)],"witnesses":["P-1",5]}"#, "witnesses[1]",
            "expected a string"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","items":[\#(glock)],"confirmedBy":["bad code"]}"#, "confirmedBy[0]",
            "not a holder code"),
        BadEventLine(#"{"kind":"correction",\#(at),"corrects":"3","reason":"x"}"#, "corrects", "sequence number"),
        BadEventLine(#"{"kind":"correction",\#(at),"corrects":-1,"reason":"x"}"#, "corrects", "sequence number"),
        BadEventLine(
            #"{"kind":"loss",\#(at),"from":"DEP-01","items":[\#(glock)],"note":"\#(String(repeating: "x", count: 1001))"}"#,
            "note", "too long"),
        BadEventLine(
            #"{"kind":"holder-add",\#(at),"holder":{"code":"X-1","kind":"castle","name":"X"}}"#, "holder.kind",
            "unknown kind \"castle\""),
        BadEventLine(#"{"kind":"holder-add",\#(at),"holder":"X-1"}"#, "holder", "expected an object"),
        BadEventLine(
            #"{"kind":"holder-add",\#(at),"holder":{"code":"X 1","kind":"region","name":"X"}}"#, "holder.code",
            "not a holder code"),
        BadEventLine(
            #"{"kind":"holder-add",\#(at),"holder":{"code":"X-1","kind":"zone","name":"X","parent":7}}"#, "holder.parent",
            "expected a string"),
    ]

    @Test(arguments: wrongValues)
    func wrongTypesAndValuesAreRefusedByField(c: BadEventLine) throws {
        let error = try #require(eventError(c.json))
        #expect(error.field == c.field)
        #expect(error.message.contains(c.phrase), "\(error)")
    }

    @Test func aTextOfExactlyAThousandBytesIsAccepted() throws {
        let e = try parseEvent(
            #"{"kind":"loss",\#(at),"from":"DEP-01","items":[\#(glock)],"note":"\#(String(repeating: "é", count: 500))"}"#)
        #expect(e.note?.utf8.count == 1000)
    }

    // MARK: Times

    static let goodTimes = [
        "2026-03-01T08:00:00Z",
        "2024-02-29T23:59:59Z",  // leap day
        "2000-02-29T00:00:00Z",  // leap day in a year divisible by 400
        "2026-12-31T23:59:59Z",
        "2026-03-01T08:00:00.5Z",
        "2026-03-01T08:00:00.123456789Z",
        "2026-03-01t08:00:00z",
        "1800-01-01T00:00:00Z",
    ]

    static let badTimes = [
        "2023-02-29T12:00:00Z",  // no leap day in 2023
        "1900-02-29T12:00:00Z",  // nor in 1900
        "2026-04-31T12:00:00Z",
        "2026-13-01T12:00:00Z",
        "2026-00-10T12:00:00Z",
        "2026-03-00T12:00:00Z",
        "2026-03-01T24:00:00Z",
        "2026-03-01T08:60:00Z",
        "2026-03-01T08:00:60Z",
        "2026-03-01T08:00:00",  // no zone
        "2026-03-01T08:00:00+00:00",
        "2026-03-01T10:00:00+02:00",
        "2026-03-01T08:00:00-05:00",
        "2026-03-01 08:00:00Z",
        "2026-03-01T08:00Z",
        "2026-03-01T8:00:00Z",
        "2026-3-1T08:00:00Z",
        "2026-03-01T08:00:00.Z",
        "2026-03-01T08:00:00.1234567890Z",
        "2026-03-01T08:00:00ZZ",
        " 2026-03-01T08:00:00Z",
        "2026-03-01",
        "1799-12-31T23:59:59Z",
        "",
        "+2026-03-01T08:00:00Z",
    ]

    @Test(arguments: goodTimes)
    func rfc3339UTCTimesAreAccepted(time: String) throws {
        #expect(Timestamp.isRFC3339UTC(time))
        let e = try parseEvent(#"{"kind":"loss","occurredAt":"\#(time)","from":"DEP-01","items":[\#(glock)]}"#)
        #expect(e.occurredAt == time)
    }

    @Test(arguments: badTimes)
    func timesThatAreNotRFC3339UTCAreRefused(time: String) throws {
        #expect(!Timestamp.isRFC3339UTC(time))
        let error = try #require(eventError(#"{"kind":"loss","occurredAt":"\#(time)","from":"DEP-01","items":[\#(glock)]}"#))
        #expect(error.field == "occurredAt")
        #expect(error.message.contains("not an RFC 3339 UTC time"))
    }

    @Test(arguments: ["2026-03-31", "2024-02-29", "2026-03-31T17:00:00Z"])
    func aDueDateIsADateOrAUTCTime(due: String) throws {
        let e = try parseEvent(#"{"kind":"issue",\#(at),"from":"DEP-01","to":"P-1","items":[\#(glock)],"dueBack":"\#(due)"}"#)
        #expect(e.dueBack == due)
    }

    @Test(arguments: ["2026-02-29", "2026-3-31", "31/03/2026", "2026-03-31T17:00:00+01:00", "tomorrow"])
    func aDueDateThatIsNotADateIsRefused(due: String) throws {
        let error = try #require(
            eventError(#"{"kind":"issue",\#(at),"from":"DEP-01","to":"P-1","items":[\#(glock)],"dueBack":"\#(due)"}"#))
        #expect(error.field == "dueBack")
        #expect(error.message.contains("not a date"))
    }

    // MARK: Recording fields

    @Test(arguments: [#""recordedAt":"2026-03-01T09:00:00Z""#, #""recordedBy":"clerk-7""#])
    func recordingFieldsAreRefusedInNewInput(member: String) throws {
        let json = #"{"kind":"loss",\#(at),"from":"DEP-01","items":[\#(glock)],\#(member)}"#
        let error = try #require(eventError(json))
        #expect(error.field == (member.contains("recordedAt") ? "recordedAt" : "recordedBy"))
        #expect(error.message.contains("set by Custodia"))
    }

    @Test func recordingFieldsAreReadFromALedgerLeaf() throws {
        let json =
            #"{"kind":"loss",\#(at),"recordedAt":"2026-03-01T09:00:00.25Z","recordedBy":"clerk-7","from":"DEP-01","items":[\#(glock)]}"#
        let e = try parseEvent(json, source: .ledger)
        #expect(e.recordedAt == "2026-03-01T09:00:00.25Z")
        #expect(e.recordedBy == "clerk-7")
    }

    /// `Event.Source.ledger` is documented as "a ledger leaf being replayed (they must be present)".
    @Test(arguments: [
        #"{"kind":"loss",\#(at),"from":"DEP-01","items":[\#(glock)]}"#,
        #"{"kind":"loss",\#(at),"recordedBy":"clerk-7","from":"DEP-01","items":[\#(glock)]}"#,
        #"{"kind":"loss",\#(at),"recordedAt":"2026-03-01T09:00:00Z","from":"DEP-01","items":[\#(glock)]}"#,
    ])
    func aLedgerLeafMustCarryItsRecordingFields(json: String) throws {
        let error = try #require(eventError(json, source: .ledger))
        #expect(error.field == "recordedAt" || error.field == "recordedBy")
    }

    @Test func aLedgerLeafStillNeedsAUTCRecordingTime() throws {
        let json = #"{"kind":"loss",\#(at),"recordedAt":"2026-03-01T09:00:00+01:00","from":"DEP-01","items":[\#(glock)]}"#
        let error = try #require(eventError(json, source: .ledger))
        #expect(error.field == "recordedAt")
    }

    @Test func aPersonWithoutANameIsAcceptedOnlyFromTheLedger() throws {
        let input = #"{"kind":"holder-add",\#(at),"holder":{"code":"P-7","kind":"person","parent":"UNIT-1"}}"#
        let error = try #require(eventError(input))
        #expect(error.field == "holder.name")
        let leaf =
            #"{"kind":"holder-add",\#(at),"recordedAt":"2026-03-01T09:00:00Z","recordedBy":"clerk-7","holder":{"code":"P-7","kind":"person","parent":"UNIT-1"}}"#
        let e = try parseEvent(leaf, source: .ledger)
        #expect(e.holder == HolderChange(code: "P-7", kind: .person, name: nil, parent: "UNIT-1"))
    }

    @Test func aNullParentMeansARoot() throws {
        let e = try parseEvent(#"{"kind":"holder-move",\#(at),"holder":{"code":"EXT-1","parent":null}}"#)
        #expect(e.holder == HolderChange(code: "EXT-1", parent: nil))
    }

    // MARK: Shape of each kind

    static let shapes: [BadEventLine] = [
        BadEventLine(#"{"kind":"dispatch",\#(at),"to":"DEP-02","items":[\#(glock)],"document":"TD-1"}"#, "from", "missing"),
        BadEventLine(#"{"kind":"dispatch",\#(at),"from":"DEP-01","items":[\#(glock)],"document":"TD-1"}"#, "to", "missing"),
        BadEventLine(#"{"kind":"dispatch",\#(at),"from":"DEP-01","to":"DEP-02","items":[\#(glock)]}"#, "document", "missing"),
        BadEventLine(#"{"kind":"receive",\#(at),"to":"DEP-02","items":[\#(glock)]}"#, "document", "missing"),
        BadEventLine(#"{"kind":"receive",\#(at),"items":[\#(glock)],"document":"TD-1"}"#, "to", "missing"),
        BadEventLine(#"{"kind":"issue",\#(at),"to":"P-1","items":[\#(glock)]}"#, "from", "missing"),
        BadEventLine(#"{"kind":"issue",\#(at),"from":"DEP-01","to":"P-1"}"#, "items", "missing"),
        BadEventLine(#"{"kind":"issue",\#(at),"from":"DEP-01","to":"P-1","items":[]}"#, "items", "missing"),
        BadEventLine(#"{"kind":"issue",\#(at),"from":"DEP-01","to":"DEP-01","items":[\#(glock)]}"#, "to", "same holder"),
        BadEventLine(
            #"{"kind":"issue",\#(at),"from":"DEP-01","to":"P-1","items":[\#(glock)],"condition":"surplus"}"#, "condition",
            "only a condition or register"),
        BadEventLine(
            #"{"kind":"return",\#(at),"from":"P-1","to":"DEP-01","items":[\#(glock)],"dueBack":"2026-04-01"}"#, "dueBack",
            "only an issue or maintenance-out"),
        BadEventLine(
            #"{"kind":"maintenance-in",\#(at),"from":"W-1","to":"DEP-01","items":[\#(glock)],"dueBack":"2026-04-01"}"#, "dueBack",
            "only an issue or maintenance-out"),
        BadEventLine(#"{"kind":"maintenance-out",\#(at),"from":"DEP-01","items":[\#(glock)]}"#, "to", "missing"),
        BadEventLine(#"{"kind":"register",\#(at),"items":[\#(fullGlock)]}"#, "to", "missing"),
        BadEventLine(#"{"kind":"register",\#(at),"from":"X-1","to":"DEP-01","items":[\#(fullGlock)]}"#, "from", "no from"),
        BadEventLine(#"{"kind":"register",\#(at),"to":"DEP-01"}"#, "items", "missing"),
        BadEventLine(#"{"kind":"condition",\#(at),"items":[\#(glock)]}"#, "condition", "missing"),
        BadEventLine(
            #"{"kind":"condition",\#(at),"to":"DEP-01","items":[\#(glock)],"condition":"surplus"}"#, "to", "no receiving holder"),
        BadEventLine(#"{"kind":"count",\#(at),"items":[\#(glock)]}"#, "from", "missing"),
        BadEventLine(#"{"kind":"loss",\#(at),"items":[\#(glock)]}"#, "from", "missing"),
        BadEventLine(#"{"kind":"theft",\#(at),"from":"DEP-01","to":"X-1","items":[\#(glock)]}"#, "to", "no receiving holder"),
        BadEventLine(#"{"kind":"recovery",\#(at),"items":[\#(glock)]}"#, "to", "missing"),
        BadEventLine(#"{"kind":"surrender",\#(at),"from":"DEP-01","items":[\#(glock)]}"#, "to", "missing"),
        BadEventLine(
            #"{"kind":"expend",\#(at),"from":"DEP-01","to":"X-1","lots":[{"lot":"L","quantity":1}]}"#, "to", "no receiving holder"
        ),
        BadEventLine(#"{"kind":"destroy",\#(at),"items":[\#(glock)]}"#, "from", "missing"),
        BadEventLine(#"{"kind":"export",\#(at),"from":"DEP-01","items":[\#(glock)]}"#, "to", "missing"),
        BadEventLine(#"{"kind":"deactivate",\#(at),"to":"DEP-01","items":[\#(glock)]}"#, "to", "no receiving holder"),
        BadEventLine(
            #"{"kind":"issue",\#(at),"from":"DEP-01","to":"P-1","items":[\#(glock)],"corrects":3}"#, "corrects",
            "only a correction"),
        BadEventLine(
            #"{"kind":"issue",\#(at),"from":"DEP-01","to":"P-1","items":[\#(glock)],"holder":{"code":"X"}}"#, "holder",
            "only holder-add"),
        BadEventLine(#"{"kind":"correction",\#(at),"reason":"typo"}"#, "corrects", "missing"),
        BadEventLine(#"{"kind":"correction",\#(at),"corrects":3}"#, "reason", "missing"),
        BadEventLine(#"{"kind":"correction",\#(at),"corrects":3,"reason":""}"#, "reason", "missing"),
        BadEventLine(#"{"kind":"correction",\#(at),"corrects":3,"reason":"typo","items":[\#(glock)]}"#, "", "changes no state"),
        BadEventLine(#"{"kind":"correction",\#(at),"corrects":3,"reason":"typo","from":"DEP-01"}"#, "", "changes no state"),
        BadEventLine(#"{"kind":"holder-add",\#(at)}"#, "holder", "missing"),
        BadEventLine(
            #"{"kind":"holder-add",\#(at),"to":"DEP-01","holder":{"code":"X-1","kind":"region","name":"X"}}"#, "",
            "holder tree only"),
        BadEventLine(#"{"kind":"holder-add",\#(at),"holder":{"code":"X-1","name":"X"}}"#, "holder.kind", "missing"),
        BadEventLine(#"{"kind":"holder-add",\#(at),"holder":{"kind":"region","name":"X"}}"#, "holder.code", "missing"),
        BadEventLine(
            #"{"kind":"holder-add",\#(at),"holder":{"code":"X-1","kind":"region","name":"   "}}"#, "holder.name", "missing"),
        BadEventLine(#"{"kind":"holder-rename",\#(at),"holder":{"code":"X-1"}}"#, "holder.name", "missing"),
    ]

    @Test(arguments: shapes)
    func eachKindHasTheFieldsItNeedsAndNoneItForbids(c: BadEventLine) throws {
        let error = try #require(eventError(c.json))
        #expect(error.field == c.field)
        #expect(error.message.contains(c.phrase), "\(error)")
    }

    static let wellShaped: [String] = [
        #"{"kind":"register",\#(at),"to":"DEP-01","items":[\#(fullGlock)]}"#,
        #"{"kind":"register",\#(at),"to":"DEP-01","lots":[{"lot":"L","manufacturer":"M","calibre":"9mm","type":"ball","quantity":1}]}"#,
        #"{"kind":"dispatch",\#(at),"from":"DEP-01","to":"DEP-02","items":[\#(glock)],"document":"TD-1"}"#,
        #"{"kind":"receive",\#(at),"to":"DEP-02","items":[\#(glock)],"document":"TD-1"}"#,
        #"{"kind":"issue",\#(at),"from":"DEP-01","to":"P-1","items":[\#(glock)],"dueBack":"2026-04-01"}"#,
        #"{"kind":"maintenance-out",\#(at),"from":"DEP-01","to":"W-1","items":[\#(glock)],"dueBack":"2026-04-01"}"#,
        #"{"kind":"condition",\#(at),"items":[\#(glock)],"condition":"awaiting-destruction"}"#,
        #"{"kind":"count",\#(at),"from":"DEP-01","lots":[{"lot":"L","quantity":3}]}"#,
        #"{"kind":"recovery",\#(at),"to":"DEP-01","items":[\#(glock)]}"#,
        #"{"kind":"surrender",\#(at),"to":"DEP-01","items":[\#(glock)]}"#,
        #"{"kind":"destroy",\#(at),"from":"DEP-01","to":"W-1","items":[\#(glock)],"method":"cutting","certificate":"C-1","witnesses":["P-1"]}"#,
        #"{"kind":"export",\#(at),"from":"DEP-01","to":"EXT-1","items":[\#(glock)],"licence":"L-1","destinationCountry":"GB"}"#,
        #"{"kind":"deactivate",\#(at),"items":[\#(glock)]}"#,
        #"{"kind":"correction",\#(at),"corrects":0,"reason":"typo"}"#,
        #"{"kind":"holder-close",\#(at),"holder":{"code":"X-1"}}"#,
    ]

    @Test(arguments: wellShaped)
    func wellShapedEventsOfEachKindParse(json: String) throws {
        let e = try parseEvent(json)
        try e.checkShape()
    }

    // MARK: Round trip

    static var roundTripEvents: [Event] {
        var out: [Event] = []
        func recorded(_ e: Event) -> Event {
            var e = e
            e.recordedAt = "2026-03-01T10:00:00.123Z"
            e.recordedBy = "clerk-7"
            return e
        }
        var register = Fx.register(
            [
                Fx.rifle, Fx.pistol,
                ItemMarking(
                    category: .manpadsBattery, manufacturer: "KBM", country: "RU", model: "9B238", calibre: "n/a", serial: "B-1",
                    marks: "state crest", assignedMark: true),
            ], to: Fx.dep1, condition: .repairable)
        register.note = ""
        out.append(register)
        out.append(
            Fx.registerLots(
                [
                    (Fx.lotMarking, 500),
                    (LotMarking(lot: "L-2", manufacturer: "S&B", calibre: "9x19mm", type: "ball", year: nil), 20),
                ], to: Fx.dep2))
        var issue = Fx.event(
            .issue, from: Fx.dep1, to: Fx.person, items: [Fx.fullRef(Fx.rifle), Fx.ref(Fx.pistol), .id(12)],
            lots: [Fx.lot(30, manufacturer: "PMC"), Fx.lot(5, "L-2")], dueBack: "2026-03-31")
        issue.confirmedBy = [Fx.unit, Fx.dep1]
        issue.note = "range day – ünïcødé ✓"
        out.append(issue)
        out.append(Fx.event(.maintenanceOut, from: Fx.dep1, to: Fx.unit, items: [.id(1)], dueBack: "2026-04-01T12:00:00Z"))
        var dispatch = Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [Fx.fullRef(Fx.rifle)], document: "TD/2026/001")
        dispatch.witnesses = [Fx.person]
        out.append(dispatch)
        out.append(Fx.event(.receive, to: Fx.dep2, lots: [Fx.lot(300, manufacturer: "PMC")], document: "TD/2026/001"))
        out.append(Fx.event(.condition, items: [.id(3)], condition: .awaitingDestruction))
        var destroy = Fx.event(.destroy, from: Fx.dep1, items: [.id(3)])
        destroy.method = "crushing"
        destroy.certificate = "DC-9"
        destroy.witnesses = [Fx.person, Fx.unit]
        destroy.reason = "unserviceable"
        out.append(destroy)
        var export = Fx.event(.export, from: Fx.dep1, to: Fx.external, items: [.id(4)])
        export.licence = "EL-1"
        export.destinationCountry = "GB"
        out.append(export)
        var correction = Fx.event(.correction)
        correction.corrects = 0
        correction.reason = "wrong depot"
        out.append(correction)
        out.append(Fx.holderAdd("P-0002", .person, nil, parent: Fx.unit))
        out.append(Fx.holderAdd("R-SOUTH", .region, "Southern Region", parent: nil))
        out.append(Fx.holderEvent(.holderMove, Fx.external, parent: nil))
        out.append(Fx.holderEvent(.holderMove, Fx.dep2, parent: Fx.region))
        out.append(Fx.holderEvent(.holderRename, Fx.dep1, name: "Central Depot"))
        out.append(Fx.holderEvent(.holderClose, Fx.dep2))
        return out.map(recorded)
    }

    @Test(arguments: roundTripEvents)
    func aRecordedEventReadsBackAsTheSameEvent(event: Event) throws {
        let back = try Event(json: event.jsonValue, source: .ledger)
        #expect(back == event)
    }

    @Test func everyEventTheEngineAcceptsReadsBackFromItsJSON() throws {
        let h = try CustodyHarness(withHolders: false)
        var applied: [AppliedEvent] = []
        for e in Fx.holderAdds { applied.append(try h.apply(e)) }
        applied.append(try h.apply(Fx.register([Fx.rifle, Fx.pistol], to: Fx.dep1)))
        applied.append(try h.apply(Fx.registerLot(quantity: 100, to: Fx.dep1)))
        applied.append(
            try h.apply(
                Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: [.id(1)], lots: [Fx.lot(10)], dueBack: "2026-04-01")))
        applied.append(
            try h.apply(Fx.event(.return, from: Fx.person, to: Fx.dep1, items: [Fx.ref(Fx.rifle)], lots: [Fx.lot(10)])))
        applied.append(
            try h.apply(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: [.id(2)], lots: [Fx.lot(50)], document: "TD-1")))
        applied.append(try h.apply(Fx.event(.receive, to: Fx.dep2, items: [.id(2)], lots: [Fx.lot(40)], document: "TD-1")))
        applied.append(try h.apply(Fx.event(.loss, from: Fx.dep1, items: [Fx.ref(Fx.rifle)])))
        applied.append(try h.apply(Fx.event(.recovery, to: Fx.dep1, items: [Fx.ref(Fx.rifle)])))
        var export = Fx.event(.export, from: Fx.dep1, to: Fx.external, items: [Fx.ref(Fx.rifle)])
        export.licence = "EL-2"
        applied.append(try h.apply(export))
        for a in applied {
            var recorded = a.event
            recorded.recordedAt = "2026-03-02T00:00:00Z"
            recorded.recordedBy = "importer"
            let back = try Event(json: recorded.jsonValue, source: .ledger)
            #expect(back == recorded, "seq \(a.seq)")
            try back.checkShape()
        }
    }
}
