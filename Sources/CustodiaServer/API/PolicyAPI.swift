import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Hummingbird

/// `GET /api/v1/policy`: the policy pack in force, in the canonical form the ledger records,
/// with the sequence number of the `policy-set` that put it in force (null: the standard
/// pack, none recorded). Any signed-in user may read it; only an admin of the whole register
/// changes it (`POST /api/v1/events` with a `policy-set`, or `custodia policy set`).
enum PolicyAPI {
    @Sendable static func policy(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        let principal = try context.requirePrincipal()
        try principal.require(.read, "read the register")
        let (pack, seq) = try await app.store.policyInForce()
        return JSONOut.object([
            ("seq", seq.map { .int($0) } ?? .null), ("standard", .bool(seq == nil)),
            ("policy", .raw(CanonicalJSON.encode(pack.jsonValue))),
        ]).response()
    }
}
