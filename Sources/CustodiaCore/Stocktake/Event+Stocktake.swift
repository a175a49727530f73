/// The fields of a stocktake's events, and which kinds carry them:
///
/// | kind | from | stocktake | carries |
/// | --- | --- | --- | --- |
/// | `stocktake-open` | the holder counted | — | `opening` |
/// | `count` (of a stocktake) | the holder counted | its id | `items`, `lots` (counted quantities), `unlisted` |
/// | `stocktake-close` | the holder counted | its id | `reconciliation` |
/// | `stocktake-resolve` | the holder counted | its id | `items`, `lots`, `unlisted` settled; `resolvedBy` or `reason` |
///
/// A stocktake's id is the sequence number of its `stocktake-open`.
extension Event {
    /// Refuses a stocktake field on a kind that does not carry it.
    func checkStocktakeFields() throws(FieldError) {
        if stocktake != nil, kind != .count, kind != .stocktakeClose, kind != .stocktakeResolve {
            throw FieldError("stocktake", "only a count, a stocktake-close or a stocktake-resolve names a stocktake")
        }
        if opening != nil, kind != .stocktakeOpen { throw FieldError("opening", "only a stocktake-open carries an opening") }
        if reconciliation != nil, kind != .stocktakeClose {
            throw FieldError("reconciliation", "only a stocktake-close carries a reconciliation")
        }
        if !unlisted.isEmpty, kind != .stocktakeResolve, !(kind == .count && stocktake != nil) {
            throw FieldError("unlisted", "only a stocktake's count or a stocktake-resolve lists unlisted marks")
        }
        if resolvedBy != nil, kind != .stocktakeResolve {
            throw FieldError("resolvedBy", "only a stocktake-resolve names the event that resolves a discrepancy")
        }
        if plan != nil, kind != .samplePlan { throw FieldError("plan", "only a sample-plan carries a plan") }
        if sample != nil, kind != .sampleFinding { throw FieldError("sample", "only a sample-finding names a sample plan") }
        if finding != nil, kind != .sampleFinding { throw FieldError("finding", "only a sample-finding carries a finding") }
    }

    /// The shape of `sample-plan` and `sample-finding`: a plan names the holder sampled as
    /// `from` (none for the whole register); a finding names its plan, its finding and the
    /// sampled items it concerns, and the plan's holder as `from`.
    func checkSamplingShape() throws(FieldError) {
        let name = "\(article(kind.rawValue)) \(kind.rawValue)"
        if to != nil || !lots.isEmpty || dueBack != nil || condition != nil || !registrations.isEmpty || !lotRegistrations.isEmpty {
            throw FieldError("", "\(name) moves nothing; remove to, lots, dueBack, condition and registrations")
        }
        if kind == .samplePlan {
            guard let plan else { throw FieldError("plan", "missing; a sample-plan is made by `custodia sample plan` or the API") }
            if !items.isEmpty { throw FieldError("items", "a sample-plan names no items; they are drawn later") }
            if from != plan.holder { throw FieldError("from", "a sample-plan's from is the holder its population lies under") }
        } else {
            guard sample != nil else { throw FieldError("sample", "missing; name the sample plan") }
            guard finding != nil else {
                throw FieldError("finding", "missing; give one of \(SampleFinding.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if items.isEmpty { throw FieldError("items", "missing; name the sampled items the finding concerns") }
        }
    }

    /// The shape of `stocktake-open`, `stocktake-close` and `stocktake-resolve`.
    func checkStocktakeShape() throws(FieldError) {
        let name = "\(article(kind.rawValue)) \(kind.rawValue)"
        guard from != nil else { throw FieldError("from", "missing; \(name) names the holder counted") }
        if to != nil { throw FieldError("to", "\(name) moves nothing; remove to") }
        if dueBack != nil || condition != nil || !registrations.isEmpty || !lotRegistrations.isEmpty {
            throw FieldError("", "\(name) moves nothing and sets no condition; remove dueBack, condition and registrations")
        }
        switch kind {
        case .stocktakeOpen:
            guard opening != nil else {
                throw FieldError("opening", "missing; a stocktake-open is made by `custodia stocktake open` or the API")
            }
            if !items.isEmpty || !lots.isEmpty { throw FieldError("items", "a stocktake-open counts nothing; record counts") }
        case .stocktakeClose:
            guard stocktake != nil else { throw FieldError("stocktake", "missing; name the stocktake closed") }
            guard reconciliation != nil else {
                throw FieldError("reconciliation", "missing; a stocktake-close is made by `custodia stocktake close` or the API")
            }
            if !items.isEmpty || !lots.isEmpty { throw FieldError("items", "a stocktake-close counts nothing; record counts first") }
        case .stocktakeResolve:
            guard stocktake != nil else { throw FieldError("stocktake", "missing; name the stocktake whose discrepancies are resolved") }
            if items.isEmpty, lots.isEmpty, unlisted.isEmpty {
                throw FieldError("items", "missing; name the items, lots or unlisted marks resolved")
            }
            if resolvedBy == nil, (reason ?? "").isEmpty {
                throw FieldError(
                    "reason", "missing; name the event that resolves the discrepancy (resolvedBy) or explain it (reason)")
            }
        default:
            break
        }
    }
}
