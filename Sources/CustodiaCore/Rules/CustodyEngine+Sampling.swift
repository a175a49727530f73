/// The rules of a sample, in the engine:
///
/// - `sample-plan`: its holder (`from`) exists and lies in the recorder's scope; a plan over
///   the whole register is recorded by someone whose scope is the whole register.
/// - `sample-finding`: its plan exists and its `from` is the plan's; the items it names are
///   registered and named once.
///
/// Whether each item is in the drawn sample and has no finding yet is judged where the draw
/// is made (`SampleDraw`), by the store's `sampleFinding`, the only path that records findings.
extension CustodyEngine {
    public enum SamplingRule: String, Sendable, CaseIterable {
        case unknownPlan = "sample.unknown"
        case wholeRegister = "sample.whole-register"
    }

    mutating func applySampling(_ event: inout Event, seq: Int64) throws -> [Int64] {
        try checkShape(event)
        if let from = event.from { _ = try holder(from, field: "from", receiving: false) }
        if event.kind == .samplePlan {
            if event.from == nil, admission?.authority.isScoped == true {
                throw CustodyViolation(
                    "plan.population.holder", "a sample over the whole register is planned by someone whose scope is the whole register; name a holder inside your scope",
                    rule: SamplingRule.wholeRegister.rawValue)
            }
            samplePlans[seq] = .some(event.from)
            return []
        }
        let id = event.sample!
        var holder = samplePlans[id]
        if holder == nil, id < seq, let plan = try loader.event(seq: id), plan.kind == .samplePlan { holder = .some(plan.from) }
        guard let planHolder = holder, planHolder == event.from, planHolder.map(inScope) ?? (admission?.authority.isScoped != true)
        else {
            throw CustodyViolation(
                "sample", "no sample plan has id \(id) in your scope; a plan's id is the number `custodia sample plan` printed",
                rule: SamplingRule.unknownPlan.rawValue)
        }
        return try resolveNamedItems(&event)
    }
}
