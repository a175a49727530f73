import CustodiaCore
import Foundation

/// Events from a JSON Lines file (or standard input), read in blocks so that memory does
/// not grow with the file.
public struct FileJSONLinesSource: EventSource {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private var line = 0
    private static let blockSize = 1 << 22

    /// Opens `path`, or standard input for `-`.
    public init(path: String) throws {
        if path == "-" {
            fd = 0
        } else {
            fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw StoreError(.invalidRequest, "cannot read \(path): \(String(cString: strerror(errno)))") }
        }
    }

    /// Closes the file (not standard input).
    public func close() { if fd > 0 { _ = Foundation.close(fd) } }

    public mutating func next() -> SourcedEvent? {
        while true {
            // A complete line in the buffer?
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
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
                guard start < buffer.count else { return nil }
                line += 1
                let lineStart = start
                start = buffer.count
                let entry = buffer.withUnsafeBufferPointer {
                    JSONLinesSource.parseLine(UnsafeBufferPointer(rebasing: $0[lineStart...]), line: line)
                }
                if let entry { return entry }
                return nil
            }
            fill()
        }
    }

    private mutating func fill() {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: Self.blockSize))
        let n = buffer.withUnsafeMutableBufferPointer { read(fd, $0.baseAddress! + old, Self.blockSize) }
        buffer.removeLast(Self.blockSize - max(n, 0))
        if n <= 0 { eof = true }
    }
}

/// Reads a whole file into one byte array (one copy), or standard input for `-`.
public func readFileBytes(_ path: String) throws -> [UInt8] {
    var source = try FileJSONLinesSourceBytes(path: path)
    return source.readAll()
}

private struct FileJSONLinesSourceBytes {
    let fd: Int32
    init(path: String) throws {
        if path == "-" {
            fd = 0
        } else {
            fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw StoreError(.invalidRequest, "cannot read \(path): \(String(cString: strerror(errno)))") }
        }
    }
    mutating func readAll() -> [UInt8] {
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
}
