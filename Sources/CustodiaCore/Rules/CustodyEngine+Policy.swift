/// The controls of the policy pack in force, on new input (a replay does not re-judge what
/// was recorded under another pack):
///
/// - `policy.issue-to`: an issue goes only to the holder kinds the pack allows for the
///   category; a person outside them only under an authorisation in force that covers them.
/// - `policy.due-back`: an issue sets a `dueBack` no later than the pack's longest period.
/// - `policy.separation`: categories the pack keeps apart are not held under the same site
///   at once, unless an authorisation in force covers the site.
/// - `confirmation.required`: the kinds that need a second person (see `checkConfirmations`).
///
/// Control events (`policy-set`, `authorisation`, `alert-waiver`) change the pack, its
/// exceptions and its alerts; only an admin records them: a `policy-set` or an
/// `alert-waiver` an admin of the whole register, an `authorisation` one whose scope holds
/// the holder it names.
extension CustodyEngine {
    /// The stable codes of the policy refusals (`CustodyViolation.rule`).
    public enum PolicyRule: String, Sendable, CaseIterable {
        case issueTo = "policy.issue-to"
        case dueBack = "policy.due-back"
        case separation = "policy.separation"
        case purpose = "policy.purpose"
        case wholeRegister = "policy.whole-register"
    }

    /// The pack in force: that of the last `policy-set`, or the standard pack.
    public mutating func policyInForce() throws -> PolicyPack {
        if let pack { return pack }
        var found = PolicyPack.standard
        if let last = try loader.seqs(ofKind: .policySet).last, let event = try loader.event(seq: last), let p = event.policy {
            found = p
        }
        pack = found
        return found
    }

    /// Every authorisation recorded, in ledger order.
    mutating func authorisations() throws -> [Authorisation] {
        if let grants { return grants }
        var found: [Authorisation] = []
        for seq in try loader.seqs(ofKind: .authorisation) {
            if let a = try loader.event(seq: seq)?.authorisation { found.append(a) }
        }
        grants = found
        return found
    }

    /// The authorisation in force at `time` covering `code` (it names the holder or one
    /// above it), if any.
    mutating func authorisation(covering code: String, at time: String) throws -> Authorisation? {
        try authorisations().last { $0.inForce(at: time) && isUnder(code, root: $0.holder) }
    }

    // MARK: Control events

    mutating func applyControl(_ event: Event) throws {
        if admission?.authority.isScoped == true, event.kind == .policySet || event.kind == .alertWaiver {
            throw CustodyViolation(
                "kind",
                event.kind == .policySet
                    ? "the policy pack applies to the whole register; it is set by an admin whose scope is the whole register"
                    : "an alert is waived for the whole register; ask an admin whose scope is the whole register",
                rule: PolicyRule.wholeRegister.rawValue)
        }
        switch event.kind {
        case .policySet:
            guard let policy = event.policy else { throw CustodyViolation("policy", "missing") }
            pack = policy
        case .authorisation:
            guard let grant = event.authorisation else { throw CustodyViolation("authorisation", "missing") }
            guard let h = holders[grant.holder], inScope(grant.holder) else {
                throw Self.unknownHolder(grant.holder, field: "authorisation.holder")
            }
            if admission != nil {
                if h.closed { throw CustodyViolation("authorisation.holder", "holder \(grant.holder) is closed") }
                guard let by = holders[grant.authorisedBy], inScope(by.code) || by.kind == .external else {
                    throw Self.unknownHolder(grant.authorisedBy, field: "authorisation.authorisedBy")
                }
                let purposes = try policyInForce().purposes
                guard purposes.contains(grant.purpose) else {
                    throw CustodyViolation(
                        "authorisation.purpose",
                        "\(grant.purpose) is not a purpose of the policy in force; use one of \(purposes.isEmpty ? "(none: the pack lists no purposes)" : purposes.joined(separator: ", "))",
                        rule: PolicyRule.purpose.rawValue,
                        details: ["purpose": grant.purpose, "purposes": purposes.joined(separator: ", ")])
                }
            }
            var all = try authorisations()
            all.append(grant)
            grants = all
        default:
            break
        }
    }

    // MARK: Items under the pack

    /// The pack's controls for an event that moves (or registers) `moved`, given as their
    /// new states; `items` still holds their states before the event.
    mutating func checkPolicy(_ event: Event, moved: [ItemRecord]) throws {
        let pack = try policyInForce()
        if event.kind == .issue, let to = event.to, let target = holders[to] {
            var checked: Set<Category> = []
            for r in moved where checked.insert(r.marking.category).inserted {
                guard let rule = pack.rule(for: r.marking.category) else { continue }
                try checkIssue(event, to: target, rule: rule, item: r)
            }
        }
        // Most events move nothing a separation names: no allocation for them.
        guard moved.contains(where: { r in pack.separations.contains { $0.categories.contains(r.marking.category) } }) else {
            return
        }
        try checkSeparation(event, moved: moved, pack: pack)
    }

    mutating func checkIssue(_ event: Event, to target: Holder, rule: CategoryRule, item: ItemRecord) throws {
        let what = rule.names.joined(separator: ", ")
        if let allowed = rule.issueTo, !allowed.contains(target.kind) {
            var covered = false
            if target.kind == .person, rule.personWithAuthorisation {
                covered = try authorisation(covering: target.code, at: event.occurredAt) != nil
            }
            if !covered {
                let kinds = HolderKind.allCases.filter { allowed.contains($0) }.map(\.rawValue).joined(separator: ", ")
                let remedy =
                    target.kind == .person && rule.personWithAuthorisation
                    ? "; an admin may record an authorisation in force on \(Timestamp.day(of: event.occurredAt)) that covers \(target.code) first"
                    : ""
                throw CustodyViolation(
                    "to",
                    "\(item.marking.label) is \(what), which the policy in force issues only to \(kinds.isEmpty ? "no holder" : kinds); \(target.code) is \(article(target.kind.rawValue)) \(target.kind.rawValue)\(remedy)",
                    rule: PolicyRule.issueTo.rawValue,
                    details: [
                        "item": item.marking.label, "categories": what, "allowed": kinds, "holder": target.code,
                        "holderKind": target.kind.rawValue, "day": Timestamp.day(of: event.occurredAt),
                        "remedy": remedy.isEmpty ? "" : "authorisation",
                    ])
            }
        }
        if let days = rule.longestDueBackDays, let occurred = Timestamp.seconds(event.occurredAt) {
            let latest = Timestamp.day(of: Timestamp.rfc3339(seconds: occurred + Int64(days) * 86_400))
            guard let due = event.dueBack else {
                throw CustodyViolation(
                    "dueBack",
                    "missing; an issue of \(what) is due back within \(days) days under the policy in force: give dueBack (\(latest) at the latest)",
                    rule: PolicyRule.dueBack.rawValue,
                    details: ["categories": what, "days": String(days), "latest": latest, "due": ""])
            }
            if Timestamp.day(of: due) > latest {
                throw CustodyViolation(
                    "dueBack",
                    "\(due) is more than \(days) days after the issue; an issue of \(what) is due back by \(latest) at the latest under the policy in force",
                    rule: PolicyRule.dueBack.rawValue,
                    details: ["categories": what, "days": String(days), "latest": latest, "due": due])
            }
        }
    }

    /// `root` and every holder under it.
    mutating func subtree(_ root: String) -> [String] {
        if childrenIndex == nil {
            var index: [String: [String]] = [:]
            for h in holders.values { if let p = h.parent { index[p, default: []].append(h.code) } }
            childrenIndex = index
        }
        var out = [root]
        var next = 0
        while next < out.count {
            out.append(contentsOf: childrenIndex?[out[next]] ?? [])
            next += 1
        }
        return out
    }

    mutating func checkSeparation(_ event: Event, moved: [ItemRecord], pack: PolicyPack) throws {
        // The sites where items of a separated category arrive with this event.
        var arrivals: [(site: String, item: ItemRecord)] = []
        for r in moved where r.state.status == .held {
            guard let holder = r.state.holder, !pack.separations(for: r.marking.category).isEmpty,
                let site = HolderTree.site(of: holder, in: holders)
            else { continue }
            if let before = items[r.id]?.state, before.status == .held, let h = before.holder, HolderTree.site(of: h, in: holders) == site {
                continue  // moved within the site
            }
            if !arrivals.contains(where: { $0.site == site && $0.item.marking.category == r.marking.category }) {
                arrivals.append((site, r))
            }
        }
        for (site, item) in arrivals {
            let category = item.marking.category
            let others = Set(pack.separations(for: category).flatMap(\.categories)).subtracting([category])
            let members = subtree(site)
            let memberSet = Set(members)
            for other in Category.allCases where others.contains(other) {
                guard try heldCount(other, in: memberSet, list: members, moved: moved) > 0 else { continue }
                if try authorisation(covering: site, at: event.occurredAt) != nil { continue }
                throw CustodyViolation(
                    "to",
                    "\(item.marking.label) is \(category.rawValue), which the policy in force keeps apart from \(other.rawValue); site \(site) holds \(other.rawValue) items already. Hold them at different sites, or an admin may record an authorisation for \(site) in force on \(Timestamp.day(of: event.occurredAt)) first",
                    rule: PolicyRule.separation.rawValue,
                    details: [
                        "item": item.marking.label, "category": category.rawValue, "other": other.rawValue, "site": site,
                        "day": Timestamp.day(of: event.occurredAt),
                    ])
            }
        }
    }

    /// How many items of `category` the holders of `set` hold once this event's `moved`
    /// items are where it puts them. Each holder's count is read from the store once (grouped,
    /// corrected by what this engine changed and has not written yet), then kept by every
    /// change the engine applies (`heldCounts`), so that a run of arrivals at one site costs
    /// no query each.
    mutating func heldCount(_ category: Category, in set: Set<String>, list: [String], moved: [ItemRecord]) throws -> Int {
        let unknown = list.filter { heldCounts[HeldKey(holder: $0, category: category)] == nil }
        if !unknown.isEmpty {
            var found = try loader.heldCounts(category: category, holders: unknown)
            let wanted = Set(unknown)
            for id in dirtyItems.union(newItemIDs) {
                guard let r = items[id], r.marking.category == category else { continue }
                let stored = id < firstUnwrittenItemID ? storedStates[id] : nil
                if stored?.status == .held, let h = stored?.holder, wanted.contains(h) { found[h, default: 0] -= 1 }
                if r.state.status == .held, let h = r.state.holder, wanted.contains(h) { found[h, default: 0] += 1 }
            }
            for h in unknown { heldCounts[HeldKey(holder: h, category: category)] = found[h] ?? 0 }
        }
        var count = list.reduce(0) { $0 + (heldCounts[HeldKey(holder: $1, category: category)] ?? 0) }
        func counts(_ s: ItemState?) -> Bool { s?.status == .held && s?.holder.map(set.contains) == true }
        for r in moved where r.marking.category == category {
            if counts(items[r.id]?.state) { count -= 1 }
            if counts(r.state) { count += 1 }
        }
        return count
    }

    /// Keeps the counts of `heldCounts` as an item goes from `old` to `new`.
    mutating func countHeld(_ category: Category, from old: ItemState?, to new: ItemState) {
        guard !heldCounts.isEmpty else { return }
        if old?.status == .held, let h = old?.holder { heldCounts[HeldKey(holder: h, category: category)]? -= 1 }
        if new.status == .held, let h = new.holder { heldCounts[HeldKey(holder: h, category: category)]? += 1 }
    }
}
