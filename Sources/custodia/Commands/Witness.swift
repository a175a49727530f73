import ArgumentParser
import CustodiaLedger
import CustodiaServer
import CustodiaStore
import Foundation
import Hummingbird
import Logging

/// `custodia witness`: a witness that an inspector runs on their own machine (C2SP
/// tlog-witness). It knows the logs it witnesses, checks that every checkpoint a log sends
/// extends the last one it cosigned, and cosigns it (C2SP tlog-cosignature).
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "A witness that cosigns a log's checkpoints once it has checked they extend what it cosigned before.",
        discussion: """
            On the inspector's machine: `custodia witness key --key w.key --name witness.example.org/w1` makes \
            the key and prints the witness's verifier key (give it to the log's operator); `custodia witness \
            add-log ORIGIN VKEY --state w.state` names a log to witness (its origin and verifier key, from \
            `custodia ledger key`); `custodia witness serve --state w.state --key w.key` answers the log's \
            POST /add-checkpoint.
            """,
        subcommands: [Key.self, AddLog.self, Serve.self])

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The witness's verifier key, name+hexkeyid+base64(0x04‖pubkey); creates the key file (mode 0600) at first use.")
        @Option(help: "The key file.") var key: String
        @Option(help: "The witness's name, for a new key (e.g. witness.example.org/w1).") var name: String?
        func run() async throws {
            print(try WitnessKeyFile.loadOrCreate(path: key, name: name).verifierKey)
        }
    }

    struct AddLog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-log", abstract: "Names a log to witness: its origin and its verifier key.")
        @Argument(help: "The log's origin (the first line of its checkpoints).") var origin: String
        @Argument(help: "The log's verifier key (custodia ledger key on the log's side).") var verifierKey: String
        @Option(help: "The witness's state file (created when missing).") var state: String
        func run() async throws {
            let verifier = try NoteVerifier(verifierKey: verifierKey)
            guard verifier.name == origin else {
                throw UserError(
                    "the verifier key is named \(verifier.name), not \(origin): Custodia's log key carries the log's origin; check both"
                )
            }
            guard (try? Checkpoint(origin: origin, size: 0, root: Merkle.emptyRoot)) != nil else {
                throw UserError("\"\(origin)\" cannot be a checkpoint's origin line")
            }
            do {
                let (journal, current) = try WitnessJournal.open(path: state)
                var next = current
                next.add(origin: origin, verifier: verifier)
                try journal.append(WitnessState.logLine(origin: origin, verifier: verifier))
                let log = next.logs[origin]!
                print("witnessing \(origin) (cosigned so far: size \(log.size))")
            } catch let error as CustomStringConvertible & Error {
                throw UserError(error.description)
            }
        }
    }

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answers POST /add-checkpoint (C2SP tlog-witness) for the logs in the state file.")
        @Option(help: "The witness's state file.") var state: String
        @Option(help: "The witness's key file.") var key: String
        @Option(help: "The address to listen on.") var host = "127.0.0.1"
        @Option(help: "The port to listen on.") var port = 7380
        func run() async throws {
            let cosigner = try WitnessKeyFile.loadOrCreate(path: key, name: nil)
            var logger = Logger(label: "custodia.witness")
            logger.logLevel = .info
            do {
                let app = try buildWitnessApplication(key: cosigner, statePath: state, host: host, port: port, logger: logger)
                logger.info("witness serving", metadata: ["address": "http://\(host):\(port)", "key": "\(cosigner.verifierKey)"])
                try await app.runService()
            } catch let error as WitnessJournalError {
                throw UserError(error.description)
            }
        }
    }
}
