import CustodiaCore
import CustodiaStore
import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import Testing

@testable import CustodiaServer

/// Recording events: batches, attribution, the role and scope rules, group commit.
@Suite struct WriteTests {
    @Test func aBatchIsAllOrNothingAndListsEveryRefusedEvent() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let before = try await server.store.ledgerSize()
            let batch = J.batch([
                J.move("issue", ["AK-1"], from: "S1", to: "U1"),
                J.move("issue", ["AK-404"], from: "S1", to: "U1"),
                J.move("issue", [], from: "S1", to: "U1", lots: [("L1", 5000)]),
                J.move("return", ["AK-1"], from: "U1", to: "S1"),
            ])
            let r = try await client.post("/api/v1/events", as: "clerk-n", json: batch)
            #expect(r.status == 409)
            #expect(r.problem == "refused-by-rules")
            #expect(r.errors.map { $0["index"] as? Int } == [1, 2])
            #expect(r.errors.map { $0["field"] as? String } == ["items[0]", "lots[0].quantity"])
            #expect((r.errors.first?["message"] as? String)?.contains("AK-404") == true)
            #expect(r.detail.hasPrefix("2 of 4 events do not fit"))
            #expect(r.detail.contains("nothing was written. Fix them"))
            #expect(try await server.store.ledgerSize() == before)
            #expect(try await server.store.item(id: try await server.itemID("AK-1"))?.state.holder == "S1")

            let one = try await client.post(
                "/api/v1/events", as: "clerk-n", json: J.move("issue", ["AK-404"], from: "S1", to: "U1"))
            #expect(one.status == 409)
            #expect(one.detail.hasPrefix("the event does not fit"))
            #expect(one.detail.contains("Fix it and send"))

            let ok = try await client.post(
                "/api/v1/events", as: "clerk-n",
                json: J.batch([
                    J.move("issue", ["AK-1"], from: "S1", to: "U1"), J.move("return", ["AK-1"], from: "U1", to: "S1"),
                ]))
            #expect(ok.status == 201)
            #expect(ok.json["accepted"] as? Int == 2)
            #expect(ok.json["firstSeq"] as? Int == Int(before))
            #expect(ok.json["size"] as? Int == Int(before) + 2)
            #expect((ok.json["checkpoint"] as? String)?.contains("\n\(before + 2)\n") == true)
        }
    }

    @Test func theRecorderIsAlwaysTheSignedInUser() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            for field in ["\"recordedBy\":\"someone-else\"", "\"recordedAt\":\"2020-01-01T00:00:00Z\""] {
                let r = try await client.post(
                    "/api/v1/events", as: "clerk-n", json: J.move("issue", ["AK-1"], from: "S1", to: "U1", extra: field))
                #expect(r.status == 400)
                #expect(r.problem == "invalid-event")
                #expect((r.errors.first?["message"] as? String)?.contains("set by Custodia") == true)
            }
            let r = try await client.post("/api/v1/events", as: "clerk-n", json: J.move("issue", ["AK-1"], from: "S1", to: "U1"))
            #expect(r.status == 201)
            let seq = try #require(r.json["firstSeq"] as? Int)
            let leaf = try #require(try await server.store.event(seq: Int64(seq))).json
            #expect(leaf.contains("\"recordedBy\":\"clerk-n\""))
            #expect(leaf.contains("\"recordedAt\":\"2026-03-01T08:00:00Z\""), "the server's clock")
        }
    }

    @Test func rolesAndScopesAreCheckedForEveryEventOfABatch() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let before = try await server.store.ledgerSize()
            let outside = try await client.post(
                "/api/v1/events", as: "clerk-n",
                json: J.batch([
                    J.move("issue", ["AK-1"], from: "S1", to: "U1"),
                    J.move("dispatch", ["AK-2"], from: "S1", to: "S2", extra: "\"document\":\"D-1\""),
                    J.move("issue", ["AK-21"], from: "S2", to: "U2"),
                ]))
            // A holder outside the scope is refused as if it did not exist. A dispatch to
            // another region needs only its sender inside the scope.
            #expect(outside.status == 409)
            #expect(outside.problem == "refused-by-rules")
            #expect(outside.errors.map { $0["index"] as? Int } == [2])
            #expect(outside.errors.map { $0["field"] as? String } == ["from"])
            #expect(outside.errors.first?["message"] as? String == "unknown holder S2; add it first (custodia holder add)")
            let dispatched = try await client.post(
                "/api/v1/events", as: "clerk-n",
                json: J.move("dispatch", ["AK-2"], from: "S1", to: "S2", extra: "\"document\":\"D-1\""))
            #expect(dispatched.status == 201)
            // The receiving region's clerk records the receive; the sender's clerk cannot.
            let receive = J.move("receive", ["AK-2"], to: "S2", extra: "\"document\":\"D-1\"")
            #expect(try await client.post("/api/v1/events", as: "clerk-n", json: receive).status == 409)

            let holderAdd =
                "{\"kind\":\"holder-add\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"holder\":{\"code\":\"S9\",\"kind\":\"site\",\"name\":\"Nine\",\"parent\":\"Z1\"}}"
            let forbidden = try await client.post("/api/v1/events", as: "clerk-n", json: holderAdd)
            #expect(forbidden.status == 403)
            #expect(forbidden.problem == "forbidden")
            #expect(forbidden.errors.first?["field"] as? String == "kind")
            #expect(
                try await client.post("/api/v1/events", as: "viewer-n", json: J.move("count", ["AK-1"], from: "S1")).status == 403
            )
            #expect(
                try await client.post("/api/v1/events", as: "auditor", json: J.move("count", ["AK-1"], from: "S1")).status == 403)
            #expect(
                try await client.post("/api/v1/events", as: "inspector-n", json: J.move("issue", ["AK-1"], from: "S1", to: "U1"))
                    .status == 403)
            #expect(
                try await client.post("/api/v1/events", as: "inspector-n", json: J.move("count", ["AK-1"], from: "S1")).status
                    == 201)
            #expect(try await server.store.ledgerSize() == before + 2)

            // An administrator's new holder is usable at once.
            #expect(try await client.post("/api/v1/events", as: "admin-n", json: holderAdd).status == 201)
            let moved = try await client.post(
                "/api/v1/events", as: "clerk-n", json: J.move("issue", ["AK-3"], from: "S1", to: "S9"))
            #expect(moved.status == 201, "S9 is inside R1 for the clerk right away: \(moved.text)")
            #expect(try await client.get("/api/v1/holders/S9", as: "viewer-n").status == 200)
        }
    }

    @Test func aCorrectionOfAnEventOutsideTheScopeIsRefused() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let correction = { (seq: Int) in
                "{\"kind\":\"correction\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"corrects\":\(seq),\"reason\":\"wrong voucher\"}"
            }
            let outside = try await client.post("/api/v1/events", as: "clerk-n", json: correction(12))
            #expect(outside.status == 409)
            #expect(outside.errors.first?["field"] as? String == "corrects")
            let missing = try await client.post("/api/v1/events", as: "clerk-n", json: correction(99_999))
            #expect(
                (missing.errors.first?["message"] as? String)?.replacingOccurrences(of: "99999", with: "12")
                    == outside.errors.first?["message"] as? String, "the same answer as for an event that does not exist")
            #expect(try await client.post("/api/v1/events", as: "clerk-n", json: correction(11)).status == 201)
            #expect(try await client.post("/api/v1/events", as: "root", json: correction(12)).status == 201)
        }
    }

    @Test func aDryRunChecksEverythingAndWritesNothing() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let before = try await server.store.ledgerSize()
            let dry = try await client.post(
                "/api/v1/events?dryRun=true", as: "clerk-n", json: J.move("issue", ["AK-1"], from: "S1", to: "U1"))
            #expect(dry.status == 200)
            #expect(dry.json["dryRun"] as? Bool == true)
            #expect(dry.json["accepted"] as? Int == 1)
            let refused = try await client.post(
                "/api/v1/events?dryRun=true", as: "clerk-n", json: J.move("issue", ["AK-1"], from: "U1", to: "S1"))
            #expect(refused.status == 409)
            #expect(try await server.store.ledgerSize() == before)
        }
    }

    @Test func concurrentRequestsLandExceptTheRefusedOneWhichChangesNothing() async throws {
        let server = try await TestServer.make()
        let items = try await server.store.searchItems(ItemQuery(holder: "S1")).elements.map(\.marking.serial)
        try await server.run { client in
            let before = try await server.store.ledgerSize()
            let results = try await withThrowingTaskGroup(of: (String, APIResponse).self) { group in
                for serial in items {
                    group.addTask {
                        (
                            serial,
                            try await client.post(
                                "/api/v1/events", as: "clerk-n", json: J.move("issue", [serial], from: "S1", to: "U1"))
                        )
                    }
                }
                group.addTask {
                    // Refused: AK-21 is at S2, and the rest of this request must not land either.
                    (
                        "bad",
                        try await client.post(
                            "/api/v1/events", as: "root",
                            json: J.batch([
                                J.move("issue", [], from: "S1", to: "P1", lots: [("L1", 10)]),
                                J.move("issue", ["AK-21"], from: "S1", to: "U1"),
                            ]))
                    )
                }
                var out: [String: APIResponse] = [:]
                for try await (key, response) in group { out[key] = response }
                return out
            }
            for serial in items { #expect(results[serial]?.status == 201, "\(serial)") }
            #expect(results["bad"]?.status == 409)
            #expect(results["bad"]?.errors.map { $0["index"] as? Int } == [1])
            #expect(try await server.store.ledgerSize() == before + Int64(items.count))
            let seqs = Set(items.compactMap { results[$0]?.json["firstSeq"] as? Int })
            #expect(seqs == Set((Int(before)..<Int(before) + items.count)), "each request has its own seq")
            for serial in items {
                #expect(try await server.store.item(id: try await server.itemID(serial))?.state.holder == "U1")
            }
            let p1 = try await server.store.holdings(of: "P1", recursive: false)
            #expect(p1?.lots == [], "the refused request's lot issue did not land")
            #expect(try await server.store.verify().divergence == nil)
        }
    }

    /// Requests queued while the writer is busy are committed together, one checkpoint for all.
    @Test func queuedRequestsAreCommittedAsOneGroup() async throws {
        let server = try await TestServer.make()
        defer { server.store.shutDown() }
        let writer = EventWriter(store: server.store, metrics: ServerMetrics(), logger: Logger(label: "test"), holdersChanged: {})
        let before = try await server.store.ledgerSize()
        func request(_ event: Event, by user: String) -> AppendRequest {
            AppendRequest(events: [event], recordedBy: user, recordedAt: "2026-03-01T08:00:00Z")
        }
        func issue(_ serial: String, from: String, to: String) -> Event {
            var e = Event(kind: .issue, occurredAt: "2026-03-01T07:00:00Z")
            e.from = from
            e.to = to
            e.items = [.marking(manufacturer: "Kalashnikov", serial: serial, model: nil)]
            return e
        }
        let reports = try await withThrowingTaskGroup(of: (Int, AppendReport).self) { group in
            let requests = [
                request(issue("AK-1", from: "S1", to: "U1"), by: "a"), request(issue("AK-21", from: "S1", to: "U1"), by: "b"),
                request(issue("AK-2", from: "S1", to: "U1"), by: "c"), request(issue("AK-1", from: "U1", to: "P1"), by: "d"),
            ]
            for (n, r) in requests.enumerated() {
                group.addTask { (n, try await writer.submit(r)) }
                while writer.queued < n + 1 { try await Task.sleep(for: .milliseconds(1)) }
            }
            let services = ServiceGroup(
                configuration: .init(services: [writer], gracefulShutdownSignals: [], logger: Logger(label: "test")))
            group.addTask {
                try await services.run()
                return (-1, AppendReport(accepted: 0, errors: [], size: 0, firstSeq: 0, checkpoint: nil, dryRun: false))
            }
            var out: [Int: AppendReport] = [:]
            for try await (n, report) in group where n >= 0 {
                out[n] = report
                if out.count == 4 { await services.triggerGracefulShutdown() }
            }
            return out
        }
        #expect(reports[0]?.written == true)
        #expect(reports[1]?.written == false, "AK-21 is not at S1")
        #expect(reports[2]?.written == true)
        #expect(reports[3]?.written == true, "sees AK-1 issued to U1 by the first request of the group")
        #expect(Set([reports[0]?.checkpoint, reports[2]?.checkpoint, reports[3]?.checkpoint]).count == 1, "one commit")
        #expect(reports[0]?.size == before + 3)
        #expect(try await server.store.ledgerSize() == before + 3)

        // After shutdown the writer refuses new work instead of losing it.
        await #expect(throws: Problem.self) { try await writer.submit(request(issue("AK-3", from: "S1", to: "U1"), by: "e")) }
    }
}
