import Foundation

/// Limits failed sign-ins per account and per client address: after `limit` failures
/// within `window`, further attempts are refused (429) until the oldest failure leaves the
/// window. A success clears the account's failures, not the address's.
actor LoginThrottle {
    private var failures: [String: [Date]] = [:]
    private let limit: Int
    private let window: TimeInterval
    private let now: @Sendable () -> Date

    init(limit: Int, window: TimeInterval, now: @escaping @Sendable () -> Date) {
        self.limit = limit
        self.window = window
        self.now = now
    }

    /// Seconds to wait before `keys` may try again; nil when they may try now.
    func retryAfter(_ keys: [String]) -> Int? {
        let t = now()
        var wait: TimeInterval = 0
        for key in keys {
            let recent = prune(key, at: t)
            if recent.count >= limit, let oldest = recent.first {
                wait = max(wait, window - t.timeIntervalSince(oldest))
            }
        }
        return wait > 0 ? max(1, Int(wait.rounded(.up))) : nil
    }

    func recordFailure(_ keys: [String]) {
        let t = now()
        for key in keys {
            var recent = prune(key, at: t)
            recent.append(t)
            failures[key] = recent
        }
        if failures.count > 100_000 { failures = failures.filter { !prune($0.key, at: t).isEmpty } }
    }

    func clear(_ key: String) {
        failures[key] = nil
    }

    private func prune(_ key: String, at t: Date) -> [Date] {
        guard let list = failures[key] else { return [] }
        let recent = list.filter { t.timeIntervalSince($0) < window }
        failures[key] = recent.isEmpty ? nil : recent
        return recent
    }
}
