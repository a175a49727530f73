import Foundation

/// A reader for the YAML subset `openapi.yaml` is written in, giving the same values
/// `JSONSerialization` would (`[String: Any]`, `[Any]`, `String`, `Int`, `Bool`, `NSNull`).
///
/// The subset: block mappings and block sequences by indentation (two spaces), `- ` items
/// that may open a mapping on the same line, flow sequences of scalars (`[a, 'b']`), `{}`
/// and `[]`, plain and single- or double-quoted scalars, `>` and `|` block scalars, and
/// `#` comments. Anything else is an error naming the line, so the document stays inside
/// what this reader understands.
struct YAMLSubset {
    struct Failure: Error, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "openapi.yaml line \(line): \(message)" }
    }

    private struct Line {
        let number: Int
        let indent: Int
        let text: String
    }

    private var lines: [Line] = []
    private var position = 0

    static func parse(_ text: String) throws -> Any {
        var reader = YAMLSubset()
        for (n, raw) in text.components(separatedBy: "\n").enumerated() {
            let content = Self.stripComment(raw)
            if content.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard !raw.contains("\t") else { throw Failure(line: n + 1, message: "tabs are not allowed") }
            let indent = content.prefix { $0 == " " }.count
            reader.lines.append(Line(number: n + 1, indent: indent, text: String(content.dropFirst(indent))))
        }
        reader.rawLines = text.components(separatedBy: "\n")
        guard !reader.lines.isEmpty else { return [String: Any]() }
        let value = try reader.block(indent: reader.lines[0].indent)
        if reader.position < reader.lines.count {
            throw Failure(line: reader.lines[reader.position].number, message: "unexpected indentation")
        }
        return value
    }

    private var rawLines: [String] = []

    /// Removes a `#` comment that starts a line or follows a space, outside quotes.
    private static func stripComment(_ line: String) -> String {
        var quote: Character?
        var previous: Character = " "
        for (offset, c) in line.enumerated() {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                if previous == " " || previous == "[" || previous == "," || previous == ":" { quote = c }
            } else if c == "#", previous == " " {
                return String(line.prefix(offset)).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            }
            previous = c
        }
        return line
    }

    private mutating func block(indent: Int) throws -> Any {
        let first = lines[position]
        if first.text.hasPrefix("- ") || first.text == "-" { return try sequence(indent: indent) }
        return try mapping(indent: indent)
    }

    private mutating func mapping(indent: Int) throws -> [String: Any] {
        var out: [String: Any] = [:]
        while position < lines.count, lines[position].indent == indent {
            let line = lines[position]
            guard !line.text.hasPrefix("- ") else {
                throw Failure(line: line.number, message: "a sequence item inside a mapping")
            }
            let (key, rest) = try splitKey(line)
            guard out[key] == nil else { throw Failure(line: line.number, message: "duplicate key \(key)") }
            position += 1
            out[key] = try value(after: rest, line: line, parentIndent: indent)
        }
        if position < lines.count, lines[position].indent > indent {
            throw Failure(line: lines[position].number, message: "unexpected indentation")
        }
        return out
    }

    private mutating func sequence(indent: Int) throws -> [Any] {
        var out: [Any] = []
        while position < lines.count, lines[position].indent == indent, lines[position].text.hasPrefix("-") {
            let line = lines[position]
            let rest = line.text.dropFirst().trimmingCharacters(in: .whitespaces)
            if rest.isEmpty {
                position += 1
                guard position < lines.count, lines[position].indent > indent else {
                    throw Failure(line: line.number, message: "empty sequence item")
                }
                out.append(try block(indent: lines[position].indent))
            } else if Self.looksLikeKey(rest) {
                // `- key: value` opens a mapping whose other keys are indented to the key.
                let keyIndent = indent + 2
                lines[position] = Line(number: line.number, indent: keyIndent, text: rest)
                out.append(try mapping(indent: keyIndent))
            } else {
                position += 1
                out.append(try scalar(rest, line: line.number))
            }
        }
        return out
    }

    private static func looksLikeKey(_ text: String) -> Bool {
        if text.hasPrefix("'") || text.hasPrefix("\"") {
            guard let q = text.first, let end = text.dropFirst().firstIndex(of: q) else { return false }
            return text[text.index(after: end)...].hasPrefix(":")
        }
        guard let colon = text.firstIndex(of: ":") else { return false }
        let after = text.index(after: colon)
        return !text.hasPrefix("[") && !text.hasPrefix("{") && (after == text.endIndex || text[after] == " ")
    }

    private func splitKey(_ line: Line) throws -> (String, String) {
        let text = line.text
        if let q = text.first, q == "'" || q == "\"" {
            guard let end = text.dropFirst().firstIndex(of: q) else {
                throw Failure(line: line.number, message: "unclosed quote")
            }
            let key = String(text[text.index(after: text.startIndex)..<end])
            let rest = text[text.index(after: end)...]
            guard rest.hasPrefix(":") else { throw Failure(line: line.number, message: "expected : after the key") }
            return (key, rest.dropFirst().trimmingCharacters(in: .whitespaces))
        }
        guard let colon = text.range(of: ": ") ?? (text.hasSuffix(":") ? text.range(of: ":", options: .backwards) : nil)
        else { throw Failure(line: line.number, message: "expected key: value") }
        return (String(text[..<colon.lowerBound]), text[colon.upperBound...].trimmingCharacters(in: .whitespaces))
    }

    private mutating func value(after rest: String, line: Line, parentIndent: Int) throws -> Any {
        if rest.isEmpty {
            guard position < lines.count, lines[position].indent > parentIndent else {
                throw Failure(line: line.number, message: "a key without a value")
            }
            return try block(indent: lines[position].indent)
        }
        if rest == ">" || rest == "|" || rest == ">-" || rest == "|-" {
            var parts: [String] = []
            var blockIndent: Int?
            while position < lines.count, lines[position].indent > parentIndent {
                let l = lines[position]
                blockIndent = blockIndent ?? l.indent
                parts.append(String(repeating: " ", count: max(0, l.indent - blockIndent!)) + l.text)
                position += 1
            }
            let joined = rest.hasPrefix(">") ? parts.joined(separator: " ") : parts.joined(separator: "\n")
            return rest.hasSuffix("-") ? joined : joined + "\n"
        }
        return try scalar(rest, line: line.number)
    }

    private func scalar(_ text: String, line: Int) throws -> Any {
        if text == "{}" { return [String: Any]() }
        if text == "[]" { return [Any]() }
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw Failure(line: line, message: "a flow sequence must end on its line") }
            return try Self.splitFlow(String(text.dropFirst().dropLast()), line: line).map { try scalar($0, line: line) }
        }
        if text.hasPrefix("{") { throw Failure(line: line, message: "flow mappings other than {} are not in the subset") }
        if text.hasPrefix("'") {
            guard text.count >= 2, text.hasSuffix("'") else { throw Failure(line: line, message: "unclosed quote") }
            return String(text.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else { throw Failure(line: line, message: "unclosed quote") }
            let data = Data(text.utf8)
            guard let s = try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed) as? String else {
                throw Failure(line: line, message: "a double-quoted string must be a JSON string")
            }
            return s
        }
        switch text {
        case "true": return true
        case "false": return false
        case "null", "~": return NSNull()
        default: break
        }
        if let n = Int(text) { return n }
        if text.hasPrefix("&") || text.hasPrefix("*") || text.hasPrefix("!") || text.hasPrefix("%") || text.hasPrefix("@") {
            throw Failure(line: line, message: "anchors, aliases and tags are not in the subset")
        }
        if text.contains(": ") { throw Failure(line: line, message: "quote a scalar that contains ': '") }
        return text
    }

    private static func splitFlow(_ text: String, line: Int) throws -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for c in text {
            if let q = quote {
                current.append(c)
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
                current.append(c)
            } else if c == "," {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(c)
            }
        }
        if quote != nil { throw Failure(line: line, message: "unclosed quote in a flow sequence") }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty || !parts.isEmpty { parts.append(last) }
        return parts
    }
}
