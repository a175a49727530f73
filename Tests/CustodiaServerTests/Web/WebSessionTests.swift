import CustodiaCore
import Foundation
import HTTPTypes
import Testing

@testable import CustodiaServer

/// Signing in and out of the web pages, CSRF, and the language of every page.
@Suite struct WebSessionTests {
    @Test func aPageAsksToSignInAndComesBackAfterwards() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = web.browser()
            let id = try await server.itemID("AK-1")
            let first = try await browser.get("/items/\(id)?lang=es")
            #expect(first.status == 303)
            #expect(first.location == "/signin?next=/items/\(id)%3Flang%3Des")

            let form = try await browser.get("/signin?next=/items/\(id)")
            #expect(form.status == 200)
            #expect(form.value(of: "next") == "/items/\(id)")
            let token = try #require(form.value(of: "csrf"))
            let done = try await browser.post(
                "/signin", [("csrf", token), ("user", "clerk-n"), ("password", "pw-clerk-n"), ("next", "/items/\(id)")])
            #expect(done.status == 303)
            #expect(done.location == "/items/\(id)")
            let cookie = try #require(done.headers[values: .setCookie].first { $0.hasPrefix("custodia_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))

            let item = try await browser.get("/items/\(id)")
            #expect(item.status == 200)
            // The user's code, role and scope are on every page.
            #expect(item.text.contains("clerk-n"))
            #expect(item.text.contains("Función Registrador"))
            #expect(item.text.contains("R1 · North"))
            // Signed in, the sign-in page goes straight on.
            #expect(try await browser.get("/signin?next=/holders").location == "/holders")
        }
    }

    @Test func aWrongPasswordShowsTheFormAgainWithoutSayingWhatWasWrong() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            for (language, words) in [("es", "Usuario o contraseña incorrectos"), ("en", "Wrong user or password")] {
                let browser = web.browser(language: language)
                let token = try #require(try await browser.get("/signin").value(of: "csrf"))
                let wrong = try await browser.post(
                    "/signin", [("csrf", token), ("user", "clerk-n"), ("password", "nope"), ("next", "/")])
                #expect(wrong.status == 401)
                #expect(wrong.text.contains(words), "\(language): \(wrong.text)")
                #expect(wrong.value(of: "user") == "clerk-n", "the user code is kept")
                #expect(!wrong.body.contains("nope"), "the password is never shown again")
                let unknown = try await browser.post(
                    "/signin", [("csrf", try #require(wrong.value(of: "csrf"))), ("user", "nobody"), ("password", "x")])
                #expect(unknown.status == 401)
                #expect(unknown.text.contains(words))
                #expect(browser.cookies["custodia_session"] == nil)
            }
        }
    }

    @Test func theSignInFormNeedsItsOwnToken() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = web.browser()
            // Posted from elsewhere: no token cookie, or a token that does not match it.
            let bare = try await browser.post("/signin", [("user", "clerk-n"), ("password", "pw-clerk-n")])
            #expect(bare.status == 403)
            #expect(bare.text.contains("El formulario había caducado"))
            #expect(browser.cookies["custodia_session"] == nil)
            _ = try await browser.get("/signin")
            let forged = try await browser.post("/signin", [("csrf", "forged"), ("user", "clerk-n"), ("password", "pw-clerk-n")])
            #expect(forged.status == 403)
            #expect(browser.cookies["custodia_session"] == nil)
        }
    }

    @Test func signInsAreThrottledLikeTheAPIs() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = web.browser(language: "en")
            var page = try await browser.get("/signin")
            for _ in 0..<5 {
                page = try await browser.post(
                    "/signin", [("csrf", try #require(page.value(of: "csrf"))), ("user", "clerk-n"), ("password", "bad")])
                #expect(page.status == 401)
            }
            page = try await browser.post(
                "/signin", [("csrf", try #require(page.value(of: "csrf"))), ("user", "clerk-n"), ("password", "pw-clerk-n")])
            #expect(page.status == 429)
            #expect(page.headers[.retryAfter] != nil)
            #expect(page.text.contains("Too many attempts. Wait 1 minute"))
            server.clock.advance(61)
            try await browser.signIn("clerk-n")
        }
    }

    @Test func signingOutEndsTheSessionEverywhere() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n")
            let session = try #require(browser.cookies["custodia_session"])
            let token = try await browser.csrf()
            let out = try await browser.post("/signout", [("csrf", token)])
            #expect(out.status == 303)
            #expect(out.location == "/signin?out=1")
            #expect(browser.cookies["custodia_session"] == nil, "the cookie is removed")
            #expect(try await browser.get("/signin?out=1").text.contains("Ha salido de Custodia"))

            // The old cookie no longer opens anything: not the pages, not the API.
            browser.setCookie("custodia_session", session)
            let again = try await browser.get("/")
            #expect(again.status == 303)
            #expect(again.location == "/signin?next=/&ended=1")
            let api = try await browser.get("/api/v1/session")
            #expect(api.status == 401)
        }
    }

    @Test func signingOutWithoutTheCSRFTokenIsRefused() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = try await web.signedIn("clerk-n", language: "en")
            for fields in [[], [("csrf", "wrong")]] as [[(String, String)]] {
                let refused = try await browser.post("/signout", fields)
                #expect(refused.status == 403)
                #expect(refused.headers[.contentType] == "text/html; charset=utf-8")
                #expect(refused.text.contains("The form had expired or came from another page"))
            }
            #expect(try await browser.get("/").status == 200, "the session is still open")
        }
    }

    @Test func theLanguageComesFromTheChoiceTheCookieOrTheBrowser() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let english = try await web.signedIn("clerk-n", language: "en-GB,en;q=0.9")
            let dashboard = try await english.get("/")
            #expect(dashboard.body.contains("<html lang=\"en\">"))
            #expect(dashboard.text.contains("Dashboard of North"))

            let spanish = try await web.signedIn("clerk-n", language: "es-419,es;q=0.9,en;q=0.5")
            #expect(try await spanish.get("/").text.contains("Panel de North"))

            // ?lang= switches and is remembered in a cookie, over Accept-Language.
            let switched = try await spanish.get("/holders?lang=en")
            #expect(switched.body.contains("<html lang=\"en\">"))
            let cookie = try #require(switched.headers[values: .setCookie].first { $0.hasPrefix("lang=") })
            #expect(cookie.hasPrefix("lang=en;") && cookie.contains("Path=/"))
            #expect(try await spanish.get("/").body.contains("<html lang=\"en\">"))
            // Errors too are in the reader's language.
            let missing = try await spanish.get("/items/999999")
            #expect(missing.status == 404)
            #expect(missing.text.contains("Not found"))
            // Nothing chosen and nothing acceptable: Spanish.
            let other = try await web.signedIn("clerk-n", language: "de")
            #expect(try await other.get("/").body.contains("<html lang=\"es\">"))
        }
    }

    @Test func aPathThatIsNoPageGetsAnErrorPageAndTheAPIStillGetsProblems() async throws {
        let server = try await TestServer.make()
        try await server.runWeb { web in
            let browser = web.browser(language: "en")
            let page = try await browser.get("/no/such/page")
            #expect(page.status == 404)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("Not found"))
            let api = try await browser.get("/api/v1/nothing")
            #expect(api.status == 404)
            #expect(api.headers[.contentType] == "application/problem+json")
            #expect(try await browser.get("/healthz").status == 200)
        }
    }
}
