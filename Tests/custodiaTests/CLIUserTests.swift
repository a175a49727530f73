import CustodiaSQLite
import CustodiaStore
import Foundation
import Testing

/// bcrypt at its minimum cost, so that the tests do not spend seconds hashing.
private let fastBcrypt = ["CUSTODIA_BCRYPT_COST": "4"]
private let password = Data("correct horse battery\n".utf8)

/// Runs `body` with a CLI whose bcrypt cost is the minimum.
private func withUserCLI(_ body: (CLI) async throws -> Void) async throws {
    try await withCLI { base in
        var cli = base
        cli.environment.merge(fastBcrypt) { $1 }
        try await body(cli)
    }
}

extension CLI {
    /// A store with the holder tree only: events 0–7.
    func storeWithHolders(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try initStore(sourceLocation: sourceLocation)
        try write("holders.csv", holdersCSV)
        try ok("import", "holders", "holders.csv", sourceLocation: sourceLocation)
    }

    /// The ledger's size, from `ledger entries`.
    func size(sourceLocation: SourceLocation = #_sourceLocation) throws -> Int { try state(sourceLocation: sourceLocation).size }
}

@Suite(.timeLimit(.minutes(5))) struct CLIUserTests {
    @Test func usersAreAddedListedChangedAndDisabled() async throws {
        try await withUserCLI { cli in
            try cli.storeWithHolders()
            var r = try cli("user", "add", "ana", "--role", "clerk", "--scope", "S1", stdin: password)
            try #require(r.succeeded, "\(r)")
            #expect(r.stdout.contains("user-add ana (clerk, scope S1) recorded as event 8"), "\(r)")
            #expect(!r.stdout.contains("password"), "a password given on standard input is never printed")

            r = try cli("user", "add", "root", "--role", "admin", "--generate-password")
            try #require(r.succeeded, "\(r)")
            let generated = try #require(
                r.stdout.split(separator: "\n").first { $0.hasPrefix("password: ") }?.dropFirst("password: ".count))
            #expect(generated.count >= 20)
            #expect(r.stdout.contains("shown once"))

            r = try cli.ok("user", "list", "--json")
            let listed = try #require(try r.json() as? [[String: Any]])
            #expect(listed.count == 2)
            #expect(listed[0]["code"] as? String == "ana" && listed[0]["role"] as? String == "clerk")
            #expect(listed[0]["scope"] as? String == "S1" && listed[0]["active"] as? Bool == true)
            #expect(listed[1]["code"] as? String == "root" && listed[1]["scope"] is NSNull)
            #expect(Set(listed[0].keys) == ["code", "role", "scope", "active"], "listings never include hashes")

            try cli.ok("user", "change", "ana", "--role", "inspector")
            try cli.ok("user", "change", "ana", "--scope", "Z1")
            r = try cli.ok("user", "change", "ana", "--role", "auditor", "--unscoped")
            #expect(r.stdout.contains("user-change ana (auditor, the whole register) recorded as event 12"), "\(r)")
            r = try cli.ok("user", "disable", "ana")
            #expect(r.stdout.contains("user-disable ana recorded as event 13"))

            r = try cli.ok("user", "list")
            let anaLine = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("ana ") })
            #expect(anaLine.contains("auditor") && anaLine.contains("(everything)") && anaLine.contains("disabled"), "\(r)")
            let rootLine = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("root ") })
            #expect(rootLine.contains("admin") && rootLine.contains("active"))

            // The ledger holds codes, roles and scopes; the password store holds bcrypt hashes.
            let entries = try cli.ok("ledger", "entries").stdout
            #expect(entries.contains(#""user":{"code":"ana","role":"clerk","scope":"S1"}"#))
            #expect(!entries.contains("correct horse") && !entries.contains(String(generated)) && !entries.contains("$2"))
            let hashes = try sqlite3(cli.database, "SELECT user || ' ' || hash FROM password_hashes ORDER BY id;")
                .split(separator: "\n")
            #expect(hashes.count == 2)
            #expect(hashes.allSatisfy { $0.contains(" $2") && $0.contains("$04$") }, "\(hashes)")
            #expect(!hashes.joined().contains("correct horse"))

            r = try cli.ok("verify")
            #expect(r.stdout.contains("2 users"), "\(r)")
        }
    }

    @Test func theBcryptCostComesFromTheOptionOrTheEnvironmentAndIsChecked() async throws {
        try await withUserCLI { cli in
            try cli.storeWithHolders()
            try cli.ok("user", "add", "ana", "--role", "viewer", "--scope", "S1", "--bcrypt-cost", "5", stdin: password)
            #expect(try sqlite3(cli.database, "SELECT hash FROM password_hashes WHERE user = 'ana';").contains("$05$"))
            let before = try cli.size()
            var r = try cli.run(
                ["user", "add", "bob", "--role", "viewer", "--scope", "S1"], stdin: password,
                environment: ["CUSTODIA_BCRYPT_COST": "3"])
            #expect(!r.succeeded && r.stderr.contains("bcrypt cost must be a whole number from 4 to 31"), "\(r)")
            r = try cli.run(["user", "add", "bob", "--role", "viewer", "--scope", "S1", "--bcrypt-cost", "40"], stdin: password)
            #expect(!r.succeeded && r.stderr.contains("--bcrypt-cost is 40"), "\(r)")
            #expect(try cli.size() == before)
            #expect(!(try cli.ok("user", "add", "--help").stdout.contains("bcrypt-cost")), "the cost option is hidden")
        }
    }

    @Test func badUserInputIsRefusedClearlyAndWritesNothing() async throws {
        try await withUserCLI { cli in
            try cli.storeWithHolders()
            try cli.ok("user", "add", "ana", "--role", "clerk", "--scope", "S1", stdin: password)
            let before = try cli.state()
            let cases: [([String], Data?, [String])] = [
                (
                    ["user", "add", "bob", "--role", "boss"], password,
                    ["viewer", "clerk", "custodian", "inspector", "auditor", "admin"]
                ),
                (["user", "add", "bob", "--role", "clerk", "--scope", "NOWHERE"], password, ["scope: unknown holder NOWHERE"]),
                (["user", "add", "bob", "--role", "clerk"], password, ["scope: missing", "only auditor and admin"]),
                (
                    ["user", "add", "bob", "--role", "clerk", "--scope", "S1"], Data("short pw\n".utf8),
                    ["too short", "at least 12"]
                ),
                (["user", "add", "bob", "--role", "clerk", "--scope", "S1"], nil, ["no password on standard input"]),
                (
                    ["user", "add", "bob", "--role", "clerk", "--scope", "S1"], Data(String(repeating: "x", count: 80).utf8),
                    ["too long"]
                ),
                (["user", "add", "bob perez", "--role", "clerk", "--scope", "S1"], password, ["not a user code"]),
                (["user", "add", "ana", "--role", "viewer", "--scope", "S1"], password, ["user ana already exists"]),
                (["user", "change", "ana"], nil, ["nothing to change", "--role, --scope or --unscoped"]),
                (["user", "change", "ana", "--scope", "S1", "--unscoped"], nil, ["contradict"]),
                (["user", "change", "ana", "--unscoped"], nil, ["ana is a clerk", "only auditor and admin"]),
                (["user", "change", "ana", "--role", "clerk"], nil, ["already has role clerk and scope S1"]),
                (["user", "change", "zed", "--role", "viewer"], nil, ["unknown user zed"]),
                (["user", "disable", "zed"], nil, ["unknown user zed"]),
                (["token", "create", "zed"], nil, ["unknown user zed"]),
                (["token", "revoke", "0123456789abcdef"], nil, ["unknown token 0123456789abcdef"]),
            ]
            for (arguments, stdin, phrases) in cases {
                let r = try cli.run(arguments, stdin: stdin)
                #expect(!r.succeeded, "\(r)")
                for phrase in phrases { #expect(r.stderr.contains(phrase), "\(r)") }
                #expect(!r.stderr.contains("correct horse"), "errors never show the password")
            }
            #expect(try cli.state() == before, "no refused command wrote anything")
        }
    }

    @Test func tokensArePrintedOnceStoredHashedAndRevoked() async throws {
        try await withUserCLI { cli in
            try cli.storeWithHolders()
            try cli.ok("user", "add", "ana", "--role", "clerk", "--scope", "S1", stdin: password)
            var r = try cli.ok("token", "create", "ana")
            let token = try #require(r.stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix("cust_") }, "\(r)")
            let id = try #require(APIToken.parse(token))
            #expect(r.stdout.contains("token-create \(id) for ana recorded as event 9"))

            // Only the SHA-256 of the token is stored; the ledger names the id alone.
            #expect(
                try sqlite3(cli.database, "SELECT token_id || ' ' || secret_hash FROM token_secrets;")
                    .trimmingCharacters(in: .whitespacesAndNewlines) == "\(id) \(APIToken.secretHash(token))")
            let entries = try cli.ok("ledger", "entries").stdout
            #expect(entries.contains(#""user":{"code":"ana","token":"\#(id)"}"#))
            #expect(!entries.contains(String(token.suffix(64))))

            let store = try SQLiteStore(path: cli.database, key: nil)
            #expect(try await store.token(secretHash: APIToken.secretHash(token)) == TokenRecord(id: id, user: "ana"))

            r = try cli.ok("token", "list", "ana")
            #expect(r.stdout.contains("\(id)  active"))
            r = try cli.ok("token", "revoke", id)
            #expect(r.stdout.contains("token-revoke \(id) recorded as event 10"))
            #expect(try await store.token(secretHash: APIToken.secretHash(token)) == nil)
            #expect(try cli.ok("token", "list", "ana").stdout.contains("\(id)  revoked"))
            r = try cli.run(["token", "revoke", id])
            #expect(!r.succeeded && r.stderr.contains("already revoked"), "\(r)")

            // A disabled user's tokens stop working at once, and it gets no new ones.
            let second = try #require(
                try cli.ok("token", "create", "ana").stdout.split(separator: "\n").map(String.init).first {
                    $0.hasPrefix("cust_")
                })
            #expect(try await store.token(secretHash: APIToken.secretHash(second)) != nil)
            try cli.ok("user", "disable", "ana")
            #expect(try await store.token(secretHash: APIToken.secretHash(second)) == nil)
            r = try cli.run(["token", "create", "ana"])
            #expect(!r.succeeded && r.stderr.contains("user ana is disabled"), "\(r)")
            #expect(try cli.ok("verify").stdout.contains("2 API tokens"))
        }
    }

    @Test func aDryRunChecksAUserWithoutWritingIt() async throws {
        try await withUserCLI { cli in
            try cli.storeWithHolders()
            let before = try cli.state()
            let r = try cli("user", "add", "ana", "--role", "clerk", "--scope", "S1", "--dry-run", stdin: password)
            try #require(r.succeeded, "\(r)")
            #expect(r.stdout.contains("dry run"))
            #expect(try cli.state() == before)
            #expect(try sqlite3(cli.database, "SELECT count(*) FROM password_hashes;").hasPrefix("0"))
        }
    }
}
