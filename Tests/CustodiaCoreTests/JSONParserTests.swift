import Testing

@testable import CustodiaCore

/// A text the parser must refuse, with the column and a phrase of the message.
struct BadJSONText: Sendable, CustomTestStringConvertible {
    let text: String
    let column: Int?
    let phrase: String
    init(_ text: String, column: Int? = nil, _ phrase: String) {
        self.text = text
        self.column = column
        self.phrase = phrase
    }
    var testDescription: String { text.count > 60 ? String(text.prefix(60)) + "…" : text }
}

private func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONParseError? {
    do {
        let v = try JSONParser.parse(text)
        Issue.record("expected a refusal, parsed \(v)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

private func nested(_ depth: Int, open: String = "[", close: String = "]") -> String {
    String(repeating: open, count: depth) + String(repeating: close, count: depth)
}

private func nestedObjects(_ depth: Int) -> String {
    String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
}

@Suite struct JSONParserTests {
    // MARK: Valid texts

    @Test func parsesEveryKindOfValue() throws {
        let v = try JSONParser.parse(#" {"s":"x","i":-12,"t":true,"f":false,"n":null,"a":[1,[],{}],"o":{"k":"v"}} "#)
        #expect(
            v
                == .object([
                    ("s", .string("x")), ("i", .int(-12)), ("t", .bool(true)), ("f", .bool(false)), ("n", .null),
                    ("a", .array([.int(1), .array([]), .object([])])), ("o", .object([("k", .string("v"))])),
                ]))
    }

    @Test func objectsKeepTheOrderTheirMembersWereWrittenIn() throws {
        let v = try JSONParser.parse(#"{"b":1,"a":2,"c":3}"#)
        #expect(v.objectValue?.map(\.0) == ["b", "a", "c"])
        // Equality ignores member order.
        #expect(v == .object([("a", .int(2)), ("c", .int(3)), ("b", .int(1))]))
        #expect(v != .object([("a", .int(2)), ("b", .int(1))]))
    }

    @Test(arguments: [
        ("0", Int64(0)), ("-0", 0), ("7", 7), ("-7", -7), ("2026", 2026),
        ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
    ])
    func wholeNumbersUpToTheInt64BoundsAreAccepted(text: String, value: Int64) throws {
        #expect(try JSONParser.parse(text) == .int(value))
        #expect(try JSONParser.parse("[\(text)]") == .array([.int(value)]))
    }

    @Test(arguments: [
        (#""plain""#, "plain"),
        (#""a\"b\\c\/d""#, "a\"b\\c/d"),
        (#""\b\f\n\r\t""#, "\u{8}\u{C}\n\r\t"),
        (#""\u0041\u00e9\u20AC""#, "Aé€"),
        (#""\uD83D\uDE00""#, "😀"),
        (#""x\ud83d\ude00y""#, "x😀y"),
        (#""ünïcødé ✓""#, "ünïcødé ✓"),
        (#""\u0000""#, "\u{0}"),
    ])
    func stringEscapesAndSurrogatePairsDecode(text: String, value: String) throws {
        #expect(try JSONParser.parse(text) == .string(value))
    }

    @Test func nestingUpToThirtyTwoLevelsIsAccepted() throws {
        _ = try JSONParser.parse(nested(32))
        _ = try JSONParser.parse(nestedObjects(32))
    }

    @Test func parsesFromRawUTF8Bytes() throws {
        let bytes = Array(#"{"k":"é"}"#.utf8)
        let v = try bytes.withUnsafeBufferPointer { buf in try JSONParser.parse(buf) }
        #expect(v["k"] == .string("é"))
    }

    // MARK: Refused texts

    static let refused: [BadJSONText] = [
        BadJSONText("1.5", column: 1, "whole numbers"),
        BadJSONText("1e5", column: 1, "whole numbers"),
        BadJSONText("1E5", column: 1, "whole numbers"),
        BadJSONText("-2.0", column: 1, "whole numbers"),
        BadJSONText(#"{"quantity":10.0}"#, column: 13, "whole numbers"),
        BadJSONText(#"{"year":2e3}"#, column: 9, "whole numbers"),
        BadJSONText("9223372036854775808", column: 1, "too large"),
        BadJSONText("-9223372036854775809", column: 1, "too large"),
        BadJSONText("123456789012345678901234567890", column: 1, "too large"),
        BadJSONText("01", "leading zeros"),
        BadJSONText("-", "needs digits"),
        BadJSONText("-x", "needs digits"),
        BadJSONText("+1", "unexpected character"),
        BadJSONText(".5", "unexpected character"),
        BadJSONText(#"{"a":1,"a":2}"#, column: 8, "\"a\" appears twice"),
        BadJSONText(#"{"a":1,"\u0061":2}"#, column: 8, "appears twice"),
        BadJSONText(#"{"x":{"k":1,"k":1}}"#, "appears twice"),
        BadJSONText("{} x", column: 4, "after the end"),
        BadJSONText("{}{}", column: 3, "after the end"),
        BadJSONText("1 2", column: 3, "after the end"),
        BadJSONText("", column: 1, "unexpected end"),
        BadJSONText("   ", "unexpected end"),
        BadJSONText(#"{"a":1"#, "inside an object"),
        BadJSONText("[1,2", "inside an array"),
        BadJSONText("[1 2]", "expected , or ]"),
        BadJSONText(#"{"a" 1}"#, "expected :"),
        BadJSONText(#"{"a":1 "b":2}"#, "expected , or }"),
        BadJSONText(#"{a:1}"#, "member name"),
        BadJSONText(#"{"a":1,}"#, "member name"),
        BadJSONText("[1,]", "expected a JSON value"),
        BadJSONText("tru", "unexpected end"),
        BadJSONText("nul", "unexpected end"),
        BadJSONText("trUe", "expected a JSON value"),
        BadJSONText("NaN", "expected a JSON value"),
        BadJSONText(#""\x""#, "invalid escape"),
        BadJSONText(#""\'""#, "invalid escape"),
        BadJSONText(#""\u12G4""#, "invalid \\u escape"),
        BadJSONText(#""\u12""#, "\\u escape"),
        BadJSONText(#""\uDE00""#, "unpaired surrogate"),
        BadJSONText(#""\uD83D""#, "unpaired surrogate"),
        BadJSONText(#""\uD83Dx""#, "unpaired surrogate"),
        BadJSONText(#""\uD83D\u0041""#, "unpaired surrogate"),
        BadJSONText(#""\uD83D\uD83D""#, "unpaired surrogate"),
        BadJSONText(#""abc"#, column: 1, "unterminated string"),
        BadJSONText(#""abc\"#, "unterminated string"),
        BadJSONText("\"a\tb\"", "control characters"),
        BadJSONText("\"a\nb\"", "control characters"),
        BadJSONText("\"a\\n\nb\"", "control characters"),
        BadJSONText(nested(33), column: 33, "nested too deeply"),
        BadJSONText(nestedObjects(33), "nested too deeply"),
        BadJSONText(String(repeating: "[", count: 10_000), "nested too deeply"),
    ]

    @Test(arguments: refused)
    func malformedOrDisallowedTextsAreRefused(c: BadJSONText) throws {
        let error = try #require(parseError(c.text))
        #expect(error.message.contains(c.phrase), "\(error)")
        if let column = c.column { #expect(error.column == column, "\(error)") }
    }

    @Test func aFractionIsRefusedWithAMessageThatSaysWhy() throws {
        let error = try #require(parseError(#"{"lots":[{"lot":"L","quantity":12.5}]}"#))
        #expect(error.message == "numbers in events are whole numbers; write quantities and years without fractions or exponents")
        #expect(error.description.hasPrefix("column 32:"))
    }

    @Test func invalidUTF8IsRefused() throws {
        for bytes: [UInt8] in [[0x22, 0xC3, 0x22], [0x22, 0xFF, 0x61, 0x22], [0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22]] {
            let error = bytes.withUnsafeBufferPointer { buf -> JSONParseError? in
                do {
                    _ = try JSONParser.parse(buf)
                    return nil
                } catch let e as JSONParseError { return e } catch { return nil }
            }
            #expect(error?.message.contains("not valid UTF-8") == true, "\(bytes)")
        }
    }

    // MARK: JSONValue

    @Test func valueAccessorsAnswerOnlyForTheirOwnType() throws {
        let v = try JSONParser.parse(#"{"s":"x","i":3,"a":[1],"o":{}}"#)
        #expect(v["s"]?.stringValue == "x")
        #expect(v["s"]?.intValue == nil)
        #expect(v["i"]?.intValue == 3)
        #expect(v["i"]?.stringValue == nil)
        #expect(v["a"]?.arrayValue == [.int(1)])
        #expect(v["o"]?.objectValue?.isEmpty == true)
        #expect(v["missing"] == nil)
        #expect(JSONValue.int(1)["s"] == nil)
        #expect(
            [JSONValue.null, .bool(true), .int(1), .string(""), .array([]), .object([])].map(\.typeName) == [
                "null", "a boolean", "an integer", "a string", "an array", "an object",
            ])
    }
}
