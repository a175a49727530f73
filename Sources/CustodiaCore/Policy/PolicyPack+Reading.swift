/// A policy pack as read, before its checks: scalars, lists and maps, each with the line it
/// was written on where the reader knows it (a YAML file; JSON carries none). Both the file
/// a deployment edits and the JSON of a `policy-set` event are read into it, so that one set
/// of checks (`PolicyPack(node:)`) answers both.
public indirect enum PolicyNode: Sendable {
    case scalar(String, line: Int?)
    case list([PolicyNode], line: Int?)
    case map([(key: String, value: PolicyNode)], line: Int?)

    public var line: Int? {
        switch self {
        case .scalar(_, let line), .list(_, let line), .map(_, let line): line
        }
    }

    /// The node of a JSON value (numbers and booleans as their text).
    public init(json: JSONValue) {
        switch json {
        case .null: self = .scalar("", line: nil)
        case .bool(let b): self = .scalar(b ? "true" : "false", line: nil)
        case .int(let i): self = .scalar(String(i), line: nil)
        case .string(let s): self = .scalar(s, line: nil)
        case .array(let a): self = .list(a.map(PolicyNode.init(json:)), line: nil)
        case .object(let o): self = .map(o.map { (key: $0.0, value: PolicyNode(json: $0.1)) }, line: nil)
        }
    }

    var kindName: String {
        switch self {
        case .scalar: "a single value"
        case .list: "a list"
        case .map: "a map of keys"
        }
    }
}

/// One problem in a policy pack: where (line, when known, and the path of keys) and what to
/// change.
public struct PolicyProblem: Sendable, Equatable, CustomStringConvertible {
    public var line: Int?
    public var path: String
    public var message: String

    public init(line: Int?, path: String, message: String) {
        self.line = line
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// A pack refused: every problem found, in the order of the file where lines are known.
public struct PolicyPackError: Error, Sendable, Equatable {
    public var problems: [PolicyProblem]
    public init(problems: [PolicyProblem]) { self.problems = problems }
}

extension PolicyPack {
    static let topKeys = ["version", "rules", "separation", "purposes", "alerts", "stocktake"]
    static let ruleKeys = [
        "for", "two-person", "issue-to", "person-with-authorisation", "longest-due-back-days", "count-within-days",
    ]
    static let alertKeys = ["overdue-return", "transit-days", "shortfall-days", "losses", "manpads-loss", "closed-holder"]

    /// Reads and checks a pack; every problem is reported, with its line where known.
    public init(node: PolicyNode) throws(PolicyPackError) {
        var reader = Reader()
        self = reader.pack(node)
        if !reader.problems.isEmpty {
            // In the order of the file where lines are known (the checks go key by key).
            let ordered = reader.problems.enumerated().sorted { a, b in
                (a.element.line ?? 0, a.offset) < (b.element.line ?? 0, b.offset)
            }
            throw PolicyPackError(problems: ordered.map(\.element))
        }
    }

    /// Reads the `policy` member of a `policy-set` event.
    public init(json: JSONValue) throws(FieldError) {
        do {
            try self.init(node: PolicyNode(json: json))
        } catch {
            let first = error.problems[0]
            throw FieldError(first.path.isEmpty ? "policy" : "policy.\(first.path)", first.message)
        }
    }

    private struct Reader {
        var problems: [PolicyProblem] = []

        mutating func problem(_ node: PolicyNode?, _ path: String, _ message: String) {
            problems.append(PolicyProblem(line: node?.line, path: path, message: message))
        }

        mutating func map(_ node: PolicyNode, _ path: String, keys: [String]) -> [String: PolicyNode] {
            guard case .map(let members, _) = node else {
                problem(node, path, "expected a map of keys (\(keys.joined(separator: ", "))), found \(node.kindName)")
                return [:]
            }
            var out: [String: PolicyNode] = [:]
            for (key, value) in members {
                let at = path.isEmpty ? key : "\(path).\(key)"
                guard keys.contains(key) else {
                    problem(value, at, "unknown key; the keys here are \(keys.joined(separator: ", "))")
                    continue
                }
                guard out[key] == nil else {
                    problem(value, at, "given twice; give it once")
                    continue
                }
                out[key] = value
            }
            return out
        }

        mutating func scalars(_ node: PolicyNode, _ path: String, single: Bool = false) -> [(String, PolicyNode)] {
            switch node {
            case .scalar(let s, _) where single: return [(s, node)]
            case .list(let items, _):
                var out: [(String, PolicyNode)] = []
                for (n, item) in items.enumerated() {
                    guard case .scalar(let s, _) = item else {
                        problem(item, "\(path)[\(n)]", "expected a single value, found \(item.kindName)")
                        continue
                    }
                    out.append((s, item))
                }
                return out
            default:
                problem(node, path, "expected a list, such as [a, b], found \(node.kindName)")
                return []
            }
        }

        mutating func days(_ node: PolicyNode?, _ path: String) -> Int? {
            guard let node else { return nil }
            guard case .scalar(let s, _) = node, let n = Int(s), n >= 1, n <= 36_600 else {
                problem(node, path, "expected a whole number of days from 1 to 36600")
                return nil
            }
            return n
        }

        mutating func flag(_ node: PolicyNode?, _ path: String) -> Bool {
            guard let node else { return false }
            guard case .scalar(let s, _) = node, s == "true" || s == "false" else {
                problem(node, path, "expected true or false")
                return false
            }
            return s == "true"
        }

        mutating func categoryNames(_ node: PolicyNode, _ path: String) -> [(String, [Category])] {
            scalars(node, path, single: true).compactMap { name, at in
                guard let categories = PolicyPack.categories(named: name) else {
                    problem(
                        at, path,
                        "unknown category \"\(name)\"; use manpads or one of \(Category.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                    return nil
                }
                return (name, categories)
            }
        }

        mutating func pack(_ node: PolicyNode) -> PolicyPack {
            let top = map(node, "", keys: PolicyPack.topKeys)
            if let version = top["version"] {
                if case .scalar("1", _) = version {} else { problem(version, "version", "expected 1, the only version of packs") }
            }
            var pack = PolicyPack()
            var named: [Category: String] = [:]
            if let rules = top["rules"] {
                if case .list(let items, _) = rules {
                    for (n, item) in items.enumerated() {
                        if let rule = self.rule(item, "rules[\(n)]", named: &named) { pack.rules.append(rule) }
                    }
                } else {
                    problem(rules, "rules", "expected a list of rules, each starting with `- for:`")
                }
            }
            if let separation = top["separation"] {
                if case .list(let sets, _) = separation {
                    for (n, set) in sets.enumerated() {
                        let path = "separation[\(n)]"
                        let categories = categoryNames(set, path).flatMap(\.1)
                        if Set(categories).count < 2 {
                            problem(set, path, "name at least two categories that must not share a site, such as [manpads-missile, manpads-launch-mechanism]")
                        } else {
                            pack.separations.append(Separation(categories: categories))
                        }
                    }
                } else {
                    problem(separation, "separation", "expected a list of category lists")
                }
            }
            if let purposes = top["purposes"] {
                for (n, (purpose, at)) in scalars(purposes, "purposes").enumerated() {
                    guard HolderTree.isValidCode(purpose) else {
                        problem(at, "purposes[\(n)]", "\"\(purpose)\" is not a purpose code (1–40 letters, digits, - _ . /)")
                        continue
                    }
                    if pack.purposes.contains(purpose) {
                        problem(at, "purposes[\(n)]", "\(purpose) is listed twice")
                    } else {
                        pack.purposes.append(purpose)
                    }
                }
            }
            if let alerts = top["alerts"] { pack.alerts = self.alerts(alerts) }
            if let stocktake = top["stocktake"] {
                let keys = map(stocktake, "stocktake", keys: ["independent-counters"])
                pack.independentCounters = flag(keys["independent-counters"], "stocktake.independent-counters")
            }
            return pack
        }

        mutating func rule(_ node: PolicyNode, _ path: String, named: inout [Category: String]) -> CategoryRule? {
            let keys = map(node, path, keys: PolicyPack.ruleKeys)
            guard let forNode = keys["for"] else {
                problem(node, path, "missing for; name the categories the rule applies to, such as `for: manpads`")
                return nil
            }
            let names = categoryNames(forNode, "\(path).for")
            for (name, categories) in names {
                for c in categories {
                    if let earlier = named[c] {
                        problem(forNode, "\(path).for", "\(name) names \(c.rawValue), which \(earlier) names already; a category has one rule")
                    }
                    named[c] = "\(path)"
                }
            }
            var twoPerson: Set<EventKind> = []
            if let node = keys["two-person"] {
                for (n, (kind, at)) in scalars(node, "\(path).two-person").enumerated() {
                    guard let k = EventKind(rawValue: kind), EventKind.custodyKinds.contains(k), k != .register, k != .correction
                    else {
                        problem(
                            at, "\(path).two-person[\(n)]",
                            "\"\(kind)\" is not a kind that moves items; use some of \(PolicyPack.movingKinds.map(\.rawValue).joined(separator: ", "))"
                        )
                        continue
                    }
                    twoPerson.insert(k)
                }
            }
            var issueTo: Set<HolderKind>?
            if let node = keys["issue-to"] {
                var kinds: Set<HolderKind> = []
                for (n, (kind, at)) in scalars(node, "\(path).issue-to").enumerated() {
                    guard let k = HolderKind(rawValue: kind), k != .external else {
                        problem(at, "\(path).issue-to[\(n)]", "\"\(kind)\" is not a holder kind that receives by issue; use some of region, zone, site, unit, person")
                        continue
                    }
                    kinds.insert(k)
                }
                issueTo = kinds
            }
            let person = flag(keys["person-with-authorisation"], "\(path).person-with-authorisation")
            let dueBack = days(keys["longest-due-back-days"], "\(path).longest-due-back-days")
            let count = days(keys["count-within-days"], "\(path).count-within-days")
            guard !names.isEmpty else { return nil }
            return CategoryRule(
                names: names.map(\.0), twoPerson: twoPerson, issueTo: issueTo, personWithAuthorisation: person,
                longestDueBackDays: dueBack, countWithinDays: count)
        }

        mutating func alerts(_ node: PolicyNode) -> AlertThresholds {
            let keys = map(node, "alerts", keys: PolicyPack.alertKeys)
            var a = AlertThresholds()
            a.overdueReturn = flag(keys["overdue-return"], "alerts.overdue-return")
            a.transitDays = days(keys["transit-days"], "alerts.transit-days")
            a.shortfallDays = days(keys["shortfall-days"], "alerts.shortfall-days")
            a.manpadsLoss = flag(keys["manpads-loss"], "alerts.manpads-loss")
            a.closedHolder = flag(keys["closed-holder"], "alerts.closed-holder")
            if let losses = keys["losses"] {
                let l = map(losses, "alerts.losses", keys: ["count", "days"])
                var count: Int?
                if let c = l["count"] {
                    if case .scalar(let s, _) = c, let n = Int(s), n >= 1, n <= 1_000_000 {
                        count = n
                    } else {
                        problem(c, "alerts.losses.count", "expected a whole number of losses from 1")
                    }
                }
                let days = days(l["days"], "alerts.losses.days")
                if let count, let days {
                    a.losses = LossThreshold(count: count, days: days)
                } else if l["count"] == nil || l["days"] == nil {
                    problem(losses, "alerts.losses", "give both count and days, such as {count: 3, days: 90}")
                }
            }
            return a
        }
    }

    /// The kinds a two-person rule may name.
    public static var movingKinds: [EventKind] {
        EventKind.custodyKinds.filter { $0 != .register && $0 != .correction }
    }
}

extension PolicyPack {
    /// The pack as JSON, whose canonical form a `policy-set` event records. Reading it back
    /// (`init(json:)`) gives the same pack.
    public var jsonValue: JSONValue {
        func kinds<T: CaseIterable & RawRepresentable>(_ set: Set<T>) -> JSONValue where T.RawValue == String {
            .array(T.allCases.filter { set.contains($0) }.map { .string($0.rawValue) })
        }
        var top: [(String, JSONValue)] = [("version", .int(1))]
        top.append(
            (
                "rules",
                .array(
                    rules.map { r in
                        var m: [(String, JSONValue)] = [("for", .array(r.names.map { .string($0) }))]
                        if !r.twoPerson.isEmpty { m.append(("two-person", kinds(r.twoPerson))) }
                        if let issueTo = r.issueTo { m.append(("issue-to", kinds(issueTo))) }
                        if r.personWithAuthorisation { m.append(("person-with-authorisation", .bool(true))) }
                        if let d = r.longestDueBackDays { m.append(("longest-due-back-days", .int(Int64(d)))) }
                        if let d = r.countWithinDays { m.append(("count-within-days", .int(Int64(d)))) }
                        return .object(m)
                    })
            ))
        top.append(("separation", .array(separations.map { .array($0.categories.map { .string($0.rawValue) }) })))
        top.append(("purposes", .array(purposes.map { .string($0) })))
        var a: [(String, JSONValue)] = []
        if alerts.overdueReturn { a.append(("overdue-return", .bool(true))) }
        if let d = alerts.transitDays { a.append(("transit-days", .int(Int64(d)))) }
        if let d = alerts.shortfallDays { a.append(("shortfall-days", .int(Int64(d)))) }
        if let l = alerts.losses { a.append(("losses", .object([("count", .int(Int64(l.count))), ("days", .int(Int64(l.days)))]))) }
        if alerts.manpadsLoss { a.append(("manpads-loss", .bool(true))) }
        if alerts.closedHolder { a.append(("closed-holder", .bool(true))) }
        top.append(("alerts", .object(a)))
        if independentCounters { top.append(("stocktake", .object([("independent-counters", .bool(true))]))) }
        return .object(top)
    }
}
