import CustodiaCore
import CustodiaStore
import Logging
import ServiceLifecycle
import Synchronization

/// The one writer: group commit for every `POST /api/v1/events`.
///
/// Requests queue while a commit is under way; the writer then takes everything queued (up
/// to `maxGroupEvents` events), appends it as one group — each request all-or-nothing,
/// checked against the state the accepted requests before it left — commits once, signs
/// one checkpoint, and answers every request with its own report. On shutdown it finishes
/// what is queued, then refuses new requests.
final class EventWriter: Service, Sendable {
    private struct Submission {
        let request: AppendRequest
        let continuation: CheckedContinuation<AppendReport, any Error>
    }

    private struct State {
        var pending: [Submission] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation
    private let store: any Store
    private let metrics: ServerMetrics
    private let logger: Logger
    private let maxGroupEvents: Int
    /// Called after a group that changed the holder tree.
    private let holdersChanged: @Sendable () -> Void
    /// Called after every group commit, before anyone hears back: the requests and what
    /// became of them (for state kept in memory beside the store).
    private let appended: @Sendable ([AppendRequest], GroupAppendReport) async -> Void

    init(
        store: any Store, metrics: ServerMetrics, logger: Logger, maxGroupEvents: Int = 20_000,
        holdersChanged: @escaping @Sendable () -> Void,
        appended: @escaping @Sendable ([AppendRequest], GroupAppendReport) async -> Void = { _, _ in }
    ) {
        (wake, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.maxGroupEvents = maxGroupEvents
        self.holdersChanged = holdersChanged
        self.appended = appended
    }

    /// Requests waiting for the next group.
    var queued: Int { state.withLock { $0.pending.count } }

    /// Queues `request` for the next group and waits for its report.
    func submit(_ request: AppendRequest) async throws -> AppendReport {
        try await withCheckedThrowingContinuation { continuation in
            let queued = state.withLock { s -> Bool in
                guard !s.closed else { return false }
                s.pending.append(Submission(request: request, continuation: continuation))
                return true
            }
            if queued {
                wakeContinuation.yield()
            } else {
                continuation.resume(
                    throwing: Problem.unavailable("the server is shutting down; nothing was written, send it again later"))
            }
        }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wake { await drain() }
        } onGracefulShutdown: {
            self.wakeContinuation.finish()
        }
        state.withLock { $0.closed = true }
        await drain()
    }

    /// The next group: everything queued, up to `maxGroupEvents` events.
    private func takeGroup() -> [Submission] {
        state.withLock { s -> [Submission] in
            var count = 0
            var events = 0
            for next in s.pending {
                guard count == 0 || events + next.request.events.count <= maxGroupEvents else { break }
                count += 1
                events += next.request.events.count
            }
            let taken = Array(s.pending.prefix(count))
            s.pending.removeFirst(count)
            return taken
        }
    }

    private func drain() async {
        while true {
            guard queued > 0 else { return }
            // The group is taken when the store may write (with several servers on one
            // database, once this one holds the append lock), so what arrives while waiting
            // for it joins this group.
            let taken = Mutex<[Submission]>([])
            let start = ContinuousClock.now
            do {
                let result = try await store.appendGroup(taking: { [self] in
                    let group = takeGroup()
                    taken.withLock { $0 = group }
                    return group.map(\.request)
                }).report
                let group = taken.withLock { $0 }
                guard !group.isEmpty else { continue }
                let committed = ContinuousClock.now
                metrics.groupDuration.record(committed - start)
                var appended = 0
                var holderChange = false
                for (submission, report) in zip(group, result.reports) where report.written {
                    appended += report.accepted
                    holderChange = holderChange || submission.request.events.contains { $0.kind.isHolderChange }
                }
                // The holder tree and the metrics are current before anyone hears back.
                if holderChange { holdersChanged() }
                if appended > 0 {
                    await self.appended(group.map(\.request), result)
                    metrics.groupTally.record(ContinuousClock.now - committed)
                }
                metrics.writeGroups.increment()
                metrics.groupRequests.record(Double(group.count))
                metrics.eventsAppended.increment(by: Int64(appended))
                metrics.ledgerSize.set(result.size)
                for (submission, report) in zip(group, result.reports) { submission.continuation.resume(returning: report) }
            } catch {
                // A failure before the group was taken fails what is queued now, so that a
                // store that cannot write answers its clients instead of being retried at once.
                var group = taken.withLock { $0 }
                if group.isEmpty { group = takeGroup() }
                logger.error("group append failed", metadata: ["error": "\(error)", "requests": "\(group.count)"])
                for submission in group { submission.continuation.resume(throwing: error) }
            }
        }
    }
}
