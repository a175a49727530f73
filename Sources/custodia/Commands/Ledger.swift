import ArgumentParser
import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation

struct Ledger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The tamper-evident ledger: key, checkpoints, entries, proofs, and checks by outside parties.",
        subcommands: [Key.self, CheckpointCommand.self, Entries.self, Prove.self, Check.self, Monitor.self, CheckReceipt.self])

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The verifier key line: name+hexkeyid+base64(0x01‖pubkey).")
        @OptionGroup var store: StoreOptions
        func run() async throws { print(try await store.openForReading().verifierKey()) }
    }

    struct CheckpointCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint", abstract: "The latest signed checkpoint (or the one stored for --size), exactly as signed."
        )
        @OptionGroup var store: StoreOptions
        @Option(help: "The tree size of a stored checkpoint.") var size: Int64?
        func run() async throws {
            guard let note = try await store.openForReading().checkpoint(size: size) else {
                throw UserError(
                    size.map { "no checkpoint is stored for size \($0); checkpoints exist for each committed batch" }
                        ?? "the ledger has no checkpoint yet; record something first")
            }
            print(note, terminator: "")
        }
    }

    struct Entries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The leaf bytes (canonical JSON) of events A..B-1, one per line.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The first event (default 0).") var from: Int64 = 0
        @Option(help: "One past the last event (default: the ledger's size).") var to: Int64?
        func run() async throws {
            let opened = try await store.openForReading()
            let size = try await opened.ledgerSize()
            let end = to ?? size
            guard from >= 0, from <= end, end <= size else {
                throw UserError(
                    "the range \(from)..<\(end) is outside the ledger of \(size) events; give 0 ≤ --from ≤ --to ≤ \(size)")
            }
            var out = [UInt8]()
            out.reserveCapacity(1 << 20)
            var next = from
            while next < end {
                let upTo = min(end, next + 4096)
                for entry in try await opened.entries(from: next, to: upTo) {
                    out.append(contentsOf: entry.leaf)
                    out.append(0x0A)
                }
                if out.count > 1 << 20 {
                    FileHandle.standardOutput.write(Data(out))
                    out.removeAll(keepingCapacity: true)
                }
                next = upTo
            }
            FileHandle.standardOutput.write(Data(out))
        }
    }

    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inclusion and consistency proofs.", subcommands: [Inclusion.self, Consistency.self])

        struct Inclusion: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Prove that event INDEX is in the tree of size N.")
            @OptionGroup var store: StoreOptions
            @Argument var index: Int64
            @Option(help: "The tree size (default: the ledger's size).") var size: Int64?
            @Flag var json = false
            func run() async throws {
                let opened = try await store.openForReading()
                let latest = try await opened.ledgerSize()
                let n = size ?? latest
                let p = try await opened.inclusionProof(index: index, size: n)
                if json {
                    printJSON(
                        .object([
                            ("index", .int(p.index)), ("size", .int(p.size)), ("leafHash", .string(p.leafHash.hex)),
                            ("root", .string(p.root.hex)), ("proof", .array(p.proof.map { .string($0.hex) })),
                        ]))
                } else {
                    print("event \(p.index) in the tree of size \(p.size)\nleaf hash \(p.leafHash.hex)\nroot      \(p.root.hex)")
                    for h in p.proof { print("  \(h.hex)") }
                }
            }
        }

        struct Consistency: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Prove that the tree of size NEW extends the tree of size OLD.")
            @OptionGroup var store: StoreOptions
            @Argument var old: Int64
            @Argument var new: Int64
            @Flag var json = false
            func run() async throws {
                let p = try await store.openForReading().consistencyProof(old: old, new: new)
                if json {
                    printJSON(
                        .object([
                            ("old", .int(p.old)), ("new", .int(p.new)), ("oldRoot", .string(p.oldRoot.hex)),
                            ("newRoot", .string(p.newRoot.hex)), ("proof", .array(p.proof.map { .string($0.hex) })),
                        ]))
                } else {
                    print("size \(p.old) → \(p.new)\nold root \(p.oldRoot.hex)\nnew root \(p.newRoot.hex)")
                    for h in p.proof { print("  \(h.hex)") }
                }
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a checkpoint (and entries) handed to you, without the database.",
            discussion: "Checks the checkpoint's signature with KEYLINE and, with --entries, that the entries hash to its root.")
        @Option(help: "The log's verifier key line (from `custodia ledger key`).") var key: String
        @Option(help: "The signed checkpoint file.") var checkpoint: String
        @Option(help: "The entries file (from `custodia ledger entries`), one leaf per line.") var entries: String?

        func run() async throws {
            let verifier: NoteVerifier
            do { verifier = try NoteVerifier(verifierKey: key) } catch { throw UserError("the key line is malformed: \(error)") }
            guard let noteData = FileManager.default.contents(atPath: checkpoint) else {
                throw UserError("cannot read \(checkpoint)")
            }
            let text: String
            do { text = try SignedNote.open(String(decoding: noteData, as: UTF8.self), verifiers: [verifier]).text } catch {
                throw UserError("FAILED: the checkpoint's signature does not verify: \(error)")
            }
            let cp: Checkpoint
            do { cp = try Checkpoint(text: text) } catch { throw UserError("FAILED: the checkpoint is malformed: \(error)") }
            print("signature OK: \(cp.origin), size \(cp.size), root \(cp.root.hex)")
            guard let entries else { return }
            guard let data = FileManager.default.contents(atPath: entries) else { throw UserError("cannot read \(entries)") }
            var tree = TreeAppender()
            data.withUnsafeBytes { raw in
                var start = 0
                for i in 0..<raw.count where raw[i] == 0x0A {
                    tree.append(leafHash: Merkle.leafHash(UnsafeRawBufferPointer(rebasing: raw[start..<i])))
                    start = i + 1
                }
                if start < raw.count { tree.append(leafHash: Merkle.leafHash(UnsafeRawBufferPointer(rebasing: raw[start...]))) }
                _ = tree.takeDirtyTiles()
            }
            guard tree.size == cp.size else {
                throw UserError("FAILED: \(entries) holds \(tree.size) entries but the checkpoint is for \(cp.size)")
            }
            guard tree.root() == cp.root else {
                throw UserError("FAILED: the entries hash to root \(tree.root().hex), not the checkpoint's \(cp.root.hex)")
            }
            print("entries OK: \(tree.size) entries hash to the checkpoint's root")
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute every leaf, tree hash and state row from the events; check every checkpoint.",
        discussion: "Each run is recorded in the store (when, the ledger size, whether it held) for the web pages.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let opened = try await store.openForReading()
        let r = try await opened.verify()
        // Every run is kept (insert-only), so that the dashboard and the ledger page can say
        // when the ledger was last verified and whether it held.
        do {
            try await opened.recordVerification(
                VerificationRecord(verifiedAt: Clock.now(), size: r.events, ok: r.divergence == nil, divergence: r.divergence))
        } catch {
            var err = StandardError()
            print("warning: the run could not be recorded in the store (\(error)); the result below stands", to: &err)
        }
        if let d = r.divergence {
            throw UserError("verification FAILED at \(d)")
        }
        let mb = Double(r.leafBytes) / 1_000_000
        let hashRate = r.hashSeconds > 0 ? mb / r.hashSeconds : 0
        let replayRate = r.replaySeconds > 0 ? Double(r.events) / r.replaySeconds : 0
        print(
            """
            verified: all \(r.events) events (\(String(format: "%.1f", mb)) MB of leaves) hash to the stored tree \
            (\(r.tiles) full tiles checked) and to each of the \(r.checkpoints) signed checkpoints, whose signatures \
            and mutual consistency hold; replaying the events reproduces every state row (\(r.items) items, \
            \(r.lotBalances) lot balances, \(r.holders) holders, \(r.users) users, \(r.tokens) API tokens). \
            Hashing took \(String(format: "%.2f", r.hashSeconds)) s \
            (\(String(format: "%.0f", hashRate)) MB/s), replay \(String(format: "%.2f", r.replaySeconds)) s \
            (\(String(format: "%.0f", replayRate)) events/s).
            """)
    }
}
