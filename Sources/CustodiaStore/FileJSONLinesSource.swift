import CustodiaCore
import Foundation

/// Events from a JSON Lines file (or standard input), read in blocks so that memory does
/// not grow with the file.
public struct FileJSONLinesSource: EventSource {
    private let fd: Int32
    /// Bytes read and not yet consumed are `buffer[start..<filled]`.
    private var buffer: [UInt8]
    private var start = 0
    private var filled = 0
    private var eof = false
    private var line = 0

    /// Opens `path`, or standard input for `-`.
    public init(path: String) throws {
        fd = try openInput(path)
        buffer = [UInt8](repeating: 0, count: 1 << 22)
    }

    /// Closes the file (not standard input).
    public func close() { if fd > 0 { _ = Foundation.close(fd) } }

    public mutating func next() -> SourcedEvent? {
        while true {
            if let newline = buffer[start..<filled].firstIndex(of: 0x0A) {
                line += 1
                let lineStart = start
                start = newline + 1
                let entry = buffer.withUnsafeBufferPointer {
                    JSONLinesSource.parseLine(UnsafeBufferPointer(rebasing: $0[lineStart..<newline]), line: line)
                }
                if let entry { return entry }
                continue
            }
            if eof {
                guard start < filled else { return nil }
                line += 1
                let lineStart = start
                start = filled
                return buffer.withUnsafeBufferPointer {
                    JSONLinesSource.parseLine(UnsafeBufferPointer(rebasing: $0[lineStart..<filled]), line: line)
                }
            }
            fill()
        }
    }

    /// Moves the unread bytes to the front, grows the buffer only for a line longer than
    /// it, and reads what the file or pipe has into the free space.
    private mutating func fill() {
        if start > 0 {
            buffer.withUnsafeMutableBufferPointer { b in
                let rest = filled - start
                if rest > 0 { b.baseAddress!.update(from: b.baseAddress! + start, count: rest) }
            }
            filled -= start
            start = 0
        }
        if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
        let free = buffer.count - filled
        let n = buffer.withUnsafeMutableBufferPointer { read(fd, $0.baseAddress! + filled, free) }
        if n <= 0 { eof = true } else { filled += n }
    }
}

/// Opens `path` for reading, or standard input for `-`.
private func openInput(_ path: String) throws -> Int32 {
    guard path != "-" else { return 0 }
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw StoreError(.invalidRequest, "cannot read \(path): \(String(cString: strerror(errno)))") }
    return fd
}

/// Reads a whole file into one byte array (one copy), or standard input for `-`.
public func readFileBytes(_ path: String) throws -> [UInt8] {
    let fd = try openInput(path)
    defer { if fd > 0 { close(fd) } }
    var info = stat()
    var out: [UInt8] = []
    if fstat(fd, &info) == 0, info.st_size > 0 { out.reserveCapacity(Int(info.st_size)) }
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBufferPointer { read(fd, $0.baseAddress!, $0.count) }
        if n <= 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}
