import CustodiaCore
import CustodiaLedger
import CustodiaStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What the server knows of one witness, for `/healthz?detail=true`, `/metrics` and the web
/// ledger page.
public struct WitnessStatus: Sendable, Equatable {
    public let name: String
    public let url: String
    /// nil before the first submission; then whether the last one was cosigned.
    public var up: Bool?
    /// The largest checkpoint size it cosigned.
    public var cosignedSize: Int64?
    public var lastCosignedAt: Date?
    /// Why the last submission failed (its HTTP status and first line, or the network
    /// error), nil after a success.
    public var lastError: String?
    public var failures: Int = 0
}

/// Submits each new checkpoint to the configured witnesses (C2SP tlog-witness) and keeps
/// their cosignatures in the store; serves the latest checkpoint cosigned by the quorum.
///
/// It runs beside the writer and never holds it up: a write nudges it, and a tick every
/// two seconds catches writes by other processes and retries witnesses that failed (backing
/// off up to a minute). A witness that is down or refuses only shows in its status.
final class WitnessPool: Service, Sendable {
    let endpoints: [WitnessEndpoint]
    let quorum: Int
    private let store: any Store
    private let logger: Logger
    private let timeout: TimeInterval
    private let gauges: [ServerMetrics.WitnessGauges]
    private let now: @Sendable () -> Date
    private let session: URLSession

    private struct Tracked {
        var status: WitnessStatus
        /// The size this server believes the witness has cosigned last.
        var knownSize: Int64?
        var retryAt: Date = .distantPast
    }

    private struct State {
        var witnesses: [Tracked]
        /// The checkpoint served at `/tlog/checkpoint`, with its cosignatures.
        var published: String?
    }

    private let state: Mutex<State>
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    init(
        endpoints: [WitnessEndpoint], quorum: Int?, timeout: TimeInterval, store: any Store, metrics: ServerMetrics,
        logger: Logger, now: @escaping @Sendable () -> Date
    ) {
        self.endpoints = endpoints
        self.quorum = min(quorum ?? endpoints.count, endpoints.count)
        self.store = store
        self.logger = logger
        self.timeout = timeout
        self.now = now
        gauges = endpoints.map { metrics.witness($0.verifier.name) }
        state = Mutex(
            State(
                witnesses: endpoints.map { Tracked(status: WitnessStatus(name: $0.verifier.name, url: $0.url)) }, published: nil))
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpMaximumConnectionsPerHost = 2
        session = URLSession(configuration: configuration)
    }

    var isConfigured: Bool { !endpoints.isEmpty }

    /// A new checkpoint may be there: submit it soon.
    func nudge() { wake.yield() }

    func statuses() -> [WitnessStatus] { state.withLock { $0.witnesses.map(\.status) } }

    /// The checkpoint to serve publicly: the latest one the quorum cosigned, with their
    /// cosignatures (nil before the pool has looked; the caller then reads the store).
    func published() -> String? { state.withLock { $0.published } }

    func run() async throws {
        guard isConfigured else {
            try? await gracefulShutdown()
            return
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(2))
                wake.yield()
            }
        }
        await withGracefulShutdownHandler {
            wake.yield()
            for await _ in wakes { await round() }
        } onGracefulShutdown: {
            self.wake.finish()
        }
        ticker.cancel()
    }

    /// Submits the latest checkpoint to every witness that has not cosigned it and is due,
    /// all at once, then updates the published checkpoint.
    func round() async {
        do {
            guard let note = try await store.checkpoint(size: nil) else { return }
            let text = try SignedNote.open(note, verifiers: [NoteVerifier(verifierKey: try await store.verifierKey())]).text
            let checkpoint = try Checkpoint(text: text)
            let due = state.withLock { state in
                state.witnesses.indices.filter { i in
                    state.witnesses[i].knownSize != checkpoint.size && state.witnesses[i].retryAt <= now()
                }
            }
            await withTaskGroup(of: Void.self) { group in
                for i in due { group.addTask { await self.submit(to: i, note: note, text: text, checkpoint: checkpoint) } }
            }
            try await publish(latest: note, size: checkpoint.size)
        } catch {
            logger.warning("witness round failed", metadata: ["error": "\(error)"])
        }
    }

    /// Reads what to serve at `/tlog/checkpoint`: the latest checkpoint `quorum` witnesses
    /// cosigned; when none has been, the latest checkpoint with the cosignatures it has.
    func publish(latest: String, size latestSize: Int64) async throws {
        let keys = endpoints.map(\.verifier.verifierKey)
        var note = latest
        var size = latestSize
        if quorum > 0, let cosigned = try await store.latestCosignedSize(witnesses: keys, quorum: quorum, atLeast: 0),
            let found = try await store.checkpoint(size: cosigned)
        {
            note = found
            size = cosigned
        }
        let lines = try await store.cosignatures(size: size)
        let published = CosignedCheckpoint.adding(keys.compactMap { lines[$0] }, to: note)
        state.withLock { $0.published = published }
    }

    private func submit(to index: Int, note: String, text: String, checkpoint: Checkpoint) async {
        let endpoint = endpoints[index]
        let key = endpoint.verifier.verifierKey
        do {
            if try await store.cosignatures(size: checkpoint.size)[key] != nil {
                succeeded(index, size: checkpoint.size, new: false)
                return
            }
            var old: Int64
            if let known = state.withLock({ $0.witnesses[index].knownSize }) {
                old = known
            } else {
                old = try await store.latestCosigned(by: [key])[key] ?? 0
            }
            for _ in 0..<3 {
                guard old <= checkpoint.size else {
                    throw WitnessFailure(
                        "the witness has cosigned size \(old), larger than the log's \(checkpoint.size): it witnesses another log of the same origin, or this one lost entries"
                    )
                }
                let proof = old == 0 || old == checkpoint.size ? [] : try await store.consistencyProof(old: old, new: checkpoint.size).proof
                let body = AddCheckpoint(oldSize: old, proof: proof, note: note).body
                let (status, contentType, answer) = try await post(body, to: endpoint)
                if status == 200 {
                    let line = String(decoding: answer, as: UTF8.self)
                    guard CosignedCheckpoint.check(line: line, by: endpoint.verifier, on: text) != nil else {
                        throw WitnessFailure("the witness answered a line that is not its valid cosignature of the checkpoint")
                    }
                    try await store.recordCosignature(
                        size: checkpoint.size, witness: key, line: line, receivedAt: Timestamp.rfc3339(seconds: Int64(now().timeIntervalSince1970)))
                    succeeded(index, size: checkpoint.size, new: true)
                    return
                }
                if status == 409, contentType.hasPrefix("text/x.tlog.size"),
                    let size = Int64(String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                {
                    // The witness has cosigned another size (another server of this register,
                    // or state this server lost): continue from it.
                    old = size
                    continue
                }
                let first = String(decoding: answer.prefix(300), as: UTF8.self).split(separator: "\n").first ?? ""
                throw WitnessFailure("HTTP \(status): \(first)")
            }
            throw WitnessFailure("the witness kept answering 409 with another size")
        } catch {
            failed(index, reason: (error as? WitnessFailure)?.message ?? "\(error)")
        }
    }

    private func post(_ body: String, to endpoint: WitnessEndpoint) async throws -> (Int, String, [UInt8]) {
        guard let url = URL(string: endpoint.url + "/add-checkpoint") else { throw WitnessFailure("the URL is malformed") }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("text/plain; charset=utf-8", forHTTPHeaderField: "Content-Type")
        // No `Expect: 100-continue` round trip before the body.
        request.setValue("", forHTTPHeaderField: "Expect")
        request.httpBody = Data(body.utf8)
        let (data, response): (Data, URLResponse)
        do { (data, response) = try await session.data(for: request) } catch {
            throw WitnessFailure("no answer: \((error as NSError).localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw WitnessFailure("not an HTTP answer") }
        return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type") ?? "", [UInt8](data.prefix(64 * 1024)))
    }

    private func succeeded(_ index: Int, size: Int64, new: Bool) {
        state.withLock { state in
            state.witnesses[index].knownSize = size
            state.witnesses[index].retryAt = .distantPast
            state.witnesses[index].status.up = true
            state.witnesses[index].status.lastError = nil
            state.witnesses[index].status.cosignedSize = max(size, state.witnesses[index].status.cosignedSize ?? 0)
            if new { state.witnesses[index].status.lastCosignedAt = now() }
            state.witnesses[index].status.failures = 0
        }
        gauges[index].up.set(Int64(1))
        gauges[index].cosignedSize.set(size)
        if new { gauges[index].cosignatures.increment() }
    }

    private func failed(_ index: Int, reason: String) {
        let failures = state.withLock { state in
            state.witnesses[index].status.up = false
            state.witnesses[index].status.lastError = reason
            state.witnesses[index].status.failures += 1
            // The witness's size is unknown again: ask it (an answer of 409 says it).
            state.witnesses[index].knownSize = nil
            let failures = state.witnesses[index].status.failures
            state.witnesses[index].retryAt = now().addingTimeInterval(min(60, pow(2, Double(min(failures, 6)))))
            return failures
        }
        gauges[index].up.set(Int64(0))
        gauges[index].failures.increment()
        if failures == 1 || failures % 30 == 0 {
            logger.warning(
                "a witness did not cosign", metadata: ["witness": "\(endpoints[index].verifier.name)", "reason": "\(reason)"])
        }
    }
}

struct WitnessFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
