import Foundation
import Testing

/// `--recorded-by` naming a user applies that user's role, scope and two-person rule on the
/// command line exactly as on the server; any other code records as the operator, who holds
/// the database file and its key.
@Suite(.timeLimit(.minutes(5))) struct CLIAuthorizationTests {
    /// The seeded store (R1 › Z1 › S1 › U1 › P1, R2 › S2; AK-1, AK-2 and G-1 at S1), AK-21
    /// at S2, a MANPADS missile at S1, and users: a clerk and an administrator of R1, a
    /// viewer, and a disabled clerk.
    static func prepare(_ cli: CLI) throws {
        try cli.seededStore()
        try cli.write(
            "more.csv",
            itemsHeader + """
                assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,AK-21,1990,,,,S2
                manpads-missile,KBM,RU,9M342,72mm,MS-1,2009,,,,S1

                """)
        try cli.ok("import", "items", "more.csv")
        for (code, role, scope) in [
            ("clerk-n", "clerk", "R1"), ("admin-n", "admin", "R1"), ("viewer-n", "viewer", "R1"), ("gone", "clerk", "R1"),
        ] {
            try cli.ok("user", "add", code, "--role", role, "--scope", scope, stdin: Data("a long enough password\n".utf8))
        }
        try cli.ok("user", "disable", "gone")
    }

    /// `record` of one line as `user`; the run.
    static func record(_ cli: CLI, _ line: String, as user: String, dryRun: Bool = true) throws -> CLIResult {
        try cli.write("one.jsonl", line + "\n")
        return try cli.run(["record", "one.jsonl", "--recorded-by", user] + (dryRun ? ["--dry-run"] : []))
    }

    @Test func aUserRecordsOnlyInsideTheirScopeAndOutsideLooksUnknown() async throws {
        try await withCLI { base in
            var cli = base
            cli.environment["CUSTODIA_BCRYPT_COST"] = "4"
            try Self.prepare(cli)
            let pairs: [(inside: String, outside: String, unknown: String, swap: (String, String))] = [
                (
                    event("issue", ["AK-1"], from: "S1", to: "U1"), event("issue", ["AK-21"], from: "S1", to: "U1"),
                    event("issue", ["AK-99"], from: "S1", to: "U1"), ("AK-21", "AK-99")
                ),
                (
                    event("condition", ["AK-1"], extra: ["condition": "surplus"]),
                    event("condition", ["AK-21"], extra: ["condition": "surplus"]),
                    event("condition", ["AK-99"], extra: ["condition": "surplus"]), ("AK-21", "AK-99")
                ),
                (
                    event("count", ["AK-1"], from: "S1"), event("count", ["AK-21"], from: "S2"),
                    event("count", ["AK-21"], from: "S-99"), ("S2", "S-99")
                ),
            ]
            for p in pairs {
                let inside = try Self.record(cli, p.inside, as: "clerk-n")
                #expect(inside.succeeded, "\(inside)")
                let outside = try Self.record(cli, p.outside, as: "clerk-n")
                let unknown = try Self.record(cli, p.unknown, as: "clerk-n")
                #expect(!outside.succeeded && !unknown.succeeded)
                #expect(
                    outside.stderr.replacingOccurrences(of: p.swap.0, with: p.swap.1) == unknown.stderr,
                    "\(outside)\n\(unknown)")
                // The operator (a code that is no user) is not bound by a scope: the custody
                // rules alone answer, about the item as it is.
                let operatorRun = try Self.record(cli, p.outside, as: "cli")
                #expect(
                    operatorRun.succeeded || operatorRun.stderr.contains("held by S2"), "\(operatorRun)")
            }
            // Written for real, the event names its recorder.
            let written = try Self.record(cli, event("issue", ["AK-1"], from: "S1", to: "U1"), as: "clerk-n", dryRun: false)
            #expect(written.succeeded, "\(written)")
            #expect(try cli.ok("history", "AK-1", "--manufacturer", "Kalashnikov").stdout.contains("by clerk-n"))
        }
    }

    @Test func theRoleTheDisabledAndTheSecondPersonHoldOnTheCommandLine() async throws {
        try await withCLI { base in
            var cli = base
            cli.environment["CUSTODIA_BCRYPT_COST"] = "4"
            try Self.prepare(cli)
            let viewer = try Self.record(cli, event("count", ["AK-1"], from: "S1"), as: "viewer-n")
            #expect(!viewer.succeeded)
            #expect(viewer.stderr.contains("the role viewer may not record count events"))
            let disabled = try Self.record(cli, event("count", ["AK-1"], from: "S1"), as: "gone")
            #expect(!disabled.succeeded)
            #expect(disabled.stderr.contains("user gone is disabled"))
            // A MANPADS issue needs a second person, for a user and for the operator alike.
            let manpads = event("issue", ["MS-1"], manufacturer: "KBM", from: "S1", to: "U1", extra: ["dueBack": "2026-03-20"])
            for recorder in ["clerk-n", "cli"] {
                let alone = try Self.record(cli, manpads, as: recorder)
                #expect(!alone.succeeded)
                #expect(alone.stderr.contains("needs a second person"), "\(alone)")
                #expect(alone.stderr.contains("[confirmation.required]"), "\(alone)")
            }
            // The pack's other controls bind the operator too: no MANPADS issue to a person.
            let toPerson = event("issue", ["MS-1"], manufacturer: "KBM", from: "S1", to: "P1", extra: ["dueBack": "2026-03-20"])
            let refused = try Self.record(cli, toPerson, as: "cli")
            #expect(!refused.succeeded)
            #expect(refused.stderr.contains("[policy.issue-to]"), "\(refused)")
        }
    }

    /// `custodia confirm` checks the second person's password and prints a token per event
    /// naming them; `record --confirmations` takes them to the engine: once, for that exact
    /// content, from an active user who may confirm and is party to the event.
    @Test func theSecondPersonConfirmsOnTheCommandLine() async throws {
        try await withCLI { base in
            var cli = base
            cli.environment["CUSTODIA_BCRYPT_COST"] = "4"
            try Self.prepare(cli)
            let password = Data("a long enough password\n".utf8)
            for (code, site) in [("officer-n", "S1"), ("officer-s", "S2")] {
                try cli.ok("holder", "add", code, "--kind", "person", "--name", "Officer", "--parent", site)
                try cli.ok("user", "add", code, "--role", "custodian", "--scope", site, stdin: password)
            }
            let issue = event(
                "issue", ["MS-1"], manufacturer: "KBM", from: "S1", to: "U1",
                extra: ["dueBack": "2026-03-20", "confirmedBy": ["officer-n"]])
            try cli.write("issue.jsonl", issue + "\n")
            // Without the token, the named person is refused on the command line too.
            let bare = try cli.run(["record", "issue.jsonl", "--recorded-by", "clerk-n"])
            #expect(!bare.succeeded)
            #expect(bare.stderr.contains("no confirmation from officer-n"), "\(bare)")
            // A wrong password confirms nothing; neither does a file that does not name the user.
            let wrong = try cli.run(["confirm", "issue.jsonl", "--user", "officer-n"], stdin: Data("not the password\n".utf8))
            #expect(!wrong.succeeded)
            #expect(wrong.stdout.isEmpty)
            #expect(wrong.stderr.contains("nothing was confirmed"), "\(wrong)")
            let other = try cli.run(["confirm", "issue.jsonl", "--user", "officer-s"], stdin: password)
            #expect(!other.succeeded)
            #expect(other.stderr.contains("no event in issue.jsonl names officer-s"), "\(other)")
            // The right password: one token, which records the event once.
            let confirmed = try cli.ok("confirm", "issue.jsonl", "--user", "officer-n", stdin: password)
            let tokens = confirmed.stdout.split(separator: "\n")
            #expect(tokens.count == 1)
            #expect(tokens.first?.hasPrefix("c2.") == true)
            try cli.write("tokens.txt", confirmed.stdout)
            // The token is for this content: a changed event is refused, naming the token.
            let changed = issue.replacingOccurrences(of: "2026-03-20", with: "2026-03-21")
            try cli.write("changed.jsonl", changed + "\n")
            let mismatch = try cli.run(["record", "changed.jsonl", "--recorded-by", "clerk-n", "--confirmations", "tokens.txt"])
            #expect(!mismatch.succeeded)
            #expect(mismatch.stderr.contains("tokens.txt:1: the token from officer-n is for none of the events"), "\(mismatch)")
            let recorded = try cli.run(["record", "issue.jsonl", "--recorded-by", "clerk-n", "--confirmations", "tokens.txt"])
            #expect(recorded.succeeded, "\(recorded)")
            #expect(try cli.ok("history", "MS-1", "--manufacturer", "KBM").stdout.contains("officer-n"))
            // Used once: the same token does not record the return of the same content again.
            let back = event(
                "return", ["MS-1"], manufacturer: "KBM", from: "U1", to: "S1", extra: ["confirmedBy": ["officer-n"]])
            try cli.write("back.jsonl", back + "\n")
            let backTokens = try cli.ok("confirm", "back.jsonl", "--user", "officer-n", stdin: password)
            try cli.write("back-tokens.txt", backTokens.stdout)
            #expect(try cli.run(["record", "back.jsonl", "--confirmations", "back-tokens.txt"]).succeeded)
            try cli.write("again.jsonl", issue + "\n")
            let reused = try cli.run(["record", "again.jsonl", "--recorded-by", "clerk-n", "--confirmations", "tokens.txt"])
            #expect(!reused.succeeded)
            #expect(reused.stderr.contains("already used"), "\(reused)")
            // A person outside the event's holders is not party to it, token or not.
            let south = event(
                "issue", ["MS-1"], manufacturer: "KBM", from: "S1", to: "U1",
                extra: ["dueBack": "2026-03-25", "confirmedBy": ["officer-s"]])
            try cli.write("south.jsonl", south + "\n")
            let southTokens = try cli.ok("confirm", "south.jsonl", "--user", "officer-s", stdin: password)
            try cli.write("south-tokens.txt", southTokens.stdout)
            let notParty = try cli.run(["record", "south.jsonl", "--confirmations", "south-tokens.txt"])
            #expect(!notParty.succeeded)
            #expect(notParty.stderr.contains("[confirmation.not-party]"), "\(notParty)")
        }
    }

    @Test func aScopedAdministratorManagesUsersAndHoldersOnlyInsideTheScope() async throws {
        try await withCLI { base in
            var cli = base
            cli.environment["CUSTODIA_BCRYPT_COST"] = "4"
            try Self.prepare(cli)
            let password = Data("a long enough password\n".utf8)
            let outside = try cli.run(
                ["user", "add", "south-clerk", "--role", "clerk", "--scope", "S2", "--recorded-by", "admin-n"],
                stdin: password)
            #expect(!outside.succeeded)
            #expect(outside.stderr.contains("unknown holder S2"), "\(outside)")
            let everything = try cli.run(
                ["user", "add", "auditor-2", "--role", "auditor", "--recorded-by", "admin-n"], stdin: password)
            #expect(!everything.succeeded)
            #expect(
                try cli.run(
                    ["user", "add", "north-clerk", "--role", "clerk", "--scope", "S1", "--recorded-by", "admin-n"],
                    stdin: password
                ).succeeded)
            // A user of the other region, added by the operator: the scoped administrator
            // neither sees, changes, disables nor gives a token to them.
            try cli.ok("user", "add", "south", "--role", "clerk", "--scope", "S2", stdin: password)
            for arguments in [
                ["token", "create", "south"], ["user", "disable", "south"], ["user", "change", "south", "--role", "viewer"],
            ] {
                let r = try cli.run(arguments + ["--recorded-by", "admin-n"])
                #expect(!r.succeeded, "\(arguments)")
                #expect(r.stderr.contains("unknown user south"), "\(r)")
            }
            let nobody = try cli.run(["user", "disable", "nobody", "--recorded-by", "admin-n"])
            #expect(nobody.stderr.contains("unknown user nobody"), "\(nobody)")
            let topLevel = try cli.run(["holder", "add", "R9", "--kind", "region", "--name", "Nine", "--recorded-by", "admin-n"])
            #expect(!topLevel.succeeded)
            #expect(
                try cli.run(
                    ["holder", "add", "U9", "--kind", "unit", "--name", "Nine", "--parent", "S1", "--recorded-by", "admin-n"]
                ).succeeded)
        }
    }
}
