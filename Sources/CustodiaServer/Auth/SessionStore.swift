import Foundation

/// A browser session: who signed in, the CSRF token that state-changing requests must
/// carry, and when it was made and last used.
public struct Session: Sendable, Equatable {
    public let id: String
    public let user: String
    public let csrfToken: String
    public let created: Date
    public var lastSeen: Date
}

/// The live sessions, in memory (a restart signs everyone out). A session ends after
/// `idle` without a request, `lifetime` after sign-in, at sign-out, or when its user is
/// disabled.
actor SessionStore {
    private var sessions: [String: Session] = [:]
    private let idle: TimeInterval
    private let lifetime: TimeInterval
    private let now: @Sendable () -> Date
    /// Sessions kept at most; the least recently used go first beyond it.
    private let capacity: Int

    init(idle: TimeInterval, lifetime: TimeInterval, capacity: Int = 100_000, now: @escaping @Sendable () -> Date) {
        self.idle = idle
        self.lifetime = lifetime
        self.capacity = capacity
        self.now = now
    }

    /// A new session for `user` with fresh random id and CSRF token (32 bytes each).
    func create(user: String) -> Session {
        let t = now()
        if sessions.count >= capacity { purge(at: t) }
        if sessions.count >= capacity, let oldest = sessions.values.min(by: { $0.lastSeen < $1.lastSeen }) {
            sessions[oldest.id] = nil
        }
        let session = Session(id: Secrets.token(), user: user, csrfToken: Secrets.token(), created: t, lastSeen: t)
        sessions[session.id] = session
        return session
    }

    /// The live session with this id (its idle clock restarted), or why there is none.
    func find(_ id: String) -> Result<Session, SessionEnd> {
        guard var session = sessions[id] else { return .failure(.unknown) }
        let t = now()
        if t.timeIntervalSince(session.created) >= lifetime {
            sessions[id] = nil
            return .failure(.expired)
        }
        if t.timeIntervalSince(session.lastSeen) >= idle {
            sessions[id] = nil
            return .failure(.idle)
        }
        session.lastSeen = t
        sessions[id] = session
        return .success(session)
    }

    func remove(_ id: String) {
        sessions[id] = nil
    }

    /// Ends every session of `user` (when the user is disabled).
    func removeAll(user: String) {
        sessions = sessions.filter { $0.value.user != user }
    }

    var count: Int { sessions.count }

    private func purge(at t: Date) {
        sessions = sessions.filter {
            t.timeIntervalSince($0.value.created) < lifetime && t.timeIntervalSince($0.value.lastSeen) < idle
        }
    }

    enum SessionEnd: Error, Sendable {
        case unknown, expired, idle

        var message: String {
            switch self {
            case .unknown:
                "the session is not known (signed out, or the server restarted); sign in again with POST /api/v1/session"
            case .expired: "the session reached its maximum age; sign in again with POST /api/v1/session"
            case .idle: "the session ended after a period without requests; sign in again with POST /api/v1/session"
            }
        }
    }
}

/// Random tokens and constant-time comparison.
enum Secrets {
    /// 32 random bytes from the system's secure generator, base64url without padding.
    static func token(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        var raw: [UInt8] = []
        raw.reserveCapacity(bytes + 8)
        while raw.count < bytes {
            withUnsafeBytes(of: generator.next() as UInt64) { raw.append(contentsOf: $0) }
        }
        return base64URL(raw.prefix(bytes))
    }

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        let standard = Data(bytes).base64EncodedData()
        var out: [UInt8] = []
        out.reserveCapacity(standard.count)
        for b in standard {
            switch b {
            case UInt8(ascii: "+"): out.append(UInt8(ascii: "-"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "_"))
            case UInt8(ascii: "="): continue
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func fromBase64URL(_ text: some StringProtocol) -> [UInt8]? {
        guard text.utf8.allSatisfy({ isBase64URL($0) }) else { return nil }
        var standard: [UInt8] = text.utf8.map {
            $0 == UInt8(ascii: "-") ? UInt8(ascii: "+") : $0 == UInt8(ascii: "_") ? UInt8(ascii: "/") : $0
        }
        while standard.count % 4 != 0 { standard.append(UInt8(ascii: "=")) }
        return Data(base64Encoded: Data(standard)).map { [UInt8]($0) }
    }

    /// Whether two byte strings are equal, in time that does not depend on where they differ.
    static func equal(_ x: [UInt8], _ y: [UInt8]) -> Bool {
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    static func isBase64URL(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
    }

    /// Whether two strings are equal, taking the same time wherever they differ.
    static func equal(_ a: String, _ b: String) -> Bool { equal(Array(a.utf8), Array(b.utf8)) }
}
