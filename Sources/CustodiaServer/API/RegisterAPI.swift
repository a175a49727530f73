import CustodiaCore
import CustodiaStore
import Hummingbird

/// Items: search, one item, its history. Everything outside the reader's scope is absent:
/// an item outside it is a 404, exactly like an item that does not exist.
enum ItemsAPI {
    @Sendable static func search(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(
            request,
            allowed: [
                "serial", "serialContains", "manufacturer", "model", "category", "status", "holder", "limit", "cursor",
            ])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let query = ItemQuery(
            serial: try q.string("serial"), serialContains: try q.string("serialContains"),
            manufacturer: try q.string("manufacturer"), model: try q.string("model"),
            category: try q.choice("category", CustodiaCore.Category.self), status: try q.choice("status", ItemStatus.self),
            holder: try q.code("holder"), scope: principal.scope, limit: try q.limit(),
            cursor: try app.cursors.open(q.string("cursor"), listing: "items", user: principal.code))
        let page = try await app.store.searchItems(query)
        return Render.page(
            "items", page.elements.map(Render.item),
            nextCursor: app.cursors.sign(page.nextCursor, listing: "items", user: principal.code)
        ).response()
    }

    /// The items a damaged or partly read mark may be (`MarkPattern`), closest first, inside
    /// the scope: each as `Render.item` with its `closeness`.
    @Sendable static func marks(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(
            request, allowed: ["mark", "manufacturer", "country", "model", "calibre", "year", "category", "limit"])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        guard let text = try q.string("mark", maxLength: 256) else {
            throw Problem.badRequest(
                "give the serial as read in mark, with ? for a character that cannot be read and * for a run",
                errors: [.init(index: nil, field: "mark", message: "missing")])
        }
        let pattern: MarkPattern
        do { pattern = try MarkPattern(text) } catch {
            throw Problem.badRequest(error.message, errors: [.init(index: nil, field: error.field, message: error.message)])
        }
        let filters = MarkFilters(
            manufacturer: try q.string("manufacturer"), country: try q.string("country"), model: try q.string("model"),
            calibre: try q.string("calibre"), year: try q.int("year", in: 1...9999).map(Int.init),
            category: try q.choice("category", CustodiaCore.Category.self))
        let result = try await app.store.searchMarks(pattern, filters: filters, scope: principal.scope, limit: try q.limit())
        return JSONOut.object([
            ("mark", .string(pattern.text)),
            ("matches", .array(result.matches.map(Render.markMatch))),
            ("total", .int(Int64(result.total))), ("incomplete", .bool(result.incomplete)),
        ]).response()
    }

    /// The item if it exists and is inside the scope (its holder or its account is).
    static func visibleItem(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> (
        ItemRecord, Principal
    ) {
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let id = try request.number("id", context: context, minimum: 1)
        guard let item = try await app.store.item(id: id), inScope(item, principal.scope) else {
            throw Problem.notFound("no item \(id) in your scope")
        }
        return (item, principal)
    }

    static func inScope(_ item: ItemRecord, _ scope: HolderScope) -> Bool {
        scope.isEverything || item.state.holder.map(scope.contains) == true
            || item.state.account.map(scope.contains) == true
    }

    /// The item now, or with `at` as it was at that moment: a scoped reader sees it then only
    /// if it was inside their scope then.
    @Sendable static func one(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["at"])
        guard let moment = try q.moment(now: app.timestamp()) else {
            let (item, _) = try await visibleItem(request, context, app)
            return Render.item(item).response()
        }
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let id = try request.number("id", context: context, minimum: 1)
        guard let past = try await app.store.item(id, at: moment), inScope(past, principal.scope) else {
            throw Problem.notFound("no item \(id) in your scope at \(moment)")
        }
        guard case .object(var fields) = Render.item(past) else { throw Problem.internalError() }
        fields.append(("at", Render.moment(moment)))
        return JSONOut.object(fields).response()
    }

    /// The item's custody chain: one entry per event that touched it and names a holder in
    /// the scope, oldest first (`Render.chainEntry`; the whole event at `/api/v1/events/{seq}`).
    @Sendable static func history(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["limit", "cursor"])
        let (item, principal) = try await visibleItem(request, context, app)
        let listing = "history/\(item.id)"
        let page = try await app.store.searchEvents(
            EventQuery(
                itemID: item.id, scope: principal.scope, limit: try q.limit(),
                cursor: try app.cursors.open(q.string("cursor"), listing: listing, user: principal.code)))
        return Render.page(
            "entries", try page.elements.map { try Render.chainEntry(seq: $0.seq, leaf: $0.leaf) },
            nextCursor: app.cursors.sign(page.nextCursor, listing: listing, user: principal.code)
        ).response()
    }
}

/// The holder tree, one holder, what a holder has.
enum HoldersAPI {
    @Sendable static func list(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["kind", "parent"])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let kind = try q.choice("kind", HolderKind.self)
        let parent = try q.code("parent")
        let snapshot = try await app.directory.snapshot()
        let holders = snapshot.sorted.filter {
            principal.scope.contains($0.code) && (kind == nil || $0.kind == kind) && (parent == nil || $0.parent == parent)
        }
        return JSONOut.object([("holders", .array(holders.map(Render.holder)))]).response()
    }

    static func visibleHolder(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws -> Holder {
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let code = context.parameters.get("code") ?? ""
        guard principal.scope.contains(code), let holder = try await app.store.holder(code: code) else {
            throw Problem.notFound("no holder \(code.prefix(64)) in your scope")
        }
        return holder
    }

    /// One holder and the codes of its children.
    @Sendable static func one(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        let holder = try await visibleHolder(request, context, app)
        let children = try await app.directory.snapshot().sorted.filter { $0.parent == holder.code }.map(\.code)
        guard case .object(var fields) = Render.holder(holder) else { throw Problem.internalError() }
        fields.append(("children", .array(children.map { .string($0) })))
        return JSONOut.object(fields).response()
    }

    /// Items physically held and lot balances, of the holder alone or its whole subtree.
    @Sendable static func holdings(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["recursive", "at"])
        let holder = try await visibleHolder(request, context, app)
        let recursive = try q.bool("recursive") ?? false
        let moment = try q.moment(now: app.timestamp())
        let found: Holdings?
        if let moment {
            found = try await app.store.holdings(of: holder.code, recursive: recursive, at: moment)
        } else {
            found = try await app.store.holdings(of: holder.code, recursive: recursive)
        }
        guard let holdings = found else { throw Problem.notFound("no holder \(holder.code)") }
        let items: [JSONOut] = holdings.items.map { i in
            var fields: [(String, JSONOut)] = [
                ("holder", .string(i.holder)), ("marking", Render.marking(i.marking)), ("status", .string(i.status.rawValue)),
                ("condition", .string(i.condition.rawValue)),
            ]
            if let due = i.dueBack { fields.append(("dueBack", .string(due))) }
            return .object(fields)
        }
        let lots: [JSONOut] = holdings.lots.map { l in
            .object([("holder", .string(l.holder))] + Render.lot(l.marking) + [("quantity", .int(l.quantity))])
        }
        var fields: [(String, JSONOut)] = [
            ("holder", Render.holder(holdings.holder)), ("items", .array(items)), ("lots", .array(lots)),
        ]
        if let moment { fields.append(("at", Render.moment(moment))) }
        return JSONOut.object(fields).response()
    }
}

/// Ammunition lots with their balances.
enum LotsAPI {
    static func render(_ view: LotView) -> JSONOut {
        .object(
            [("id", .int(view.record.id))] + Render.lot(view.record.marking) + [
                ("registeredSeq", .int(view.record.registeredSeq)),
                (
                    "balances",
                    .array(view.balances.map { .object([("holder", .string($0.holder)), ("quantity", .int($0.quantity))]) })
                ),
                ("inTransit", .int(view.inTransit)), ("missing", .int(view.missing)),
            ])
    }

    @Sendable static func search(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["lot", "holder", "limit", "cursor"])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let holder = try q.code("holder")
        let cursor = try app.cursors.open(q.string("cursor"), listing: "lots", user: principal.code)
        // A holder outside the scope is answered as one that does not exist: no lots.
        if let holder, !principal.scope.contains(holder) {
            _ = try q.limit()
            return Render.page("lots", [], nextCursor: nil).response()
        }
        let page = try await app.store.searchLots(
            LotQuery(lot: try q.string("lot"), holder: holder, scope: principal.scope, limit: try q.limit(), cursor: cursor))
        return Render.page(
            "lots", page.elements.map(render),
            nextCursor: app.cursors.sign(page.nextCursor, listing: "lots", user: principal.code)
        ).response()
    }

    /// One lot: for a scoped reader, only its balances inside the scope (404 when it has none
    /// there), without the unscoped in-transit and missing totals.
    @Sendable static func one(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let id = try request.number("id", context: context, minimum: 1)
        guard var view = try await app.store.lot(id: id) else { throw Problem.notFound("no lot \(id) in your scope") }
        if !principal.scope.isEverything {
            view.balances = view.balances.filter { principal.scope.contains($0.holder) }
            view.inTransit = 0
            view.missing = 0
            guard !view.balances.isEmpty else { throw Problem.notFound("no lot \(id) in your scope") }
        }
        return render(view).response()
    }
}

/// Counts for a dashboard, inside the reader's scope.
enum SummaryAPI {
    @Sendable static func summary(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["at"])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let moment = try q.moment(now: app.timestamp())
        let s: Summary
        var past: [(String, JSONOut)] = []
        if let moment {
            let found = try await app.store.summary(scope: principal.scope, at: moment)
            s = found.summary
            past = [("at", Render.moment(moment)), ("leftOut", .int(Int64(found.replay.leftOut.count)))]
        } else {
            s = try await app.store.summary(scope: principal.scope)
        }
        return JSONOut.object(
            [
                ("items", .int(s.items)), ("lots", .int(s.lots)), ("events", .int(s.events)), ("holders", .int(s.holders)),
                ("byCategory", Render.counts(s.byCategory)), ("byStatus", Render.counts(s.byStatus)),
                ("byCondition", Render.counts(s.byCondition)), ("byRegion", Render.counts(s.byRegion)),
            ] + past
        ).response()
    }
}
