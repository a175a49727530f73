import Foundation
import Testing

/// A refused line as the CLI must print it: `FILE:LINE: field: reason` (no field when the
/// whole line is wrong).
private let row = Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,N-1,1990,,,,S1\n".utf8)

struct ExpectedError: CustomStringConvertible {
    let line: Int
    let field: String?
    let reason: String
    init(_ line: Int, _ field: String?, _ reason: String) {
        self.line = line
        self.field = field
        self.reason = reason
    }
    var description: String { "\(line): \(field.map { "\($0): " } ?? "")\(reason)" }
}

/// Checks that `result` failed, printed exactly one line for each expected error (in line
/// order, each with its field and reason) and said that nothing was written.
func expectRefused(
    _ result: CLIResult, file: String, _ expected: [ExpectedError], sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(!result.succeeded, "\(result)", sourceLocation: sourceLocation)
    let reported = result.stderrLines.filter { $0.hasPrefix("\(file):") }
    #expect(reported.count == expected.count, "\(result.stderr)", sourceLocation: sourceLocation)
    let lines = reported.compactMap { Int($0.dropFirst(file.count + 1).prefix { $0.isNumber }) }
    #expect(lines == expected.map(\.line), "one report per bad line, in order", sourceLocation: sourceLocation)
    for e in expected {
        let prefix = "\(file):\(e.line): " + (e.field.map { "\($0): " } ?? "")
        let match = reported.first { $0.hasPrefix(prefix) && $0.contains(e.reason) }
        #expect(match != nil, "missing \(file):\(e)\nin:\n\(result.stderr)", sourceLocation: sourceLocation)
    }
    let plural = expected.count == 1 ? "line" : "lines"
    #expect(result.stderr.contains("\(expected.count) invalid \(plural)"), "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains("nothing was written"), sourceLocation: sourceLocation)
}

@Suite(.timeLimit(.minutes(5))) struct CLIErrorTests {
    @Test func badItemRowsAreEachReportedAndNothingIsWritten() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let before = try cli.state()
            var file = Array(itemsHeader.utf8)
            let rows: [[UInt8]] = [
                Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,N-1,1990,,,,S1\n".utf8),  // 2 good
                Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,N-3,1990,,,\n".utf8),  // 3 ten fields
                Array("assault-rifle,Kalash\"nikov,RU,AK-74M,5.45x39,N-4,1990,,,,S1\n".utf8),  // 4 stray quote
                Array("assault-rifle,Kalashnikov,RU,AK".utf8) + [0xFF, 0xFE] + Array(",5.45x39,N-5,1990,,,,S1\n".utf8),  // 5 not UTF-8
                Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,  ,1990,,,,S1\n".utf8),  // 6 empty serial
                Array("laser-gun,Kalashnikov,RU,AK-74M,5.45x39,N-7,1990,,,,S1\n".utf8),  // 7 unknown category
                Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,N-8,1700,,,,S1\n".utf8),  // 8 year out of range
                Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,N-1,1990,,,,S2\n".utf8),  // 9 duplicate of line 2
                Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,AK-1,1990,,,,S1\n".utf8),  // 10 already in the store
                Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,N-11,1990,,,,NOPE\n".utf8),  // 11 unknown holder
                Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,N-12,1990,,,,\n".utf8),  // 12 no holder, no --holder
                Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,N-13,1990,DE,2200,,S1\n".utf8),  // 13 import year
                Array("assault-rifle,\"Kalashnikov\"x,RU,AK-74M,5.45x39,N-14,1990,,,,S1\n".utf8),  // 14 text after quote
                Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,N-15,1990,,,,S1\n".utf8),  // 15 good
            ]
            for row in rows { file += row }
            try cli.write("items.csv", file)
            let result = try cli.run(["import", "items", "items.csv"])
            expectRefused(
                result, file: "items.csv",
                [
                    ExpectedError(3, nil, "expected 11 fields, found 10"),
                    ExpectedError(4, nil, "contains a quote"),
                    ExpectedError(5, nil, "not valid UTF-8"),
                    ExpectedError(6, "serial", "empty"),
                    ExpectedError(7, "category", "unknown category \"laser-gun\""),
                    ExpectedError(8, "year", "1700 is out of range"),
                    ExpectedError(9, "serial", "already listed on line 2"),
                    ExpectedError(10, "serial", "already registered"),
                    ExpectedError(11, "holder", "unknown holder NOPE"),
                    ExpectedError(12, "holder", "--holder"),
                    ExpectedError(13, "import_year", "2200 is out of range"),
                    ExpectedError(14, nil, "after its closing quote"),
                ])
            #expect(try cli.state() == before)
            #expect(try cli.fails("where", "N-1").stderr.contains("no item with serial N-1"))
        }
    }

    @Test func badHolderRowsAreEachReportedAndNothingIsWritten() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let before = try cli.state()
            try cli.write(
                "holders.csv",
                """
                code,kind,name,parent
                A,zone,Zone A,B
                B,zone,Zone B,A
                C,zone,Zone C,R9
                bad code,zone,Bad,R1
                D,wizard,Wizard,R1
                R1,region,Again,
                E,unit,,S1
                F,unit,Unit F,S1
                F,unit,Unit F again,S1
                G,unit,Unit G
                H,site,Site H,P1
                I,region,Region I,R1
                J,unit,"Unit ""J",S1

                """)
            let result = try cli.run(["import", "holders", "holders.csv"])
            expectRefused(
                result, file: "holders.csv",
                [
                    ExpectedError(2, "parent", "parent cycle"),
                    ExpectedError(3, "parent", "parent cycle"),
                    ExpectedError(4, "parent", "unknown holder R9"),
                    ExpectedError(5, "code", "not a holder code"),
                    ExpectedError(6, "kind", "unknown kind \"wizard\""),
                    ExpectedError(7, "code", "already exists"),
                    ExpectedError(8, "name", "empty"),
                    ExpectedError(10, "code", "already listed on line 9"),
                    ExpectedError(11, nil, "expected 4 fields, found 3"),
                    ExpectedError(12, "parent", "cannot sit under a person"),
                    ExpectedError(13, "parent", "cannot sit under a region"),
                ])
            #expect(try cli.state() == before)
            #expect(!(try cli.ok("holder", "list").stdout.contains("Unit F")))
        }
    }

    @Test func badLotRowsAreEachReportedAndNothingIsWritten() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let before = try cli.state()
            try cli.write(
                "lots.csv",
                lotsHeader + """
                    L5,PPU,9x19,ball,2020,100,S1
                    L6,PPU,9x19,ball,2020,many,S1
                    L7,PPU,9x19,ball,2020,0,S1
                    ,PPU,9x19,ball,2020,10,S1
                    L8,PPU,9x19,ball,2020,10,NOPE
                    L9,PPU,9x19,ball,3000,10,S1
                    L1,PPU,7.62x39,ball,2020,10,S1
                    L10,PPU,9x19,ball,2020,10
                    L11,PPU,9x19,ball,2020,-5,S1
                    L12,PPU,9x19,ball,2020,10,bad code
                    L13,PPU,9x19,ball,2020,10,S2

                    """)
            let result = try cli.run(["import", "lots", "lots.csv"])
            expectRefused(
                result, file: "lots.csv",
                [
                    ExpectedError(3, "quantity", "\"many\" is not a positive whole number"),
                    ExpectedError(4, "quantity", "\"0\" is not a positive whole number"),
                    ExpectedError(5, "lot", "empty"),
                    ExpectedError(6, "holder", "unknown holder NOPE"),
                    ExpectedError(7, "year", "3000 is out of range"),
                    ExpectedError(8, "lot", "other details"),
                    ExpectedError(9, nil, "expected 7 fields, found 6"),
                    ExpectedError(10, "quantity", "\"-5\""),
                    ExpectedError(11, "holder", "not a holder code"),
                ])
            #expect(try cli.state() == before)
        }
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let reason: String
        var testDescription: String { name }
    }

    @Test(
        arguments: [
            BadFile(
                name: "a wrong header",
                bytes: Array("category,maker,country,model,calibre,serial,year,import_country,import_year,marks,holder\n".utf8)
                    + row, reason: "the header does not match"),
            BadFile(
                name: "a missing column in the header", bytes: Array("category,manufacturer\n".utf8) + row,
                reason: "expected 11 columns, found 2"),
            BadFile(name: "no header", bytes: row, reason: "the header does not match"),
            BadFile(name: "an empty file", bytes: [], reason: "the file is empty"),
            BadFile(name: "a UTF-16 file", bytes: [0xFF, 0xFE] + Array(itemsHeader.utf8).flatMap { [$0, 0] }, reason: "UTF-16"),
        ])
    func aBadHeaderIsReportedOnLineOne(_ bad: BadFile) async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let before = try cli.state()
            try cli.write("items.csv", bad.bytes)
            let result = try cli.run(["import", "items", "items.csv"])
            #expect(!result.succeeded)
            #expect(result.stderrLines.first?.hasPrefix("items.csv:1: ") == true, "\(result)")
            #expect(result.stderr.contains(bad.reason), "\(result)")
            #expect(try cli.state() == before)
        }
    }

    @Test func malformedJSONAndRuleViolationsAreEachReportedAndNothingIsWritten() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let before = try cli.state()
            let lines = [
                event("issue", ["AK-1"], from: "S1", to: "P1"),  // 1 good
                #"{"kind": "issue","#,  // 2 malformed
                #"{"kind":"issue","occurredAt":"2026-03-01T08:00:00Z","colour":"red"}"#,  // 3 unknown field
                event("issue", ["AK-1"], from: "U1", to: "P1"),  // 4 AK-1 is with P1 now
                "",  // 5 blank: ignored
                event("return", ["ZZ-9"], from: "P1", to: "S1"),  // 6 never registered
                event("issue", ["AK-2"], from: "S1", to: "NOPE"),  // 7 unknown holder
                "[1, 2]",  // 8 not an object
                event("teleport", ["AK-2"], from: "S1", to: "P1"),  // 9 unknown kind
                #"{"kind":"issue","occurredAt":"yesterday","from":"S1","to":"P1","items":[{"serial":"AK-2","manufacturer":"Kalashnikov"}]}"#,  // 10
                event("issue", ["AK-2"], from: "S1", to: "P1", extra: ["recordedAt": "2026-03-01T08:00:00Z"]),  // 11 set by Custodia
                event("issue", from: "S1", to: "U1", extra: ["lots": [["lot": "L1", "quantity": 5000] as [String: Any]]]),  // 12 too many
                event("dispatch", ["AK-2"], from: "S1", to: "S2"),  // 13 no document
                event("return", ["AK-1"], from: "P1", to: "S1"),  // 14 good
                event("issue", ["AK-2"], from: "S1", to: "P1", extra: ["dueBack": "2026-02-30"]),  // 15 no such date
                event("issue", ["G-1"], from: "S1", to: "P1"),  // 16 G-1 is a Glock, not a Kalashnikov
            ]
            try cli.write("events.jsonl", lines.joined(separator: "\n") + "\n")
            let result = try cli.run(["record", "events.jsonl"])
            expectRefused(
                result, file: "events.jsonl",
                [
                    ExpectedError(2, nil, "invalid JSON at column"),
                    ExpectedError(3, "colour", "unknown field"),
                    ExpectedError(4, "items[0]", "not by U1"),
                    ExpectedError(6, "items[0]", "no item ZZ-9"),
                    ExpectedError(7, "to", "unknown holder NOPE"),
                    ExpectedError(8, nil, "JSON object"),
                    ExpectedError(9, "kind", "unknown kind \"teleport\""),
                    ExpectedError(10, "occurredAt", "not an RFC 3339 UTC time"),
                    ExpectedError(11, "recordedAt", "set by Custodia"),
                    ExpectedError(12, "lots[0].quantity", "fewer than 5000"),
                    ExpectedError(13, "document", "missing"),
                    ExpectedError(15, "dueBack", "not a date"),
                    ExpectedError(16, "items[0]", "no item G-1"),
                ])
            #expect(try cli.state() == before)
        }
    }

    @Test func reportingStopsAfterAThousandBadLines() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let before = try cli.state()
            let bad = (0..<1500).map { event("issue", ["X-\($0)"], from: "S1", to: "P1") }
            try cli.write("bad.jsonl", bad.joined(separator: "\n"))
            let result = try cli.run(["record", "bad.jsonl"])
            #expect(!result.succeeded)
            #expect(result.stderrLines.filter { $0.hasPrefix("bad.jsonl:") }.count == 1000)
            #expect(result.stderr.contains("1000 invalid lines (stopped after 1000; fix these first); nothing was written"))
            #expect(try cli.state() == before)
        }
    }

    @Test func anUnreadableInputFileIsReported() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            #expect(try cli.fails("record", "nowhere.jsonl").stderr.contains("cannot read nowhere.jsonl"))
            #expect(try cli.fails("import", "items", "nowhere.csv").stderr.contains("cannot read nowhere.csv"))
        }
    }

    /// Long lines that straddle the record command's read blocks (4 MiB from a file, 64 KiB
    /// reads from a pipe), with CRLF endings and blank lines: every event is read whole, and
    /// an error after the first block has the right line number.
    @Test func largeInputIsReadWholeAcrossReadBlocks() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let note = String(repeating: "n", count: 990)
            func lines(_ count: Int) -> [String] {
                var out: [String] = []
                for i in 0..<count {
                    let issue = i % 2 == 0
                    out.append(
                        event(
                            issue ? "issue" : "return", ["AK-1"], from: issue ? "S1" : "P1", to: issue ? "P1" : "S1",
                            extra: ["note": "\(i) \(note)"]))
                    if i % 1000 == 0 { out.append("") }
                }
                return out
            }
            let big = lines(4000)
            let text = big.joined(separator: "\r\n") + "\r\n"
            #expect(text.utf8.count > 4_194_304 + 100_000)
            try cli.write("big.jsonl", text)
            #expect(try cli.ok("record", "big.jsonl").stdout.contains("recorded 4000 events as events 12–4011"))
            let history = try #require(try cli.ok("history", "AK-1", "--json").json() as? [[String: Any]])
            #expect(history.count == 4001)
            #expect(history.dropFirst().map { $0["note"] as? String } == (0..<4000).map { "\($0) \(note)" })

            let before = try cli.state()
            try cli.write("bad.jsonl", text + "{\"kind\":\"issue\"\r\n")
            expectRefused(
                try cli.run(["record", "bad.jsonl"]), file: "bad.jsonl", [ExpectedError(big.count + 1, nil, "invalid JSON")])
            #expect(try cli.state() == before)

            let piped = lines(120).joined(separator: "\n")
            #expect(piped.utf8.count > 2 * 65_536)
            let fromPipe = try cli.run(["record", "-"], stdin: Data(piped.utf8), stdinPipe: true)
            #expect(fromPipe.succeeded, "\(fromPipe)")
            #expect(fromPipe.stdout.contains("recorded 120 events as events 4012–4131"))
            let last = try #require(try cli.ok("history", "AK-1", "--json").json() as? [[String: Any]]).last
            #expect(last?["note"] as? String == "119 \(note)")
        }
    }
}
