import CustodiaLedger
import CustodiaTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5))) struct CLITests {
    @Test func theBinaryBuiltWithTheTestsIsFoundAndRuns() async throws {
        try await withCLI { cli in
            let help = try cli.ok("--help")
            #expect(help.stdout.contains("USAGE: custodia"))
            for command in ["init", "holder", "import", "record", "where", "history", "holdings", "summary", "ledger", "verify"] {
                #expect(help.stdout.contains("  \(command) "), "\(command) is listed")
            }
        }
    }

    // MARK: init

    @Test func initCreatesTheDatabaseAndAPrivateKeyAndRefusesASecondTime() async throws {
        try await withCLI { cli in
            let created = try cli.ok("init", "--origin", "test.example/custodia")
            #expect(created.stdout.contains("created custodia.db"))
            let keyLine = try #require(created.stdout.split(separator: "\n").first { $0.hasPrefix("verifier key: ") })
            let verifierKey = String(keyLine.dropFirst("verifier key: ".count))
            #expect(verifierKey.hasPrefix("test.example/custodia+"))
            let mode =
                try FileManager.default.attributesOfItem(atPath: cli.path("custodia.db.key"))[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            #expect(FileManager.default.fileExists(atPath: cli.database))
            #expect(try cli.ok("ledger", "key").stdout == verifierKey + "\n")
            _ = try NoteVerifier(verifierKey: verifierKey)

            let db = try Data(contentsOf: URL(fileURLWithPath: cli.database))
            let key = try Data(contentsOf: URL(fileURLWithPath: cli.path("custodia.db.key")))
            let again = try cli.fails("init", "--origin", "test.example/custodia")
            #expect(again.stderr.contains("already exists"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: cli.database)) == db)
            #expect(try Data(contentsOf: URL(fileURLWithPath: cli.path("custodia.db.key"))) == key)

            // A key without its database is not overwritten either.
            try FileManager.default.copyItem(atPath: cli.path("custodia.db.key"), toPath: cli.path("other.db.key"))
            let keyInTheWay = try cli.fails("init", "--db", "other.db", "--origin", "test.example/other")
            #expect(keyInTheWay.stderr.contains("other.db.key"))
            #expect(!FileManager.default.fileExists(atPath: cli.path("other.db")))

            let badOrigin = try cli.fails("init", "--db", "third.db", "--origin", "has space")
            #expect(badOrigin.stderr.contains("origin"))
            #expect(!FileManager.default.fileExists(atPath: cli.path("third.db")))
            #expect(!FileManager.default.fileExists(atPath: cli.path("third.db.key")))
        }
    }

    @Test func theDatabaseComesFromCUSTODIA_DBWhenNoDbIsGiven() async throws {
        try await withCLI { cli in
            let env = ["CUSTODIA_DB": "from-env.db"]
            #expect(try cli.run(["init", "--origin", "test.example/env"], environment: env).succeeded)
            #expect(FileManager.default.fileExists(atPath: cli.path("from-env.db")))
            #expect(FileManager.default.fileExists(atPath: cli.path("from-env.db.key")))
            #expect(!FileManager.default.fileExists(atPath: cli.database))
            try cli.write("holders.csv", holdersCSV)
            #expect(try cli.run(["import", "holders", "holders.csv"], environment: env).succeeded)
            #expect(try cli.run(["summary"], environment: env).stdout.contains("8 holders"))
            #expect(try cli.ok("summary", "--db", "from-env.db").stdout.contains("8 events"))
        }
    }

    // MARK: import

    @Test func importsHoldersItemsAndLotsFromGoodFiles() async throws {
        try await withCLI { cli in
            try cli.initStore()
            try cli.write("holders.csv", holdersCSV)
            #expect(try cli.ok("import", "holders", "holders.csv").stdout.contains("recorded 8 holders as events 0–7"))
            let tree = try cli.ok("holder", "list").stdout
            #expect(
                tree.contains(
                    "R1  region  North\n  Z1  zone  North zone\n    S1  site  Depot One\n      U1  unit  First Unit\n        P1  person  Jane Doe"
                ))
            #expect(tree.contains("EXT  external  Buyer Ltd"))

            // CRLF line endings, a byte order mark, quoted fields with commas and quotes.
            let items =
                "\u{FEFF}" + itemsHeader.replacingOccurrences(of: "\n", with: "\r\n")
                + "assault-rifle,\"Kalashnikov, JSC\",RU,AK-74M,5.45x39,AK-1,1990,,,,\r\n"
                + "assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,AK-2,1991,DE,1999,\"\"\"K\"\" crest\",U1\r\n"
                + "\r\n"
                + "revolver-pistol,Glock,AT,G17,9x19,G-1,,,,,\r\n"
            try cli.write("items.csv", items)
            #expect(
                try cli.ok("import", "items", "--holder", "S1", "items.csv").stdout.contains("recorded 3 items as events 8–10"))
            try cli.write("lots.csv", lotsHeader + "L1,PPU,9x19,ball,2020,1000,S1\nL2,PPU,7.62x39,tracer,,250,U1\n")
            #expect(try cli.ok("import", "lots", "lots.csv").stdout.contains("recorded 2 lots as events 11–12"))

            let ak1 = try #require(try cli.ok("where", "AK-1", "--json").json() as? [String: Any])
            let item = try #require(ak1["item"] as? [String: Any])
            #expect(item["manufacturer"] as? String == "Kalashnikov, JSC")
            #expect(ak1["holder"] as? String == "S1")
            let ak2 = try #require(try cli.ok("where", "AK-2", "--json").json() as? [String: Any])
            let item2 = try #require(ak2["item"] as? [String: Any])
            #expect(item2["marks"] as? String == "\"K\" crest")
            #expect(item2["importCountry"] as? String == "DE")
            #expect(item2["importYear"] as? Int == 1999)
            #expect(ak2["holder"] as? String == "U1")
            let g1 = try #require(try cli.ok("where", "G-1", "--json").json() as? [String: Any])
            #expect((g1["item"] as? [String: Any])?["year"] is NSNull)

            #expect(try cli.ok("summary").stdout.hasPrefix("Custodia: 3 items, 2 lots, 8 holders, 13 events"))
            #expect(try cli.ok("verify").stdout.contains("verified: all 13 events"))
        }
    }

    @Test func aDryRunWritesNothing() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let before = try cli.state()
            try cli.write("more.csv", itemsHeader + "assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,AK-3,1990,,,,S1\n")
            #expect(try cli.ok("import", "items", "--dry-run", "more.csv").stdout.contains("dry run: 1 item"))
            try cli.write(
                "events.jsonl",
                [event("issue", ["AK-1"], from: "S1", to: "P1"), event("return", ["AK-1"], from: "P1", to: "S1")].joined(
                    separator: "\n"))
            #expect(
                try cli.ok("record", "--dry-run", "events.jsonl").stdout.contains("dry run: 2 events valid; nothing was written"))
            #expect(
                try cli.ok("holder", "add", "U2", "--kind", "unit", "--name", "Second", "--parent", "S1", "--dry-run").stdout
                    .contains("dry run"))
            #expect(try cli.state() == before)
            #expect(try cli.ok("record", "events.jsonl").stdout.contains("recorded 2 events as events 12–13"))
        }
    }

    @Test func aMissingDatabaseSaysToRunInit() async throws {
        try await withCLI { cli in
            try cli.write("x.jsonl", event("issue", ["AK-1"], from: "S1", to: "P1") + "\n")
            try cli.write("x.csv", itemsHeader)
            for arguments in [
                ["summary"], ["where", "AK-1"], ["history", "AK-1"], ["holdings", "S1"], ["record", "x.jsonl"],
                ["import", "items", "x.csv"],
                ["holder", "list"], ["holder", "add", "R1", "--kind", "region", "--name", "North"], ["ledger", "checkpoint"],
                ["ledger", "entries"],
                ["verify"],
            ] {
                let r = try cli.run(arguments + ["--db", "missing.db"])
                #expect(!r.succeeded, "\(r)")
                #expect(r.stderr.contains("custodia init"), "\(r)")
                #expect(r.stderr.contains("missing.db"), "\(r)")
            }
            #expect(!FileManager.default.fileExists(atPath: cli.path("missing.db")), "no command creates the database but init")
            #expect(try cli.fails("summary").stderr.contains("run `custodia init`"))
        }
    }

    // MARK: queries

    @Test func whereJSONHasStatusHolderAccountConditionDueBackAndTheItem() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.record([
                event("issue", ["AK-1"], from: "S1", to: "P1", extra: ["dueBack": "2026-03-31"]),
                event("loss", ["AK-2"], from: "S1"),
            ])
            let issued = try #require(try cli.ok("where", "AK-1", "--json").json() as? [String: Any])
            #expect(Set(issued.keys).isSuperset(of: ["status", "holder", "account", "condition", "dueBack", "item"]))
            #expect(issued["status"] as? String == "held")
            #expect(issued["holder"] as? String == "P1")
            #expect(issued["account"] as? String == "S1")
            #expect(issued["condition"] as? String == "serviceable")
            #expect(issued["dueBack"] as? String == "2026-03-31")
            let item = try #require(issued["item"] as? [String: Any])
            #expect(
                Set(item.keys).isSuperset(of: ["id", "category", "manufacturer", "country", "model", "calibre", "serial", "year"])
            )
            #expect(item["serial"] as? String == "AK-1")
            #expect(item["manufacturer"] as? String == "Kalashnikov")
            #expect(item["model"] as? String == "AK-74M")
            #expect(item["category"] as? String == "assault-rifle")
            #expect(item["year"] as? Int == 1990)

            let lost = try #require(try cli.ok("where", "AK-2", "--json").json() as? [String: Any])
            #expect(lost["status"] as? String == "missing")
            #expect(lost["holder"] is NSNull, "holder is null when the item is not held")
            #expect(lost["dueBack"] is NSNull)
            #expect(lost["account"] as? String == "S1")

            let text = try cli.ok("where", "AK-1").stdout
            #expect(text.contains("holder     P1"))
            #expect(text.contains("due back   2026-03-31"))
            let unknown = try cli.fails("where", "NOPE-1", "--json")
            #expect(unknown.stderr.contains("NOPE-1"))
        }
    }

    @Test func whereAsksForTheManufacturerWhenASerialIsAmbiguous() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.write("twin.csv", itemsHeader + "assault-rifle,Izhmash,RU,AK-74M,5.45x39,AK-1,1990,,,,S2\n")
            try cli.ok("import", "items", "twin.csv")
            let ambiguous = try cli.fails("where", "AK-1")
            #expect(ambiguous.stderr.contains("2 items have serial AK-1"))
            #expect(ambiguous.stderr.contains("--manufacturer"))
            let chosen = try #require(try cli.ok("where", "AK-1", "--manufacturer", "Izhmash", "--json").json() as? [String: Any])
            #expect(chosen["holder"] as? String == "S2")
        }
    }

    @Test func historyJSONIsEveryEventOfTheItemWithItsSeq() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.record([
                event("issue", ["AK-1", "AK-2"], from: "S1", to: "P1"),  // 12
                event("return", ["AK-2"], from: "P1", to: "S1"),  // 13
                event("condition", ["AK-1"], from: "P1", extra: ["condition": "repairable"]),  // 14
                event("return", ["AK-1"], from: "P1", to: "S1"),  // 15
            ])
            let history = try #require(try cli.ok("history", "AK-1", "--json").json() as? [[String: Any]])
            #expect(history.map { $0["seq"] as? Int } == [8, 12, 14, 15])
            #expect(history.map { $0["kind"] as? String } == ["register", "issue", "condition", "return"])
            for e in history {
                #expect(e["occurredAt"] is String && e["recordedAt"] is String)
                #expect(e["recordedBy"] as? String == "cli")
            }
            let other = try #require(try cli.ok("history", "AK-2", "--json").json() as? [[String: Any]])
            #expect(other.map { $0["seq"] as? Int } == [9, 12, 13])
            let text = try cli.ok("history", "AK-1").stdout
            #expect(text.contains("4 events"))
        }
    }

    @Test func recordedByComesFromTheOptionOrCUSTODIA_USER() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.write("a.jsonl", event("issue", ["AK-1"], from: "S1", to: "P1") + "\n")
            try cli.ok("record", "--recorded-by", "clerk-7", "a.jsonl")
            try cli.write("b.jsonl", event("return", ["AK-1"], from: "P1", to: "S1") + "\n")
            #expect(try cli.run(["record", "b.jsonl"], environment: ["CUSTODIA_USER": "clerk-9"]).succeeded)
            let history = try #require(try cli.ok("history", "AK-1", "--json").json() as? [[String: Any]])
            #expect(history.map { $0["recordedBy"] as? String } == ["cli", "clerk-7", "clerk-9"])
        }
    }

    @Test func holdingsJSONListsItemsAndLots() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.record([
                event(
                    "issue", ["AK-1"], from: "S1", to: "P1", extra: ["lots": [["lot": "L1", "quantity": 30] as [String: Any]]]),
                event("issue", from: "S1", to: "U1", extra: ["lots": [["lot": "L1", "quantity": 200] as [String: Any]]]),
            ])
            let s1 = try #require(try cli.ok("holdings", "S1", "--json").json() as? [String: Any])
            #expect(s1["holder"] as? String == "S1")
            let items = try #require(s1["items"] as? [[String: Any]])
            #expect(Set(items.compactMap { $0["serial"] as? String }) == ["AK-2", "G-1"])
            for item in items {
                #expect(
                    Set(item.keys).isSuperset(of: ["serial", "manufacturer", "model", "category", "status", "condition"]),
                    "\(item)")
            }
            let g1 = try #require(items.first { $0["serial"] as? String == "G-1" })
            #expect(g1["manufacturer"] as? String == "Glock")
            #expect(g1["model"] as? String == "G17")
            #expect(g1["category"] as? String == "revolver-pistol")
            #expect(g1["status"] as? String == "held")
            #expect(g1["condition"] as? String == "serviceable")
            let lots = try #require(s1["lots"] as? [[String: Any]])
            #expect(lots.count == 1)
            #expect(lots.first?["lot"] as? String == "L1")
            #expect(lots.first?["quantity"] as? Int == 770)

            let all = try #require(try cli.ok("holdings", "S1", "--recursive", "--json").json() as? [String: Any])
            let allItems = try #require(all["items"] as? [[String: Any]])
            #expect(
                Set(
                    allItems.compactMap { item in (item["holder"] as? String).map { "\($0) \(item["serial"] as? String ?? "")" } }
                )
                    == ["S1 AK-2", "S1 G-1", "P1 AK-1"])
            let allLots = try #require(all["lots"] as? [[String: Any]])
            #expect(
                Set(allLots.map { "\($0["holder"] as? String ?? "?") \($0["quantity"] as? Int ?? -1)" }) == [
                    "S1 770", "U1 200", "P1 30",
                ])

            let empty = try #require(try cli.ok("holdings", "R2", "--json").json() as? [String: Any])
            #expect((empty["items"] as? [Any])?.isEmpty == true)
            #expect((empty["lots"] as? [Any])?.isEmpty == true)
            #expect(try cli.fails("holdings", "NOPE").stderr.contains("unknown holder NOPE"))
        }
    }

    @Test func summaryCountsByCategoryStatusConditionAndRegion() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.record([event("loss", ["AK-2"], from: "S1")])
            let summary = try cli.ok("summary").stdout
            #expect(summary.hasPrefix("Custodia: 3 items, 1 lots, 8 holders, 13 events"))
            func count(_ row: String) -> String? {
                summary.split(separator: "\n").first { $0.hasPrefix(row + " ") }?.split(separator: " ").dropFirst().first.map(
                    String.init)
            }
            #expect(count("assault-rifle") == "2")
            #expect(count("revolver-pistol") == "1")
            #expect(count("held") == "2")
            #expect(count("missing") == "1")
            #expect(count("serviceable") == "3")
            #expect(count("R1") == "3")
        }
    }

    @Test func recordReadsStandardInput() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let input = Data(
                (event("issue", ["AK-1"], from: "S1", to: "P1") + "\n"
                    + event("issue", ["G-1"], manufacturer: "Glock", from: "S1", to: "U1") + "\n").utf8)
            let r = try cli.ok("record", "-", stdin: input)
            #expect(r.stdout.contains("recorded 2 events as events 12–13"))
            let p1 = try #require(try cli.ok("where", "AK-1", "--json").json() as? [String: Any])
            #expect(p1["holder"] as? String == "P1")

            let bad = try cli.fails("record", "-", stdin: Data("{\"kind\":\"issue\"}\n".utf8))
            #expect(bad.stderr.contains("stdin:1: occurredAt: missing"))
        }
    }

    @Test func holderCommandsChangeTheTree() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            #expect(
                try cli.ok("holder", "add", "U2", "--kind", "unit", "--name", "Second Unit", "--parent", "S1").stdout.contains(
                    "holder-add U2 recorded as event 12"))
            try cli.ok("holder", "rename", "U2", "--name", "2nd Unit")
            try cli.ok("holder", "move", "U2", "--parent", "S2")
            try cli.ok("holder", "close", "U2")
            let tree = try cli.ok("holder", "list").stdout
            #expect(tree.contains("S2  site  Depot Two\n    U2  unit  2nd Unit  (closed)"))
            let unknownParent = try cli.fails("holder", "add", "U3", "--kind", "unit", "--name", "Third", "--parent", "NOPE")
            #expect(unknownParent.stderr.contains("parent: unknown holder NOPE"))
            #expect(
                try cli.fails("holder", "add", "bad code", "--kind", "unit", "--name", "x", "--parent", "S1").stderr.contains(
                    "not a holder code"))
            try cli.write("to-closed.jsonl", event("issue", ["AK-1"], from: "S1", to: "U2") + "\n")
            #expect(try cli.fails("record", "to-closed.jsonl").stderr.contains("to-closed.jsonl:1: to: holder U2 is closed"))
            #expect(try cli.ok("verify").succeeded)
        }
    }

    // MARK: ledger

    @Test func inclusionAndConsistencyProofsInJSONVerify() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.record([event("issue", ["AK-1"], from: "S1", to: "P1")])  // size 13
            let entries = try cli.ok("ledger", "entries").stdout.split(separator: "\n", omittingEmptySubsequences: false)
                .dropLast()
            #expect(entries.count == 13)
            let checkpointLines = try cli.ok("ledger", "checkpoint").stdout.split(
                separator: "\n", omittingEmptySubsequences: false)
            #expect(checkpointLines[0] == "test.example/custodia")
            #expect(checkpointLines[1] == "13")
            let signedRoot = try #require(TreeHash(base64: checkpointLines[2]))

            for index in [0, 7, 12] {
                let p = try #require(try cli.ok("ledger", "prove", "inclusion", "\(index)", "--json").json() as? [String: Any])
                #expect(Set(p.keys) == ["index", "size", "leafHash", "root", "proof"])
                #expect(p["index"] as? Int == index)
                #expect(p["size"] as? Int == 13)
                let leafHash = try #require(TreeHash(hex: p["leafHash"] as? String ?? ""))
                #expect(leafHash == Merkle.leafHash(Array(entries[index].utf8)))
                let root = try #require(TreeHash(hex: p["root"] as? String ?? ""))
                #expect(root == signedRoot)
                let proof = try #require((p["proof"] as? [String])?.compactMap { TreeHash(hex: $0) })
                try Merkle.verifyInclusion(leafHash: leafHash, index: Int64(index), size: 13, proof: proof, root: root)
            }
            let sized = try #require(
                try cli.ok("ledger", "prove", "inclusion", "3", "--size", "8", "--json").json() as? [String: Any])
            #expect(sized["size"] as? Int == 8)
            #expect(sized["root"] as? String == Merkle.root(of: entries.prefix(8).map { Merkle.leafHash(Array($0.utf8)) }).hex)

            let c = try #require(try cli.ok("ledger", "prove", "consistency", "8", "13", "--json").json() as? [String: Any])
            #expect(Set(c.keys) == ["old", "new", "oldRoot", "newRoot", "proof"])
            #expect(c["old"] as? Int == 8 && c["new"] as? Int == 13)
            let oldRoot = try #require(TreeHash(hex: c["oldRoot"] as? String ?? ""))
            let newRoot = try #require(TreeHash(hex: c["newRoot"] as? String ?? ""))
            #expect(newRoot == signedRoot)
            let oldSigned = try cli.ok("ledger", "checkpoint", "--size", "8").stdout.split(separator: "\n")[2]
            #expect(oldRoot == TreeHash(base64: oldSigned))
            let proof = try #require((c["proof"] as? [String])?.compactMap { TreeHash(hex: $0) })
            try Merkle.verifyConsistency(oldSize: 8, newSize: 13, oldRoot: oldRoot, newRoot: newRoot, proof: proof)

            #expect(try cli.fails("ledger", "prove", "inclusion", "13").stderr.contains("index 13"))
            #expect(try cli.fails("ledger", "prove", "consistency", "5", "14").stderr.contains("0 ≤ OLD ≤ NEW ≤ 13"))
            #expect(try cli.fails("ledger", "checkpoint", "--size", "9").stderr.contains("no checkpoint is stored for size 9"))
        }
    }

    @Test func ledgerCheckPassesOnHonestDataAndFailsOnAnAlteredEntry() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let key = try cli.ok("ledger", "key").stdout.trimmingCharacters(in: .newlines)
            try cli.write("checkpoint.txt", try cli.ok("ledger", "checkpoint").stdoutData)
            let entries = try cli.ok("ledger", "entries").stdout
            try cli.write("entries.txt", entries)
            let honest = try cli.ok("ledger", "check", "--key", key, "--checkpoint", "checkpoint.txt", "--entries", "entries.txt")
            #expect(honest.stdout.contains("signature OK: test.example/custodia, size 12"))
            #expect(honest.stdout.contains("entries OK: 12 entries"))

            try cli.write("altered.txt", entries.replacingOccurrences(of: "\"serial\":\"AK-2\"", with: "\"serial\":\"AK-9\""))
            #expect(try String(contentsOfFile: cli.path("altered.txt"), encoding: .utf8) != entries)
            let altered = try cli.fails(
                "ledger", "check", "--key", key, "--checkpoint", "checkpoint.txt", "--entries", "altered.txt")
            #expect(altered.stderr.contains("FAILED"))

            var lines = entries.split(separator: "\n").map(String.init)
            lines.removeLast()
            try cli.write("short.txt", lines.joined(separator: "\n") + "\n")
            #expect(
                try cli.fails("ledger", "check", "--key", key, "--checkpoint", "checkpoint.txt", "--entries", "short.txt").stderr
                    .contains("11 entries"))

            let note = try String(contentsOfFile: cli.path("checkpoint.txt"), encoding: .utf8)
            try cli.write("forged.txt", note.replacingOccurrences(of: "\n12\n", with: "\n13\n"))
            #expect(try cli.fails("ledger", "check", "--key", key, "--checkpoint", "forged.txt").stderr.contains("FAILED"))

            let strangerKey = try LogKey.generate(name: "test.example/custodia").verifierKey
            #expect(
                try cli.fails("ledger", "check", "--key", strangerKey, "--checkpoint", "checkpoint.txt").stderr.contains("FAILED")
            )
        }
    }

    @Test func verifyExitsZeroOnAnHonestStoreAndNonZeroOnATamperedOne() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.record([event("issue", ["AK-1"], from: "S1", to: "P1"), event("return", ["AK-1"], from: "P1", to: "S1")])
            let verified = try cli.ok("verify")
            #expect(verified.stdout.hasPrefix("verified: all 14 events"))
            #expect(verified.stderr.isEmpty)

            try sqlite3(cli.database, "UPDATE items SET condition = 'surplus' WHERE serial = 'AK-2';")
            let failed = try cli.fails("verify")
            #expect(failed.stderr.contains("verification FAILED at items:"))

            // Each run is kept, the failed one after the passed one, for the web pages.
            let runs = try sqlite3(cli.database, "SELECT size, ok, divergence IS NOT NULL FROM verifications ORDER BY id;")
            #expect(runs == "14|1|0\n14|0|1\n")
        }
    }

    // MARK: keys and locks

    @Test func aKeyReadableByOthersIsRefusedWithAChmodHint() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let before = try cli.state()
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: cli.path("custodia.db.key"))
            try cli.write("a.jsonl", event("issue", ["AK-1"], from: "S1", to: "P1") + "\n")
            #expect(try cli.fails("record", "a.jsonl").stderr.contains("chmod 600 custodia.db.key"))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: cli.path("custodia.db.key"))
            #expect(try cli.state() == before)
        }
    }

    @Test func aKeyFromAnotherStoreIsRefused() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            try cli.ok("init", "--db", "other.db", "--origin", "test.example/other")
            try cli.write("a.jsonl", event("issue", ["AK-1"], from: "S1", to: "P1") + "\n")
            let r = try cli.fails("record", "--key", "other.db.key", "a.jsonl")
            #expect(r.stderr.contains("does not belong to custodia.db"))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aLockedDatabaseMakesRecordFailWithinSevenSeconds() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            let before = try cli.state()
            try cli.write("a.jsonl", event("issue", ["AK-1"], from: "S1", to: "P1") + "\n")
            let locker = try SQLiteLocker(database: cli.database, flag: cli.path("locked.flag"))
            defer { locker.release() }
            try await locker.waitUntilLocked()
            let start = ContinuousClock.now
            let r = try cli.fails("record", "a.jsonl")
            let elapsed = ContinuousClock.now - start
            #expect(r.stderr.contains("is locked by another process"))
            #expect(elapsed < .seconds(7))
            #expect(elapsed >= .seconds(3))
            locker.release()
            #expect(try cli.state() == before)
            try cli.ok("record", "a.jsonl")
        }
    }
}

/// A `sqlite3` shell holding `BEGIN EXCLUSIVE` on a database until released.
final class SQLiteLocker: @unchecked Sendable {
    let process: ChildProcess
    let flag: String
    private var released = false

    init(database: String, flag: String) throws {
        self.flag = flag
        process = try ChildProcess(
            executable: sqlite3Executable.path, arguments: ["-batch", database],
            environment: ProcessInfo.processInfo.environment, input: .pipe)
        process.standardInput?.write(Data("BEGIN EXCLUSIVE;\nSELECT count(*) FROM events;\n.shell touch '\(flag)'\n".utf8))
    }

    func waitUntilLocked() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !FileManager.default.fileExists(atPath: flag) {
            try #require(ContinuousClock.now < deadline, "sqlite3 did not take the lock")
            try #require(process.isRunning, "sqlite3 exited before taking the lock")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func release() {
        guard !released else { return }
        released = true
        try? process.standardInput?.close()
        process.waitUntilExit()
    }
}

let sqlite3Executable: URL = {
    let candidates =
        ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/opt/homebrew/bin/sqlite3"]
        + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/sqlite3" }
    return URL(fileURLWithPath: candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/sqlite3")
}()

/// Runs the `sqlite3` shell on a database; returns its output.
@discardableResult
func sqlite3(_ database: String, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite3-\(UUID().uuidString).out").path
    defer { try? FileManager.default.removeItem(atPath: file) }
    let process = try ChildProcess.run(sqlite3Executable.path, ["-batch", "-bail", database, sql], output: file, error: file)
    let out = FileManager.default.contents(atPath: file) ?? Data()
    try #require(
        process.terminationStatus == 0, "sqlite3 failed: \(String(decoding: out, as: UTF8.self))", sourceLocation: sourceLocation)
    return String(decoding: out, as: UTF8.self)
}
