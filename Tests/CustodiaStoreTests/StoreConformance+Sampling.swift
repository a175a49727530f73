import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import Testing

/// Sampling on every backend: a plan commits to the population, the draw rests on the next
/// checkpoint and repeats, findings are only for drawn items, the report bounds them.
extension StoreConformance {
    static let samplingChecks: [ConformanceCheck] = [
        ConformanceCheck("a sample is planned, drawn from the next checkpoint, examined and reported", aSampleIsDrawnAndReported),
        ConformanceCheck("a sample plan refuses an empty population, a size above it and a bad confidence", samplePlanBadInput),
        ConformanceCheck("where the log has witnesses, the draw rests on the first cosigned checkpoint after the plan's", aWitnessedDraw),
    ]

    static func aWitnessedDraw(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await stocktakeStore(make, dir)
            let witness = "witness.example+01234567+AQ=="
            try await store.recordCosignature(size: 5, witness: witness, line: "— witness.example line", receivedAt: E.t)
            let seq = try await store.recordValid([
                try await store.samplePlanEvent(
                    categories: [], model: nil, holder: "S1", declared: nil, confidence: "0.95", detect: nil, size: 2, beacon: nil,
                    occurredAt: E.t)
            ]).firstSeq
            let view = try #require(try await store.samplePlan(seq))
            try await store.recordValid([E.holder("U9", .unit, "Nine", parent: "S1")])
            try await store.recordValid([E.holder("U10", .unit, "Ten", parent: "S1")])
            guard case .waiting(let what) = try await store.sampleDraw(view) else {
                Issue.record("drawn from a checkpoint no witness cosigned")
                return
            }
            #expect(what.contains("that a witness cosigns"))
            // The witness cosigns the latest checkpoint: the draw rests on it, not on the one before.
            let latest = try await store.ledgerSize()
            try await store.recordCosignature(size: latest, witness: witness, line: "— witness.example line", receivedAt: E.t)
            guard case .drawn(let drawn) = try await store.sampleDraw(view) else {
                Issue.record("not drawn once a witness cosigned a checkpoint after the plan's")
                return
            }
            #expect(drawn.checkpointSize == latest && latest == seq + 3)
            #expect(drawn.witnesses == [witness])
        }
    }

    static func aSampleIsDrawnAndReported(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await stocktakeStore(make, dir)
            let event = try await store.samplePlanEvent(
                categories: [.assaultRifle], model: nil, holder: "S1", declared: 6, confidence: "0.95", detect: nil, size: 3, beacon: nil,
                occurredAt: E.t)
            #expect(event.plan?.size == 5, "AK-1…AK-5: AK-5 is issued to U1, under S1")
            let seq = try await store.recordValid([event]).firstSeq
            let view = try #require(try await store.samplePlan(seq))
            guard case .waiting(let what) = try await store.sampleDraw(view) else {
                Issue.record("drawn before the checkpoint after the plan's")
                return
            }
            #expect(what.contains("first checkpoint after size \(seq + 1)"))
            // The next batch moves AK-1 away: the population stays the one the plan fixed.
            try await store.recordValid([E.move(.dispatch, ["AK-1"], from: "S1", to: "S2", document: "TD-S")])
            guard case .drawn(let drawn) = try await store.sampleDraw(view) else {
                Issue.record("not drawn once the next checkpoint exists")
                return
            }
            #expect(drawn.items.count == 3 && Set(drawn.items).count == 3)
            #expect(drawn.items.allSatisfy { ["AK-1", "AK-2", "AK-3", "AK-4", "AK-5"].contains($0.serial) })
            #expect(drawn.checkpointSize == seq + 2 && drawn.witnesses.isEmpty)
            guard case .drawn(let again) = try await store.sampleDraw(view) else { return }
            #expect(again == drawn, "the draw repeats")

            let outside = ["AK-1", "AK-2", "AK-3", "AK-4", "AK-5"].first { s in !drawn.items.contains { $0.serial == s } }!
            do {
                _ = try await store.sampleFinding(drawn, reads: [CountRead(serial: outside, line: 1)], finding: .present, occurredAt: E.t)
                Issue.record("a finding for an item not drawn")
            } catch let p as CountProblems {
                #expect(p.problems[0].message.contains("not in the sample"))
            }
            let present = try await store.sampleFinding(
                drawn, reads: drawn.items.prefix(2).enumerated().map { CountRead(serial: $1.serial, line: $0 + 1) }, finding: .present,
                occurredAt: E.t)
            let missing = try await store.sampleFinding(drawn, reads: [CountRead(serial: drawn.items[2].serial, line: 1)], finding: .notFound, occurredAt: E.t)
            try await store.recordValid([present, missing])
            do {
                _ = try await store.sampleFinding(drawn, reads: [CountRead(serial: drawn.items[0].serial, line: 1)], finding: .notFound, occurredAt: E.t)
                Issue.record("a second finding for one item")
            } catch let p as CountProblems {
                #expect(p.problems[0].message.contains("already has a finding"))
            }
            let report = try await store.sampleReport(view)
            #expect(report.examined == 3)
            #expect(report.findings[.notFound] == 1 && report.findings[.present] == 2)
            #expect(report.bounds[.notFound] == Hypergeometric.upperBound(population: 5, sample: 3, observed: 1, confidence: 0.95))
            #expect(report.bounds[.notFound] == 3, "one of three missing: at most 3 of 5 at 95%")
            #expect(try await store.samplePlans().map(\.seq) == [seq])
            #expect(try await store.samplePlans(scope: HolderScope(root: "R2", holders: try await store.holders())).isEmpty)
            #expect(try await store.verify().divergence == nil)
        }
    }

    static func samplePlanBadInput(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await stocktakeStore(make, dir)
            let size = try await store.ledgerSize()
            func refusal(_ holder: String?, _ categories: [CustodiaCore.Category], confidence: String = "0.95", detect: Int64? = nil, size: Int64? = nil)
                async -> FieldError?
            {
                do {
                    _ = try await store.samplePlanEvent(
                        categories: categories, model: nil, holder: holder, declared: nil, confidence: confidence, detect: detect, size: size,
                        beacon: nil, occurredAt: E.t)
                    return nil
                } catch { return error as? FieldError }
            }
            #expect(await refusal("S2", [.revolverPistol], size: 1)?.field == "population")
            #expect(await refusal("S1", [], size: 6)?.field == "size")
            #expect(await refusal("S1", [], confidence: "1.5", size: 2)?.field == "confidence")
            #expect(await refusal("S1", [], confidence: "0.95", detect: 9)?.field == "detect")
            #expect(await refusal("S1", [], detect: 1, size: 2)?.field == "size")
            #expect(await refusal("NOPE", [], size: 1)?.field == "holder")
            #expect(try await store.ledgerSize() == size, "a plan refused is not recorded")
        }
    }
}
