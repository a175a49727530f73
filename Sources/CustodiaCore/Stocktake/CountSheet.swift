/// What a counter hands in: serials one per line (as scanned or typed; blank lines and lines
/// starting with `#` are skipped), or a CSV with the header `serial,manufacturer,lot,quantity`
/// whose rows each give a serial (with its manufacturer when the serial alone is ambiguous)
/// or a lot and the quantity counted.
public struct CountSheet: Sendable, Equatable {
    public struct Read: Sendable, Equatable {
        public var serial: String
        public var manufacturer: String?
        public var line: Int
    }

    public struct Lot: Sendable, Equatable {
        public var lot: String
        public var manufacturer: String?
        public var quantity: Int64
        public var line: Int
    }

    public var reads: [Read] = []
    public var lots: [Lot] = []

    public static let header = ["serial", "manufacturer", "lot", "quantity"]

    /// Reads a sheet; every bad line is reported at once, as (line, message).
    public init(bytes: [UInt8]) throws(CountSheetError) {
        var problems: [(Int, String)] = []
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        let firstLine = lines.first.map {
            String($0.lowercased().filter { $0 != " " && $0 != "\r" && $0 != "\u{FEFF}" })
        }
        if firstLine == Self.header.joined(separator: ",") {
            let (records, errors) = CSVReader(bytes: bytes, expectedHeader: Self.header).readAll()
            for e in errors { problems.append((e.line, e.message)) }
            for r in records {
                let f = r.fields.map { Self.trimmed($0) }
                let manufacturer = f[1].isEmpty ? nil : f[1]
                switch (f[0].isEmpty, f[2].isEmpty) {
                case (false, true):
                    guard f[3].isEmpty else {
                        problems.append((r.line, "a serial is counted once; leave quantity empty (quantities are for lots)"))
                        continue
                    }
                    do { reads.append(Read(serial: try Identifier.normalized(f[0], field: "serial"), manufacturer: manufacturer, line: r.line)) }
                    catch { problems.append((r.line, error.description)) }
                case (true, false):
                    guard let q = Int64(f[3]), q >= 0 else {
                        problems.append((r.line, "quantity: \"\(f[3])\" is not a whole number of 0 or more; give the quantity counted"))
                        continue
                    }
                    lots.append(Lot(lot: f[2], manufacturer: manufacturer, quantity: q, line: r.line))
                case (false, false):
                    problems.append((r.line, "give either a serial or a lot on a line, not both"))
                case (true, true):
                    problems.append((r.line, "give a serial, or a lot and its quantity"))
                }
            }
        } else {
            var n = 0
            for raw in lines {
                n += 1
                let s = Self.trimmed(raw)
                if s.isEmpty || s.hasPrefix("#") { continue }
                if s.contains(",") {
                    problems.append((n, "a serial has no comma; a CSV sheet starts with the header \(Self.header.joined(separator: ","))"))
                    continue
                }
                do { reads.append(Read(serial: try Identifier.normalized(s, field: "serial"), line: n)) }
                catch { problems.append((n, error.description)) }
            }
        }
        if !problems.isEmpty { throw CountSheetError(problems: problems) }
    }
}

extension CountSheet {
    /// Without the spaces, tabs, carriage returns and byte-order marks around it.
    static func trimmed(_ s: some StringProtocol) -> String {
        let skip: Set<Character> = [" ", "\t", "\r", "\u{FEFF}"]
        guard let first = s.firstIndex(where: { !skip.contains($0) }) else { return "" }
        let last = s.lastIndex(where: { !skip.contains($0) })!
        return String(s[first...last])
    }
}

/// The bad lines of a count sheet.
public struct CountSheetError: Error, Sendable {
    public var problems: [(line: Int, message: String)]
}
