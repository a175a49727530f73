import CustodiaCore

/// RFC 8785 (JSON Canonicalization Scheme) encoding of a `JSONValue`: the bytes that
/// are hashed into the ledger, so one event has exactly one encoding.
///
/// - Object members are sorted by the UTF-16 code units of their names.
/// - No whitespace anywhere.
/// - Integers are plain decimal (`-12`, `0`). `JSONValue` has no floating point; JCS
///   writes numbers as IEEE 754 doubles, which agrees for every integer of magnitude up
///   to 2^53; beyond that this encoder keeps all digits instead of rounding.
/// - Strings escape `"` `\` and the control characters below U+0020 (`\b` `\f` `\n`
///   `\r` `\t`, others as `\u00xx` in lowercase hex); everything else, including `/`
///   and non-ASCII text, is written as raw UTF-8.
///
/// Duplicate member names (which Custodia's parser refuses) are written as they come,
/// in a stable order.
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256)
        encode(value, into: &out)
        return out
    }

    /// Appends the canonical UTF-8 bytes of `value` to `out`, so one buffer can be reused
    /// across many events.
    public static func encode(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null:
            append("null", to: &out)
        case .bool(let flag):
            append(flag ? "true" : "false", to: &out)
        case .int(let number):
            appendInteger(number, to: &out)
        case .string(let text):
            appendString(text, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                encode(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            var first = true
            for member in sortedMembers(members) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                appendString(member.0, to: &out)
                out.append(UInt8(ascii: ":"))
                encode(member.1, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Whether `a` sorts before `b` by UTF-16 code units, as JCS orders member names.
    ///
    /// This is Unicode scalar order except that scalars above U+FFFF (UTF-16 surrogates
    /// D800–DFFF) sort before U+E000–U+FFFF.
    static func precedesInUTF16(_ a: String, _ b: String) -> Bool {
        var left = a.unicodeScalars.makeIterator()
        var right = b.unicodeScalars.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?):
                if x == y { continue }
                let (ux, uy) = (firstUTF16Unit(x), firstUTF16Unit(y))
                return ux != uy ? ux < uy : x.value < y.value
            }
        }
    }

    private static func firstUTF16Unit(_ scalar: Unicode.Scalar) -> UInt32 {
        scalar.value < 0x10000 ? scalar.value : 0xD800 + ((scalar.value - 0x10000) >> 10)
    }

    private static func sortedMembers(_ members: [(String, JSONValue)]) -> [(String, JSONValue)] {
        if members.count < 2 { return members }
        var isSorted = true
        for i in 1..<members.count where !precedesInUTF16(members[i - 1].0, members[i].0) {
            isSorted = false
            break
        }
        if isSorted { return members }
        // Sorting indices keeps equal names in their written order without copying values.
        let order = members.indices.sorted { i, j in
            precedesInUTF16(members[i].0, members[j].0) || (members[i].0 == members[j].0 && i < j)
        }
        return order.map { members[$0] }
    }

    private static func append(_ literal: StaticString, to out: inout [UInt8]) {
        literal.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    static func appendInteger(_ number: Int64, to out: inout [UInt8]) {
        if number < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        out[start...].reverse()
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for (position, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                if runStart < position {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                }
                runStart = position + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case 0x22: out.append(UInt8(ascii: "\""))
                case 0x5C: out.append(UInt8(ascii: "\\"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                default:
                    out.append(UInt8(ascii: "u"))
                    out.append(UInt8(ascii: "0"))
                    out.append(UInt8(ascii: "0"))
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0x0F)])
                }
            }
            if runStart < bytes.count {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
