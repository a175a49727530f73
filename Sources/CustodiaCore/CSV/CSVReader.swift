/// A record read from a CSV file: its fields exactly as written (nothing trimmed), and the
/// 1-based physical line on which it starts.
public struct CSVRecord: Sendable, Hashable {
    /// The 1-based physical line where the record starts. Blank lines and line breaks
    /// inside quoted fields are counted.
    public let line: Int
    public let fields: [String]

    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// A problem in a CSV file, located by its 1-based physical line.
public struct CSVError: Error, CustomStringConvertible, Hashable {
    public let line: Int
    public let message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    /// "line N: message"
    public var description: String { "line \(line): \(message)" }
}

/// A strict RFC 4180 CSV reader over the bytes of a whole UTF-8 file.
///
/// - Fields are separated by commas, records by CRLF or LF. A bare CR outside quotes is an error.
/// - A field may be enclosed in double quotes; inside, `""` stands for one quote, and commas,
///   CR and LF are data. A quote inside an unquoted field, or anything but a comma or line break
///   after a closing quote, is an error.
/// - A UTF-8 byte order mark at the start is skipped. Empty lines are skipped but counted.
/// - The first record must equal `expectedHeader` exactly; every data record must have
///   `expectedHeader.count` fields.
/// - Fields are returned exactly as written (no trimming); each must be valid UTF-8.
///
/// After an error in one record, ``next()`` carries on with the next one. A record with a
/// quoting error is abandoned at the next line break; if the error is in a quoted field that
/// spans lines, at the line break after its opening quote (the quote may well be the mistake). A header error (or an empty file) ends
/// the reading: ``next()`` returns nil afterwards.
public struct CSVReader: Sendable {
    public let expectedHeader: [String]
    private let bytes: [UInt8]
    private var position: Int
    private var line = 1
    private var state = State.header
    /// Holds the contents of a quoted field containing doubled quotes, reused between fields.
    private var scratch: [UInt8] = []

    private enum State: Sendable { case header, records, finished }

    /// - Parameters:
    ///   - bytes: the whole file, UTF-8 encoded.
    ///   - expectedHeader: the exact column names the first record must have.
    public init(bytes: [UInt8], expectedHeader: [String]) {
        self.bytes = bytes
        self.expectedHeader = expectedHeader
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            position = 3
        } else {
            position = 0
        }
    }

    /// Returns the next data record, or nil at the end of the file (or after a header error).
    ///
    /// Throws ``CSVError`` for a header that differs from `expectedHeader`, a record with the
    /// wrong number of fields, bad quoting, or invalid UTF-8. After a record error, calling
    /// `next()` again continues with the following record.
    public mutating func next() throws(CSVError) -> CSVRecord? {
        if state == .finished { return nil }
        if state == .header {
            try readHeader()
        }
        switch parseNext() {
        case .end:
            state = .finished
            return nil
        case .failure(let error):
            throw error
        case .record(let record):
            guard record.fields.count == expectedHeader.count else {
                throw CSVError(
                    line: record.line,
                    message: "expected \(expectedHeader.count) fields, found \(record.fields.count)")
            }
            return record
        }
    }

    /// Reads every remaining record, carrying on past bad records so that every invalid line
    /// is reported at once. Does not advance this reader (it reads from a copy).
    public func readAll() -> (records: [CSVRecord], errors: [CSVError]) {
        var reader = self
        var records: [CSVRecord] = []
        var errors: [CSVError] = []
        while true {
            do {
                guard let record = try reader.next() else { break }
                records.append(record)
            } catch {
                errors.append(error)
            }
        }
        return (records, errors)
    }

    // MARK: - Header

    private mutating func readHeader() throws(CSVError) {
        // Any failure here ends the reading: without a valid header nothing else can be trusted.
        state = .finished
        if bytes.count >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) {
            throw CSVError(
                line: 1,
                message: "the file is UTF-16 encoded; save it as UTF-8 (in Excel: \"CSV UTF-8\") and import it again")
        }
        let expected = CSVWriter.joined(expectedHeader)
        switch parseNext() {
        case .end:
            throw CSVError(line: line, message: "the file is empty; expected the header \(expected)")
        case .failure(let error):
            throw error
        case .record(let record):
            guard record.fields == expectedHeader else {
                let found = CSVWriter.joined(record.fields)
                let detail: String
                if record.fields.count != expectedHeader.count {
                    detail = "expected \(expectedHeader.count) columns, found \(record.fields.count)"
                } else {
                    let i = expectedHeader.indices.first { record.fields[$0] != expectedHeader[$0] }!
                    detail = "column \(i + 1) is \(quoted(record.fields[i])), expected \(quoted(expectedHeader[i]))"
                }
                throw CSVError(
                    line: record.line,
                    message: "the header does not match: expected \(quoted(expected)), found \(quoted(found)) (\(detail))")
            }
            state = .records
        }
    }

    private func quoted(_ s: String) -> String {
        "\"" + s + "\""
    }

    // MARK: - Records

    private enum Step {
        case record(CSVRecord)
        case failure(CSVError)
        case end
    }

    private mutating func parseNext() -> Step {
        let bytes = self.bytes  // a local reference, so the buffer access does not overlap `self`
        return bytes.withUnsafeBufferPointer { parseNext(in: $0) }
    }

    /// Parses one record starting at `position`, skipping blank lines before it. On a quoting
    /// error, moves past the next line break (after the error, or after the opening quote of a
    /// failing quoted field) so the following record can be read.
    private mutating func parseNext(in buf: UnsafeBufferPointer<UInt8>) -> Step {
        let n = buf.count
        // Work on locals (kept in registers), written back on every exit.
        var position = self.position
        var line = self.line
        defer {
            self.position = position
            self.line = line
        }
        // Skip blank lines (counted).
        while position < n {
            let b = buf[position]
            if b == lf {
                position += 1
                line += 1
            } else if b == cr && position + 1 < n && buf[position + 1] == lf {
                position += 2
                line += 1
            } else {
                break
            }
        }
        if position >= n { return .end }

        let recordLine = line
        var fields: [String] = []
        fields.reserveCapacity(expectedHeader.count)
        var pending: CSVError? = nil  // an invalid UTF-8 field: reported once the record is parsed
        var fieldNumber = 0

        while true {
            fieldNumber += 1
            let fieldLine = line
            let start: Int
            let end: Int
            var nonASCII: UInt8 = 0
            var escaped = false

            if position < n && buf[position] == quote {
                let openingQuote = position
                position += 1
                start = position
                var segment = position
                while true {
                    guard position < n else {
                        position = openingQuote
                        line = fieldLine
                        skipPastLineBreak(buf, &position, &line)
                        return .failure(
                            pending
                                ?? CSVError(
                                    line: fieldLine,
                                    message: "field \(fieldNumber) opens a quote that is never closed"))
                    }
                    let b = buf[position]
                    if b == quote {
                        if position + 1 < n && buf[position + 1] == quote {
                            if !escaped {
                                scratch.removeAll(keepingCapacity: true)
                                escaped = true
                            }
                            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[segment...position]))
                            position += 2
                            segment = position
                            continue
                        }
                        break
                    }
                    if b == lf { line += 1 }
                    nonASCII |= b
                    position += 1
                }
                end = position
                if escaped {
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[segment..<end]))
                }
                position += 1  // the closing quote
                if position < n {
                    let b = buf[position]
                    if b != comma && b != lf && b != cr {
                        // Report at the opening quote, and carry on after its line: if the quote
                        // was stray, the lines it swallowed are read (and checked) on their own.
                        let closingLine = line
                        position = openingQuote
                        line = fieldLine
                        skipPastLineBreak(buf, &position, &line)
                        let ending = closingLine == fieldLine ? "" : " (the quoted field ends on line \(closingLine))"
                        return .failure(
                            pending
                                ?? CSVError(
                                    line: fieldLine,
                                    message: "field \(fieldNumber) has characters after its closing quote\(ending); "
                                        + "a quote inside a quoted field must be doubled (\"\")"))
                    }
                }
            } else {
                start = position
                while true {
                    // Every special byte (, " CR LF) is at most 0x2C: skip the bytes above it.
                    nonASCII |= skipOrdinaryBytes(buf, &position)
                    if position >= n { break }
                    let b = buf[position]
                    if b == comma || b == lf || b == cr { break }
                    if b == quote {
                        let errorLine = line
                        skipPastLineBreak(buf, &position, &line)
                        return .failure(
                            pending
                                ?? CSVError(
                                    line: errorLine,
                                    message: "field \(fieldNumber) contains a quote but is not enclosed in quotes; "
                                        + "enclose the field in quotes and double the quote (\"\")"))
                    }
                    position += 1
                }
                end = position
            }

            if pending == nil {
                let raw = UnsafeBufferPointer(rebasing: buf[start..<end])
                if nonASCII < 0x80 {
                    if escaped {
                        fields.append(scratch.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) })
                    } else {
                        fields.append(String(decoding: raw, as: UTF8.self))
                    }
                } else {
                    let string: String? =
                        escaped
                        ? scratch.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
                        : String(validating: raw, as: UTF8.self)
                    if let string {
                        fields.append(string)
                    } else {
                        pending = utf8Error(in: buf, start: start, end: end, line: fieldLine, field: fieldNumber)
                    }
                }
            }

            // The delimiter after the field.
            if position >= n { break }
            let b = buf[position]
            if b == comma {
                position += 1
                continue
            }
            if b == lf {
                position += 1
                line += 1
                break
            }
            // b == cr
            if position + 1 < n && buf[position + 1] == lf {
                position += 2
                line += 1
                break
            }
            let errorLine = line
            skipPastLineBreak(buf, &position, &line)
            return .failure(
                pending
                    ?? CSVError(
                        line: errorLine,
                        message: "field \(fieldNumber) is followed by a carriage return (CR) without a line feed (LF); "
                            + "save the file with CRLF or LF line endings, or enclose the field in quotes"))
        }

        if let pending { return .failure(pending) }
        return .record(CSVRecord(line: recordLine, fields: fields))
    }

    /// Moves `position` past the bytes above 0x2C (none of them special), returning their
    /// bitwise or (at least 0x80 when one of them is not ASCII).
    @inline(__always)
    private func skipOrdinaryBytes(_ buf: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> UInt8 {
        var i = position
        var bits: UInt8 = 0
        let n = buf.count
        while i < n {
            let b = buf[i]
            if b <= comma { break }
            bits |= b
            i += 1
        }
        position = i
        return bits
    }

    /// Moves `position` just past the next LF (or to the end), counting the line.
    private func skipPastLineBreak(_ buf: UnsafeBufferPointer<UInt8>, _ position: inout Int, _ line: inout Int) {
        let n = buf.count
        while position < n {
            if buf[position] == lf {
                position += 1
                line += 1
                return
            }
            position += 1
        }
    }

    /// The error for a field whose bytes `buf[start..<end]` are not valid UTF-8, naming the
    /// line and file offset of the first invalid byte. (Doubled quotes are ASCII, so the raw
    /// bytes of a quoted field are invalid exactly where its contents are.)
    private func utf8Error(
        in buf: UnsafeBufferPointer<UInt8>, start: Int, end: Int, line fieldLine: Int, field: Int
    ) -> CSVError {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = UnsafeBufferPointer(rebasing: buf[start..<end]).makeIterator()
        var offset = start
        scan: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .error: break scan
            case .emptyInput: break scan  // not reached: the caller found the bytes invalid
            }
        }
        var errorLine = fieldLine
        for i in start..<offset where buf[i] == lf { errorLine += 1 }
        return CSVError(
            line: errorLine,
            message: "field \(field) is not valid UTF-8 (byte offset \(offset) in the file); "
                + "save the file as UTF-8 (in Excel: \"CSV UTF-8\") and import it again")
    }
}

private let comma = UInt8(ascii: ",")
private let quote = UInt8(ascii: "\"")
private let cr = UInt8(ascii: "\r")
private let lf = UInt8(ascii: "\n")
