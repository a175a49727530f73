import CustodiaCore

// The JSON of stocktakes, the same on the command line and the API.

extension StocktakeView {
    /// The stocktake; a blind one that is still open says nothing of what is expected.
    public var jsonValue: JSONValue {
        var m: [(String, JSONValue)] = [
            ("id", .int(id)), ("holder", .string(holder)), ("status", .string(isOpen ? "open" : "closed")),
            ("blind", .bool(opening.blind)), ("recursive", .bool(opening.recursive)), ("openedAt", .string(openedAt)),
            ("openedBy", .string(openedBy)),
        ]
        if !(opening.blind && isOpen) {
            m.append(("expected", .object([("items", .int(opening.items)), ("lots", .int(opening.lots))])))
        }
        m.append(("expectedHash", .string(opening.expected)))
        if let c = closing {
            let s = c.summary
            m.append(("closedAt", .string(c.at)))
            m.append(("closedBy", .string(c.by)))
            m.append(("closedSeq", .int(c.seq)))
            m.append((
                "findings",
                .object([
                    ("found", .int(s.found)), ("notFound", .int(s.notFound)), ("moved", .int(s.movedDuring)),
                    ("elsewhere", .int(s.elsewhere)), ("unregistered", .int(s.unregistered)),
                    ("lotDifferences", .int(s.lotDifferences)),
                ])))
            m.append(("counters", .array(s.counters.map { .string($0) })))
            m.append(("listHash", .string(s.list)))
        }
        return .object(m)
    }
}

extension StocktakeProgress {
    /// How far the counts have got; against what is expected only when not blind.
    public func jsonValue(expected: StocktakeOpening?) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("counts", .int(Int64(counts))), ("items", .int(Int64(items))), ("unlisted", .int(Int64(unlisted))),
            ("counters", .array(counters.map { .string($0) })),
        ]
        if let expected { m.append(("expectedItems", .int(expected.items))) }
        return .object(m)
    }
}

extension StocktakeResult {
    public var jsonValue: JSONValue {
        var m: [(String, JSONValue)] = [("stocktake", stocktake.jsonValue)]
        if let openingMatches { m.append(("openingMatches", .bool(openingMatches))) }
        if let listMatches { m.append(("listMatches", .bool(listMatches))) }
        var counts: [(String, JSONValue)] = []
        for f in Reconciliation.Finding.allCases { counts.append((f.rawValue, .int(Int64(reconciliation.count(f))))) }
        m.append(("counts", .object(counts)))
        m.append(("counters", .array(reconciliation.counters.map { .string($0) })))
        m.append(("lines", .array(reconciliation.lines.map(\.jsonValue))))
        return .object(m)
    }
}

extension OpenDiscrepancy {
    public var jsonValue: JSONValue {
        .object([
            ("stocktake", .int(stocktake.id)), ("holder", .string(stocktake.holder)),
            ("closedAt", .string(stocktake.closing?.at ?? "")), ("key", .string(line.key)), ("line", line.jsonValue),
        ])
    }
}
