import CustodiaCore
import CustodiaStore
import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import Logging
import ServiceLifecycle
import Synchronization

/// What every route shares: the store, users, sessions, the holder tree cache, the writer,
/// metrics and the clock. Web routes get it through `RouteProvider`.
public final class AppState: Sendable {
    let configuration: ServerConfiguration
    let store: any Store
    let users: any UserStore
    let sessions: SessionStore
    let throttle: LoginThrottle
    let directory: HolderDirectory
    let confirmations: ConfirmationTokens
    let cursors: CursorSigner
    let writer: EventWriter
    let witnesses: WitnessPool
    let metrics: ServerMetrics
    /// The alerts of the pack in force, shared by the API, the dashboard and `/metrics`.
    let alertBoard: AlertBoard
    let logger: Logger
    /// Who hears of every group commit (see `onAppend`).
    let appendListeners: AppendListeners
    /// The clock: every expiry and `recordedAt` reads it, so tests can move time.
    let now: @Sendable () -> Date
    private let comparisonHash = Mutex<String?>(nil)
    private let startupTasks = Mutex<[@Sendable () async throws -> Void]>([])
    private let started = Mutex(false)

    /// The name of the session cookie.
    public static let sessionCookie = "custodia_session"

    init(
        configuration: ServerConfiguration, store: any Store, users: any UserStore, logger: Logger,
        now: @escaping @Sendable () -> Date
    ) {
        self.configuration = configuration
        self.store = store
        self.users = users
        self.logger = logger
        self.now = now
        let metrics = ServerMetrics()
        self.metrics = metrics
        sessions = SessionStore(idle: configuration.sessionIdle, lifetime: configuration.sessionLifetime, now: now)
        throttle = LoginThrottle(
            limits: LoginThrottle.Limits(
                pairLimit: configuration.loginAttempts, addressLimit: configuration.loginAddressAttempts,
                accountCeiling: configuration.loginAccountCeiling, window: configuration.loginWindow,
                slowdown: configuration.loginSlowdown),
            now: now)
        let directory = HolderDirectory(store: store, refresh: configuration.holderRefresh, now: now)
        self.directory = directory
        confirmations = ConfirmationTokens(
            secret: configuration.confirmationSecret, lifetime: configuration.confirmationLifetime)
        cursors = CursorSigner(secret: configuration.cursorSecret)
        let listeners = AppendListeners()
        appendListeners = listeners
        let witnesses = WitnessPool(
            endpoints: configuration.witnesses, quorum: configuration.witnessQuorum, timeout: configuration.witnessTimeout,
            store: store, metrics: metrics, logger: logger, now: now)
        self.witnesses = witnesses
        if witnesses.isConfigured { listeners.add { _, _ in witnesses.nudge() } }
        let alertBoard = AlertBoard(metrics: metrics)
        self.alertBoard = alertBoard
        listeners.add { requests, report in alertBoard.appended(requests, report) }
        writer = EventWriter(
            store: store, metrics: metrics, logger: logger, holdersChanged: { directory.invalidate() },
            appended: { requests, report in await listeners.notify(requests, report) })
    }

    /// Calls `listener` after every group commit that wrote something, before the writers
    /// hear back (for state kept in memory, such as the web pages' counts).
    func onAppend(_ listener: @escaping @Sendable ([AppendRequest], GroupAppendReport) async -> Void) {
        appendListeners.add(listener)
    }

    /// Runs `task` once when the application starts, beside serving requests (for state
    /// kept in memory that is better loaded before the first request needs it). A failure
    /// is logged; whatever needs the state then loads it on first use.
    func onStart(_ task: @escaping @Sendable () async throws -> Void) {
        startupTasks.withLock { $0.append(task) }
    }

    /// Runs the `onStart` tasks, one after the other, then marks the server ready.
    func runStartupTasks() async {
        for task in startupTasks.withLock({ $0 }) {
            do { try await task() } catch is CancellationError { return } catch {
                logger.warning("a startup task failed; it runs on first use instead", metadata: ["error": "\(error)"])
            }
        }
        started.withLock { $0 = true }
    }

    /// Whether the `onStart` tasks have run (`/healthz` reports it as `ready`).
    var isReady: Bool { started.withLock { $0 } }

    /// The current time as recorded in events: RFC 3339 UTC, whole seconds.
    /// The checkpoint anyone reads at `/tlog/checkpoint`: with witnesses configured, the
    /// latest one their quorum cosigned, with the cosignatures; without, the latest signed.
    func publicCheckpoint() async throws -> String? {
        guard witnesses.isConfigured else { return try await store.checkpoint(size: nil) }
        if let published = witnesses.published() { return published }
        guard let latest = try await store.checkpoint(size: nil) else { return nil }
        let size = latest.split(separator: "\n", maxSplits: 2).dropFirst().first.flatMap { Int64($0) } ?? 0
        try await witnesses.publish(latest: latest, size: size)
        return witnesses.published()
    }

    public func timestamp(_ date: Date? = nil) -> String {
        (date ?? now()).formatted(.iso8601)
    }

    // MARK: Signing in

    /// Checks a user's password and opens a session.
    ///
    /// Attempts are limited per address and account, per address and per account (see
    /// `LoginThrottle`); past a limit the answer is a 429 problem with `Retry-After`. An
    /// unknown user, a disabled user and a wrong password get the same answer after the same
    /// work.
    public func signIn(user: String, password: String, clientAddress: String?) async throws -> (Session, Principal) {
        let account: UserAccount
        switch try await checkPassword(user: user, password: password, clientAddress: clientAddress) {
        case .throttled(let wait):
            metrics.signIn("throttled")
            throw Problem.tooManyRequests(
                "too many failed sign-ins for this account from this address, or from this address; wait \(wait) seconds and try again",
                retryAfter: wait)
        case .refused:
            metrics.signIn("refused")
            throw Problem.unauthenticated("the user or the password is wrong, or the user is disabled; check both and try again")
        case .accepted(let a):
            account = a
        }
        metrics.signIn("accepted")
        let session = await sessions.create(user: account.code)
        let scope = try await directory.scope(root: account.scope)
        return (
            session,
            Principal(
                code: account.code, role: account.role, scope: scope,
                credential: .session(id: session.id, csrf: session.csrfToken))
        )
    }

    /// What a password check gave.
    enum PasswordCheck: Sendable {
        case accepted(UserAccount)
        /// Wrong password, unknown user or disabled user: one answer for all three.
        case refused
        case throttled(seconds: Int)
    }

    /// Checks `user`'s password, counted by the throttle before it is checked: sign-ins and
    /// the second person's password on the confirmation page alike.
    func checkPassword(user: String, password: String, clientAddress: String?) async throws -> PasswordCheck {
        let ticket: LoginThrottle.Ticket
        switch await throttle.begin(account: user, address: clientAddress) {
        case .wait(let seconds): return .throttled(seconds: seconds)
        case .proceed(let t, let delay):
            ticket = t
            if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
        }
        let account: UserAccount?
        let stored: String?
        do {
            account = try await users.user(code: user)
            stored = account?.active == true ? try await users.passwordHash(user: user) : nil
        } catch {
            await throttle.finish(ticket, succeeded: false)
            throw error
        }
        let matches = await Self.bcryptVerify(password, hash: stored ?? comparisonHashValue())
        guard let account, account.active, stored != nil, matches else {
            await throttle.finish(ticket, succeeded: false)
            return .refused
        }
        await throttle.finish(ticket, succeeded: true)
        return .accepted(account)
    }

    /// The client's address for rate limits: the socket's peer, or, when that peer is a
    /// trusted reverse proxy (`trustedProxies`), the last address its header names that is
    /// not itself a trusted proxy. A header from anyone else is ignored.
    func clientAddress(_ headers: HTTPFields, socket: String?) -> String? {
        guard let socket, configuration.trustedProxies.contains(socket),
            let name = HTTPField.Name(configuration.clientAddressHeader), let value = headers[values: name].last
        else { return socket }
        let hops = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last { !configuration.trustedProxies.contains($0) } ?? hops.first ?? socket
    }

    /// Refuses a sign-in sent from a page of another site (an `Origin` that is not this
    /// server's): a browser always sends `Origin` with a form or script POST, and a foreign
    /// page must not sign anyone in (login CSRF). Requests without `Origin` (scripts) pass.
    static func requireSameOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin] else { return }
        let host = request.headers[HTTPField.Name("Host")!] ?? request.head.authority ?? ""
        let authority = origin.split(separator: "://", maxSplits: 1).last.map(String.init) ?? ""
        guard origin != "null", !host.isEmpty, authority.lowercased() == host.lowercased() else {
            throw Problem(
                status: .forbidden, slug: "foreign-origin", title: "Sign in from Custodia's own pages",
                detail: "the request comes from a page of another site (Origin \(origin.prefix(100))); sign in from this server's own pages")
        }
    }

    /// Ends a session.
    public func signOut(sessionID: String) async {
        await sessions.remove(sessionID)
    }

    /// The `Set-Cookie` value that hands a session to the browser.
    public func sessionCookie(for session: Session) -> String {
        var cookie =
            "\(Self.sessionCookie)=\(session.id); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(configuration.sessionLifetime))"
        if configuration.secureCookies { cookie += "; Secure" }
        return cookie
    }

    /// The `Set-Cookie` value that removes the session cookie.
    public func clearedSessionCookie() -> String {
        var cookie = "\(Self.sessionCookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
        if configuration.secureCookies { cookie += "; Secure" }
        return cookie
    }

    /// The bcrypt hash compared against when the user is unknown, so that the answer takes
    /// as long as for a known user.
    private func comparisonHashValue() -> String {
        if let hash = comparisonHash.withLock({ $0 }) { return hash }
        let hash = Bcrypt.hash(Secrets.token(), cost: configuration.bcryptCost)
        comparisonHash.withLock { $0 = hash }
        return hash
    }

    /// bcrypt on a dispatch queue: it takes a quarter of a second at cost 12 and must not
    /// hold a thread that serves requests.
    static func bcryptVerify(_ password: String, hash: String) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: Bcrypt.verify(password, hash: hash))
            }
        }
    }

    // MARK: Who is asking

    /// The principal for an API token; a 401 problem when the token is unknown, revoked,
    /// or its user disabled.
    func principal(token: String) async throws -> Principal {
        guard APIToken.parse(token) != nil else {
            throw Problem.unauthenticated(
                "the bearer token is not a Custodia token (cust_…); create one with `custodia token create USER`")
        }
        guard let (record, account) = try await users.tokenOwner(secretHash: APIToken.secretHash(token)) else {
            throw Problem.unauthenticated(
                "the bearer token is not known, was revoked, or its user is disabled; create a new one with `custodia token create USER`"
            )
        }
        return Principal(
            code: account.code, role: account.role, scope: try await directory.scope(root: account.scope),
            credential: .token(id: record.id))
    }

    /// The principal for a session cookie, or why it is not accepted.
    func principal(sessionID: String) async throws -> Result<Principal, SessionStore.SessionEnd> {
        switch await sessions.find(sessionID) {
        case .failure(let end): return .failure(end)
        case .success(let session):
            guard let account = try await users.user(code: session.user), account.active else {
                await sessions.removeAll(user: session.user)
                return .failure(.unknown)
            }
            return .success(
                Principal(
                    code: account.code, role: account.role, scope: try await directory.scope(root: account.scope),
                    credential: .session(id: session.id, csrf: session.csrfToken)))
        }
    }
}

/// The listeners of group commits.
final class AppendListeners: Sendable {
    private let listeners = Mutex<[@Sendable ([AppendRequest], GroupAppendReport) async -> Void]>([])

    func add(_ listener: @escaping @Sendable ([AppendRequest], GroupAppendReport) async -> Void) {
        listeners.withLock { $0.append(listener) }
    }

    func notify(_ requests: [AppendRequest], _ report: GroupAppendReport) async {
        for listener in listeners.withLock({ $0 }) { await listener(requests, report) }
    }
}

/// Runs the application's `onStart` tasks when it starts, then waits for shutdown: a
/// service of the application's group must run as long as the group does.
struct StartupService: Service {
    let app: AppState

    func run() async throws {
        await app.runStartupTasks()
        try? await gracefulShutdown()
    }
}
