import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Hummingbird

/// The ledger's tools through the API: checkpoints, the verifier key, entries and proofs.
///
/// Checkpoints, the key and consistency proofs are hashes: every user may read them (and
/// anyone reads the same under `/tlog/`). The entries are the register itself: auditors and
/// administrators of the whole register only. An inclusion proof (with its leaf hash) is
/// given for events the user may see, as the receipts of their own hand-overs.
enum LedgerAPI {
    static func requireLedger(_ context: CustodiaRequestContext) throws {
        try context.requirePrincipal().require(.ledger, "use the ledger tools")
    }

    /// The latest signed checkpoint, or the one of `size`.
    @Sendable static func checkpoint(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["size"])
        try requireLedger(context)
        let size = try q.int("size", in: 0...Int64.max)
        guard let note = try await app.store.checkpoint(size: size) else {
            throw Problem.notFound(
                size.map {
                    "no checkpoint was signed at size \($0); checkpoints exist only for sizes the ledger had after a write"
                }
                    ?? "the ledger has no checkpoint yet")
        }
        let signedSize = note.split(separator: "\n", maxSplits: 2).dropFirst().first.flatMap { Int64($0) } ?? 0
        return JSONOut.object([("size", .int(signedSize)), ("checkpoint", .string(note))]).response()
    }

    @Sendable static func key(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        try requireLedger(context)
        return JSONOut.object([("verifierKey", .string(try await app.store.verifierKey()))]).response()
    }

    /// Leaves `from..<to` (at most 1000), each with its seq.
    @Sendable static func entries(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["from", "to"])
        try requireLedger(context)
        try context.requirePrincipal().requireWholeLedger()
        let size = try await app.store.ledgerSize()
        let from = try q.int("from", in: 0...Int64.max) ?? 0
        let to = try q.int("to", in: 0...Int64.max) ?? min(size, from + 100)
        guard from <= to else { throw Problem.badRequest("from (\(from)) is after to (\(to)); give from ≤ to") }
        guard to - from <= 1000 else { throw Problem.badRequest("at most 1000 entries at a time; narrow from and to") }
        let entries = try await app.store.entries(from: from, to: to)
        return JSONOut.object([
            ("size", .int(size)), ("entries", .array(entries.map { Render.event(seq: $0.seq, leaf: $0.leaf) })),
        ]).response()
    }

    @Sendable static func inclusion(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["index", "size"])
        try requireLedger(context)
        guard let index = try q.int("index", in: 0...Int64.max) else {
            throw Problem.badRequest("index is missing; give the seq of the event to prove")
        }
        // A leaf's hash and its proof only of an event the user may see, as EventsAPI.one
        // answers: another's is not found, exactly like one that does not exist.
        let principal = try context.requirePrincipal()
        if !principal.scope.isEverything {
            guard try await app.store.holdersNamed(bySeq: index).contains(where: principal.scope.contains) else {
                throw Problem.notFound("no event \(index) in your scope")
            }
        }
        let size: Int64
        if let given = try q.int("size", in: 1...Int64.max) { size = given } else { size = try await app.store.ledgerSize() }
        let p = try await app.store.inclusionProof(index: index, size: size)
        return JSONOut.object([
            ("index", .int(p.index)), ("size", .int(p.size)), ("leafHash", .string(p.leafHash.hex)),
            ("root", .string(p.root.hex)), ("proof", .array(p.proof.map { .string($0.hex) })),
        ]).response()
    }

    @Sendable static func consistency(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["old", "new"])
        try requireLedger(context)
        guard let old = try q.int("old", in: 0...Int64.max) else {
            throw Problem.badRequest("old is missing; give the size of the checkpoint you hold")
        }
        let new: Int64
        if let given = try q.int("new", in: 0...Int64.max) { new = given } else { new = try await app.store.ledgerSize() }
        let p = try await app.store.consistencyProof(old: old, new: new)
        return JSONOut.object([
            ("old", .int(p.old)), ("new", .int(p.new)), ("oldRoot", .string(p.oldRoot.hex)), ("newRoot", .string(p.newRoot.hex)),
            ("proof", .array(p.proof.map { .string($0.hex) })),
        ]).response()
    }
}

/// The ledger in the C2SP tlog-tiles layout, for outside verifiers.
///
/// The checkpoint and the hash tiles need no account: they prove consistency and reveal only
/// the log's size and its growth (the leaves are salted). The entry bundles are the register
/// itself: an auditor's or an administrator's of the whole register (their API token, or
/// their session), 401 without credentials and 403 for anyone else, with the same layout and
/// bytes, so an outside tool holding such a token verifies everything.
///
/// Full tiles never change, so they are cacheable for a year (entry bundles privately);
/// partial tiles and the checkpoint change with every write and are cacheable for a few
/// seconds. Only the one canonical spelling of a tile path is served; anything else is a 404
/// problem.
enum TlogAPI {
    @Sendable static func checkpoint(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        guard let note = try await app.publicCheckpoint() else {
            throw Problem.notFound("the ledger has no checkpoint yet")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "public, max-age=5"],
            body: .init(byteBuffer: ByteBuffer(string: note)))
    }

    @Sendable static func tile(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        let path = request.uri.path
        guard path.hasPrefix("/tlog/"), let tile = TilePath(path.dropFirst("/tlog/".count)) else {
            throw Problem.notFound(
                "not a tile path; tiles are tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>] with N written as x001/x234/067")
        }
        let bytes: [UInt8]?
        var visibility = "public"
        switch tile.kind {
        case .hashes(let level): bytes = try await app.store.tile(level: level, index: tile.index, width: tile.width)
        case .entries:
            guard let principal = context.principal else {
                throw Problem.unauthenticated(
                    context.credentialProblem
                        ?? "the ledger's entries need an auditor's or administrator's token: send `Authorization: Bearer <token>`; the checkpoint and the hash tiles need none"
                )
            }
            try principal.requireWholeLedger()
            visibility = "private"
            bytes = try await app.store.entryBundle(index: tile.index, width: tile.width)
        }
        guard let bytes else {
            throw Problem.notFound("the ledger has not reached \(tile.path) yet; read /tlog/checkpoint for its size")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/octet-stream",
                .cacheControl: tile.isPartial ? "\(visibility), max-age=5" : "\(visibility), max-age=31536000, immutable",
            ], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
