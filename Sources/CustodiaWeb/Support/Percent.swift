/// Percent-encoding for URL query components and paths, and decoding of
/// `application/x-www-form-urlencoded` text. Pure Swift, byte by byte.
enum Percent {
    /// Encodes everything but the RFC 3986 unreserved characters.
    static func encode(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            if isUnreserved(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out.append("%")
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            }
        }
        return out
    }

    /// Encodes one path segment: unreserved characters stay, `/` and the rest are escaped.
    static func encodeSegment(_ s: String) -> String { encode(s) }

    /// Decodes `+` as a space (when `plusIsSpace`) and `%XX` escapes; a malformed escape is
    /// kept as written. Invalid UTF-8 is repaired with U+FFFD.
    static func decode(_ s: Substring, plusIsSpace: Bool = true) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        let input = Array(s.utf8)
        var i = 0
        while i < input.count {
            let b = input[i]
            if b == 0x2B, plusIsSpace {
                bytes.append(0x20)
            } else if b == 0x25, i + 2 < input.count, let hi = hexValue(input[i + 1]), let lo = hexValue(input[i + 2]) {
                bytes.append(hi << 4 | lo)
                i += 2
            } else {
                bytes.append(b)
            }
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hex: [Character] = Array("0123456789ABCDEF")

    private static func isUnreserved(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E
            || b == 0x5F || b == 0x7E
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}
