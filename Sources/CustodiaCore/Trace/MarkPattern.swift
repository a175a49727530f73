/// A serial as read from a worn, filed or photographed mark, and how close a registered
/// serial comes to it (docs/tracing.md).
///
/// Both are read character by character, ignoring case and separators (anything not a letter
/// or a digit). A Cyrillic letter with a Latin twin (А В Е К М Н О Р С Т У Х) is its twin.
/// The characters commonly misread for one another form classes, and two characters of one
/// class match: 0 O Q D, 1 I L 7, 2 Z, 5 S, 6 G Б, 8 B (and В), 3 З, 4 Ч. In the pattern, `?`
/// stands for one character that cannot be read and `*` for any run of them (none included).
///
/// A registered serial matches when its classes match the pattern's, whole. Its closeness:
/// how many of the characters read are another of their class in it (`substitutions`), then
/// how many of its characters the wildcards stand for (`unknown`). An exact reading is 0 and 0.
public struct MarkPattern: Sendable, Equatable {
    public enum Element: Sendable, Equatable {
        /// A character read: as read (case and twins folded) and its class.
        case read(literal: Unicode.Scalar, cls: Unicode.Scalar)
        case one
        case any
    }

    public let elements: [Element]
    /// The pattern as typed, trimmed.
    public let text: String

    /// The fewest characters a pattern must read: fewer match too much of any register.
    public static let fewestRead = 3
    public static let longest = 64
    /// The most matching items a search ranks; beyond them it says it is incomplete.
    public static let rankedAtMost = 2000

    /// Parses a pattern, or says what to give instead.
    public init(_ text: String) throws(FieldError) {
        let trimmed = String(text.unicodeScalars.filter { !$0.properties.isWhitespace })
        guard text.unicodeScalars.count <= Self.longest else {
            throw FieldError("mark", "the mark is longer than \(Self.longest) characters; give the serial as read")
        }
        var out: [Element] = []
        for s in trimmed.unicodeScalars {
            switch s {
            case "?": out.append(.one)
            case "*": if out.last != .any { out.append(.any) }
            default:
                for folded in Self.fold(s) { out.append(.read(literal: folded, cls: Self.cls(folded))) }
            }
        }
        let read = out.filter { if case .read = $0 { true } else { false } }.count
        guard read >= Self.fewestRead else {
            throw FieldError(
                "mark",
                read == 0
                    ? "the mark has no character read; give the letters and digits you can read, with ? for one that cannot be read and * for a run"
                    : "the mark reads only \(read) character\(read == 1 ? "" : "s"); give at least \(Self.fewestRead) letters or digits (? stands for one unreadable character, * for a run), or narrow by manufacturer or model")
        }
        elements = out
        self.text = trimmed
    }

    /// The pattern over classes, for an index of `traceKey`s: `?` and `*` as GLOB reads them.
    public var glob: String {
        var out = String.UnicodeScalarView()
        for e in elements {
            switch e {
            case .read(_, let c): out.append(c)
            case .one: out.append("?")
            case .any: out.append("*")
            }
        }
        return String(out)
    }

    /// The same as a SQL LIKE pattern (`_` and `%`; a class key holds neither).
    public var like: String {
        String(glob.map { $0 == "?" ? "_" : $0 == "*" ? "%" : $0 })
    }

    /// Every key over classes the pattern can match, when they are few: a pattern without `*`
    /// and with at most two `?`, each `?` standing for any class an ASCII serial's key can
    /// hold (`asciiClasses`). Nil otherwise. A key holding a character beyond ASCII is not
    /// among them: a store finds those by `like` among the few keys that hold one.
    public var candidateKeys: [String]? {
        var keys: [String.UnicodeScalarView] = [String.UnicodeScalarView()]
        var unknown = 0
        for e in elements {
            switch e {
            case .any: return nil
            case .read(_, let c): for n in keys.indices { keys[n].append(c) }
            case .one:
                unknown += 1
                guard unknown <= 2 else { return nil }
                keys = keys.flatMap { k in Self.asciiClasses.map { c in var next = k; next.append(c); return next } }
            }
        }
        return keys.map(String.init)
    }

    /// The classes of ASCII letters and digits: the digits but 7, and the letters not in a
    /// digit's class.
    public static let asciiClasses: [Unicode.Scalar] = {
        var out: Set<Unicode.Scalar> = []
        for v in Array(0x30...0x39) + Array(0x41...0x5A) { out.insert(cls(Unicode.Scalar(UInt8(v)))) }
        return out.sorted()
    }()

    /// Whether it reads no more than its wildcards allow: every character read, no `?` or `*`.
    public var isWhole: Bool { elements.allSatisfy { if case .read = $0 { true } else { false } } }

    /// How close `serial` comes to the pattern; nil when it does not match.
    public func closeness(_ serial: String) -> MarkCloseness? {
        let candidate = Self.read(serial)
        let n = candidate.count
        let unreachable = Int.max / 2
        // best[j]: the fewest substitutions matching the elements so far with the first j
        // characters of the serial.
        var best = [Int](repeating: unreachable, count: n + 1)
        best[0] = 0
        for e in elements {
            var next = [Int](repeating: unreachable, count: n + 1)
            switch e {
            case .any:
                var running = unreachable
                for j in 0...n {
                    running = min(running, best[j])
                    next[j] = running
                }
            case .one:
                for j in 0..<n where best[j] < unreachable { next[j + 1] = best[j] }
            case .read(let literal, let cls):
                for j in 0..<n where best[j] < unreachable && candidate[j].cls == cls {
                    next[j + 1] = best[j] + (candidate[j].literal == literal ? 0 : 1)
                }
            }
            best = next
        }
        guard best[n] < unreachable else { return nil }
        let read = elements.filter { if case .read = $0 { true } else { false } }.count
        return MarkCloseness(substitutions: best[n], unknown: n - read)
    }

    /// A serial's key over classes, which an index keeps for every item.
    public static func traceKey(_ serial: String) -> String {
        if let key = serial.utf8.withContiguousStorageIfAvailable(asciiKey) ?? nil { return key }
        var out = String.UnicodeScalarView()
        for c in read(serial) { out.append(c.cls) }
        return String(out)
    }

    /// The key of an ASCII serial (nearly all) through a table, byte by byte; nil for any
    /// other serial.
    static func asciiKey(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        for b in bytes where b >= 0x80 { return nil }
        return String(unsafeUninitializedCapacity: bytes.count) { out in
            var n = 0
            for b in bytes {
                let k = asciiKeys[Int(b)]
                if k != 0 {
                    out[n] = k
                    n += 1
                }
            }
            return n
        }
    }

    /// The class of each ASCII character as a byte, 0 for a separator.
    static let asciiKeys: [UInt8] = (0..<128).map { v in
        let folded = fold(Unicode.Scalar(UInt8(v)))
        return folded.first.map { UInt8(truncatingIfNeeded: cls($0).value) } ?? 0
    }

    /// A serial's letters and digits as read: each folded, with its class.
    static func read(_ serial: String) -> [(literal: Unicode.Scalar, cls: Unicode.Scalar)] {
        var out: [(literal: Unicode.Scalar, cls: Unicode.Scalar)] = []
        for s in serial.unicodeScalars {
            for folded in fold(s) { out.append((folded, cls(folded))) }
        }
        return out
    }

    /// A character in capitals, a Cyrillic twin as its Latin letter; nothing for a separator.
    static func fold(_ s: Unicode.Scalar) -> [Unicode.Scalar] {
        guard s.properties.isAlphabetic || s.properties.numericType != nil else { return [] }
        if s.isASCII {
            let v = s.value
            return [v >= 0x61 && v <= 0x7A ? Unicode.Scalar(v - 0x20)! : s]
        }
        return String(s).uppercased().unicodeScalars.map { twins[$0] ?? $0 }
    }

    /// Cyrillic capitals that look like a Latin capital.
    static let twins: [Unicode.Scalar: Unicode.Scalar] = [
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y",
        "Х": "X",
    ]

    /// The characters commonly misread for one another, each class named by its digit.
    static let classes: [Unicode.Scalar: Unicode.Scalar] = {
        var out: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (digit, others) in [
            ("0", "OQD"), ("1", "IL7"), ("2", "Z"), ("5", "S"), ("6", "GБ"), ("8", "B"), ("3", "З"), ("4", "Ч"),
        ] as [(Unicode.Scalar, String)] {
            for s in others.unicodeScalars { out[s] = digit }
        }
        return out
    }()

    static func cls(_ s: Unicode.Scalar) -> Unicode.Scalar { classes[s] ?? s }
}

/// How close a registered serial comes to a mark as read (`MarkPattern.closeness`): closer
/// first.
public struct MarkCloseness: Sendable, Equatable, Comparable {
    /// Characters read that are another of their class in the serial.
    public var substitutions: Int
    /// Characters of the serial the pattern's wildcards stand for.
    public var unknown: Int

    public init(substitutions: Int, unknown: Int) {
        self.substitutions = substitutions
        self.unknown = unknown
    }

    public var isExact: Bool { substitutions == 0 && unknown == 0 }

    public static func < (a: Self, b: Self) -> Bool { (a.substitutions, a.unknown) < (b.substitutions, b.unknown) }
}
