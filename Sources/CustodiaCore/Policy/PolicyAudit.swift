/// Where the current state stands against a pack: what a new pack would find out of policy
/// (it applies to future events, so `custodia policy check` lists what is already there).
///
/// Pure: it judges the items and holders it is given, at a given time.
public struct PolicyFinding: Sendable, Equatable, CustomStringConvertible {
    /// The rule's code (`CustodyEngine.PolicyRule`).
    public var rule: String
    /// A holder code or an item's label.
    public var subject: String
    public var message: String

    public var description: String { "\(subject): \(message) [\(rule)]" }
}

public enum PolicyAudit {
    /// The categories whose held items the audit needs: those a rule limits by holder kind or
    /// due date, and those a separation names.
    public static func categories(_ pack: PolicyPack) -> [Category] {
        var set: Set<Category> = []
        for r in pack.rules where r.issueTo != nil || r.longestDueBackDays != nil { set.formUnion(r.categories) }
        for s in pack.separations { set.formUnion(s.categories) }
        return Category.allCases.filter(set.contains)
    }

    /// What in `items` (held items of `categories(pack)`) is out of `pack` at `time`.
    public static func findings(
        pack: PolicyPack, holders: [String: Holder], items: [ItemRecord], authorisations: [Authorisation], at time: String
    ) -> [PolicyFinding] {
        func covered(_ code: String) -> Bool {
            authorisations.contains { $0.inForce(at: time) && HolderTree.isUnder(code, root: $0.holder, in: holders) }
        }
        var out: [PolicyFinding] = []
        var bySite: [String: [Category: Int]] = [:]
        let day = Timestamp.day(of: time)
        for r in items where r.state.status == .held {
            guard let holder = r.state.holder else { continue }
            if let site = HolderTree.site(of: holder, in: holders) { bySite[site, default: [:]][r.marking.category, default: 0] += 1 }
            guard let rule = pack.rule(for: r.marking.category), holder != r.state.account, let h = holders[holder] else {
                continue
            }
            // Issued out (held by someone other than its account).
            if let allowed = rule.issueTo, !allowed.contains(h.kind),
                !(h.kind == .person && rule.personWithAuthorisation && covered(holder))
            {
                out.append(
                    PolicyFinding(
                        rule: CustodyEngine.PolicyRule.issueTo.rawValue, subject: r.marking.label,
                        message: "held by \(holder), \(article(h.kind.rawValue)) \(h.kind.rawValue); the pack issues \(rule.names.joined(separator: ", ")) only to \(HolderKind.allCases.filter(allowed.contains).map(\.rawValue).joined(separator: ", "))"
                    ))
            }
            if let days = rule.longestDueBackDays, let due = r.state.dueBack, let now = Timestamp.seconds(time) {
                let latest = Timestamp.day(of: Timestamp.rfc3339(seconds: now + Int64(days) * 86_400))
                if Timestamp.day(of: due) > latest {
                    out.append(
                        PolicyFinding(
                            rule: CustodyEngine.PolicyRule.dueBack.rawValue, subject: r.marking.label,
                            message: "due back \(due), more than \(days) days after \(day)"))
                }
            }
        }
        for site in bySite.keys.sorted() {
            let held = bySite[site] ?? [:]
            for s in pack.separations {
                let present = s.categories.filter { (held[$0] ?? 0) > 0 }
                guard present.count >= 2, !covered(site) else { continue }
                out.append(
                    PolicyFinding(
                        rule: CustodyEngine.PolicyRule.separation.rawValue, subject: site,
                        message: "holds " + present.map { "\(held[$0] ?? 0) \($0.rawValue)" }.joined(separator: " and ")
                            + ", which the pack keeps apart, and no authorisation covers it on \(day)"))
            }
        }
        return out
    }
}
