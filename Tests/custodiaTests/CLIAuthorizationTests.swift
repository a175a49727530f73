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
            // A MANPADS issue needs a second person, which a user on the command line has no
            // way to bring: the server's confirmation is the path for it.
            let manpads = event("issue", ["MS-1"], manufacturer: "KBM", from: "S1", to: "U1", extra: ["dueBack": "2026-03-20"])
            let alone = try Self.record(cli, manpads, as: "clerk-n")
            #expect(!alone.succeeded)
            #expect(alone.stderr.contains("needs a second person"), "\(alone)")
            #expect(alone.stderr.contains("[confirmation.required]"), "\(alone)")
            #expect(try Self.record(cli, manpads, as: "cli").succeeded, "the operator is not bound by it")
            // The pack's other controls bind the operator too: no MANPADS issue to a person.
            let toPerson = event("issue", ["MS-1"], manufacturer: "KBM", from: "S1", to: "P1", extra: ["dueBack": "2026-03-20"])
            let refused = try Self.record(cli, toPerson, as: "cli")
            #expect(!refused.succeeded)
            #expect(refused.stderr.contains("[policy.issue-to]"), "\(refused)")
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
