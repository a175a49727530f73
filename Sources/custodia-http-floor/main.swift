// The HTTP floor of scripts/bench-server.sh: a bare Hummingbird server that answers the
// benchmark's requests with bodies of the same sizes as Custodia's answers, and does nothing
// else (no middleware, no authentication, no store, no JSON). Run on the same machine with
// the same load generator and the same scripts, it measures what Hummingbird, SwiftNIO and
// the kernel's loopback cost for those requests and answers alone: no server built on them
// answers faster here.
//
//   custodia-http-floor --port P --item-bytes N --history-bytes M
//
// GET /api/v1/items                -> 200, a JSON body of N bytes
// GET /api/v1/items/{id}/history   -> 200, a JSON body of M bytes
// POST /api/v1/events              -> reads the whole body, 201 with a body shaped like
//                                     Custodia's answer (counts and a signed checkpoint)
// GET /healthz                     -> 200 {"status":"ok"}
import Foundation
import Hummingbird
import NIOCore
import NIOPosix

/// A JSON object of exactly `size` bytes (at least 16): `{"padding":"xxx…"}`.
func paddedJSON(_ size: Int) -> ByteBuffer {
    let frame = #"{"padding":""}"#.utf8.count
    let text = #"{"padding":""# + String(repeating: "x", count: max(0, size - frame)) + #""}"#
    return ByteBuffer(string: text)
}

func option(_ name: String, _ arguments: [String]) -> Int? {
    guard let at = arguments.firstIndex(of: name), at + 1 < arguments.count else { return nil }
    return Int(arguments[at + 1])
}

let arguments = CommandLine.arguments
guard let port = option("--port", arguments), let itemBytes = option("--item-bytes", arguments),
    let historyBytes = option("--history-bytes", arguments)
else {
    FileHandle.standardError.write(
        Data("usage: custodia-http-floor --port P --item-bytes N --history-bytes M (sizes of the answers' bodies)\n".utf8))
    exit(2)
}
// As `custodia serve` does: handlers run on the event loops.
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

let item = paddedJSON(itemBytes)
let history = paddedJSON(historyBytes)
let written = ByteBuffer(
    string: #"{"accepted":1,"checkpoint":"bench.custodia.example/ledger\n2193591\n"#
        + String(repeating: "A", count: 43) + #"=\n\n— bench.custodia.example/ledger "#
        + String(repeating: "B", count: 92) + #"\n","dryRun":false,"firstSeq":2193590,"size":2193591}"#)
let json: HTTPFields = [.contentType: "application/json"]

let router = Router()
router.get("/healthz") { _, _ in Response(status: .ok, headers: json, body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#))) }
router.get("/api/v1/items") { _, _ in Response(status: .ok, headers: json, body: .init(byteBuffer: item)) }
router.get("/api/v1/items/{id}/history") { _, _ in Response(status: .ok, headers: json, body: .init(byteBuffer: history)) }
router.post("/api/v1/events") { request, _ in
    _ = try await request.body.collect(upTo: 16 << 20)
    return Response(status: .created, headers: json, body: .init(byteBuffer: written))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil))
try await app.runService()
