import CustodiaTestSupport
import Foundation
import Testing

/// `custodia` killed with SIGKILL in the middle of a large append leaves the store exactly
/// as it was: the append is one transaction.
@Suite(.serialized) struct CLICrashTests {
    /// Waits until the running `custodia` holds the database's write lock (it has begun its
    /// append transaction), probing with `sqlite3` and no busy timeout. Only the probe's
    /// "database is locked" counts: any other failure of the probe (opening the file while
    /// `custodia` sets up its WAL, say) is probed again.
    func waitUntilAppending(_ cli: CLI, _ process: ChildProcess, _ report: () -> String) async throws {
        // Generous: among the other tests on two cores, starting takes seconds.
        let deadline = ContinuousClock.now + .seconds(60)
        let probeErrors = cli.path("probe.err")
        while true {
            try #require(process.isRunning, "custodia ended before it was seen writing: \(report())")
            try #require(ContinuousClock.now < deadline, "custodia never took the write lock")
            let probe = try ChildProcess.run(
                sqlite3Executable.path, ["-batch", "-bail", "-cmd", ".timeout 0", cli.database, "BEGIN IMMEDIATE; ROLLBACK;"],
                error: probeErrors)
            let said = (try? String(contentsOfFile: probeErrors, encoding: .utf8)) ?? ""
            if probe.terminationStatus != 0, said.contains("database is locked") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Starts `custodia args…`, kills it with SIGKILL once it has held the write lock for a
    /// moment, and checks that the store is as before and verifies. The process is stopped
    /// (SIGSTOP) before it is checked and killed, so a slow machine cannot let it finish in
    /// between; if it ended on its own, its status and standard error are shown.
    func killMidway(_ cli: CLI, _ arguments: [String]) async throws {
        let before = try cli.state()
        let errors = URL(fileURLWithPath: cli.path("custodia.err"))
        let process = try cli.start(arguments, stderr: errors)
        func report() -> String {
            let said = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            let status = process.isRunning ? "still running" : "status \(process.terminationStatus)"
            return "\(status); stderr: \(said.prefix(2000))"
        }
        try await waitUntilAppending(cli, process, report)
        try await Task.sleep(for: .milliseconds(150))
        kill(process.processIdentifier, SIGSTOP)
        try #require(process.isRunning, "custodia ended before it could be killed (make the input larger): \(report())")
        process.killHard()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGKILL)

        let after = try cli.state()
        #expect(after.size == before.size)
        #expect(after.checkpoint == before.checkpoint)
        #expect(after.summary == before.summary)
        #expect(after.entries == before.entries)
        let verify = try cli.run(["verify"])
        #expect(verify.succeeded, "\(verify)")
        #expect(verify.stdout.contains("verified: all \(before.size) events"))
    }

    @Test(.timeLimit(.minutes(2)))
    func killingRecordMidwayLeavesTheStoreAsItWas() async throws {
        try await withCLI { cli in
            try cli.initStore()
            try cli.write("holders.csv", holdersCSV)
            try cli.ok("import", "holders", "holders.csv")
            let items = 10_000
            var csv = Array(itemsHeader.utf8)
            for i in 0..<items { csv += Array("assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,K-\(i),1990,,,,S1\n".utf8) }
            try cli.write("items.csv", csv)
            try cli.ok("import", "items", "items.csv")

            // 400,000 valid events: twenty rounds of issuing every rifle to P1 and returning it
            // (one round built, then repeated: the test runs among many others, unoptimized).
            var round: [UInt8] = []
            round.reserveCapacity(3_000_000)
            for i in 0..<items {
                round += Array(
                    #"{"kind":"issue","occurredAt":"2026-03-01T08:00:00Z","from":"S1","to":"P1","items":[{"serial":"K-\#(i)","manufacturer":"Kalashnikov"}]}"#
                        .utf8)
                round.append(0x0A)
                round += Array(
                    #"{"kind":"return","occurredAt":"2026-03-01T18:00:00Z","from":"P1","to":"S1","items":[{"serial":"K-\#(i)","manufacturer":"Kalashnikov"}]}"#
                        .utf8)
                round.append(0x0A)
            }
            var jsonl: [UInt8] = []
            jsonl.reserveCapacity(round.count * 20)
            for _ in 0..<20 { jsonl += round }
            try cli.write("big.jsonl", jsonl)
            try await killMidway(cli, ["record", "big.jsonl"])

            // The store takes appends again, and the first events of the killed batch were valid.
            let head = jsonl.split(separator: 0x0A).prefix(2).map { String(decoding: $0, as: UTF8.self) }
            try cli.record(head)
            #expect(try cli.state().size == 8 + items + 2)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func killingAnItemImportMidwayLeavesTheStoreAsItWas() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            var csv = Array(itemsHeader.utf8)
            for i in 0..<200_000 { csv += Array("assault-rifle,Izhmash,RU,AK-74,5.45x39,I-\(i),1985,,,,S1\n".utf8) }
            try cli.write("big.csv", csv)
            try await killMidway(cli, ["import", "items", "big.csv"])
            #expect(try cli.fails("where", "I-0").stderr.contains("no item with serial I-0"))
        }
    }
}
