import Testing

@testable import CustodiaCore

private extension SourcedEvent {
    var parsedEvent: Event? {
        if case .event(_, let e) = self { return e }
        return nil
    }
    var fieldError: FieldError? {
        if case .invalid(_, let e) = self { return e }
        return nil
    }
}

private func drain<S: EventSource>(_ source: S) -> [SourcedEvent] {
    var s = source
    var out: [SourcedEvent] = []
    while let e = s.next() { out.append(e) }
    return out
}

private func jsonLines(_ text: String) -> [SourcedEvent] {
    Array(text.utf8).withUnsafeBufferPointer { buf in drain(JSONLinesSource(bytes: buf)) }
}

private let when = "2026-03-01T08:00:00Z"
private let lossLine =
    #"{"kind":"loss","occurredAt":"2026-03-01T08:00:00Z","from":"DEP-01","items":[{"manufacturer":"Glock","serial":"GL-4455"}]}"#
private let theftLine = #"{"kind":"theft","occurredAt":"2026-03-01T08:00:00Z","from":"DEP-01","items":[{"id":3}]}"#

// MARK: - JSON Lines

@Suite struct JSONLinesSourceTests {
    @Test func lineNumbersCountBlankLinesAndCRLFLineEnds() throws {
        let text = "\n" + lossLine + "\r\n" + "\r\n" + "  \t \n" + #"{"kind":"# + "\r\n" + theftLine
        let entries = jsonLines(text)
        #expect(entries.map(\.line) == [2, 5, 6])
        #expect(entries[0].parsedEvent?.kind == .loss)
        let error = try #require(entries[1].fieldError)
        #expect(error.field == "")
        #expect(error.message.hasPrefix("invalid JSON at column 9:"), "\(error)")
        #expect(entries[2].parsedEvent?.kind == .theft)
        #expect(entries[2].parsedEvent?.items == [.id(3)])
    }

    @Test func aFinalNewlineAddsNoEntry() {
        #expect(jsonLines(lossLine + "\n").count == 1)
        #expect(jsonLines(lossLine + "\r\n\n\n").count == 1)
        #expect(jsonLines("").isEmpty)
        #expect(jsonLines("\n\r\n \n").isEmpty)
    }

    @Test func errorColumnsAreTheSameWithCRLFAndLF() throws {
        let bad = #"{"kind":"loss",,}"#
        let lf = try #require(jsonLines(bad + "\n").first?.fieldError)
        let crlf = try #require(jsonLines(bad + "\r\n").first?.fieldError)
        #expect(lf == crlf)
        #expect(lf.message.contains("column 16"))
    }

    @Test func eventErrorsCarryTheFieldAndTheLine() throws {
        let text =
            lossLine + "\n"
            + #"{"kind":"loss","occurredAt":"2026-03-01T08:00:00Z","from":"DEP-01","items":[{"manufacturer":"G","serial":"1","color":"red"}]}"#
            + "\n" + lossLine
        let entries = jsonLines(text)
        #expect(entries.map(\.line) == [1, 2, 3])
        let error = try #require(entries[1].fieldError)
        #expect(error.field == "items[0].color")
        #expect(entries[2].parsedEvent != nil)
    }

    @Test func inputMayNotSetTheRecordingFields() throws {
        let line = #"{"kind":"loss","occurredAt":"2026-03-01T08:00:00Z","recordedBy":"me","from":"DEP-01","items":[{"id":1}]}"#
        let error = try #require(jsonLines(line).first?.fieldError)
        #expect(error.field == "recordedBy")
    }

    @Test func parseLineIgnoresATrailingCarriageReturnAndBlankLines() throws {
        let blank = Array(" \t\r".utf8).withUnsafeBufferPointer { JSONLinesSource.parseLine($0, line: 4) }
        #expect(blank == nil)
        let entry = try #require(Array((lossLine + "\r").utf8).withUnsafeBufferPointer { JSONLinesSource.parseLine($0, line: 7) })
        #expect(entry.line == 7)
        #expect(entry.parsedEvent?.from == "DEP-01")
    }

    @Test func theInputFieldOfAJSONSourceIsTheEventField() {
        let source = Array(lossLine.utf8).withUnsafeBufferPointer {
            JSONLinesSource(bytes: $0).inputField(for: "items[0].serial")
        }
        #expect(source == "items[0].serial")
    }
}

// MARK: - Items CSV

private let itemsHeader = "category,manufacturer,country,model,calibre,serial,year,import_country,import_year,marks,holder\n"
private let akRow = "assault-rifle,Kalashnikov Concern,RU,AK-74M,5.45x39mm,AK-000123,1995,,,,DEP-01"

private func items(_ rows: String, defaultHolder: String? = nil) -> [SourcedEvent] {
    drain(ItemsCSVSource(bytes: Array((itemsHeader + rows).utf8), defaultHolder: defaultHolder, occurredAt: when))
}

struct ItemsCSVBadRow: Sendable, CustomTestStringConvertible {
    let row: String
    let field: String
    let phrase: String
    var testDescription: String { "\(field): \(row)" }
}

@Suite struct ItemsCSVSourceTests {
    @Test func eachRowBecomesARegisterEventAtItsHolder() throws {
        let entries = items(akRow + "\n" + "revolver-pistol, Glock ,AT,G17,9x19mm,GL-4455,2012,KE,2014,proof mark,DEP-02\n")
        #expect(entries.map(\.line) == [2, 3])
        let ak = try #require(entries[0].parsedEvent)
        #expect(ak.kind == .register)
        #expect(ak.occurredAt == when)
        #expect(ak.to == "DEP-01")
        #expect(ak.registrations == [Fx.rifle])
        let glock = try #require(entries[1].parsedEvent)
        #expect(glock.registrations == [Fx.pistol.with(marks: "proof mark")])
        try ak.checkShape()
        try glock.checkShape()
    }

    @Test func anEmptyHolderTakesTheDefault() throws {
        let row = "mortar,Hirtenberger,AT,M6C-210,60mm,HM-1,,,,,\n"
        let e = try #require(items(row, defaultHolder: "DEP-02").first?.parsedEvent)
        #expect(e.to == "DEP-02")
        #expect(e.registrations.first?.year == nil)
        #expect(e.registrations.first?.importCountry == nil)
        #expect(e.registrations.first?.marks == nil)
    }

    @Test func anEmptyHolderWithoutADefaultIsRefused() throws {
        let entries = items("mortar,Hirtenberger,AT,M6C-210,60mm,HM-1,,,,,\n")
        let error = try #require(entries.first?.fieldError)
        #expect(entries.first?.line == 2)
        #expect(error.field == "holder")
        #expect(error.message.contains("empty"))
    }

    static let badRows: [ItemsCSVBadRow] = [
        ItemsCSVBadRow(row: "rifle,K,RU,AK,5.45,S1,,,,,DEP-01", field: "category", phrase: "unknown category \"rifle\""),
        ItemsCSVBadRow(row: ",K,RU,AK,5.45,S1,,,,,DEP-01", field: "category", phrase: "empty"),
        ItemsCSVBadRow(row: "Assault-Rifle,K,RU,AK,5.45,S1,,,,,DEP-01", field: "category", phrase: "unknown category"),
        ItemsCSVBadRow(row: "mortar,,RU,AK,5.45,S1,,,,,DEP-01", field: "manufacturer", phrase: "empty"),
        ItemsCSVBadRow(row: "mortar,K,,AK,5.45,S1,,,,,DEP-01", field: "country", phrase: "empty"),
        ItemsCSVBadRow(row: "mortar,K,RU,,5.45,S1,,,,,DEP-01", field: "model", phrase: "empty"),
        ItemsCSVBadRow(row: "mortar,K,RU,AK,,S1,,,,,DEP-01", field: "calibre", phrase: "empty"),
        ItemsCSVBadRow(row: "mortar,K,RU,AK,5.45,,,,,,DEP-01", field: "serial", phrase: "empty"),
        ItemsCSVBadRow(row: "mortar,K,RU,AK,5.45,  ,,,,,DEP-01", field: "serial", phrase: "empty"),
        ItemsCSVBadRow(row: "mortar,K,RU,AK,5.45,S1,1799,,,,DEP-01", field: "year", phrase: "out of range"),
        ItemsCSVBadRow(row: "mortar,K,RU,AK,5.45,S1,2101,,,,DEP-01", field: "year", phrase: "out of range"),
        ItemsCSVBadRow(row: "mortar,K,RU,AK,5.45,S1,19x5,,,,DEP-01", field: "year", phrase: "not a year"),
        ItemsCSVBadRow(row: "mortar,K,RU,AK,5.45,S1,1999,KE,3000,,DEP-01", field: "import_year", phrase: "out of range"),
        ItemsCSVBadRow(row: "mortar,K,RU,AK,5.45,S1,1999,KE,soon,,DEP-01", field: "import_year", phrase: "not a year"),
        ItemsCSVBadRow(row: "mortar,K,RU,AK,5.45,S1,,,,,DEP 01", field: "holder", phrase: "not a holder code"),
    ]

    @Test(arguments: badRows)
    func aBadCellIsReportedByItsColumn(c: ItemsCSVBadRow) throws {
        let entries = items(c.row + "\n" + akRow + "\n")
        #expect(entries.count == 2)
        let error = try #require(entries.first?.fieldError)
        #expect(entries.first?.line == 2)
        #expect(error.field == c.field)
        #expect(error.message.contains(c.phrase), "\(error)")
        // Reading carries on after a bad row.
        #expect(entries.last?.parsedEvent?.registrations == [Fx.rifle])
    }

    @Test(arguments: [1800, 2100])
    func yearsAtTheEdgesOfTheRangeAreAccepted(year: Int) throws {
        let e = try #require(items("mortar,K,RU,AK,5.45,S1,\(year),,\(year),,DEP-01\n").first?.parsedEvent)
        #expect(e.registrations.first?.year == year)
        #expect(e.registrations.first?.importYear == year)
    }

    @Test func aDuplicateWithinTheFileNamesTheFirstLine() throws {
        let rows =
            akRow + "\n\nrevolver-pistol,Glock,AT,G17,9x19mm,GL-4455,,,,,DEP-01\n"
            + "assault-rifle,Kalashnikov Concern,RU,AK-74M,5.45x39mm,AK-000123,1995,,,,DEP-02" + "\n"
        let entries = items(rows)
        #expect(entries.map(\.line) == [2, 4, 5])
        let error = try #require(entries[2].fieldError)
        #expect(error.field == "serial")
        #expect(error.message.contains("AK-000123 (Kalashnikov Concern AK-74M)"))
        #expect(error.message.contains("already listed on line 2"))
    }

    @Test func theSameSerialForAnotherModelIsNoDuplicate() throws {
        let twin = "assault-rifle,Kalashnikov Concern,RU,AKM,7.62x39mm,AK-000123,,,,,DEP-01"
        let entries = items(akRow + "\n" + twin + "\n")
        #expect(entries.allSatisfy { $0.parsedEvent != nil })
    }

    @Test func aRowWithTheWrongNumberOfFieldsIsReportedAndReadingGoesOn() throws {
        let entries = items("mortar,K,RU\n" + akRow + "\n")
        #expect(entries.map(\.line) == [2, 3])
        let error = try #require(entries[0].fieldError)
        #expect(error.field == "")
        #expect(error.message.contains("expected 11 fields, found 3"))
        #expect(entries[1].parsedEvent != nil)
    }

    @Test func aWrongHeaderEndsTheReading() throws {
        let bytes = Array(
            ("category,maker,country,model,calibre,serial,year,import_country,import_year,marks,holder\n" + akRow + "\n").utf8)
        let entries = drain(ItemsCSVSource(bytes: bytes, defaultHolder: nil, occurredAt: when))
        #expect(entries.count == 1)
        #expect(entries.first?.line == 1)
        #expect(entries.first?.fieldError?.message.contains("header") == true)
    }

    @Test(arguments: [
        ("to", "holder"), ("items[0]", "serial"), ("items[0].serial", "serial"), ("items[0].model", "serial"),
        ("occurredAt", "occurredAt"), ("", ""),
    ])
    func engineFieldsMapToCSVColumns(eventField: String, column: String) {
        let source = ItemsCSVSource(bytes: Array(itemsHeader.utf8), defaultHolder: nil, occurredAt: when)
        #expect(source.inputField(for: eventField) == column)
    }

    @Test func importedItemsAreAcceptedByTheEngine() throws {
        let h = try CustodyHarness()
        let rows = akRow + "\nrevolver-pistol,Glock,AT,G17,9x19mm,GL-4455,2012,KE,2014,,\n"
        for entry in items(rows, defaultHolder: Fx.dep2) {
            try h.apply(try #require(entry.parsedEvent))
        }
        #expect(try h.item(Fx.rifle).state.holder == Fx.dep1)
        #expect(try h.item(Fx.pistol).state.holder == Fx.dep2)
    }
}

extension ItemMarking {
    fileprivate func with(marks: String?) -> ItemMarking {
        var m = self
        m.marks = marks
        return m
    }
}

// MARK: - Lots CSV

private let lotsHeader = "lot,manufacturer,calibre,type,year,quantity,holder\n"

private func lots(_ rows: String) -> [SourcedEvent] {
    drain(LotsCSVSource(bytes: Array((lotsHeader + rows).utf8), occurredAt: when))
}

@Suite struct LotsCSVSourceTests {
    @Test func eachRowRegistersALotAtItsHolder() throws {
        let entries = lots("L-2020-07,PMC,7.62x39mm,ball,2020,1000,DEP-01\nL-9,S&B,9x19mm,ball,, 25 ,DEP-02\n")
        let first = try #require(entries.first?.parsedEvent)
        #expect(first.kind == .register)
        #expect(first.to == Fx.dep1)
        #expect(first.lotRegistrations == [LotRegistration(marking: Fx.lotMarking, quantity: 1000)])
        let second = try #require(entries.last?.parsedEvent)
        #expect(second.lotRegistrations.first?.quantity == 25)
        #expect(second.lotRegistrations.first?.marking.year == nil)
        try first.checkShape()
    }

    @Test(arguments: ["0", "-3", "abc", "1.5", "1e3", "10 rounds", "99999999999999999999"])
    func aQuantityThatIsNotAPositiveWholeNumberIsRefused(quantity: String) throws {
        let error = try #require(lots("L-1,PMC,9mm,ball,,\(quantity),DEP-01\n").first?.fieldError)
        #expect(error.field == "quantity")
        #expect(error.message.contains("not a positive whole number"))
        #expect(error.message.contains(quantity))
    }

    @Test func anEmptyQuantityIsReportedAsEmpty() throws {
        let error = try #require(lots("L-1,PMC,9mm,ball,,,DEP-01\n").first?.fieldError)
        #expect(error.field == "quantity")
        #expect(error.message.contains("empty"))
    }

    @Test(arguments: [
        (",PMC,9mm,ball,,5,DEP-01", "lot"), ("L-1,,9mm,ball,,5,DEP-01", "manufacturer"), ("L-1,PMC,,ball,,5,DEP-01", "calibre"),
        ("L-1,PMC,9mm,,,5,DEP-01", "type"), ("L-1,PMC,9mm,ball,,5,", "holder"), ("L-1,PMC,9mm,ball,,5,DEP/01 x", "holder"),
        ("L-1,PMC,9mm,ball,1750,5,DEP-01", "year"), ("L-1,PMC,9mm,ball,new,5,DEP-01", "year"),
    ])
    func aBadCellIsReportedByItsColumn(row: String, field: String) throws {
        let error = try #require(lots(row + "\n").first?.fieldError)
        #expect(error.field == field)
    }

    @Test(arguments: [
        ("to", "holder"), ("lots[0].quantity", "quantity"), ("lots[0]", "lot"), ("lots[0].lot", "lot"),
        ("occurredAt", "occurredAt"),
    ])
    func engineFieldsMapToCSVColumns(eventField: String, column: String) {
        let source = LotsCSVSource(bytes: Array(lotsHeader.utf8), occurredAt: when)
        #expect(source.inputField(for: eventField) == column)
    }
}

// MARK: - Holders CSV

private let holdersHeader = "code,kind,name,parent\n"

private func holders(_ rows: [String]) -> [SourcedEvent] {
    drain(HoldersCSVSource(bytes: Array((holdersHeader + rows.map { $0 + "\n" }.joined()).utf8), occurredAt: when))
}

private func permutations<T>(_ a: [T]) -> [[T]] {
    guard a.count > 1 else { return [a] }
    return a.indices.flatMap { i -> [[T]] in
        var rest = a
        let x = rest.remove(at: i)
        return permutations(rest).map { [x] + $0 }
    }
}

@Suite struct HoldersCSVSourceTests {
    private let tree = [
        "R-1,region,North,", "Z-1,zone,Zone One,R-1", "DEP-01,site,Depot,Z-1", "UNIT-1,unit,First,DEP-01",
        "P-1,person,A. Person,UNIT-1",
    ]

    @Test func parentsComeBeforeChildrenWhateverTheFileOrder() throws {
        for order in permutations(tree) {
            let entries = holders(order)
            #expect(entries.count == tree.count)
            let changes = entries.compactMap { $0.parsedEvent?.holder }
            #expect(changes.count == tree.count, "\(order)")
            var seen: Set<String> = []
            for change in changes {
                if let parent = change.parent { #expect(seen.contains(parent), "\(change.code) before \(parent) in \(order)") }
                seen.insert(change.code)
            }
            // Each event keeps the line of its row.
            for entry in entries {
                let code = try #require(entry.parsedEvent?.holder?.code)
                #expect(order[entry.line - 2].hasPrefix(code + ","))
            }
        }
    }

    @Test func theOrderedEventsAreAcceptedByTheEngine() throws {
        let h = try CustodyHarness(withHolders: false)
        for entry in holders(tree.reversed() + ["EXT-1,external,Buyer,"]) {
            let e = try #require(entry.parsedEvent)
            #expect(e.kind == .holderAdd)
            #expect(e.occurredAt == when)
            try h.apply(e)
        }
        #expect(h.engine.holders.count == 6)
        #expect(h.engine.holders["P-1"]?.name == "A. Person")
    }

    @Test func aParentCycleIsReportedOnEachRowOfTheCycle() throws {
        let entries = holders(["A,unit,Alpha,B", "B,unit,Bravo,C", "C,unit,Charlie,A", "R-1,region,North,", "Z-1,zone,Zone,R-1"])
        let invalid = entries.filter { $0.fieldError != nil }
        #expect(invalid.map(\.line) == [2, 3, 4])
        for entry in invalid {
            #expect(entry.fieldError?.field == "parent")
            #expect(entry.fieldError?.message.contains("parent cycle") == true)
        }
        #expect(invalid[0].fieldError?.message.contains("A → B → C → A") == true, "\(String(describing: invalid[0].fieldError))")
        #expect(invalid[1].fieldError?.message.contains("B → C → A → B") == true)
        #expect(invalid[2].fieldError?.message.contains("C → A → B → C") == true)
        #expect(entries.compactMap { $0.parsedEvent?.holder?.code } == ["R-1", "Z-1"])
    }

    @Test func aHolderThatIsItsOwnParentIsACycle() throws {
        let entries = holders(["X-1,unit,Loop,X-1"])
        let error = try #require(entries.first?.fieldError)
        #expect(error.field == "parent")
        #expect(error.message.contains("X-1 → X-1"))
    }

    @Test func aParentOutsideTheFileIsLeftForTheEngineToCheck() throws {
        let entries = holders(["UNIT-9,unit,Ninth,DEP-01"])
        #expect(entries.first?.parsedEvent?.holder == HolderChange(code: "UNIT-9", kind: .unit, name: "Ninth", parent: "DEP-01"))
    }

    @Test func problemsComeFirstInLineOrderThenTheEvents() throws {
        let entries = holders([
            "Z-1,zone,Zone,R-1", "BAD CODE,site,X,", "R-1,region,North,", "Q-1,castle,Keep,R-1", "S-1,site,,Z-1",
            "Z-1,zone,Again,R-1",
            "S-2,site,Two,not valid",
        ])
        #expect(entries.map(\.line) == [3, 5, 6, 7, 8, 4, 2])
        #expect(entries.prefix(5).map { $0.fieldError?.field } == ["code", "kind", "name", "code", "parent"])
        #expect(entries[1].fieldError?.message.contains("unknown kind \"castle\"") == true)
        #expect(entries[3].fieldError?.message.contains("already listed on line 2") == true)
        #expect(entries.suffix(2).compactMap { $0.parsedEvent?.holder?.code } == ["R-1", "Z-1"])
    }

    @Test(arguments: [("holder.parent", "parent"), ("holder.code", "code"), ("holder.name", "name"), ("kind", "kind")])
    func engineFieldsMapToCSVColumns(eventField: String, column: String) {
        let source = HoldersCSVSource(bytes: Array(holdersHeader.utf8), occurredAt: when)
        #expect(source.inputField(for: eventField) == column)
    }
}
