/// A witness's memory: for each log it witnesses (by origin), the log's verifier key and the
/// latest checkpoint it cosigned (size and root).
///
/// Kept as a journal of lines, each ending in a newline, appended as things happen and
/// read back whole at start (the last line of an origin wins):
///
/// ```
/// log\t<origin>\t<log verifier key>
/// cosigned\t<origin>\t<size>\t<base64 root>
/// ```
///
/// A last line without its newline was being written when the witness stopped, and was never
/// acknowledged: it is ignored.
public struct WitnessState: Sendable, Equatable {
    public struct Log: Sendable, Equatable {
        public var origin: String
        public var verifier: NoteVerifier
        /// The size of the latest checkpoint cosigned (0 before the first).
        public var size: Int64
        /// Its root (nil before the first).
        public var root: TreeHash?
    }

    public private(set) var logs: [String: Log] = [:]

    public init() {}

    /// Reads a journal.
    ///
    /// - Throws: `WitnessStateError` naming the line that is not a journal line.
    public init(journal: String) throws(WitnessStateError) {
        var lines = journal.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The text after the last newline: an unfinished line, never acknowledged.
        lines.removeLast()
        for (n, line) in lines.enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            func bad(_ why: String) -> WitnessStateError { WitnessStateError(line: n + 1, message: why) }
            switch fields.first {
            case "log":
                guard fields.count == 3, let verifier = try? NoteVerifier(verifierKey: fields[2]) else {
                    throw bad("a log line is `log<TAB>origin<TAB>verifier key`")
                }
                let previous = logs[fields[1]]
                logs[fields[1]] = Log(origin: fields[1], verifier: verifier, size: previous?.size ?? 0, root: previous?.root)
            case "cosigned":
                guard fields.count == 4, let size = Int64(fields[2]), size >= 0, let root = TreeHash(base64: fields[3]) else {
                    throw bad("a cosigned line is `cosigned<TAB>origin<TAB>size<TAB>base64 root`")
                }
                guard logs[fields[1]] != nil else { throw bad("a checkpoint of \(fields[1]), which no log line names before") }
                logs[fields[1]]?.size = size
                logs[fields[1]]?.root = root
            default:
                throw bad("not a journal line (log or cosigned)")
            }
        }
    }

    /// The whole state as a journal (for a compacted copy).
    public var journal: String {
        logs.keys.sorted().map { origin in
            let log = logs[origin]!
            var text = Self.logLine(origin: origin, verifier: log.verifier)
            if let root = log.root { text += Self.cosignedLine(origin: origin, size: log.size, root: root) }
            return text
        }.joined()
    }

    /// Adds a log to witness; its verifier key may be replaced, its cosigned state stays.
    public mutating func add(origin: String, verifier: NoteVerifier) {
        let previous = logs[origin]
        logs[origin] = Log(origin: origin, verifier: verifier, size: previous?.size ?? 0, root: previous?.root)
    }

    /// Records a cosigned checkpoint.
    public mutating func record(_ checkpoint: Checkpoint) {
        logs[checkpoint.origin]?.size = checkpoint.size
        logs[checkpoint.origin]?.root = checkpoint.root
    }

    public static func logLine(origin: String, verifier: NoteVerifier) -> String {
        "log\t\(origin)\t\(verifier.verifierKey)\n"
    }

    public static func cosignedLine(origin: String, size: Int64, root: TreeHash) -> String {
        "cosigned\t\(origin)\t\(size)\t\(root.base64)\n"
    }
}

/// A line of a witness's journal that cannot be read.
public struct WitnessStateError: Error, Sendable, CustomStringConvertible {
    public let line: Int
    public let message: String
    public var description: String {
        "line \(line) of the witness state: \(message); restore the state file from its backup"
    }
}

/// The body of C2SP tlog-witness `add-checkpoint`: `old <size>`, up to 63 base64 hashes of a
/// consistency proof, an empty line, then the signed checkpoint.
public struct AddCheckpoint: Sendable, Equatable {
    public let oldSize: Int64
    public let proof: [TreeHash]
    /// The signed note, as sent.
    public let note: String

    public init(oldSize: Int64, proof: [TreeHash], note: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.note = note
    }

    /// The request body.
    public var body: String {
        "old \(oldSize)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + note
    }

    /// Reads a request body.
    ///
    /// - Throws: a 400 `WitnessRefusal` saying what is malformed.
    public init(body: [UInt8]) throws(WitnessRefusal) {
        guard body.count <= 64 * 1024 else { throw .malformed("the body is larger than 64 KiB") }
        var lines: [ArraySlice<UInt8>] = []
        var index = body.startIndex
        var noteStart: Int?
        while index < body.endIndex, let newline = body[index...].firstIndex(of: 0x0A) {
            let line = body[index..<newline]
            index = newline + 1
            if line.isEmpty {
                noteStart = index
                break
            }
            lines.append(line)
        }
        guard let noteStart else { throw .malformed("there is no empty line before the checkpoint") }
        guard let first = lines.first, first.starts(with: Array("old ".utf8)) else {
            throw .malformed("the body does not start with `old <size>`")
        }
        let digits = String(decoding: first.dropFirst(4), as: UTF8.self)
        guard let old = Int64(digits), old >= 0, String(old) == digits else {
            throw .malformed("the old size is not a decimal number without sign or leading zeros")
        }
        let hashes = lines.dropFirst()
        guard hashes.count <= 63 else { throw .malformed("the consistency proof has more than 63 hashes") }
        var proof: [TreeHash] = []
        for line in hashes {
            guard let hash = TreeHash(base64: String(decoding: line, as: UTF8.self)) else {
                throw .malformed("a consistency proof line is not base64 of a 32-byte hash")
            }
            proof.append(hash)
        }
        oldSize = old
        self.proof = proof
        note = String(decoding: body[noteStart...], as: UTF8.self)
    }
}

/// Why a witness does not cosign: the HTTP status C2SP tlog-witness prescribes, and the body.
public struct WitnessRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: Int
    public let message: String
    /// The body to answer with (`message` and a newline, or for a stale old size the
    /// witness's size).
    public let body: String
    public let contentType: String

    public init(_ status: Int, _ message: String, body: String? = nil, contentType: String = "text/plain; charset=utf-8") {
        self.status = status
        self.message = message
        self.body = body ?? message + "\n"
        self.contentType = contentType
    }

    static func malformed(_ why: String) -> WitnessRefusal { WitnessRefusal(400, "malformed add-checkpoint request: \(why)") }

    public var description: String { "\(status): \(message)" }
}

/// The checks of C2SP tlog-witness `add-checkpoint`, pure: what the witness answers and what
/// it must remember before answering.
public enum Witness {
    /// A checkpoint the witness may cosign: the parsed checkpoint and its text.
    public struct Accepted: Sendable, Equatable {
        public let checkpoint: Checkpoint
        public let text: String
    }

    /// Checks `request` against the witness's `state`: the log must be known by its origin
    /// (404), signed by its key (403), no smaller than the old size (400), continue from the
    /// checkpoint the witness cosigned last (409, with that size as `text/x.tlog.size`),
    /// keep the same root at the same size (409), and extend it by a valid consistency proof
    /// (422).
    public static func check(_ request: AddCheckpoint, state: WitnessState) -> Result<Accepted, WitnessRefusal> {
        let origin = String(request.note.prefix { $0 != "\n" })
        guard let log = state.logs[origin] else {
            return .failure(WitnessRefusal(404, "this witness does not witness the log \(origin.prefix(200))"))
        }
        let opened: SignedNote.Opened
        do {
            opened = try SignedNote.open(request.note, verifiers: [log.verifier])
        } catch {
            if error.code == .malformedNote || error.code == .malformedText {
                return .failure(WitnessRefusal(400, "the checkpoint is not a signed note: \(error.description)"))
            }
            return .failure(WitnessRefusal(403, "the checkpoint is not signed by the key of \(origin): \(error.description)"))
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: opened.text) } catch {
            return .failure(WitnessRefusal(400, "the note is not a checkpoint: \(error)"))
        }
        guard checkpoint.origin == origin else { return .failure(WitnessRefusal(400, "the checkpoint's origin line is malformed")) }
        guard request.oldSize <= checkpoint.size else {
            return .failure(
                WitnessRefusal(400, "the old size \(request.oldSize) is larger than the checkpoint's size \(checkpoint.size)"))
        }
        guard request.oldSize == log.size else {
            return .failure(
                WitnessRefusal(
                    409, "the latest checkpoint cosigned for \(origin) has size \(log.size), not \(request.oldSize)",
                    body: "\(log.size)\n", contentType: "text/x.tlog.size"))
        }
        let oldRoot = log.root ?? Merkle.emptyRoot
        if checkpoint.size == log.size {
            guard checkpoint.root == oldRoot else {
                return .failure(
                    WitnessRefusal(
                        409,
                        "the checkpoint of size \(checkpoint.size) has another root than the one cosigned at that size: the log forked"
                    ))
            }
            guard request.proof.isEmpty else {
                return .failure(WitnessRefusal(422, "a consistency proof between equal sizes is empty; this one has \(request.proof.count) hashes"))
            }
        } else {
            do {
                try Merkle.verifyConsistency(
                    oldSize: request.oldSize, newSize: checkpoint.size, oldRoot: oldRoot, newRoot: checkpoint.root,
                    proof: request.proof)
            } catch {
                return .failure(
                    WitnessRefusal(
                        422,
                        "the consistency proof from \(request.oldSize) to \(checkpoint.size) does not verify: \(error)"))
            }
        }
        return .success(Accepted(checkpoint: checkpoint, text: opened.text))
    }
}
