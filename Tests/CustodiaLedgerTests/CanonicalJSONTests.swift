import CustodiaCore
import Testing

@testable import CustodiaLedger

@Suite struct CanonicalJSONTests {
    func text(_ value: JSONValue) -> String { String(decoding: CanonicalJSON.encode(value), as: UTF8.self) }

    @Test func scalarsAreWrittenWithoutWhitespace() {
        #expect(text(.null) == "null")
        #expect(text(.bool(true)) == "true")
        #expect(text(.bool(false)) == "false")
        #expect(text(.array([.int(1), .null, .array([])])) == "[1,null,[]]")
        #expect(text(.object([])) == "{}")
    }

    @Test(arguments: [
        (Int64(0), "0"), (7, "7"), (-7, "-7"), (1_000_000, "1000000"), (-1_000_000, "-1000000"),
        (Int64.max, "9223372036854775807"), (Int64.min, "-9223372036854775808"),
    ])
    func integersArePlainDecimal(_ number: Int64, _ expected: String) {
        #expect(text(.int(number)) == expected)
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("say \"hi\"", #""say \"hi\"""#),
        ("back\\slash", #""back\\slash""#),
        ("a/b", #""a/b""#),
        ("\u{8}\u{C}\n\r\t", #""\b\f\n\r\t""#),
        ("\u{0}\u{1}\u{1F}", #""\u0000\u0001\u001f""#),
        ("\u{7F}", "\"\u{7F}\""),
        ("é€😀", "\"é€😀\""),
        ("\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""),
    ])
    func stringsAreEscapedPerJCS(_ input: String, _ expected: String) {
        #expect(text(.string(input)) == expected)
    }

    @Test func keysAreSortedByUTF16CodeUnits() {
        // U+10000 is D800 DC00 in UTF-16, so it sorts before U+FFFF (and U+E000), though
        // its scalar value is larger.
        let value = JSONValue.object([
            ("\u{FFFF}", .int(1)), ("\u{10000}", .int(2)), ("\u{E000}", .int(3)), ("z", .int(4)),
            ("é", .int(5)), ("a", .int(6)), ("", .int(7)), ("aa", .int(8)), ("B", .int(9)),
        ])
        #expect(text(value) == "{\"\":7,\"B\":9,\"a\":6,\"aa\":8,\"z\":4,\"é\":5,\"\u{10000}\":2,\"\u{E000}\":3,\"\u{FFFF}\":1}")
    }

    @Test func rfc8785SortingExampleOrdersAsPublished() {
        // RFC 8785 §3.2.3's property names, in their published sorted order.
        let sorted = ["\r", "1", "\u{80}", "\u{20AC}", "\u{1F600}", "\u{FB33}"]
        let value = JSONValue.object(sorted.reversed().map { ($0, .null) })
        let expected = "{" + sorted.map { text(.string($0)) + ":null" }.joined(separator: ",") + "}"
        #expect(text(value) == expected)
    }

    @Test func nestedObjectsAreSortedAtEveryLevel() {
        let value = JSONValue.object([
            ("serial", .string("A/123")),
            ("event", .object([("to", .string("armoury")), ("from", .string("range")), ("at", .int(-5))])),
            ("items", .array([.object([("b", .bool(true)), ("a", .null)])])),
        ])
        #expect(
            text(value) == #"{"event":{"at":-5,"from":"range","to":"armoury"},"items":[{"a":null,"b":true}],"serial":"A/123"}"#)
    }

    @Test func equalValuesEncodeIdenticallyWhateverTheirMemberOrder() {
        let a = JSONValue.object([("x", .int(1)), ("y", .object([("p", .int(2)), ("q", .int(3))]))])
        let b = JSONValue.object([("y", .object([("q", .int(3)), ("p", .int(2))])), ("x", .int(1))])
        #expect(CanonicalJSON.encode(a) == CanonicalJSON.encode(b))
    }

    @Test func encodingIntoABufferAppends() {
        var buffer = Array("prefix:".utf8)
        CanonicalJSON.encode(.object([("k", .string("v"))]), into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"prefix:{"k":"v"}"#)
    }
}
