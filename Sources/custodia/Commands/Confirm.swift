import ArgumentParser
import CustodiaCore
import CustodiaLedger
import CustodiaServer
import CustodiaStore
import Foundation
import HummingbirdBcrypt

/// The second person on the command line: `custodia confirm FILE --user CODE` checks that
/// user's password and prints one confirmation token per event of FILE that names them in
/// `confirmedBy`; `custodia record FILE --confirmations TOKENS` hands the tokens to the
/// custody engine, which decides whether they suffice, as it does for the API's tokens.
struct Confirm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Confirm, as the second person, the events of a JSON Lines file that name you in confirmedBy.",
        discussion: """
            The password is read from the terminal (not shown), or from standard input when it is \
            not a terminal. One token is printed per event that names the user in confirmedBy; save \
            them to a file and record with custodia record FILE --confirmations TOKENS. A token is \
            valid for that event's content only (any change to the event invalidates it), once, \
            until it expires.
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "The confirming user's code (an active user whose role may confirm).") var user: String
    @Option(help: "How many minutes the tokens stay valid (1–1440).") var validFor: Int = 15
    @Argument(help: "The JSONL file of the events, exactly as they will be recorded.") var file: String

    func validate() throws {
        try checkUserCode(user)
        guard (1...1440).contains(validFor) else {
            throw ValidationError("--valid-for must be between 1 and 1440 minutes")
        }
    }

    func run() async throws {
        let events = try readEvents(file)
        let opened = try await store.openForWriting()
        defer { Task { await opened.closeStore() } }
        let naming = events.filter { $0.event.confirmedBy.contains(user) }
        guard !naming.isEmpty else {
            throw UserError(
                "no event in \(file) names \(user) in confirmedBy; add \"confirmedBy\": [\"\(user)\"] to the events \(user) confirms")
        }
        let password =
            isatty(STDIN_FILENO) == 1 ? try Password.prompt("password for \(user): ") : try Password.readStandardInput()
        let account = try await opened.user(code: user)
        let stored = account?.active == true ? try await opened.passwordHash(user: user) : nil
        guard let account, account.active, let stored, Bcrypt.verify(password, hash: stored) else {
            throw UserError("\(user) is not an active user, or the password is not theirs; nothing was confirmed")
        }
        guard account.role.may(.confirm) else {
            throw UserError("\(user) has the role \(account.role.rawValue), which may not confirm events")
        }
        let tokens = ConfirmationTokens.commandLine(key: try LogKeyFile.load(from: store.keyPath), lifetime: TimeInterval(validFor * 60))
        var expires = Date()
        for entry in naming {
            let issued = tokens.issue(for: entry.event, user: user, now: Date())
            expires = issued.expires
            print(issued.token)
        }
        var err = StandardError()
        print(
            "\(naming.count) \(naming.count == 1 ? "event" : "events") of \(file) confirmed by \(user) (\(Self.lines(naming.map(\.line)))), valid until \(Timestamp.rfc3339(seconds: Int64(expires.timeIntervalSince1970))); record them with custodia record \(file) --confirmations TOKENS-FILE",
            to: &err)
    }
}

extension Confirm {
    /// "line 3", "lines 1, 2, 5", or the first ten and how many in all.
    static func lines(_ lines: [Int]) -> String {
        let shown = lines.prefix(10).map(String.init).joined(separator: ", ")
        if lines.count == 1 { return "line \(shown)" }
        return lines.count <= 10 ? "lines \(shown)" : "lines \(shown), … (\(lines.count) in all)"
    }
}

/// The events of a JSON Lines file with their lines; the first unreadable line is an error
/// naming it.
func readEvents(_ file: String) throws -> [(line: Int, event: Event)] {
    guard file != "-" else {
        throw UserError("confirmations need the events in a file (not standard input), read once to confirm and again to record")
    }
    guard FileManager.default.isReadableFile(atPath: file) else {
        throw UserError("cannot read \(file): no such file, or not readable")
    }
    var source = try FileJSONLinesSource(path: file)
    defer { source.close() }
    var events: [(Int, Event)] = []
    while let entry = source.next() {
        switch entry {
        case .event(let line, let event): events.append((line, event))
        case .invalid(let line, let error): throw UserError("\(file):\(line): \(error.field): \(error.message)")
        }
    }
    return events
}

/// The second people's proofs for the events of `file`, from the tokens in `tokensFile`
/// (one per line, as `custodia confirm` printed them), by line. A token that matches no
/// event, or has expired, is an error: nothing is recorded.
func commandLineConfirmations(file: String, tokensFile: String, keyPath: String) throws -> [Int: [Confirmation]] {
    let events = try readEvents(file)
    guard let text = try? String(contentsOfFile: tokensFile, encoding: .utf8) else {
        throw UserError("cannot read the confirmations file \(tokensFile): no such file, or not UTF-8 text")
    }
    var tokens: [(ConfirmationTokens.Parsed, String)] = []
    var tokenLines: [Int] = []
    for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let token = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if token.isEmpty { continue }
        guard let parsed = ConfirmationTokens.parse(token) else {
            throw UserError("\(tokensFile):\(n + 1): not a confirmation token; give the tokens custodia confirm printed, one per line")
        }
        tokens.append((parsed, token))
        tokenLines.append(n + 1)
    }
    let issuer = ConfirmationTokens.commandLine(key: try LogKeyFile.load(from: keyPath), lifetime: 0)
    let now = Int64(Date().timeIntervalSince1970)
    var proofs: [Int: [Confirmation]] = [:]
    var used: Set<String> = []
    var problems: [String] = []
    // `confirm` prints the tokens in the order of the events: each person's next token is
    // tried first, so that a large batch is matched in one pass (any order still works).
    var byUser: [String: [Int]] = [:]
    for (n, token) in tokens.enumerated() { byUser[token.0.user, default: []].append(n) }
    var next: [String: Int] = [:]
    for (line, event) in events {
        let likely = event.confirmedBy.compactMap { code in
            byUser[code].flatMap { mine in next[code, default: 0] < mine.count ? tokens[mine[next[code, default: 0]]] : nil }
        }
        var found = issuer.proofs(for: event, tokens: likely, now: now)
        if found.proofs.count + found.expired.count < event.confirmedBy.count {
            found = issuer.proofs(for: event, tokens: tokens, now: now)
        }
        for proof in found.proofs where likely.contains(where: { ConfirmationTokens.id(of: $0.1) == proof.id }) {
            next[proof.user, default: 0] += 1
        }
        if !found.proofs.isEmpty { proofs[line] = found.proofs }
        for proof in found.proofs { used.insert(proof.id) }
        for (n, user) in found.expired {
            problems.append("\(file):\(line): confirmedBy[\(n)]: the confirmation from \(user) has expired; ask \(user) to run custodia confirm again")
        }
    }
    for (n, token) in tokens.enumerated() where !used.contains(ConfirmationTokens.id(of: token.1)) {
        let named = events.contains { $0.event.confirmedBy.contains(token.0.user) && issuer.matches(token.0, event: $0.event) }
        if !named {
            problems.append(
                "\(tokensFile):\(tokenLines[n]): the token from \(token.0.user) is for none of the events of \(file) that name \(token.0.user); an event changed after it was confirmed needs a new confirmation"
            )
        }
    }
    guard problems.isEmpty else { throw UserError(problems.joined(separator: "\n") + "\nnothing was written") }
    return proofs
}

extension Password {
    /// Reads a password typed at the terminal without showing it.
    static func prompt(_ message: String) throws -> String {
        FileHandle.standardError.write(Data(message.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw UserError("no password was typed; nothing was confirmed")
        }
        return line
    }
}
