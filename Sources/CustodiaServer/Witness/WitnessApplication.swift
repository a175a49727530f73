import CustodiaLedger
import Hummingbird
import Logging

/// A witness's HTTP service, C2SP tlog-witness: `POST /add-checkpoint` answers a
/// cosignature line (200, `text/plain`) or the refusal the protocol prescribes (400
/// malformed, 403 not signed by the log's key, 404 unknown origin, 409 stale old size with
/// the witness's size as `text/x.tlog.size`, or a fork at the same size, 422 a consistency
/// proof that does not verify). `GET /` says which key and logs it has, for its operator.
public func buildWitnessApplication(
    key: CosignerKey, statePath: String, host: String, port: Int, logger: Logger
) throws -> some ApplicationProtocol {
    let keeper = try WitnessKeeper(key: key, statePath: statePath)
    let router = Router()
    router.post("/add-checkpoint") { request, context -> Response in
        let body = try await request.body.collect(upTo: 64 * 1024)
        let answer = await keeper.add(Array(body.readableBytesView))
        switch answer {
        case .success(let line):
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: line)))
        case .failure(let refusal):
            if refusal.status >= 500 {
                context.logger.error("the witness failed", metadata: ["reason": "\(refusal.message)"])
            } else {
                context.logger.info("checkpoint refused", metadata: ["status": "\(refusal.status)"])
            }
            return Response(
                status: HTTPResponse.Status(code: refusal.status), headers: [.contentType: refusal.contentType],
                body: .init(byteBuffer: ByteBuffer(string: refusal.body)))
        }
    }
    router.get("/") { _, _ -> Response in
        let state = await keeper.state
        var text = "Custodia witness \(key.verifierKey)\n"
        for origin in state.logs.keys.sorted() {
            let log = state.logs[origin]!
            text += "log \(origin) size \(log.size)\n"
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    return Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil), logger: logger)
}
