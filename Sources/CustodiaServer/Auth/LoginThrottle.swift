import Foundation

/// Limits password attempts (sign-ins, and second people's passwords on the confirmation
/// page) so that a burst cannot try more than the limit and nobody can lock a user out.
///
/// Every attempt is counted *before* its password is checked (`begin`), in one step of this
/// actor, so that attempts sent all at once cannot pass the limit between them. Three
/// counts, each over a sliding window:
///
/// - **The address and account pair**: after `pairLimit` attempts that are not yet known to
///   have succeeded, that pair waits, a window the first time and twice as long each time
///   after (up to an hour); a success clears it. An attacker elsewhere never locks the user
///   out of their own address.
/// - **The address**: after `addressLimit` failures, whatever the accounts (guessing one
///   password against many accounts), the address waits, with the same doubling.
/// - **The account**, from anywhere: past `accountCeiling` failures, every attempt for it is
///   answered only after `slowdown` (guessing from many addresses is slowed), but never
///   refused: its owner still signs in.
actor LoginThrottle {
    struct Limits: Sendable {
        var pairLimit: Int
        var addressLimit: Int
        var accountCeiling: Int
        var window: TimeInterval
        var slowdown: TimeInterval
        /// The longest wait after repeated lock-outs.
        var maximumWait: TimeInterval = 3600
    }

    /// What an attempt may do.
    enum Verdict: Sendable, Equatable {
        /// Check the password, after waiting `delay` seconds; then call `finish`.
        case proceed(Ticket, delay: TimeInterval)
        /// Refuse without checking; try again after this many seconds.
        case wait(seconds: Int)
    }

    /// An attempt under way.
    struct Ticket: Sendable, Equatable {
        let account: String
        let address: String
    }

    private struct Lock {
        var failures: [Date] = []
        var lockedUntil: Date?
        /// Lock-outs so far, and when the last began: strikes are forgotten after the
        /// longest wait has passed without one.
        var strikes = 0
        var lastLock: Date?
    }

    private var pairs: [String: Lock] = [:]
    private var addresses: [String: Lock] = [:]
    private var accounts: [String: [Date]] = [:]
    /// Attempts begun and not finished, per pair and per address.
    private var pending: [String: Int] = [:]
    private var pendingByAddress: [String: Int] = [:]
    private let limits: Limits
    private let now: @Sendable () -> Date

    init(limits: Limits, now: @escaping @Sendable () -> Date) {
        self.limits = limits
        self.now = now
    }

    static func pairKey(_ account: String, _ address: String) -> String { "\(address)\u{0}\(account)" }

    /// Counts an attempt for `account` from `address` (nil: unknown, one bucket for all).
    func begin(account: String, address: String?) -> Verdict {
        let t = now()
        let address = address ?? "-"
        let key = Self.pairKey(account, address)
        var pair = prune(pairs[key], t)
        var source = prune(addresses[address], t)
        defer {
            pairs[key] = pair
            addresses[address] = source
        }
        for lock in [pair, source] {
            if let until = lock.lockedUntil, until > t { return .wait(seconds: seconds(until.timeIntervalSince(t))) }
        }
        if pair.failures.count + pending[key, default: 0] >= limits.pairLimit {
            return .wait(seconds: lockOut(&pair, at: t))
        }
        if source.failures.count + pendingByAddress[address, default: 0] >= limits.addressLimit {
            return .wait(seconds: lockOut(&source, at: t))
        }
        pending[key, default: 0] += 1
        pendingByAddress[address, default: 0] += 1
        let recent = accounts[account, default: []].filter { t.timeIntervalSince($0) < limits.window }
        accounts[account] = recent.isEmpty ? nil : recent
        let delay = recent.count >= limits.accountCeiling ? limits.slowdown : 0
        return .proceed(Ticket(account: account, address: address), delay: delay)
    }

    /// Ends an attempt: a success clears the pair; a failure counts against the pair, the
    /// address and the account.
    func finish(_ ticket: Ticket, succeeded: Bool) {
        let t = now()
        let key = Self.pairKey(ticket.account, ticket.address)
        pending[key] = max(0, pending[key, default: 1] - 1)
        if pending[key] == 0 { pending[key] = nil }
        pendingByAddress[ticket.address] = max(0, pendingByAddress[ticket.address, default: 1] - 1)
        if pendingByAddress[ticket.address] == 0 { pendingByAddress[ticket.address] = nil }
        if succeeded {
            pairs[key] = nil
            return
        }
        pairs[key, default: Lock()].failures.append(t)
        addresses[ticket.address, default: Lock()].failures.append(t)
        accounts[ticket.account, default: []].append(t)
        if pairs.count + addresses.count + accounts.count > 200_000 { sweep(t) }
    }

    /// Locks `lock` for a window, doubled by each earlier lock-out; the seconds to wait.
    private func lockOut(_ lock: inout Lock, at t: Date) -> Int {
        let wait = min(limits.maximumWait, limits.window * pow(2, Double(min(lock.strikes, 20))))
        lock.strikes += 1
        lock.failures = []
        lock.lockedUntil = t.addingTimeInterval(wait)
        lock.lastLock = t
        return seconds(wait)
    }

    private func prune(_ lock: Lock?, _ t: Date) -> Lock {
        guard var lock else { return Lock() }
        lock.failures = lock.failures.filter { t.timeIntervalSince($0) < limits.window }
        if let until = lock.lockedUntil, until <= t { lock.lockedUntil = nil }
        if let last = lock.lastLock, lock.lockedUntil == nil, t.timeIntervalSince(last) > limits.maximumWait * 2 {
            lock.strikes = 0
            lock.lastLock = nil
        }
        return lock
    }

    /// Forgets what can no longer matter: no recent failure, no lock, no strikes worth
    /// keeping (an hour without a lock-out clears them).
    private func sweep(_ t: Date) {
        pairs = pairs.filter { keep($0.value, t) }
        addresses = addresses.filter { keep($0.value, t) }
        accounts = accounts.filter { $0.value.contains { t.timeIntervalSince($0) < limits.window } }
    }

    private func keep(_ lock: Lock, _ t: Date) -> Bool {
        if let until = lock.lockedUntil, until.addingTimeInterval(limits.maximumWait) > t { return true }
        return lock.failures.contains { t.timeIntervalSince($0) < limits.window }
    }

    private func seconds(_ interval: TimeInterval) -> Int { max(1, Int(interval.rounded(.up))) }
}
