import Crypto
import CustodiaCore
import CustodiaLedger

/// A sample plan as recorded.
public struct SamplePlanView: Sendable, Equatable {
    public var seq: Int64
    public var plan: SamplePlan
    public var plannedAt: String
    public var plannedBy: String
}

/// The draw of a plan: either what it waits for, or the sample.
public enum SampleDrawResult: Sendable, Equatable {
    /// The checkpoint the draw rests on does not exist yet.
    case waiting(String)
    case drawn(SampleDrawn)
}

public struct SampleDrawn: Sendable, Equatable {
    public var plan: SamplePlanView
    /// The checkpoint the seed rests on: its size and root (hex), and the witnesses that
    /// cosigned it (their verifier keys; none: the draw rests on the log alone).
    public var checkpointSize: Int64
    public var checkpointRoot: String
    public var witnesses: [String]
    public var beaconValue: String?
    /// The seed (hex) and the sample, in draw order.
    public var seed: String
    public var items: [ItemIdentity]
}

/// A finding recorded for a sampled item.
public struct RecordedFinding: Sendable, Equatable {
    public var item: ItemIdentity
    public var finding: SampleFinding
    public var seq: Int64
    public var by: String
}

/// Sampling, written once for both backends (see `SampleDraw` for the method).
extension Store {
    /// The items of a population held now, or just before event `position`: those held now,
    /// with the items events since `position` touched folded back (`PastState`). In their
    /// canonical order, with the population's bytes (`SampleDraw.canonical`).
    public func samplePopulation(
        categories: [CustodiaCore.Category], model: String?, holder: String?, before position: Int64? = nil
    ) async throws -> (items: [ItemIdentity], bytes: [UInt8]) {
        let tree = try await holderTree()
        let filter = SamplePlan(categories: categories, model: model, holder: holder, size: 0, hash: "", confidence: "0.5", sample: 0)
        func under(_ code: String) -> Bool { holder.map { code == $0 || HolderTree.isUnder(code, root: $0, in: tree) } ?? true }
        let (size, held) = try await heldIdentities()
        var out: [ItemIdentity] = []
        for h in held where (categories.isEmpty || categories.contains(h.category)) && (model == nil || h.identity.model == model)
            && under(h.holder)
        {
            out.append(h.identity)
        }
        if let position, position < size {
            var touched = Set<ItemIdentity>()
            try await eachRecorded(from: position, to: size) { _, e in
                guard Self.moves(e) else { return }
                for ref in e.items {
                    if let identity = ref.identity { touched.insert(identity) }
                }
                for r in e.registrations { touched.insert(r.identity) }
            }
            out.removeAll { touched.contains($0) }
            for identity in touched {
                guard let view = try await items(serial: identity.serial, manufacturer: identity.manufacturer, model: identity.model).first,
                    filter.admits(view.record.marking)
                else { continue }
                var history: [(seq: Int64, event: Event)] = []
                for r in try await self.history(itemID: view.record.id) where r.seq < position { history.append((r.seq, try r.decoded())) }
                if let past = PastState.item(view.record.marking, events: history, before: position), past.status == .held,
                    let h = past.holder, under(h)
                {
                    out.append(identity)
                }
            }
        }
        return SampleDraw.canonical(out)
    }

    /// The `sample-plan` for a population now. `size` or (`detect`: the number of missing
    /// items the sample must reveal at `confidence`) sets the sample size.
    public func samplePlanEvent(
        categories: [CustodiaCore.Category], model: String?, holder: String?, declared: Int64?, confidence: String, detect: Int64?,
        size: Int64?, beacon: String?, occurredAt: String
    ) async throws -> Event {
        let c = try Confidence(confidence)
        if let holder, try await self.holder(code: holder) == nil {
            throw FieldError("holder", "unknown holder \(holder); check the code (custodia holder list)")
        }
        let population = try await samplePopulation(categories: categories, model: model, holder: holder)
        let N = Int64(population.items.count)
        guard N > 0 else {
            throw FieldError("population", "no item held matches the population; check the categories, the model and the holder")
        }
        var n: Int64
        switch (detect, size) {
        case (let m?, nil):
            guard m >= 1, m <= N else { throw FieldError("detect", "give a number of missing items from 1 to the population's \(N)") }
            n = Hypergeometric.sampleSize(population: N, detect: m, confidence: c.value) ?? N
        case (nil, let s?):
            guard s >= 1 else { throw FieldError("size", "give a sample size of 1 or more") }
            guard s <= N else { throw FieldError("size", "\(s) is more than the population's \(N) items; sample at most \(N)") }
            n = s
        default:
            throw FieldError("size", "give either the sample size or the number of missing items to detect, not both")
        }
        n = min(n, N)
        var event = Event(kind: .samplePlan, occurredAt: occurredAt)
        event.from = holder
        event.plan = SamplePlan(
            categories: categories, model: model, holder: holder, size: N,
            hash: Self.sha256(population.bytes), declared: declared, confidence: c.text, detect: detect,
            sample: n, beacon: beacon)
        return event
    }

    /// Every sample plan inside `scope`, newest first.
    public func samplePlans(scope: HolderScope = .everything) async throws -> [SamplePlanView] {
        var out: [SamplePlanView] = []
        try await eachRecorded(of: .samplePlan) { seq, e in
            guard let plan = e.plan, plan.holder.map(scope.contains) ?? scope.isEverything else { return }
            out.append(SamplePlanView(seq: seq, plan: plan, plannedAt: e.occurredAt, plannedBy: e.recordedBy ?? ""))
        }
        return out.reversed()
    }

    public func samplePlan(_ seq: Int64, scope: HolderScope = .everything) async throws -> SamplePlanView? {
        guard let e = try await event(seq: seq).map({ try $0.decoded() }), e.kind == .samplePlan, let plan = e.plan,
            plan.holder.map(scope.contains) ?? scope.isEverything
        else { return nil }
        return SamplePlanView(seq: seq, plan: plan, plannedAt: e.occurredAt, plannedBy: e.recordedBy ?? "")
    }

    /// The sample of a plan, or what it waits for. Refuses when the population recomputed
    /// from the ledger is not the one the plan committed to. With `items: false`, only what
    /// the draw rests on (the checkpoint, the witnesses, the seed), without reading the
    /// population: what a report names.
    public func sampleDraw(_ view: SamplePlanView, beaconValue: String? = nil, items withItems: Bool = true) async throws
        -> SampleDrawResult
    {
        if view.plan.beacon != nil, (beaconValue ?? "").isEmpty {
            return .waiting("the value of the beacon the plan names (\(view.plan.beacon!)), once it is published")
        }
        guard let ownNote = try await checkpoint(including: view.seq) else {
            return .waiting("the checkpoint that records the plan")
        }
        let own = try await open(ownNote)
        // Where the log has witnesses, the first checkpoint after the plan's that one of them
        // cosigned; without them, the first checkpoint after the plan's.
        let nextNote: String
        if try await firstCosignedSize(after: -1) != nil {
            guard let size = try await firstCosignedSize(after: own.size), let note = try await checkpoint(size: size) else {
                return .waiting("the first checkpoint after size \(own.size) that a witness cosigns")
            }
            nextNote = note
        } else {
            guard let note = try await checkpoint(including: own.size) else {
                return .waiting(
                    "the first checkpoint after size \(own.size), signed once the ledger holds more than \(own.size) events (it has \(try await ledgerSize()))")
            }
            nextNote = note
        }
        let next = try await open(nextNote)
        guard let leaf = try await entries(from: view.seq, to: view.seq + 1).first?.leaf else {
            throw FieldError("plan", "entry \(view.seq) is missing")
        }
        let root = next.root.hex
        let material = SampleDraw.seedMaterial(
            planLeafHash: Merkle.leafHash(leaf).hex, size: next.size, root: root, beaconValue: beaconValue)
        let seed = Array(SHA256.hash(data: material))
        let witnesses = try await cosignatures(size: next.size).keys.sorted()
        var drawn = SampleDrawn(
            plan: view, checkpointSize: next.size, checkpointRoot: root, witnesses: witnesses, beaconValue: beaconValue,
            seed: Bytes.hex(seed), items: [])
        guard withItems else { return .drawn(drawn) }
        let population = try await samplePopulation(
            categories: view.plan.categories, model: view.plan.model, holder: view.plan.holder, before: view.seq)
        guard Self.sha256(population.bytes) == view.plan.hash else {
            throw FieldError(
                "plan", "the population recomputed from the ledger (\(population.items.count) items) is not the one plan \(view.seq) committed to (\(view.plan.size)); run custodia verify")
        }
        let positions = SampleDraw.positions(
            n: Int(view.plan.sample), of: population.items.count, seed: seed, sha256: { Array(SHA256.hash(data: $0)) })
        drawn.items = positions.map { population.items[$0] }
        return .drawn(drawn)
    }

    /// The findings recorded for a plan, in ledger order.
    public func sampleFindings(_ plan: Int64) async throws -> [RecordedFinding] {
        var out: [RecordedFinding] = []
        try await eachRecorded(of: .sampleFinding, from: plan + 1) { seq, e in
            guard e.sample == plan, let f = e.finding else { return }
            for ref in e.items {
                if case .marking(let m, let s, let model) = ref {
                    out.append(RecordedFinding(item: ItemIdentity(manufacturer: m, model: model ?? "", serial: s), finding: f, seq: seq, by: e.recordedBy ?? ""))
                }
            }
        }
        return out
    }

    /// The `sample-finding` of these reads: each must be an item of the drawn sample with no
    /// finding yet (every read that is not is named by its line; nothing is recorded then).
    public func sampleFinding(
        _ drawn: SampleDrawn, reads: [CountRead], finding: SampleFinding, occurredAt: String
    ) async throws -> Event {
        let sampled = drawn.items
        let done = Set(try await sampleFindings(drawn.plan.seq).map(\.item))
        var problems: [CountProblem] = []
        var seen: [ItemIdentity: Int] = [:]
        var event = Event(kind: .sampleFinding, occurredAt: occurredAt)
        event.from = drawn.plan.plan.holder
        event.sample = drawn.plan.seq
        event.finding = finding
        for read in reads {
            let matches = sampled.filter { $0.serial == read.serial && (read.manufacturer == nil || $0.manufacturer == read.manufacturer) }
            guard matches.count == 1, let item = matches.first else {
                problems.append(
                    matches.isEmpty
                        ? CountProblem(
                            read.line, .notInSample,
                            "\(read.serial) is not in the sample of plan \(drawn.plan.seq); record findings only for the items drawn (custodia sample draw \(drawn.plan.seq))",
                            subject: read.serial)
                        : CountProblem(
                            read.line, .ambiguous, "\(read.serial) is the serial of \(matches.count) sampled items; give the manufacturer",
                            subject: read.serial))
                continue
            }
            if let earlier = seen[item] {
                problems.append(CountProblem(
                    read.line, .readTwice, "\(read.serial) is read twice (also on line \(earlier))", subject: read.serial, other: String(earlier)))
                continue
            }
            if done.contains(item) {
                problems.append(CountProblem(
                    read.line, .alreadyFound, "\(read.serial) already has a finding in plan \(drawn.plan.seq)", subject: read.serial))
                continue
            }
            seen[item] = read.line
            event.items.append(.marking(manufacturer: item.manufacturer, serial: item.serial, model: item.model))
        }
        if event.items.isEmpty, problems.isEmpty { problems.append(CountProblem(0, .empty, "no serials; give the sampled items one per line")) }
        guard problems.isEmpty else { throw CountProblems(problems: problems) }
        return event
    }

    /// The report of a plan: the findings so far judged against its population.
    public func sampleReport(_ view: SamplePlanView) async throws -> SampleReport {
        SampleReport(plan: view.plan, findings: try await sampleFindings(view.seq).map(\.finding))
    }

    /// The checkpoint a note signs, its signature checked with the log's key.
    func open(_ note: String) async throws -> Checkpoint {
        let verifier = try NoteVerifier(verifierKey: try await verifierKey())
        return try Checkpoint(text: try SignedNote.open(note, verifiers: [verifier]).text)
    }
}
