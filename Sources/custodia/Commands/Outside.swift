import ArgumentParser
import CustodiaLedger
import CustodiaQR
import CustodiaServer
import CustodiaStore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The public side of a log over HTTP (C2SP tlog-tiles): its checkpoint and its hash tiles,
/// which need no account.
struct PublicLog {
    let base: String
    let session: URLSession

    init(url: String) throws {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        guard let parsed = URL(string: base), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil else {
            throw LogCheckFailure(.usage, "\(url) is not an http:// or https:// URL of a Custodia server")
        }
        self.base = base
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration)
    }

    func get(_ path: String, limit: Int) async throws(LogCheckFailure) -> [UInt8] {
        guard let url = URL(string: base + "/tlog/" + path) else { throw LogCheckFailure(.usage, "bad URL \(base)") }
        let data: Data
        let response: URLResponse
        do { (data, response) = try await session.data(from: url) } catch {
            throw LogCheckFailure(.unavailable, "cannot read \(url): \((error as NSError).localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            throw LogCheckFailure(.unavailable, "\(url) answered HTTP \(status)")
        }
        guard data.count <= limit else { throw LogCheckFailure(.unavailable, "\(url) answered more than \(limit) bytes") }
        return [UInt8](data)
    }

    func checkpoint() async throws(LogCheckFailure) -> String {
        String(decoding: try await get("checkpoint", limit: 64 * 1024), as: UTF8.self)
    }

    /// A consistency proof from `old` to `new` (`new` the size of the log's latest
    /// checkpoint), computed here from the log's public hash tiles.
    func consistencyProof(old: Int64, new: Int64) async throws -> [TreeHash] {
        try await FetchedTiles.compute(size: new, fetch: tile) { try $0.consistencyProof(old: old, new: new) }
    }

    func tile(_ wanted: FetchedTiles.Wanted) async throws -> [TreeHash] {
        let bytes = try await get(wanted.path, limit: 32 * 256)
        guard bytes.count == 32 * wanted.width else {
            throw LogCheckFailure(.unavailable, "the tile \(wanted.path) has \(bytes.count) bytes, not \(32 * wanted.width)")
        }
        return stride(from: 0, to: bytes.count, by: 32).map { TreeHash(bytes: Array(bytes[$0..<($0 + 32)]))! }
    }
}

/// Witness keys and a quorum given on a command line.
struct WitnessOptions: ParsableArguments {
    @Option(
        name: .customLong("witness"),
        help: "A witness you trust, by its verifier key (name+hexkeyid+base64); repeat for several.")
    var witnesses: [String] = []
    @Option(help: "How many of the witnesses must have cosigned (default: all of them).") var quorum: Int?

    func policy() throws(LogCheckFailure) -> WitnessPolicy {
        try Self.policy(witnesses: witnesses, quorum: quorum)
    }

    static func policy(witnesses: [String], quorum: Int?) throws(LogCheckFailure) -> WitnessPolicy {
        var verifiers: [CosignatureVerifier] = []
        for key in witnesses {
            // `URL=VKEY`, as the server takes it, is accepted too.
            let vkey = key.hasPrefix("http://") || key.hasPrefix("https://") ? String(key.drop { $0 != "=" }.dropFirst()) : key
            do { verifiers.append(try CosignatureVerifier(verifierKey: vkey)) } catch {
                throw LogCheckFailure(.usage, "--witness \(key.prefix(80)): not a witness verifier key (\(error))")
            }
        }
        return try WitnessPolicy(witnesses: verifiers, quorum: quorum)
    }
}

/// Exit statuses of the checks an inspector runs, one per kind of problem, so that cron or a
/// script can tell them apart.
extension LogCheckFailure {
    var exitCode: Int32 {
        switch kind {
        case .usage: 64
        case .unavailable: 69
        case .malformed: 65
        case .signature: 10
        case .quorum: 11
        case .rollback: 12
        case .fork: 13
        case .inclusion: 14
        }
    }

    func exit() -> ExitCode {
        FileHandle.standardError.write(Data("custodia: \(message)\n".utf8))
        return ExitCode(exitCode)
    }
}

func logVerifier(_ key: String) throws(LogCheckFailure) -> NoteVerifier {
    do { return try NoteVerifier(verifierKey: key) } catch {
        throw LogCheckFailure(.usage, "--key is not the log's verifier key (custodia ledger key prints it): \(error)")
    }
}

extension Ledger {
    struct Monitor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a live log from outside: signature, witnesses' cosignatures, and that it only grew since the last run.",
            discussion: """
                Run it from your own machine, by hand or from cron. It fetches URL/tlog/checkpoint, checks the log's \
                signature with --key and the cosignatures of the --witness keys (at least --quorum of them), then \
                compares the checkpoint with the one kept in --state from the last run: a smaller tree is a rollback, \
                the same size with another root or a larger tree that does not extend it (checked by a consistency \
                proof computed from the public hash tiles) is a fork. On success the state file keeps the new \
                checkpoint. Exit status: 0 fine; 10 bad signature; 11 quorum not met; 12 rollback; 13 fork; \
                65 malformed answer or state; 69 server unreachable; 64 bad arguments.
                """)
        @Argument(help: "The Custodia server, e.g. https://registry.example.org.") var url: String
        @Option(help: "The log's verifier key (from the registry's ledger page or `custodia ledger key`).") var key: String
        @Option(help: "The file that keeps the last checkpoint believed (created on the first run).") var state: String
        @OptionGroup var witnessOptions: WitnessOptions

        func run() async throws {
            do { print(try await check()) } catch let failure as LogCheckFailure { throw failure.exit() }
        }

        func check() async throws -> String {
            let log = try logVerifier(key)
            let policy = try witnessOptions.policy()
            let server = try PublicLog(url: url)
            let note = try await server.checkpoint()
            let current = try CosignedCheckpoint.verify(note, log: log, policy: policy)
            var previous: Checkpoint?
            if FileManager.default.fileExists(atPath: state) {
                guard let data = FileManager.default.contents(atPath: state) else {
                    throw LogCheckFailure(.usage, "cannot read the state file \(state)")
                }
                do {
                    previous = try CosignedCheckpoint.verify(String(decoding: data, as: UTF8.self), log: log, policy: .none)
                        .checkpoint
                } catch {
                    throw LogCheckFailure(
                        .malformed, "the state file \(state) does not hold a checkpoint of this log signed by --key: \(error)")
                }
            }
            var outcome: String
            switch try LogHistory.step(from: previous, to: current.checkpoint) {
            case .first: outcome = "first checkpoint kept"
            case .unchanged: outcome = "unchanged since the last run"
            case .grown(let before):
                let proof = try await server.consistencyProof(old: before.size, new: current.checkpoint.size)
                try LogHistory.checkExtends(current.checkpoint, previous: before, proof: proof)
                outcome = "grew from \(before.size), consistent"
            }
            try Self.keep(note, at: state)
            let witnesses =
                current.cosigners.isEmpty ? "" : "; cosigned by \(current.cosigners.map(\.name).joined(separator: ", "))"
            return "OK \(current.checkpoint.origin) size \(current.checkpoint.size): \(outcome)\(witnesses)"
        }

        /// Writes the state file whole, or not at all.
        static func keep(_ note: String, at path: String) throws(LogCheckFailure) {
            let temporary = path + ".tmp"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(note.utf8)),
                rename(temporary, path) == 0
            else { throw LogCheckFailure(.usage, "cannot write the state file \(path)") }
        }
    }

    struct CheckReceipt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-receipt",
            abstract: "Check a hand-over receipt: offline against its checkpoint, and with --url against the live log.",
            discussion: """
                Offline: the checkpoint's signature (by the key the receipt names, or --key), the cosignatures of the \
                --witness keys, the inclusion proof from the entry's leaf hash to the checkpoint's root, and the entry \
                when the receipt carries it. With --url: that the log's current checkpoint, signed by the same key, \
                extends the receipt's. Exit status as for `custodia ledger monitor`; 14 when the entry is not proved.
                """)
        @Argument(help: "The receipt file (from `custodia receipt`, the web receipt, or a scanned QR code); - for standard input.")
        var file: String
        @Option(help: "The Custodia server whose current log to check the receipt against.") var url: String?
        @Option(help: "The log's verifier key, when you hold it (else the receipt's key is shown for you to compare).")
        var key: String?
        @OptionGroup var witnessOptions: WitnessOptions

        func run() async throws {
            do { print(try await check()) } catch let failure as LogCheckFailure { throw failure.exit() }
        }

        func check() async throws -> String {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
            guard let data else { throw LogCheckFailure(.usage, "cannot read \(file)") }
            let receipt = try Receipt(text: String(decoding: data, as: UTF8.self))
            let given = try key.map(logVerifier)
            let verified = try receipt.verify(log: given, policy: try witnessOptions.policy())
            let checkpoint = verified.checkpoint.checkpoint
            var lines = [
                "OK entry \(receipt.index) is in \(checkpoint.origin) at size \(checkpoint.size) (leaf \(receipt.leafHash.base64))",
                given == nil
                    ? "signed by \(receipt.logKey) (the key on the receipt: compare it with the one the registry publishes)"
                    : "signed by the key given",
            ]
            if !verified.checkpoint.cosigners.isEmpty {
                lines.append("cosigned by \(verified.checkpoint.cosigners.map(\.name).joined(separator: ", "))")
            }
            if let entry = verified.entry { lines.append("entry " + String(decoding: entry, as: UTF8.self)) }
            if let url {
                let log = try given ?? NoteVerifier(verifierKey: receipt.logKey)
                let server = try PublicLog(url: url)
                let current = try CosignedCheckpoint.verify(try await server.checkpoint(), log: log, policy: .none)
                switch try LogHistory.step(from: checkpoint, to: current.checkpoint) {
                case .first, .unchanged: lines.append("the log at \(url) is at the receipt's checkpoint")
                case .grown(let before):
                    let proof = try await server.consistencyProof(old: before.size, new: current.checkpoint.size)
                    try LogHistory.checkExtends(current.checkpoint, previous: before, proof: proof)
                    lines.append("the log at \(url) has grown to \(current.checkpoint.size) and still contains it")
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}

/// `custodia receipt SEQ`: the receipt of one recorded event, for its parties and for anyone
/// they show it to.
struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: "The receipt of event SEQ: its leaf hash, inclusion proof and cosigned checkpoint, as text and a QR code.",
        discussion: """
            Prints the receipt (with the entry itself); `custodia ledger check-receipt` checks it. --qr writes the \
            QR code of the receipt without the entry (SVG, or PBM when the name ends in .pbm); --terminal draws it. \
            The checkpoint is the latest one including the event that the witnesses cosigned (--witness keys and \
            --quorum, or $CUSTODIA_WITNESSES as the server takes them); if none has yet, the latest signed one.
            """)
    @OptionGroup var store: StoreOptions
    @Argument(help: "The event's seq (its index in the ledger).") var seq: Int64
    @OptionGroup var witnessOptions: WitnessOptions
    @Option(help: "Write the QR code to this file (.svg or .pbm).") var qr: String?
    @Flag(help: "Draw the QR code in the terminal after the receipt.") var terminal = false

    func run() async throws {
        var keys = witnessOptions.witnesses
        if keys.isEmpty, let configured = ProcessInfo.processInfo.environment["CUSTODIA_WITNESSES"] {
            keys = configured.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init)
        }
        let policy: WitnessPolicy
        do { policy = try WitnessOptions.policy(witnesses: keys, quorum: witnessOptions.quorum) } catch {
            throw UserError(error.message)
        }
        let opened = try await store.openForReading()
        guard
            let receipt = try await opened.receipt(
                seq: seq, witnesses: policy.witnesses.map(\.verifierKey), quorum: policy.quorum)
        else {
            throw UserError("there is no event \(seq) in a signed checkpoint; `custodia ledger checkpoint` shows the size")
        }
        print(receipt.text, terminator: "")
        guard qr != nil || terminal else { return }
        let code: QRCode
        do { code = try QRCode(receipt.withoutEntry.text) } catch { throw UserError("\(error)") }
        if let qr {
            let body = qr.hasSuffix(".pbm") ? code.pbm() : code.svg(title: "Custodia receipt \(seq)")
            guard FileManager.default.createFile(atPath: qr, contents: Data(body.utf8)) else {
                throw UserError("cannot write \(qr)")
            }
        }
        if terminal { print("\n" + code.terminal, terminator: "") }
    }
}
