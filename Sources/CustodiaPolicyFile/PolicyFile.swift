import CustodiaCore
import Yams

/// The policy pack as a deployment edits it: a YAML file, read with the line of every
/// problem, through the same checks as the pack a `policy-set` event carries.
public enum PolicyFile {
    /// Reads a pack from the text of a YAML file; every problem is reported with its line.
    public static func read(_ text: String) throws(PolicyPackError) -> PolicyPack {
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw PolicyPackError(problems: [problem(error)])
        } catch {
            throw PolicyPackError(problems: [PolicyProblem(line: nil, path: "", message: "not YAML: \(error)")])
        }
        guard let root else {
            throw PolicyPackError(problems: [
                PolicyProblem(line: 1, path: "", message: "the file is empty; start from `custodia policy show` of the pack in force")
            ])
        }
        return try PolicyPack(node: node(root))
    }

    static func node(_ n: Yams.Node) -> PolicyNode {
        let line = n.mark?.line
        switch n {
        case .scalar(let s): return .scalar(s.string, line: line)
        case .sequence(let seq): return .list(seq.map(node), line: line)
        case .mapping(let map):
            return .map(map.map { (key: $0.key.string ?? "", value: node($0.value)) }, line: line)
        case .alias: return .scalar("", line: line)
        }
    }

    static func problem(_ error: YamlError) -> PolicyProblem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return PolicyProblem(
                line: mark.line, path: "", message: "not valid YAML (\(problem)); check the indentation and the quotes")
        default:
            return PolicyProblem(line: nil, path: "", message: "not valid YAML: \(error)")
        }
    }

    /// The pack as YAML, for `custodia policy show`: what a deployment edits and checks.
    public static func yaml(_ pack: PolicyPack) -> String {
        var out = "# Custodia policy pack (docs/policies.md). Check: custodia policy check FILE\nversion: 1\n"
        out += pack.rules.isEmpty ? "rules: []\n" : "rules:\n"
        for r in pack.rules {
            out += "  - for: [\(r.names.joined(separator: ", "))]\n"
            if !r.twoPerson.isEmpty {
                out += "    two-person: [\(EventKind.allCases.filter(r.twoPerson.contains).map(\.rawValue).joined(separator: ", "))]\n"
            }
            if let to = r.issueTo {
                out += "    issue-to: [\(HolderKind.allCases.filter(to.contains).map(\.rawValue).joined(separator: ", "))]\n"
            }
            if r.personWithAuthorisation { out += "    person-with-authorisation: true\n" }
            if let d = r.longestDueBackDays { out += "    longest-due-back-days: \(d)\n" }
            if let d = r.countWithinDays { out += "    count-within-days: \(d)\n" }
        }
        out += pack.separations.isEmpty ? "separation: []\n" : "separation:\n"
        for s in pack.separations { out += "  - [\(s.categories.map(\.rawValue).joined(separator: ", "))]\n" }
        out += "purposes: [\(pack.purposes.joined(separator: ", "))]\n"
        let a = pack.alerts
        var alerts: [String] = []
        if a.overdueReturn { alerts.append("overdue-return: true") }
        if let d = a.transitDays { alerts.append("transit-days: \(d)") }
        if let d = a.shortfallDays { alerts.append("shortfall-days: \(d)") }
        if let l = a.losses { alerts.append("losses: {count: \(l.count), days: \(l.days)}") }
        if a.manpadsLoss { alerts.append("manpads-loss: true") }
        if a.closedHolder { alerts.append("closed-holder: true") }
        out += alerts.isEmpty ? "alerts: {}\n" : "alerts:\n" + alerts.map { "  \($0)\n" }.joined()
        if pack.independentCounters { out += "stocktake:\n  independent-counters: true\n" }
        return out
    }
}
