/// Writes RFC 4180 CSV that ``CSVReader`` reads back to the same fields.
public enum CSVWriter {
    /// The field as written in a CSV file: enclosed in quotes (with quotes doubled) when it
    /// contains a comma, quote, CR or LF; otherwise unchanged.
    public static func field(_ s: String) -> String {
        let needsQuotes = s.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }
        guard needsQuotes else { return s }
        var out = "\""
        for character in s.unicodeScalars {
            if character == "\"" { out.unicodeScalars.append("\"") }
            out.unicodeScalars.append(character)
        }
        out.unicodeScalars.append("\"")
        return out
    }

    /// One CSV line: the fields, each written by ``field(_:)``, joined with commas and ending in "\n".
    ///
    /// A line whose only field is empty is written as `""`, because an empty line would be
    /// skipped as blank by the reader.
    public static func line(_ fields: [String]) -> String {
        joined(fields) + "\n"
    }

    /// The fields written by ``field(_:)`` and joined with commas, without a line break.
    static func joined(_ fields: [String]) -> String {
        if fields.count == 1 && fields[0].isEmpty { return "\"\"" }
        var out = ""
        for (i, f) in fields.enumerated() {
            if i > 0 { out += "," }
            out += field(f)
        }
        return out
    }
}
