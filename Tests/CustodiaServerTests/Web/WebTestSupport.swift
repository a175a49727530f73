import CustodiaCore
import CustodiaStore
import CustodiaWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import CustodiaServer

extension TestServer {
    /// The application with the web pages, on the test clock.
    func webApplication() throws -> some ApplicationProtocol {
        let clock = self.clock
        var logger = Logger(label: "custodia.test")
        logger.logLevel = .warning
        return buildApplication(
            configuration: configuration, store: store, users: users, routes: [try WebRoutes()], logger: logger,
            now: { clock.now })
    }

    /// Runs `body` against the application with the web pages, through the router.
    func runWeb<T: Sendable>(_ body: @Sendable (WebSession) async throws -> T) async throws -> T {
        defer {
            store.shutDown()
            try? FileManager.default.removeItem(at: dir)
        }
        return try await webApplication().test(.router) { client in try await body(WebSession(client: client, server: self)) }
    }

    /// Appends `events` to the store directly (before the first page, for a scene).
    func record(_ events: [Event], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        guard !events.isEmpty else { return }
        var source = ArrayEventSource(events)
        let report = try await store.append(
            &source, options: AppendOptions(recordedBy: "setup", recordedAt: "2026-02-01T08:00:00Z"))
        try #require(report.written, "the scene is accepted: \(report.errors)", sourceLocation: sourceLocation)
    }

    /// Adds a user with password `pw-<code>`.
    func addUser(_ code: String, _ role: Role, scope: String?) async throws {
        let report = try await users.addUser(
            UserAccount(code: code, role: role, scope: scope), passwordHash: Bcrypt.hash("pw-\(code)", cost: 4),
            options: AppendOptions(recordedBy: "setup", recordedAt: "2026-03-01T08:00:00Z"))
        try #require(report.errors.isEmpty)
    }
}

/// Events for the scenes of the web tests (happened in February 2026, before the test clock).
enum W {
    static let t = "2026-02-01T08:00:00Z"

    /// The registration of one KBM MANPADS component (a 9M342 missile or a 9P522 launch
    /// mechanism) at `holder`.
    static func registerMANPADS(
        _ serial: String, _ category: Category = .manpadsMissile, at holder: String = "S1", occurredAt: String = t
    ) -> Event {
        var e = Event(kind: .register, occurredAt: occurredAt)
        e.to = holder
        e.registrations = [
            ItemMarking(
                category: category, manufacturer: "KBM", country: "RU",
                model: category == .manpadsMissile ? "9M342" : "9P522", calibre: "72mm", serial: serial)
        ]
        return e
    }

    static func move(
        _ kind: EventKind, _ serials: [String] = [], lots: [(String, Int64)] = [], from: String? = nil, to: String? = nil,
        document: String? = nil, dueBack: String? = nil
    ) -> Event {
        var e = Event(kind: kind, occurredAt: t)
        e.from = from
        e.to = to
        e.items = serials.map { .marking(manufacturer: "Kalashnikov", serial: $0, model: nil) }
        e.lots = lots.map { LotReference(lot: $0.0, quantity: $0.1) }
        e.document = document
        e.dueBack = dueBack
        return e
    }

    static func holder(_ code: String, _ kind: HolderKind, _ name: String, parent: String?) -> Event {
        var e = Event(kind: .holderAdd, occurredAt: t)
        e.holder = HolderChange(code: code, kind: kind, name: name, parent: parent)
        return e
    }
}

/// The browsers of one test, on one application.
struct WebSession: Sendable {
    let client: any TestClientProtocol
    let server: TestServer

    /// A new browser (its own cookies) that sends `Accept-Language: language`.
    func browser(language: String = "es") -> WebBrowser { WebBrowser(client: client, language: language) }

    /// A browser signed in as `user` (password `pw-<user>`).
    func signedIn(_ user: String, language: String = "es", sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> WebBrowser
    {
        let browser = browser(language: language)
        try await browser.signIn(user, sourceLocation: sourceLocation)
        return browser
    }
}

/// A browser for the tests: keeps cookies, reads forms from pages, posts them.
final class WebBrowser: Sendable {
    let client: any TestClientProtocol
    let language: String
    private let jar = Mutex<[String: String]>([:])

    init(client: any TestClientProtocol, language: String) {
        self.client = client
        self.language = language
    }

    var cookies: [String: String] { jar.withLock { $0 } }

    func setCookie(_ name: String, _ value: String?) { jar.withLock { $0[name] = value } }

    func request(
        _ method: HTTPRequest.Method, _ uri: String, body: String? = nil, headers: HTTPFields = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> WebPage {
        var fields = headers
        if fields[.acceptLanguage] == nil { fields[.acceptLanguage] = language }
        let cookie = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        if !cookie.isEmpty { fields[.cookie] = cookie }
        if body != nil { fields[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await client.executeRequest(
            uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
        for value in response.headers[values: .setCookie] {
            let pair = value.split(separator: ";", maxSplits: 1)[0].split(
                separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            let name = String(pair[0]).trimmingCharacters(in: .whitespaces)
            setCookie(name, value.contains("Max-Age=0") ? nil : String(pair[1]))
        }
        let page = WebPage(
            status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
        if page.status >= 500 { Issue.record("\(method) \(uri) answered \(page.status)", sourceLocation: sourceLocation) }
        return page
    }

    func get(_ uri: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> WebPage {
        try await request(.get, uri, sourceLocation: sourceLocation)
    }

    func post(_ uri: String, _ fields: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> WebPage
    {
        try await request(.post, uri, body: WebPage.encode(fields), sourceLocation: sourceLocation)
    }

    /// Signs in through the form; requires the redirect that follows.
    func signIn(_ user: String, password: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let form = try await get("/signin", sourceLocation: sourceLocation)
        let token = try #require(form.value(of: "csrf"), sourceLocation: sourceLocation)
        let done = try await post(
            "/signin", [("csrf", token), ("user", user), ("password", password ?? "pw-\(user)"), ("next", "/")],
            sourceLocation: sourceLocation)
        try #require(done.status == 303, "signing in as \(user): \(done.status) \(done.text)", sourceLocation: sourceLocation)
    }

    /// The session's CSRF token, from the sign-out form every page carries.
    func csrf(sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try #require(try await get("/record", sourceLocation: sourceLocation).value(of: "csrf"), sourceLocation: sourceLocation)
    }

    /// Fills in and posts the `kind` form; the answer is the confirmation page or the form again.
    func check(_ kind: String, _ fields: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> WebPage
    {
        let token = try await csrf(sourceLocation: sourceLocation)
        return try await post("/record/\(kind)", [("csrf", token)] + fields, sourceLocation: sourceLocation)
    }

    /// Posts the confirmation page's form (with `extra` fields such as passwords).
    func confirm(_ page: WebPage, extra: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> WebPage
    {
        let action = try #require(page.confirmAction, "not a confirmation page: \(page.text)", sourceLocation: sourceLocation)
        return try await post(action, page.hiddenFields(in: action) + extra, sourceLocation: sourceLocation)
    }
}

/// A page as the tests read it.
struct WebPage: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: String

    var location: String? { headers[.location] }

    /// The text a reader sees: tags removed, entities decoded, spaces collapsed.
    var text: String {
        var out = body.replacing(/<script.*?<\/script>/.dotMatchesNewlines(), with: " ")
        out = out.replacing(/<[^>]*>/, with: " ")
        out = WebPage.decode(out)
        return out.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }

    /// The value of the first input named `name`.
    func value(of name: String) -> String? {
        for match in body.matches(of: /<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"/) where String(match.1) == name {
            return WebPage.decode(String(match.2))
        }
        return nil
    }

    /// The errors shown next to a field of a form (`<ul class="errs" id="f-<field>-e">`).
    func fieldErrors(_ field: String) -> [String] {
        guard let start = body.range(of: "id=\"f-\(field)-e\">"), let end = body[start.upperBound...].range(of: "</ul>")
        else { return [] }
        return body[start.upperBound..<end.lowerBound].matches(of: /<li>(.*?)<\/li>/).map {
            WebPage.decode(String($0.1))
        }
    }

    /// The action of the confirmation page's form.
    var confirmAction: String? {
        body.firstMatch(of: /<form method="post" action="(\/record\/[a-z-]+\/confirm)"/).map { String($0.1) }
    }

    /// The hidden inputs of the form whose action is `action`, in order.
    func hiddenFields(in action: String) -> [(String, String)] {
        guard let start = body.range(of: "action=\"\(action)\""), let end = body[start.upperBound...].range(of: "</form>")
        else { return [] }
        return body[start.upperBound..<end.lowerBound].matches(of: /<input type="hidden" name="([^"]*)" value="([^"]*)">/)
            .map { (WebPage.decode(String($0.1)), WebPage.decode(String($0.2))) }
    }

    static func decode(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func encode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map {
            ($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "="
                + ($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
    }
}
