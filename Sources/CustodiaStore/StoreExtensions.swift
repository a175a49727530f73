import CustodiaCore
import CustodiaLedger

// What every backend answers from its protocols' few requirements, written once.

extension LedgerStore {
    public func appendGroup(taking take: @escaping @Sendable () -> [AppendRequest]) async throws
        -> (requests: [AppendRequest], report: GroupAppendReport)
    {
        let requests = take()
        guard !requests.isEmpty else {
            return (requests, GroupAppendReport(reports: [], size: try await ledgerSize(), checkpoint: nil))
        }
        return (requests, try await appendGroup(requests))
    }

    /// The entry bundle (C2SP tlog-tiles) of the entries in tile `index` of `width` leaves:
    /// nil when the tile is out of range or not yet that wide.
    public func entryBundle(index: Int64, width: Int) async throws -> [UInt8]? {
        guard index >= 0, (1...256).contains(width), index <= (Int64.max - 256) / 256 else { return nil }
        let first = index * 256
        let entries = try await entries(from: first, to: first + Int64(width))
        guard entries.count == width else { return nil }
        return try TileEntries.bundle(entries.map(\.leaf))
    }
}

extension RegisterReads {
    /// Every holder, by code.
    public func holderTree() async throws -> [String: Holder] {
        Dictionary(uniqueKeysWithValues: try await holders().map { ($0.code, $0) })
    }

    /// Counts over the whole register.
    public func summary() async throws -> Summary { try await summary(scope: .everything) }

    /// The holder codes the event at `seq` names (from, to, a holder change's code and
    /// parent), following corrections to the event they correct; empty when there is none.
    public func holdersNamed(bySeq seq: Int64) async throws -> [String] {
        var seq = seq
        for _ in 0..<64 {
            guard let event = try await event(seq: seq),
                case .object(let members) = try event.leaf.withUnsafeBufferPointer({ try JSONParser.parse($0) })
            else { return [] }
            let value = JSONValue.object(members)
            if value["kind"]?.stringValue == EventKind.correction.rawValue, let corrected = value["corrects"]?.intValue {
                seq = corrected
                continue
            }
            var codes: [String] = []
            for code in [value["from"], value["to"], value["holder"]?["code"], value["holder"]?["parent"]] {
                if let c = code?.stringValue, !codes.contains(c) { codes.append(c) }
            }
            return codes
        }
        return []
    }
}

/// The controls in force, read from the ledger: the same answer the rules find.
extension Store {
    /// The pack in force and the sequence number of the `policy-set` that put it in force
    /// (nil: none was recorded, so the standard pack is in force).
    public func policyInForce() async throws -> (pack: PolicyPack, seq: Int64?) {
        let last = try await searchEvents(EventQuery(kind: .policySet, order: .descending, limit: 1)).elements.first
        guard let last, let pack = try last.decoded().policy else { return (PolicyPack.standard, nil) }
        return (pack, last.seq)
    }

    /// Every authorisation recorded, newest first, with its sequence number and its event.
    public func authorisations(limit: Int = 1000) async throws -> [(seq: Int64, event: Event)] {
        try await searchEvents(EventQuery(kind: .authorisation, order: .descending, limit: limit)).elements.map {
            ($0.seq, try $0.decoded())
        }
    }
}

extension RecordedEvent {
    /// The event its leaf records.
    public func decoded() throws -> Event {
        let value = try leaf.withUnsafeBufferPointer { try JSONParser.parse($0) }
        return try Event(json: value, source: .ledger)
    }
}

/// The alerts of the pack in force, gathered once for both backends from the reads every
/// store has, and judged by `Alerts.evaluate`.
extension Store {
    /// What `Alerts.evaluate` needs at `time` under `pack`.
    public func alertInputs(pack: PolicyPack, at time: String) async throws -> AlertInputs {
        let holders = Dictionary(uniqueKeysWithValues: try await self.holders().map { ($0.code, $0) })
        let query = AlertQuery(pack: pack, holders: holders, at: time)
        var inputs = AlertInputs(holders: holders)
        inputs.items = try await alertItems(query)
        if pack.alerts.transitDays != nil || pack.alerts.shortfallDays != nil {
            inputs.dispatches = try await openDispatches(to: .everything, limit: 1000)
        }
        if let since = query.lossesSince {
            for kind in [EventKind.loss, .theft] {
                try await eachEvent(of: kind, newestFirst: true) { e in
                    guard e.occurredAt >= since else { return false }
                    if let from = e.from { inputs.losses.append((from, e.occurredAt)) }
                    return true
                }
            }
        }
        if !query.closedHolders.isEmpty {
            try await eachEvent(of: .holderClose) { e in
                if let code = e.holder?.code { inputs.closedAt[code] = e.occurredAt }
                return true
            }
        }
        try await eachEvent(of: .alertWaiver) { e in
            if let waiver = e.waiver { inputs.waivers.append(waiver) }
            return true
        }
        return inputs
    }

    /// Calls `body` with each recorded event of `kind`, in ledger order (or newest first),
    /// page by page, until it returns false.
    func eachEvent(of kind: EventKind, newestFirst: Bool = false, _ body: (Event) throws -> Bool) async throws {
        var cursor: String?
        repeat {
            let page = try await searchEvents(
                EventQuery(kind: kind, order: newestFirst ? .descending : .ascending, limit: 1000, cursor: cursor))
            for r in page.elements { guard try body(try r.decoded()) else { return } }
            cursor = page.nextCursor
        } while cursor != nil
    }

    /// The alerts at `time` of the pack in force, those a reader of `scope` may see.
    public func alerts(at time: String, scope: HolderScope) async throws -> [Alert] {
        let pack = try await policyInForce().pack
        let all = Alerts.evaluate(pack, try await alertInputs(pack: pack, at: time), at: time)
        guard !scope.isEverything else { return all }
        return all.filter { $0.holders.contains(where: scope.codes.contains) }
    }
}
