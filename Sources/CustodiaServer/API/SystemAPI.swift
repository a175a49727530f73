import Foundation
import Hummingbird

/// Health, metrics and the API's own description.
enum SystemAPI {
    /// 200 when the server answers and the store can be read.
    @Sendable static func health(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        let size = try await app.store.ledgerSize()
        return JSONOut.object([("status", .string("ok")), ("ledgerSize", .int(size)), ("ready", .bool(app.isReady))])
            .response()
    }

    @Sendable static func metrics(_ request: Request, _ context: CustodiaRequestContext, _ app: AppState) async throws
        -> Response
    {
        _ = try QueryParameters(request, allowed: [])
        app.metrics.ledgerSize.set(try await app.store.ledgerSize())
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
