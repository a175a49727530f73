import CustodiaLedger
import Foundation

/// A witness's state file: the journal of `WitnessState`, appended line by line and flushed
/// to the disk (`fdatasync`) before a cosignature is answered, so that a witness killed at
/// any moment remembers every checkpoint it cosigned (a line cut short by the kill was never
/// answered, and is ignored when read back).
///
/// Opening rewrites the file whole (compacted: one line per log, one per latest checkpoint)
/// into a temporary file beside it, flushed, then renamed over it and the directory
/// flushed: either the old file or the new one, never half of one.
public final class WitnessJournal: @unchecked Sendable {
    let path: String
    private var fd: Int32

    /// Reads the state at `path` (none: an empty state) and opens the file for appending.
    ///
    /// - Throws: `WitnessJournalError` for a file that cannot be read, written or parsed.
    public static func open(path: String) throws -> (WitnessJournal, WitnessState) {
        var state = WitnessState()
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw WitnessJournalError("cannot read the witness state \(path)")
            }
            do { state = try WitnessState(journal: text) } catch { throw WitnessJournalError("\(path): \(error)") }
        }
        try replace(path: path, with: state.journal)
        let fd = Foundation.open(path, O_WRONLY | O_APPEND)
        guard fd >= 0 else { throw WitnessJournalError("cannot open the witness state \(path): \(Self.reason())") }
        return (WitnessJournal(path: path, fd: fd), state)
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends `text` (whole lines) and flushes it to the disk.
    public func append(_ text: String) throws {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw WitnessJournalError("cannot write the witness state \(path): \(Self.reason())") }
            written += n
        }
        guard fdatasync(fd) == 0 else { throw WitnessJournalError("cannot flush the witness state \(path): \(Self.reason())") }
    }

    /// Writes `text` as the whole file at `path`, atomically, mode 0600.
    static func replace(path: String, with text: String) throws {
        let temporary = path + ".tmp"
        let fd = Foundation.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw WitnessJournalError("cannot write \(temporary): \(reason())") }
        let bytes = Array(text.utf8)
        let ok = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else { throw WitnessJournalError("cannot write \(path): \(reason())") }
        let directory = Foundation.open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    static func reason() -> String { String(cString: strerror(errno)) }
}

/// A witness state file that cannot be used, with what to do.
public struct WitnessJournalError: Error, CustomStringConvertible {
    public let description: String
    init(_ message: String) { description = message }
}

/// The witness: its key, what it has cosigned, and the journal that remembers it. One
/// submission at a time (an actor): checking a checkpoint against the latest cosigned one and
/// recording the new one are one step, so two submissions can never roll the state back.
actor WitnessKeeper {
    let key: CosignerKey
    private(set) var state: WitnessState
    private let journal: WitnessJournal
    private let now: @Sendable () -> UInt64

    init(key: CosignerKey, statePath: String, now: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) })
        throws
    {
        self.key = key
        (journal, state) = try WitnessJournal.open(path: statePath)
        self.now = now
    }

    /// Answers an `add-checkpoint` body: the cosignature line, once the checkpoint is on the
    /// disk; or the refusal.
    func add(_ body: [UInt8]) -> Result<String, WitnessRefusal> {
        let request: AddCheckpoint
        do { request = try AddCheckpoint(body: body) } catch { return .failure(error) }
        switch Witness.check(request, state: state) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let accepted):
            do {
                try journal.append(
                    WitnessState.cosignedLine(
                        origin: accepted.checkpoint.origin, size: accepted.checkpoint.size, root: accepted.checkpoint.root))
            } catch {
                return .failure(WitnessRefusal(500, "the witness could not record the checkpoint: \(error)"))
            }
            // On the disk: from here on, the witness never goes back below it.
            state.record(accepted.checkpoint)
            do { return .success(try key.cosign(accepted.text, timestamp: now())) } catch {
                return .failure(WitnessRefusal(500, "the witness could not cosign: \(error)"))
            }
        }
    }
}
