import Testing

@testable import CustodiaCore

private let header = ["a", "b", "c"]

private func reader(_ text: String, expectedHeader: [String] = header) -> CSVReader {
    CSVReader(bytes: Array(text.utf8), expectedHeader: expectedHeader)
}

private func readAll(_ bytes: [UInt8], expectedHeader: [String] = header) -> (records: [CSVRecord], errors: [CSVError]) {
    CSVReader(bytes: bytes, expectedHeader: expectedHeader).readAll()
}

private func readAll(_ text: String, expectedHeader: [String] = header) -> (records: [CSVRecord], errors: [CSVError]) {
    readAll(Array(text.utf8), expectedHeader: expectedHeader)
}

/// The error `next()` throws, or nil if it does not throw.
private func nextError(_ reader: inout CSVReader) -> CSVError? {
    do {
        _ = try reader.next()
        return nil
    } catch {
        return error
    }
}

struct CSVValidRow: Sendable, CustomTestStringConvertible {
    let row: String
    let fields: [String]
    var testDescription: String { row.debugDescription }
}

struct CSVInvalidRow: Sendable, CustomTestStringConvertible {
    let row: String
    let message: String
    var testDescription: String { row.debugDescription }
}

@Suite struct CSVReaderTests {
    // MARK: - Header

    @Test func matchingHeaderIsConsumedAndNotReturnedAsARecord() throws {
        var r = reader("a,b,c\n1,2,3\n")
        let record = try #require(try r.next())
        #expect(record == CSVRecord(line: 2, fields: ["1", "2", "3"]))
        #expect(try r.next() == nil)
    }

    @Test func headerOnlyFileHasNoRecords() throws {
        let result = readAll("a,b,c\n")
        #expect(result.records.isEmpty)
        #expect(result.errors.isEmpty)
    }

    @Test func mismatchedHeaderNamesExpectedAndFoundColumnsAndEndsReading() throws {
        var r = reader("a,x,c\n1,2,3\n")
        let error = try #require(nextError(&r))
        #expect(error.line == 1)
        #expect(error.message.contains("\"a,b,c\""))
        #expect(error.message.contains("\"a,x,c\""))
        #expect(error.message.contains("column 2 is \"x\", expected \"b\""))
        #expect(try r.next() == nil)
    }

    @Test func headerWithTooFewColumnsSaysHowMany() throws {
        var r = reader("a,b\n1,2\n")
        let error = try #require(nextError(&r))
        #expect(error.message.contains("expected 3 columns, found 2"))
    }

    @Test(arguments: ["A,b,c", "a, b,c", "a,b,c ", "\"a\",b,c,", " a,b,c"])
    func headerMustMatchExactly(headerLine: String) {
        let result = readAll(headerLine + "\n1,2,3\n")
        #expect(result.records.isEmpty)
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.message.contains("header does not match") == true)
    }

    @Test func quotedHeaderFieldsMatchTheirContents() throws {
        let result = readAll("\"a\",\"b\",\"c\"\n1,2,3\n")
        #expect(result.errors.isEmpty)
        #expect(result.records.map(\.fields) == [["1", "2", "3"]])
    }

    @Test func headerMayFollowBlankLines() throws {
        let result = readAll("\n\r\na,b,c\n1,2,3\n")
        #expect(result.errors.isEmpty)
        #expect(result.records == [CSVRecord(line: 4, fields: ["1", "2", "3"])])
    }

    @Test(arguments: ["", "\n\n", "\u{FEFF}"])
    func emptyFileIsAnErrorNamingTheExpectedHeader(text: String) {
        let result = readAll(text)
        #expect(result.records.isEmpty)
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.message == "the file is empty; expected the header a,b,c")
    }

    // MARK: - Quoting

    @Test(arguments: [
        CSVValidRow(row: "1,2,3", fields: ["1", "2", "3"]),
        CSVValidRow(row: ",,", fields: ["", "", ""]),
        CSVValidRow(row: "\"\",\"\",\"\"", fields: ["", "", ""]),
        CSVValidRow(row: "\"x,y\",b,c", fields: ["x,y", "b", "c"]),
        CSVValidRow(row: "\"he said \"\"hi\"\"\",b,c", fields: ["he said \"hi\"", "b", "c"]),
        CSVValidRow(row: "\"\"\"\",\"\"\"\"\"\",c", fields: ["\"", "\"\"", "c"]),
        CSVValidRow(row: "\"line 1\nline 2\",b,c", fields: ["line 1\nline 2", "b", "c"]),
        CSVValidRow(row: "\"crlf\r\ninside\",b,c", fields: ["crlf\r\ninside", "b", "c"]),
        CSVValidRow(row: "\"lone\rcr\",b,c", fields: ["lone\rcr", "b", "c"]),
        CSVValidRow(row: " a , b ,c\t", fields: [" a ", " b ", "c\t"]),
        CSVValidRow(row: "a,b,", fields: ["a", "b", ""]),
        CSVValidRow(row: "a,b,\"\"", fields: ["a", "b", ""]),
        CSVValidRow(row: "é,日本,🙂", fields: ["é", "日本", "🙂"]),
        CSVValidRow(row: "\"Müller, \"\"Jörg\"\"\",b,c", fields: ["Müller, \"Jörg\"", "b", "c"]),
        CSVValidRow(row: "#1!,$%&'()*+,-./", fields: ["#1!", "$%&'()*+", "-./"]),
    ])
    func validRowsParseToTheirExactFields(testCase: CSVValidRow) throws {
        for ending in ["", "\n", "\r\n"] {
            let result = readAll("a,b,c\n" + testCase.row + ending)
            #expect(result.errors.isEmpty, "ending \(ending.debugDescription)")
            #expect(result.records.map(\.fields) == [testCase.fields], "ending \(ending.debugDescription)")
        }
    }

    @Test(arguments: [
        CSVInvalidRow(row: "\"abc,2,3", message: "field 1 opens a quote that is never closed"),
        CSVInvalidRow(row: "1,2,\"abc", message: "field 3 opens a quote that is never closed"),
        CSVInvalidRow(row: "ab\"c,2,3", message: "field 1 contains a quote but is not enclosed in quotes"),
        CSVInvalidRow(row: "1,abc\",3", message: "field 2 contains a quote but is not enclosed in quotes"),
        CSVInvalidRow(row: "1, \"abc\",3", message: "field 2 contains a quote but is not enclosed in quotes"),
        CSVInvalidRow(row: "\"ab\"c,2,3", message: "field 1 has characters after its closing quote"),
        CSVInvalidRow(row: "\"ab\" ,2,3", message: "field 1 has characters after its closing quote"),
        CSVInvalidRow(row: "1,\"a\"\"\"b\",3", message: "field 2 has characters after its closing quote"),
        CSVInvalidRow(row: "1,2,3\rx", message: "field 3 is followed by a carriage return (CR) without a line feed (LF)"),
    ])
    func invalidQuotingIsReportedOnItsLine(testCase: CSVInvalidRow) throws {
        let result = readAll("a,b,c\n" + testCase.row + "\n4,5,6\n")
        #expect(result.errors.count == 1)
        let error = try #require(result.errors.first)
        #expect(error.line == 2)
        #expect(error.message.hasPrefix(testCase.message), "\(error.message)")
        // Reading resumes at the next line.
        #expect(result.records == [CSVRecord(line: 3, fields: ["4", "5", "6"])])
    }

    @Test func strayOpeningQuoteIsReportedAtItsLineAndTheLinesItSwallowedAreStillRead() throws {
        // The quote opened on line 2 closes at the quote in line 4, which is followed by "b".
        let result = readAll("a,b,c\n\"x,2,3\n4,5,6\na\"b,8,9\n10,11,12\n")
        #expect(result.errors.map(\.line) == [2, 4])
        #expect(result.errors.first?.message.contains("the quoted field ends on line 4") == true)
        #expect(result.records.map(\.line) == [3, 5])
    }

    @Test func unterminatedQuoteNearTheEndReportsTheLineWhereTheFieldOpened() throws {
        let result = readAll("a,b,c\n1,2,3\n4,5,\"six\n7,8,9\n")
        #expect(result.errors.first == CSVError(line: 3, message: "field 3 opens a quote that is never closed"))
        #expect(result.errors.count == 1)
        // Resynchronised after the line of the opening quote.
        #expect(result.records.map(\.line) == [2, 4])
    }

    // MARK: - Line numbers, line endings, BOM

    @Test func lineNumbersCountMultiLineQuotedFieldsAndBlankLines() throws {
        let text = [
            "a,b,c",  // 1
            "",  // 2
            "1,\"x\ny\nz\",3",  // 3-5
            "",  // 6
            "\r",  // 7 (blank CRLF line)
            "4,5,6",  // 8
            "\"p\r\nq\",8,9",  // 9-10
            "",  // 11
            "10,11,12",  // 12
        ].joined(separator: "\n")
        let result = readAll(text)
        #expect(result.errors.isEmpty)
        #expect(result.records.map(\.line) == [3, 8, 9, 12])
        #expect(result.records[0].fields == ["1", "x\ny\nz", "3"])
        #expect(result.records[2].fields == ["p\r\nq", "8", "9"])
    }

    @Test func errorLinesAfterMultiLineFieldsAreRight() throws {
        let result = readAll("a,b,c\n\"1\n\n2\",2,3\n\n4,5\n")
        #expect(result.errors == [CSVError(line: 6, message: "expected 3 fields, found 2")])
    }

    @Test func crlfLineEndingsAreNotPartOfTheFields() throws {
        let result = readAll("a,b,c\r\n1,2,3\r\n\"4\",\"5\",\"6\"\r\n7,8,9")
        #expect(result.errors.isEmpty)
        #expect(
            result.records == [
                CSVRecord(line: 2, fields: ["1", "2", "3"]),
                CSVRecord(line: 3, fields: ["4", "5", "6"]),
                CSVRecord(line: 4, fields: ["7", "8", "9"]),
            ])
    }

    @Test func mixedLineEndingsAreAccepted() throws {
        let result = readAll("a,b,c\r\n1,2,3\n4,5,6\r\n")
        #expect(result.errors.isEmpty)
        #expect(result.records.map(\.fields) == [["1", "2", "3"], ["4", "5", "6"]])
    }

    @Test func trailingNewlinesDoNotChangeTheRecords() throws {
        let expected = [CSVRecord(line: 2, fields: ["1", "2", "3"])]
        for text in ["a,b,c\n1,2,3", "a,b,c\n1,2,3\n", "a,b,c\n1,2,3\r\n", "a,b,c\n1,2,3\n\n\n"] {
            let result = readAll(text)
            #expect(result.errors.isEmpty)
            #expect(result.records == expected, "\(text.debugDescription)")
        }
    }

    @Test func utf8ByteOrderMarkIsSkipped() throws {
        let result = readAll([0xEF, 0xBB, 0xBF] + Array("a,b,c\n1,2,3\n".utf8))
        #expect(result.errors.isEmpty)
        #expect(result.records == [CSVRecord(line: 2, fields: ["1", "2", "3"])])
    }

    @Test func byteOrderMarkIsOnlySkippedAtTheStart() throws {
        let result = readAll("a,b,c\n\u{FEFF}1,2,3\n")
        #expect(result.records.first?.fields == ["\u{FEFF}1", "2", "3"])
    }

    // MARK: - UTF-8

    @Test func invalidUTF8IsReportedWithLineAndByteOffsetAndReadingContinues() throws {
        var bytes = Array("a,b,c\n1,2,3\n4,".utf8)
        bytes += [0xFF]
        bytes += Array(",6\n7,8,9\n".utf8)
        var r = CSVReader(bytes: bytes, expectedHeader: header)
        #expect(try r.next()?.line == 2)
        let error = try #require(nextError(&r))
        #expect(error.line == 3)
        #expect(error.message.contains("field 2 is not valid UTF-8"))
        #expect(error.message.contains("byte offset 14"))
        #expect(error.message.contains("save the file as UTF-8"))
        #expect(try r.next() == CSVRecord(line: 4, fields: ["7", "8", "9"]))
    }

    @Test func latin1TextIsRejectedAsInvalidUTF8() throws {
        // "Müller" saved as Latin-1: ü is the single byte 0xFC.
        let bytes = Array("a,b,c\nM".utf8) + [0xFC] + Array("ller,2,3\n".utf8)
        let result = readAll(bytes)
        #expect(result.records.isEmpty)
        #expect(result.errors.map(\.line) == [2])
        #expect(result.errors.first?.message.contains("byte offset 7") == true)
    }

    @Test func invalidUTF8InsideAMultiLineQuotedFieldNamesTheLineOfTheBadByte() throws {
        // Record on lines 2-3; the truncated sequence 0xC3 is on line 3.
        let bytes = Array("a,b,c\n1,\"x\ny".utf8) + [0xC3] + Array("\",3\n4,5,6\n".utf8)
        let result = readAll(bytes)
        #expect(result.errors.map(\.line) == [3])
        #expect(result.errors.first?.message.contains("byte offset 12") == true)
        #expect(result.records == [CSVRecord(line: 4, fields: ["4", "5", "6"])])
    }

    @Test func invalidUTF8InAQuotedFieldWithDoubledQuotesIsCaught() throws {
        let bytes = Array("a,b,c\n\"\"\"".utf8) + [0xE2, 0x82] + Array("\"\"\",2,3\n".utf8)
        let result = readAll(bytes)
        #expect(result.errors.map(\.line) == [2])
        #expect(result.errors.first?.message.contains("byte offset 9") == true)
    }

    @Test(arguments: [[UInt8]([0xC0, 0x80]), [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80]])
    func overlongSurrogateOutOfRangeAndStrayContinuationBytesAreInvalid(sequence: [UInt8]) {
        let result = readAll(Array("a,b,c\n1,2,".utf8) + sequence + Array("\n".utf8))
        #expect(result.records.isEmpty)
        #expect(result.errors.map(\.line) == [2])
    }

    @Test func utf16FileIsRejectedWithAdviceToSaveAsUTF8() throws {
        let utf16: [UInt8] = [0xFF, 0xFE] + "a,b,c\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let result = readAll(utf16)
        #expect(result.records.isEmpty)
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.message.contains("UTF-16") == true)
        #expect(result.errors.first?.message.contains("save it as UTF-8") == true)
    }

    // MARK: - Column counts and error collection

    @Test(arguments: [("1,2", 2), ("1,2,3,4", 4), ("1", 1), ("1,2,3,", 4)])
    func wrongFieldCountIsReportedWithExpectedAndFound(row: String, found: Int) throws {
        var r = reader("a,b,c\n\n" + row + "\n")
        let error = try #require(nextError(&r))
        #expect(error == CSVError(line: 3, message: "expected 3 fields, found \(found)"))
        #expect(error.description == "line 3: expected 3 fields, found \(found)")
        #expect(try r.next() == nil)
    }

    @Test func elevenColumnMessageMatchesTheImportWording() throws {
        let columns = (1...11).map { "c\($0)" }
        let result = readAll(CSVWriter.line(columns) + "1,2,3,4,5,6,7,8,9\n", expectedHeader: columns)
        #expect(result.errors.first?.description == "line 2: expected 11 fields, found 9")
    }

    @Test func readAllCollectsEveryErrorAndEveryGoodRecord() throws {
        var bytes = Array("a,b,c\n".utf8)  // 1
        bytes += Array("1,2,3\n".utf8)  // 2 ok
        bytes += Array("1,2\n".utf8)  // 3 too few fields
        bytes += Array("\"x,2,3\n".utf8)  // 4 stray quote (closes on line 6)
        bytes += Array("4,5,6\n".utf8)  // 5 ok
        bytes += Array("a\"b,2,3\n".utf8)  // 6 quote in an unquoted field
        bytes += Array("7,".utf8) + [0xFF] + Array(",9\n".utf8)  // 7 invalid UTF-8
        bytes += Array("\"q\"x,2,3\n".utf8)  // 8 characters after a closing quote
        bytes += Array("\n".utf8)  // 9 blank
        bytes += Array("10,11,12,13\n".utf8)  // 10 too many fields
        bytes += Array("14,\"15\n15\",16\n".utf8)  // 11-12 ok
        bytes += Array("17,18,\"19".utf8)  // 13 never closed
        let result = readAll(bytes)
        #expect(result.errors.map(\.line) == [3, 4, 6, 7, 8, 10, 13])
        #expect(result.records.map(\.line) == [2, 5, 11])
        #expect(result.records.last?.fields == ["14", "15\n15", "16"])
    }

    @Test func readAllStopsAfterAHeaderError() throws {
        let result = readAll("x,y,z\n1,2\n3,4\n")
        #expect(result.records.isEmpty)
        #expect(result.errors.map(\.line) == [1])
    }

    @Test func readAllDoesNotAdvanceTheReader() throws {
        var r = reader("a,b,c\n1,2,3\n")
        #expect(r.readAll().records.count == 1)
        #expect(try r.next()?.fields == ["1", "2", "3"])
    }

    // MARK: - Writer

    @Test(arguments: [
        ("plain", "plain"),
        ("", ""),
        (" spaced ", " spaced "),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("\"", "\"\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("cr\rlf", "\"cr\rlf\""),
        ("Müller", "Müller"),
    ])
    func writerQuotesOnlyFieldsThatNeedIt(field: String, written: String) {
        #expect(CSVWriter.field(field) == written)
    }

    @Test func writerLineJoinsWithCommasAndEndsWithNewline() {
        #expect(CSVWriter.line(["a", "b,c", ""]) == "a,\"b,c\",\n")
        #expect(CSVWriter.line([""]) == "\"\"\n")
    }

    @Test func writtenTrickyFieldsReadBackUnchanged() throws {
        let tricky = [
            "", " ", "\"", "\"\"", ",", ",,", "\n", "\r\n", "\r", "a\"b", "\"quoted\"", " leading",
            "trailing ", "tab\there", "Müller, Jörg", "日本語", "🙂\n🙂", "=SUM(A1)", "\u{FEFF}bom", "last,\"",
        ]
        let columns = ["x", "y", "z"]
        var text = CSVWriter.line(columns)
        var rows: [[String]] = []
        for (i, value) in tricky.enumerated() {
            let row = [value, "\(i)", tricky[tricky.count - 1 - i]]
            rows.append(row)
            text += CSVWriter.line(row)
        }
        let result = readAll(text, expectedHeader: columns)
        #expect(result.errors.isEmpty)
        #expect(result.records.map(\.fields) == rows)
    }

    @Test func singleColumnEmptyValueSurvivesTheRoundTrip() throws {
        let result = readAll(CSVWriter.line(["x"]) + CSVWriter.line([""]) + CSVWriter.line(["y"]), expectedHeader: ["x"])
        #expect(result.errors.isEmpty)
        #expect(result.records.map(\.fields) == [[""], ["y"]])
    }

    // MARK: - Volume

    @Test func parsesAHundredThousandGeneratedRows() throws {
        let columns = ["serial", "make", "model", "calibre", "type", "holder", "site", "status", "date", "ref", "notes"]
        var text = CSVWriter.line(columns)
        let count = 100_000
        for i in 0..<count {
            text += CSVWriter.line([
                "SN\(i)", "Glock", "17", "9mm", "pistol", "Unit \(i % 50)", "Armoury-\(i % 7)", "issued",
                "2024-05-01", "R\(i)", i % 10 == 0 ? "note, \"quoted\"\nsecond line" : "",
            ])
        }
        var reader = CSVReader(bytes: Array(text.utf8), expectedHeader: columns)
        var records: [CSVRecord] = []
        records.reserveCapacity(count)
        while let record = try reader.next() { records.append(record) }

        #expect(records.count == count)
        #expect(records.allSatisfy { $0.fields.count == 11 })
        #expect(records[0].fields[0] == "SN0")
        #expect(records[0].fields[10] == "note, \"quoted\"\nsecond line")
        #expect(records[0].line == 2)
        // Every tenth row spans two lines: row i starts on line 2 + i + ceil(i / 10).
        #expect(records[1].line == 4)
        #expect(records[99_999].line == 2 + 99_999 + 10_000)
        #expect(
            records[99_999].fields == [
                "SN99999", "Glock", "17", "9mm", "pistol", "Unit 49", "Armoury-4", "issued", "2024-05-01", "R99999", "",
            ])
        #expect(records[54_321].fields[5] == "Unit 21")
    }
}
