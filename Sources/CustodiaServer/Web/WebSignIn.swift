import CustodiaCore
import CustodiaWeb
import Foundation
import HTTPTypes
import Hummingbird

/// Signing in and out through the sign-in page.
///
/// The session is the API's (`AppState.signIn`: the same cookie, CSRF token, lifetime and
/// sign-in throttle). The sign-in form itself carries a token that must match a short-lived
/// cookie set with the form (a double-submit token), so that another site cannot sign a
/// browser into an account of its choosing.
enum WebSignIn {
    /// The cookie that carries the sign-in form's token.
    static let formCookie = "custodia_signin"

    /// `GET /signin`: the form; a signed-in user goes straight on to `next`.
    @Sendable static func form(_ web: WebRequest) async throws -> Response {
        if web.principal != nil { return web.redirect(WebPaths.safeReturnPath(web.parameter("next"))) }
        var notice: SignInPage.Notice?
        if web.parameter("ended") != nil { notice = .sessionExpired }
        if web.parameter("out") != nil { notice = .signedOut }
        return render(web, SignInPage(notice: notice, next: web.parameter("next")), status: .ok)
    }

    /// `POST /signin` with `user`, `password`, `next` and the form's `csrf`.
    @Sendable static func signIn(_ web: WebRequest) async throws -> Response {
        let fields = try await web.formFields()
        let user = (fields["user"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = fields["password"] ?? ""
        let next = fields["next"]
        let expected = web.request.cookies[formCookie]?.value ?? ""
        guard !expected.isEmpty, let given = fields[WebPaths.csrfField], Secrets.equal(given, expected),
            (try? AppState.requireSameOrigin(web.request)) != nil
        else {
            return render(web, SignInPage(userCode: user, notice: .staleForm, next: next), status: .forbidden)
        }
        guard !user.isEmpty, user.utf8.count <= 64, !password.isEmpty else {
            return render(web, SignInPage(userCode: user, notice: .invalidCredentials, next: next), status: .unauthorized)
        }
        do {
            let (session, _) = try await web.app.signIn(
                user: user, password: password, clientAddress: web.clientAddress)
            web.context.logger.info("signed in through the web")
            var headers: HTTPFields = [:]
            headers.append(HTTPField(name: .setCookie, value: web.app.sessionCookie(for: session)))
            headers.append(HTTPField(name: .setCookie, value: clearedFormCookie(web)))
            return web.redirect(WebPaths.safeReturnPath(next), headers: headers)
        } catch let problem as Problem where problem.status == .tooManyRequests {
            let wait = problem.headers[.retryAfter].flatMap { Int($0) } ?? 60
            return render(
                web, SignInPage(userCode: user, notice: .rateLimited(retryAfterSeconds: wait), next: next),
                status: .tooManyRequests, headers: [.retryAfter: String(wait)])
        } catch let problem as Problem where problem.status == .unauthorized {
            return render(web, SignInPage(userCode: user, notice: .invalidCredentials, next: next), status: .unauthorized)
        }
    }

    /// `POST /signout` (with the session's CSRF token, checked before it gets here): ends the
    /// session and removes the cookie.
    @Sendable static func signOut(_ web: WebRequest) async throws -> Response {
        if let principal = web.principal, case .session(let id, _) = principal.credential {
            await web.app.signOut(sessionID: id)
            web.context.logger.info("signed out through the web")
        }
        return web.redirect(
            WebPaths.signIn + "?out=1", headers: [.setCookie: web.app.clearedSessionCookie()])
    }

    /// The form with a fresh token, and the cookie that holds it.
    static func render(
        _ web: WebRequest, _ page: SignInPage, status: HTTPResponse.Status, headers: HTTPFields = [:]
    ) -> Response {
        let token = Secrets.token()
        var page = page
        page.csrfToken = token
        let html = web.site.renderer.signIn(
            page, context: PageContext(language: web.language, session: nil, path: web.path, query: web.query))
        var fields = headers
        var cookie = "\(formCookie)=\(token); Path=\(WebPaths.signIn); HttpOnly; SameSite=Strict; Max-Age=3600"
        if web.app.configuration.secureCookies { cookie += "; Secure" }
        fields.append(HTTPField(name: .setCookie, value: cookie))
        return web.html(html, status: status, headers: fields)
    }

    static func clearedFormCookie(_ web: WebRequest) -> String {
        "\(formCookie)=; Path=\(WebPaths.signIn); HttpOnly; SameSite=Strict; Max-Age=0"
            + (web.app.configuration.secureCookies ? "; Secure" : "")
    }
}
