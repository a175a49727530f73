import CustodiaCore
import CustodiaStore
import CustodiaWeb
import Foundation
import HTTPTypes
import Hummingbird

/// Why a web page stops early: a redirect (to sign in, or after a write) or an error page.
enum WebInterrupt: Error {
    case redirect(String)
    case error(status: Int, detail: Message?)

    static func notFound(_ detail: Message? = nil) -> WebInterrupt { .error(status: 404, detail: detail) }
}

/// One request to a web page, with what every page needs: the language, the signed-in
/// user, the query, the clock, and the headers every HTML answer carries.
struct WebRequest {
    let request: Request
    let context: CustodiaRequestContext
    let site: WebSite
    let language: Language
    /// `Set-Cookie` for the `lang` cookie when the request chose a language with `?lang=`.
    let languageCookie: String?
    let query: [QueryItem]
    /// The signed-in user of a browser session (API tokens do not open web pages).
    let principal: Principal?
    /// The current time, RFC 3339 UTC.
    let now: String

    var app: AppState { site.app }
    var path: String { request.uri.path }
    /// Today (UTC), `YYYY-MM-DD`.
    var today: String { String(now.prefix(10)) }
    /// The client's address for rate limits (see `AppState.clientAddress`).
    var clientAddress: String? { app.clientAddress(request.headers, socket: context.clientAddress) }

    init(_ request: Request, _ context: CustodiaRequestContext, site: WebSite) {
        self.request = request
        self.context = context
        self.site = site
        query = QueryItem.parse(request.uri.query ?? "")
        let chosen = query.last { $0.name == WebPaths.languageParameter }.flatMap { Language(code: $0.value) }
        language = Language.negotiate(
            query: chosen?.rawValue, cookie: request.cookies[WebPaths.languageParameter]?.value,
            acceptLanguage: request.headers[.acceptLanguage])
        languageCookie = chosen.map {
            "\(WebPaths.languageParameter)=\($0.rawValue); Path=/; Max-Age=31536000; SameSite=Lax"
                + (site.app.configuration.secureCookies ? "; Secure" : "")
        }
        if let principal = context.principal, case .session = principal.credential {
            self.principal = principal
        } else {
            principal = nil
        }
        now = site.app.timestamp()
    }

    /// The first value of a query parameter.
    func parameter(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// The signed-in user, or a redirect to the sign-in page that comes back here.
    func user() throws -> Principal {
        guard let principal else {
            var target = path
            if let q = request.uri.query, !q.isEmpty { target += "?" + q }
            var location = WebPaths.signIn + "?next=" + Self.encode(target)
            // A session cookie that is no longer accepted: say the session ended.
            if let cookie = request.cookies[AppState.sessionCookie]?.value, !cookie.isEmpty { location += "&ended=1" }
            throw WebInterrupt.redirect(location)
        }
        return principal
    }

    /// What the layout shows of the user: code, the name when the code is a person's, role,
    /// scope and the CSRF token of the session.
    func pageContext(_ principal: Principal?) async -> PageContext {
        var session: SessionInfo?
        if let principal, case .session(_, let csrf) = principal.credential {
            let snapshot = try? await app.directory.snapshot()
            let scope = principal.scope.root.flatMap { snapshot?.holders[$0] }
            let name = snapshot?.holders[principal.code].flatMap { $0.name.isEmpty ? nil : $0.name }
            session = SessionInfo(
                userCode: principal.code, userName: name, role: principal.role, scope: scope, csrfToken: csrf)
        }
        return PageContext(language: language, session: session, path: path, query: query)
    }

    // MARK: Answers

    /// An HTML page with the headers every page carries.
    func html(_ body: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = Self.pageHeaders
        for field in headers { fields.append(field) }
        if let languageCookie { fields.append(HTTPField(name: .setCookie, value: languageCookie)) }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A 303 redirect (after a POST, or to sign in).
    func redirect(_ location: String, headers: HTTPFields = [:]) -> Response {
        var fields: HTTPFields = [.location: location, .cacheControl: "no-store"]
        for field in headers { fields.append(field) }
        if let languageCookie { fields.append(HTTPField(name: .setCookie, value: languageCookie)) }
        return Response(status: .seeOther, headers: fields)
    }

    /// The error page of `status`, in the user's language, with the layout of the user.
    func errorPage(_ status: Int, detail: Message? = nil) async -> Response {
        let page = site.renderer.error(ErrorPage(status: status, detail: detail), context: await pageContext(principal))
        return html(page, status: HTTPResponse.Status(code: status))
    }

    /// The headers of every HTML page: no caching of pages that show the register, no
    /// framing, nothing loaded from elsewhere.
    static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
        .contentSecurityPolicy:
            "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .xContentTypeOptions: "nosniff", .referrerPolicy: "same-origin", .xFrameOptions: "DENY",
    ]

    /// Percent-encodes a query value.
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    // MARK: Forms

    /// The fields of a form posted as `application/x-www-form-urlencoded`.
    func formFields() async throws -> [String: String] {
        var request = self.request
        let body = try await request.collectBody(upTo: app.configuration.maxBodyBytes)
        return FormData.parse(body.readableBytesView)
    }
}

/// Every web page and form: language, sign-in, errors as pages in the user's language, and
/// the time the server spent (`Server-Timing: app;dur=…`).
///
/// It stands before authentication, so that a refused CSRF token or an unknown path gets a
/// page too; everything but the web UI's paths passes through untouched.
struct WebMiddleware: RouterMiddleware {
    typealias Context = CustodiaRequestContext
    let renderer: WebRenderer
    let app: AppState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard WebSite.isWebPath(request.uri.path) else { return try await next(request, context) }
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let problem as Problem {
            if problem.status.code >= 500 { context.logger.error("web request failed", metadata: ["problem": "\(problem.slug)"]) }
            response = page(
                request, status: Int(problem.status.code), detail: problem.slug == "csrf" ? Message("error.csrf") : nil)
        } catch let error as any HTTPResponseError {
            response = page(request, status: Int(error.status.code), detail: nil)
        } catch {
            context.logger.error("web request failed", metadata: ["error.type": "\(type(of: error))"])
            response = page(request, status: 500, detail: nil)
        }
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        response.headers[.serverTiming] = "app;dur=\(String(format: "%.2f", ms))"
        return response
    }

    /// An error page for a request that got no further than authentication or routing: in
    /// the request's language, without the user's layout.
    func page(_ request: Request, status: Int, detail: Message?) -> Response {
        let query = QueryItem.parse(request.uri.query ?? "")
        let language = Language.negotiate(
            query: query.last { $0.name == WebPaths.languageParameter }?.value,
            cookie: request.cookies[WebPaths.languageParameter]?.value, acceptLanguage: request.headers[.acceptLanguage])
        let html = renderer.error(
            ErrorPage(status: status, detail: detail),
            context: PageContext(language: language, session: nil, path: request.uri.path, query: query))
        return Response(
            status: HTTPResponse.Status(code: status), headers: WebRequest.pageHeaders,
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

extension HTTPField.Name {
    static let serverTiming = Self("Server-Timing")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
}
