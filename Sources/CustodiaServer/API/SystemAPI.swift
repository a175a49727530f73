import Foundation
import Hummingbird

/// Health, metrics and the API's own description.
enum SystemAPI {
    /// 200 when the server answers and the store can be read. With `?detail=true`, for
    /// operators only (see `requireOperator`): the ledger's size, whether the start-up state
    /// is loaded and, with witnesses, each one's status.
    @Sendable static func health(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        let q = try QueryParameters(request, allowed: ["detail"])
        let size = try await app.store.ledgerSize()
        guard try q.bool("detail") == true else { return JSONOut.object([("status", .string("ok"))]).response() }
        try requireOperator(request, context, app)
        var fields: [(String, JSONOut)] = [("status", .string("ok")), ("ledgerSize", .int(size)), ("ready", .bool(app.isReady))]
        if app.witnesses.isConfigured {
            fields.append(("witnessQuorum", .int(Int64(app.witnesses.quorum))))
            fields.append(("witnesses", .array(app.witnesses.statuses().map { status in
                JSONOut.object([
                    ("name", .string(status.name)), ("url", .string(status.url)),
                    ("up", status.up.map(JSONOut.bool) ?? .null),
                    ("cosignedSize", status.cosignedSize.map(JSONOut.int) ?? .null),
                    ("lastCosignedAt", status.lastCosignedAt.map { .string(app.timestamp($0)) } ?? .null),
                    ("lastError", status.lastError.map(JSONOut.string) ?? .null),
                    ("failures", .int(Int64(status.failures))),
                ])
            })))
        }
        return JSONOut.object(fields).response()
    }

    /// Monitoring is for operators: the bearer `operatorToken` of the configuration, or an
    /// administrator or auditor of the whole register. 401 without credentials, 403 for
    /// anyone else.
    static func requireOperator(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) throws {
        if let token = app.configuration.operatorToken, let header = request.headers[.authorization],
            Secrets.equal(header, "Bearer \(token)")
        {
            return
        }
        guard let principal = context.principal else {
            throw Problem.unauthenticated(
                "monitoring is for operators: send `Authorization: Bearer <operator token>` (CUSTODIA_OPERATOR_TOKEN) or an administrator's or auditor's token"
            )
        }
        guard principal.scope.isEverything, principal.role == .admin || principal.role == .auditor else {
            throw Problem.forbidden("monitoring is for operators, administrators and auditors of the whole register")
        }
    }

    @Sendable static func metrics(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        try requireOperator(request, context, app)
        app.metrics.ledgerSize.set(try await app.store.ledgerSize())
        app.metrics.alerts(try await app.alertBoard.all(app))
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: app.metrics.emit())))
    }

    /// The OpenAPI 3.1 document, exactly as it is in the repository.
    static let document: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml", subdirectory: "OpenAPI"),
            let data = try? Data(contentsOf: url)
        else { return [] }
        return [UInt8](data)
    }()

    @Sendable static func openAPI(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        guard !document.isEmpty else { throw Problem.internalError() }
        return Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(bytes: document)))
    }
}
