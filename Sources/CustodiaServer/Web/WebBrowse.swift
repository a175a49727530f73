import CustodiaCore
import CustodiaLedger
import CustodiaQR
import CustodiaStore
import CustodiaWeb
import Foundation
import Hummingbird

/// The pages that read: dashboard, search, item, holders, receipt, ledger and proofs.
///
/// Everything outside the user's scope is absent, exactly as in the API: an item, holder,
/// receipt or proof outside it is a 404 page, like one that does not exist.
enum WebBrowse {
    /// Rows per page of items (search, holder).
    static let pageSize = 50
    /// Lot balances per page of a holder (a central depot may hold hundreds of lots).
    static let lotPageSize = 100
    /// Rows of each dashboard list.
    static let dashboardRows = 10

    // MARK: Dashboard

    @Sendable static func dashboard(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let store = web.app.store
        let scope = user.scope
        let counts = try await web.site.tally.counts(scope: scope, day: web.today)
        async let overdue = store.overdueItems(before: web.today, scope: scope, limit: dashboardRows)
        async let missing = store.missingItems(scope: scope, limit: dashboardRows)
        async let losses = store.recentEvents(kinds: [.loss, .theft], scope: scope, limit: 5)
        async let lots = store.lotCount(scope: scope)
        let status = try await ledgerStatus(web)
        let size = try await store.ledgerSize()
        let holders = scope.isEverything ? try await web.app.directory.snapshot().sorted.count : scope.codes.count
        let overdueItems = try await overdue
        let missingItems = try await missing
        let lossEntries = try await losses.map { try EventEntry(seq: $0.seq, leaf: $0.json) }
        var codes: [String] = []
        for item in overdueItems + missingItems { codes += [item.state.holder, item.state.account].compactMap { $0 } }
        for entry in lossEntries { codes += [entry.event.from, entry.event.to].compactMap { $0 } }
        var page = DashboardPage(
            items: counts.items, lots: try await lots, holders: Int64(holders), events: size, byCategory: counts.byCategory,
            byStatus: counts.byStatus, byCondition: counts.byCondition, overdue: overdueItems, overdueTotal: counts.overdue,
            missing: missingItems, missingTotal: counts.missing, recentLosses: lossEntries, ledger: status,
            holderNames: try await web.site.names(codes, within: user.scope), now: web.now)
        let alerts = try await web.app.alertBoard.visible(web.app, scope: scope)
        page.alerts = Array(alerts.prefix(5))
        for a in alerts { page.alertCounts[a.severity, default: 0] += 1 }
        return web.html(web.site.renderer.dashboard(page, context: await web.pageContext(user)))
    }

    // MARK: Alerts

    /// `GET /alerts?rule=R`: the alerts inside the reader's scope, counted per rule.
    @Sendable static func alerts(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let all = try await web.app.alertBoard.visible(web.app, scope: user.scope)
        let rule = web.query.first { $0.name == "rule" }.flatMap { AlertRule(rawValue: $0.value) }
        var byRule: [AlertRule: Int] = [:]
        for a in all { byRule[a.rule, default: 0] += 1 }
        let shown = rule.map { r in all.filter { $0.rule == r } } ?? all
        let page = AlertsPage(
            alerts: Array(shown.prefix(AlertsPage.rows)), total: shown.count, rule: rule, byRule: byRule)
        return web.html(web.site.renderer.alerts(page, context: await web.pageContext(user)))
    }

    // MARK: Policy

    /// `GET /policy`: the pack in force, with the entry that put it in force, and the
    /// authorisations that name a holder inside the reader's scope.
    @Sendable static func policy(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let store = web.app.store
        let (pack, seq) = try await store.policyInForce()
        var setBy: PolicyPage.PolicyEntry?
        if let seq, let recorded = try await store.event(seq: seq) {
            let event = try recorded.decoded()
            setBy = PolicyPage.PolicyEntry(
                seq: seq, occurredAt: event.occurredAt, recordedBy: event.recordedBy, reason: event.reason)
        }
        let authorisations = try await store.authorisations().compactMap { entry -> PolicyPage.AuthorisationEntry? in
            guard let a = entry.event.authorisation, user.scope.contains(a.holder) else { return nil }
            return PolicyPage.AuthorisationEntry(seq: entry.seq, authorisation: a, document: entry.event.document)
        }
        let page = PolicyPage(pack: pack, setBy: setBy, authorisations: authorisations, now: web.now)
        return web.html(web.site.renderer.policy(page, context: await web.pageContext(user)))
    }

    /// The latest checkpoint with when it was signed and the last `verify` run.
    static func ledgerStatus(_ web: WebRequest) async throws -> LedgerStatus? {
        let store = web.app.store
        guard let note = try await store.checkpoint(size: nil) else { return nil }
        let verification = try await store.lastVerification()
        var status = LedgerStatus(
            checkpoint: note, lastVerifiedAt: verification?.verifiedAt, lastVerifyPassed: verification?.ok)
        if let size = status?.size, size > 0, let last = try await store.event(seq: size - 1),
            let entry = try? EventEntry(seq: last.seq, leaf: last.json)
        {
            status?.signedAt = entry.event.recordedAt
        }
        return status
    }

    // MARK: Search

    /// `GET /search?q=…&page=N`: items whose serial contains the text or whose model is it,
    /// the items held by a holder whose code it is, and holders whose code or name contains it.
    @Sendable static func search(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let text = String((web.parameter("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
            .precomposedStringWithCanonicalMapping
        let page = SearchPage.pageNumber(web.parameter("page"))
        var result = SearchPage(query: text, page: page)
        if !text.isEmpty {
            let snapshot = try await web.app.directory.snapshot()
            let exact = snapshot.holders[text] ?? snapshot.holders[text.uppercased()]
            let heldBy = exact.flatMap { user.scope.contains($0.code) ? $0.code : nil }
            // ? and * read the text as a damaged mark only; other text is searched as it is,
            // and as a damaged mark when that finds no item.
            let wild = text.contains("?") || text.contains("*")
            if !wild {
                let found = try await web.app.store.findItems(
                    ItemSearch(
                        text: text, heldBy: heldBy, scope: user.scope, limit: pageSize + 1, offset: (page - 1) * pageSize))
                result.items = Array(found.prefix(pageSize))
                result.hasNextPage = found.count > pageSize
            }
            if page == 1 {
                result.holders = matchingHolders(text, in: try await web.site.searchableHolders(), scope: user.scope)
                let filters = markFilters(web, into: &result)
                if wild || result.items.isEmpty || !result.narrowing.isEmpty {
                    if let pattern = try? MarkPattern(text) {
                        let marks = try await web.app.store.searchMarks(pattern, filters: filters, scope: user.scope, limit: pageSize)
                        result.marks = marks.matches.map { ($0.item, $0.closeness) }
                        result.marksTotal = marks.total
                        result.marksIncomplete = marks.incomplete
                    } else if wild {
                        result.markProblem = true
                    }
                }
            }
            var codes: [String] = []
            for item in result.items + result.marks.map(\.item) { codes += [item.state.holder, item.state.account].compactMap { $0 } }
            result.holderNames = try await web.site.names(codes, within: user.scope)
        }
        return web.html(web.site.renderer.search(result, context: await web.pageContext(user)))
    }

    /// The other markings that narrow a damaged-mark search, from the search form: as typed
    /// into `page` (to show them again), and as filters. A year that is not one is left out
    /// and said so; an unknown category is left out.
    static func markFilters(_ web: WebRequest, into page: inout SearchPage) -> MarkFilters {
        func field(_ name: String) -> String {
            String((web.parameter(name) ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
                .precomposedStringWithCanonicalMapping
        }
        var n = SearchPage.MarkNarrowing()
        n.manufacturer = field("manufacturer")
        n.country = field("country")
        n.model = field("model")
        n.calibre = field("calibre")
        n.year = field("year")
        n.category = field("category")
        var filters = MarkFilters(
            manufacturer: n.manufacturer.isEmpty ? nil : n.manufacturer, country: n.country.isEmpty ? nil : n.country,
            model: n.model.isEmpty ? nil : n.model, calibre: n.calibre.isEmpty ? nil : n.calibre)
        if !n.year.isEmpty {
            if let year = Int(n.year), (1...9999).contains(year) { filters.year = year } else { page.narrowingYearProblem = true }
        }
        if let category = CustodiaCore.Category(rawValue: n.category) { filters.category = category } else { n.category = "" }
        page.narrowing = n
        return filters
    }

    /// Holders inside the scope whose code or name contains `text` (ignoring case and
    /// accents): the exact code first, at most 20.
    static func matchingHolders(_ text: String, in holders: [WebSite.SearchableHolder], scope: HolderScope) -> [Holder] {
        let code = Array(text.uppercased().utf8)
        let folded = Array(WebSite.fold(text).utf8)
        var exact: [Holder] = []
        var others: [Holder] = []
        for h in holders
        where WebSite.SearchableHolder.contains(h.code, code) || WebSite.SearchableHolder.contains(h.name, folded) {
            guard scope.contains(h.holder.code) else { continue }
            if h.code == code { exact.append(h.holder) } else if others.count < 20 { others.append(h.holder) }
        }
        return Array((exact + others).prefix(20))
    }

    // MARK: Items

    @Sendable static func item(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let store = web.app.store
        guard let id = web.context.parameters.get("id", as: Int64.self), id >= 1, var item = try await store.item(id: id),
            ItemsAPI.inScope(item, user.scope)
        else { throw WebInterrupt.notFound() }
        // `?at=DAY`: the state then, if the item was registered and inside the scope then.
        var (asOf, moment) = AsOf.reading(web.parameter("at"), now: web.now)
        if let moment {
            if let past = try? await store.item(id, at: moment), ItemsAPI.inScope(past, user.scope) {
                item = past
            } else {
                asOf = AsOf(asked: asOf.asked, problem: .nothing)
            }
        }
        var recorded: [RecordedEvent]
        if user.scope.isEverything {
            recorded = try await store.history(itemID: id)
        } else {
            // Only the events that name a holder inside the scope, as the API lists them.
            recorded = []
            var cursor: String?
            repeat {
                let page = try await store.searchEvents(EventQuery(itemID: id, scope: user.scope, limit: 1000, cursor: cursor))
                recorded += page.elements
                cursor = page.nextCursor
            } while cursor != nil && recorded.count < 20_000
        }
        let history = try recorded.map { try EventEntry(seq: $0.seq, leaf: $0.json) }
        var codes = [item.state.holder, item.state.account].compactMap { $0 }
        for entry in history { codes += [entry.event.from, entry.event.to].compactMap { $0 } }
        // Look-alike serials registered as distinct, those the reader may see.
        let lookAlikes = try await store.lookAlikes(of: item).filter { ItemsAPI.inScope($0, user.scope) }
        var page = ItemPage(
            item: item, history: history, holderNames: try await web.site.names(codes, within: user.scope),
            now: asOf.shown ?? web.now, lookAlikes: lookAlikes)
        page.asOf = asOf
        if !user.scope.isEverything {
            // The whole chain's length, without its leaves: what scope hides is said.
            let total = try await store.historySeqs(itemIDs: [id])[id]?.count ?? recorded.count
            page.hiddenEntries = max(0, total - recorded.count)
            page.scopeRoot = user.scope.root
        }
        return web.html(web.site.renderer.item(page, context: await web.pageContext(user)))
    }

    // MARK: Holders

    /// `GET /holders`: the roots of the user's scope (everything: the regions and external
    /// parties) with their subtree totals.
    @Sendable static func holderIndex(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let snapshot = try await web.app.directory.snapshot()
        let roots: [Holder]
        if let root = user.scope.root {
            roots = snapshot.holders[root].map { [$0] } ?? []
        } else {
            roots = snapshot.sorted.filter { $0.parent == nil }
        }
        let totals = try await web.site.tally.totals(day: web.today)
        let page = HolderIndexPage(
            roots: roots.map { HolderSummary(holder: $0, totals: totals.subtree($0.code) ?? SubtreeTotals(items: 0)) })
        return web.html(web.site.renderer.holderIndex(page, context: await web.pageContext(user)))
    }

    /// `GET /holders/<code>?page=N`: where it sits, its children with their subtree totals,
    /// the items it holds (paged) and its lot balances.
    @Sendable static func holder(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let raw = web.context.parameters.get("code") ?? ""
        let code = raw.removingPercentEncoding ?? raw
        let snapshot = try await web.app.directory.snapshot()
        guard user.scope.contains(code), let holder = snapshot.holders[code] else { throw WebInterrupt.notFound() }
        let number = SearchPage.pageNumber(web.parameter("page"))
        let store = web.app.store
        let path = Self.path(to: holder, user, snapshot)
        var (asOf, moment) = AsOf.reading(web.parameter("at"), now: web.now)
        if let moment {
            if let past = try? await store.holdings(of: code, recursive: false, at: moment) {
                return try await pastHolder(web, user, holder, path: path, past, asOf: asOf, page: number)
            }
            asOf = AsOf(asked: asOf.asked, problem: .nothing)
        }
        async let held = store.items(heldBy: code, limit: pageSize + 1, offset: (number - 1) * pageSize)
        async let lotsHeld = store.lots(heldBy: code)
        let totals = try await web.site.tally.totals(day: web.today)
        let children = snapshot.sorted.filter { $0.parent == code }.map {
            HolderSummary(holder: $0, totals: totals.subtree($0.code) ?? SubtreeTotals(items: 0))
        }
        let items = try await held
        // The lots page along with the items: page N shows the N-th hundred of each.
        let allLots = try await lotsHeld
        let lots = allLots.dropFirst((number - 1) * lotPageSize).prefix(lotPageSize).map {
            LotQuantity(marking: $0.marking, quantity: $0.quantity)
        }
        var codes = [code]
        for item in items { codes += [item.state.holder, item.state.account].compactMap { $0 } }
        var page = HolderPage(
            holder: holder, path: path, totals: totals.subtree(code) ?? SubtreeTotals(items: 0), children: children,
            items: Array(items.prefix(pageSize)), itemsHeld: totals.held(code), lots: lots, page: number,
            hasNextPage: items.count > pageSize || allLots.count > number * lotPageSize,
            holderNames: try await web.site.names(codes, within: user.scope), now: web.now)
        page.lastStocktake = try await store.lastStocktake(of: code)
        page.asOf = asOf
        return web.html(web.site.renderer.holder(page, context: await web.pageContext(user)))
    }

    /// The path from the top of the user's scope down to the holder's parent.
    static func path(to holder: Holder, _ user: Principal, _ snapshot: HolderDirectory.Snapshot) -> [Holder] {
        var path: [Holder] = []
        var cursor = holder.parent
        while let c = cursor, user.scope.contains(c), let h = snapshot.holders[c], path.count < 64 {
            path.insert(h, at: 0)
            cursor = h.parent
        }
        return path
    }

    /// The holder page at a past moment: what the holder itself held then (`Store.holdings(at:)`).
    static func pastHolder(
        _ web: WebRequest, _ user: Principal, _ holder: Holder, path: [Holder], _ past: Holdings, asOf: AsOf, page number: Int
    ) async throws -> Response {
        let records = past.items.map {
            ItemRecord(
                id: $0.id, marking: $0.marking,
                state: ItemState(status: $0.status, holder: $0.holder, account: nil, condition: $0.condition, dueBack: $0.dueBack, lastSeq: 0),
                registeredSeq: 0)
        }
        let items = Array(records.dropFirst((number - 1) * pageSize).prefix(pageSize))
        let lots = past.lots.dropFirst((number - 1) * lotPageSize).prefix(lotPageSize).map {
            LotQuantity(marking: $0.marking, quantity: $0.quantity)
        }
        var page = HolderPage(
            holder: holder, path: path,
            totals: SubtreeTotals(items: Int64(records.count), lotQuantity: past.lots.reduce(0) { $0 + $1.quantity }),
            items: items, itemsHeld: Int64(records.count), lots: Array(lots), page: number,
            hasNextPage: records.count > number * pageSize || past.lots.count > number * lotPageSize,
            holderNames: try await web.site.names([holder.code] + records.compactMap(\.state.holder), within: user.scope),
            now: asOf.shown ?? web.now)
        page.asOf = asOf
        return web.html(web.site.renderer.holder(page, context: await web.pageContext(user)))
    }

    // MARK: Receipts

    /// `GET /receipts/<seq>`: the printable receipt of a hand-over inside the user's scope.
    @Sendable static func receipt(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let store = web.app.store
        guard let seq = web.context.parameters.get("seq", as: Int64.self), seq >= 0,
            let recorded = try await store.event(seq: seq),
            let entry = try? EventEntry(seq: recorded.seq, leaf: recorded.json),
            ReceiptPage.offersReceipt(for: entry.event.kind), try await inScope(seq: seq, user, web)
        else { throw WebInterrupt.notFound() }
        let event = entry.event
        var serials: [String] = []
        for ref in event.items { if case .marking(_, let serial, _) = ref { serials.append(serial) } }
        let named = Set(event.items)
        let markings = try await store.items(serials: serials).map(\.marking).filter {
            named.contains(.marking(manufacturer: $0.manufacturer, serial: $0.serial, model: $0.model))
        }
        let lotRecords = try await store.lots(numbers: event.lots.map(\.lot))
        let lots: [LotQuantity] = event.lots.compactMap { ref in
            lotRecords.first {
                $0.marking.lot == ref.lot && (ref.manufacturer == nil || $0.marking.manufacturer == ref.manufacturer)
            }
            .map { LotQuantity(marking: $0.marking, quantity: ref.quantity) }
        }
        let snapshot = try await web.app.directory.snapshot()
        var holders: [String: Holder] = [:]
        // Names only of holders inside the reader's scope; the others stay plain codes.
        for code in [event.from, event.to].compactMap({ $0 }) where user.scope.contains(code) {
            holders[code] = snapshot.holders[code]
        }
        let pool = web.app.witnesses
        guard
            let receipt = try await store.receipt(
                seq: seq, witnesses: pool.endpoints.map(\.verifier.verifierKey), quorum: pool.quorum),
            let checkpoint = LedgerStatus(checkpoint: receipt.checkpoint)
        else { throw WebInterrupt.notFound() }
        let text = receipt.withoutEntry.text
        let page = ReceiptPage(
            seq: seq, event: event, items: markings, lots: lots.count == event.lots.count ? lots : [], holders: holders,
            treeSize: checkpoint.size, root: checkpoint.root, receiptText: text,
            receiptQR: (try? QRCode(text)).map {
                QRDrawing(side: $0.side(scale: 3), path: $0.svgPath(scale: 3), title: "custodia-receipt/v1 \(seq)")
            }, baseURL: baseURL(web))
        return web.html(web.site.renderer.receipt(page, context: await web.pageContext(user)))
    }

    /// Whether the event names a holder inside the user's scope (a correction: the event it corrects).
    static func inScope(seq: Int64, _ user: Principal, _ web: WebRequest) async throws -> Bool {
        guard !user.scope.isEverything else { return true }
        return try await web.app.store.holdersNamed(bySeq: seq).contains(where: user.scope.contains)
    }

    // MARK: Ledger

    @Sendable static func ledger(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let store = web.app.store
        guard let note = try await web.app.publicCheckpoint(), let status = try await ledgerStatus(web) else {
            throw WebInterrupt.notFound(Message("ledger.empty"))
        }
        let pool = web.app.witnesses
        let rows = zip(pool.endpoints, pool.statuses()).map { endpoint, status in
            WitnessRow(
                name: status.name, up: status.up, cosignedSize: status.cosignedSize,
                lastCosignedAt: status.lastCosignedAt.map { Timestamp.rfc3339(seconds: Int64($0.timeIntervalSince1970)) },
                lastError: status.lastError, verifierKey: endpoint.verifier.verifierKey)
        }
        let page = LedgerPage(
            checkpoint: note, verifierKey: try await store.verifierKey(), status: status, baseURL: baseURL(web),
            witnesses: rows, quorum: pool.quorum)
        return web.html(web.site.renderer.ledger(page, context: await web.pageContext(user)))
    }

    /// `http(s)://host` of the request, for the ledger page's commands.
    static func baseURL(_ web: WebRequest) -> String {
        guard let host = web.request.head.authority, !host.isEmpty,
            host.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]".contains($0) })
        else { return "" }
        return (web.app.configuration.secureCookies ? "https://" : "http://") + host
    }

    /// `GET /ledger/proof/<seq>`: the inclusion proof of one entry in the latest signed checkpoint.
    @Sendable static func proof(_ web: WebRequest) async throws -> Response {
        let user = try web.user()
        let store = web.app.store
        guard let seq = web.context.parameters.get("seq", as: Int64.self), seq >= 0,
            let recorded = try await store.event(seq: seq), try await inScope(seq: seq, user, web),
            let note = try await store.checkpoint(size: nil), let checkpoint = LedgerStatus(checkpoint: note),
            seq < checkpoint.size
        else { throw WebInterrupt.notFound() }
        let proof = try await store.inclusionProof(index: seq, size: checkpoint.size)
        let page = ProofPage(
            index: seq, size: checkpoint.size, leaf: recorded.json, leafHash: proof.leafHash.hex, root: proof.root.hex,
            proof: proof.proof.map(\.hex), checkpoint: note,
            jsonURL: "/api/v1/ledger/proofs/inclusion?index=\(seq)&size=\(checkpoint.size)")
        return web.html(web.site.renderer.proof(page, context: await web.pageContext(user)))
    }
}
