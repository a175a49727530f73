#if canImport(_FoundationICU)
    import _FoundationICU
#endif

/// Identifiers that people read off weapons and documents and type back in: serials,
/// marks, manufacturers, models, lot and document numbers, holder and user codes.
///
/// Two rules keep one identifier from passing for another:
///
/// - **Normal form.** New input is taken in Unicode NFC with the spaces at either end
///   removed, and refused when it holds a character that cannot be seen or that reorders
///   what is seen: control characters (a newline, a tab), format characters (a zero-width
///   space, a soft hyphen, a byte-order mark), bidirectional controls (a right-to-left
///   override), private-use, unassigned and other default-ignorable code points, and spaces
///   other than the plain space.
/// - **Look-alikes.** Two identifiers that differ only in characters that look alike (a
///   Cyrillic О for a Latin O, a zero for an O, a one for a small L) have the same
///   *skeleton* (Unicode UTS #39, computed by ICU). The custody rules refuse a new holder
///   or user code whose skeleton is taken, and a new serial whose skeleton another item of
///   the same manufacturer and model has, unless the registration says the item is
///   distinct.
///
/// What was recorded before these rules keeps verifying: they apply to new input only.
public enum Identifier {
    /// The identifier in normal form (NFC, no spaces at either end), or why it is refused.
    public static func normalized(_ raw: String, field: String) throws(FieldError) -> String {
        // Fast path: printable ASCII without spaces at either end is already normal.
        let bytes = raw.utf8
        if let first = bytes.first, let last = bytes.last, first != 0x20, last != 0x20,
            bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        {
            return raw
        }
        let value = raw.nfc.trimmingPlainSpaces
        if let (position, scalar) = firstInvisible(value) {
            throw FieldError(field, "\(describe(scalar)) at character \(position) \(reason(scalar)); \(advice)")
        }
        return value
    }

    /// Whether `value` is already in normal form and holds no refused character.
    public static func isNormal(_ value: String) -> Bool {
        value.nfc == value && value.trimmingPlainSpaces == value && firstInvisible(value) == nil
    }

    static let advice = "type the identifier again as it is marked, without hidden characters"

    /// The first refused character and its 1-based position.
    static func firstInvisible(_ value: String) -> (Int, Unicode.Scalar)? {
        // Fast path: printable ASCII is always allowed.
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return nil }
        for (n, scalar) in value.unicodeScalars.enumerated() where isRefused(scalar) { return (n + 1, scalar) }
        return nil
    }

    static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return false }
        let p = scalar.properties
        switch p.generalCategory {
        case .control, .format, .privateUse, .surrogate, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return true
        default:
            return p.isDefaultIgnorableCodePoint || p.isBidiControl || p.isNoncharacterCodePoint
        }
    }

    static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex)"
    }

    static func reason(_ scalar: Unicode.Scalar) -> String {
        let p = scalar.properties
        if p.isBidiControl { return "is a bidirectional control, which reorders what is shown" }
        switch p.generalCategory {
        case .control: return "is a control character (such as a line break or a tab)"
        case .spaceSeparator: return "is a space other than the plain space"
        case .lineSeparator, .paragraphSeparator: return "is a line break"
        case .privateUse, .unassigned, .surrogate: return "is not a character that can be shown"
        default: return "is invisible (a format character)"
        }
    }

    // MARK: Skeletons

    /// The UTS #39 skeleton of `value`: the same for strings that look alike.
    public static func skeleton(_ value: String) -> String {
        if let fast = ASCIISkeleton.shared.skeleton(value) { return fast }
        return icuSkeleton(value)
    }

    /// The skeleton as ICU computes it, for any text.
    static func icuSkeleton(_ value: String) -> String {
        #if canImport(_FoundationICU)
            if let checker = SpoofChecker.shared.checker {
                let source = Array(value.utf16)
                var capacity = max(16, source.count * 4)
                for _ in 0..<2 {
                    var status = U_ZERO_ERROR
                    var out = [UChar](repeating: 0, count: capacity)
                    let length = swift_uspoof_getSkeleton(
                        checker, 0, source, Int32(source.count), &out, Int32(capacity), &status)
                    if status == U_BUFFER_OVERFLOW_ERROR {
                        capacity = Int(length) + 1
                        continue
                    }
                    if status.rawValue <= U_ZERO_ERROR.rawValue {
                        return String(decoding: out[0..<Int(length)], as: UTF16.self)
                    }
                    break
                }
            }
        #endif
        return asciiSkeleton(value)
    }

    /// The skeleton of a serial: case does not tell two serials apart (`ak-1`, `AK-1`).
    public static func serialKey(_ serial: String) -> String {
        if let fast = ASCIISkeleton.shared.skeleton(serial, uppercased: true) { return fast }
        return icuSkeleton(serial.uppercased())
    }

    /// The keys of a holder or user code, compared without regard to case: two codes are
    /// look-alikes when either of their keys is the same (in capitals, 1 and I look alike;
    /// in small letters, 1 and l do).
    public static func codeKeys(_ code: String) -> [String] {
        [skeleton(code.uppercased()), skeleton(code.lowercased())]
    }

    /// The first character where two identifiers differ: its 1-based position and the code
    /// point in each (nil past the end of one); nil when they are the same.
    public static func firstDifference(_ a: String, _ b: String) -> (position: Int, mine: Unicode.Scalar?, theirs: Unicode.Scalar?)? {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        for i in 0..<max(x.count, y.count) {
            let p = i < x.count ? x[i] : nil, q = i < y.count ? y[i] : nil
            if p != q { return (i + 1, p, q) }
        }
        return nil
    }

    /// A character as a person can tell it apart: itself and its code point, `"О" (U+041E)`.
    public static func show(_ scalar: Unicode.Scalar?) -> String {
        scalar.map { "\"\(Character($0))\" (\(describe($0)))" } ?? "—"
    }

    /// Where two look-alike identifiers differ, for a person to see: the first character
    /// that is not the same, with its code point in each.
    public static func difference(_ a: String, _ b: String) -> String {
        guard let d = firstDifference(a, b) else { return "\(a) and \(b) are the same" }
        return "character \(d.position) is \(show(d.mine)) in \(a) and \(show(d.theirs)) in \(b)"
    }

    /// Where ICU is missing: the look-alikes among letters and digits that matter most.
    static func asciiSkeleton(_ value: String) -> String {
        String(
            value.map { c -> Character in
                switch c {
                case "0": "O"
                case "1", "I", "|": "l"
                default: c
                }
            })
    }
}

/// Skeletons of ASCII text without a call into ICU: each character's skeleton, computed by
/// ICU once per process. For ASCII, whose normal forms are itself, the skeleton of a string
/// is its characters' skeletons one after the other (UTS #39), as long as each of those is
/// ASCII too; a character whose skeleton is not leaves the string to ICU.
final class ASCIISkeleton: Sendable {
    static let shared = ASCIISkeleton()
    /// Each printable ASCII character's skeleton bytes; nil where it is not ASCII.
    private let table: [[UInt8]?]

    private init() {
        table = (0..<128).map { byte -> [UInt8]? in
            guard byte >= 0x20, byte < 0x7F else { return nil }
            let mapped = Identifier.icuSkeleton(String(UnicodeScalar(UInt8(byte))))
            return mapped.utf8.allSatisfy({ $0 < 0x80 }) ? Array(mapped.utf8) : nil
        }
    }

    /// The skeleton of `value` (upper-cased first, when asked), or nil when it is not
    /// printable ASCII.
    func skeleton(_ value: String, uppercased: Bool = false) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 4)
        for var byte in value.utf8 {
            if uppercased, byte >= 0x61, byte <= 0x7A { byte -= 0x20 }
            guard byte < 0x80, let mapped = table[Int(byte)] else { return nil }
            out.append(contentsOf: mapped)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

#if canImport(_FoundationICU)
    /// One ICU spoof checker for the process: computing a skeleton only reads it, which ICU
    /// documents as safe from several threads at once.
    final class SpoofChecker: @unchecked Sendable {
        static let shared = SpoofChecker()
        let checker: OpaquePointer?

        private init() {
            var status = U_ZERO_ERROR
            let c = swift_uspoof_open(&status)
            checker = status.rawValue <= U_ZERO_ERROR.rawValue ? c : nil
        }
    }
#endif

extension String {
    /// The string without plain spaces (U+0020) at either end.
    var trimmingPlainSpaces: String {
        guard first == " " || last == " " else { return self }
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { $0 != " " }) else { return "" }
        let end = scalars.lastIndex(where: { $0 != " " })!
        return String(scalars[start...end])
    }
}
