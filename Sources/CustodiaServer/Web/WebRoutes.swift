import CustodiaCore
import CustodiaStore
import CustodiaWeb
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// The web UI (see `docs/web.md`): server-rendered pages in Spanish and English for signing
/// in, the dashboard, search, items, holders, recording with a confirmation page and a
/// printable receipt, and the ledger, on the same server, sessions and rules as the API.
///
/// Pages use the API's session cookie and CSRF token; every write goes through the same
/// writer, role check, scope check and two-person rule as `POST /api/v1/events`, recorded
/// as the signed-in user.
public struct WebRoutes: RouteProvider {
    let renderer: WebRenderer

    /// Loads the templates and static files.
    ///
    /// - Throws: `WebResourceError` when the CustodiaWeb bundle is incomplete (a packaging bug).
    public init() throws {
        renderer = try WebRenderer()
    }

    public func addRoutes(to router: Router<CustodiaRequestContext>, app: AppState) {
        let site = WebSite(app: app, renderer: renderer)
        app.onAppend { requests, report in await site.tally.appended(requests, report) }
        // Counting a national register takes a fraction of a second: done at start, not
        // by the first dashboard.
        app.onStart { try await site.tally.warm() }
        site.register(on: router)
    }

    public func outerMiddleware(app: AppState) -> [any MiddlewareProtocol<Request, Response, CustodiaRequestContext>] {
        [WebMiddleware(renderer: renderer, app: app)]
    }
}

/// What the web pages share: the application, the renderer and the counts kept in memory.
final class WebSite: Sendable {
    let app: AppState
    let renderer: WebRenderer
    let tally: RegisterTally
    /// The holders with their codes upper-cased and names folded, for the search box; kept
    /// for one generation of the holder tree.
    private let searchable = Mutex<(generation: Int, holders: [SearchableHolder])?>(nil)

    struct SearchableHolder: Sendable {
        let holder: Holder
        /// The code upper-cased and the name folded, as UTF-8, for a quick byte search.
        let code: [UInt8]
        let name: [UInt8]

        /// Whether `needle` occurs in `haystack`.
        static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
            guard !needle.isEmpty else { return true }
            guard haystack.count >= needle.count else { return false }
            let first = needle[0]
            var i = 0
            let last = haystack.count - needle.count
            while i <= last {
                if haystack[i] == first {
                    var j = 1
                    while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                    if j == needle.count { return true }
                }
                i += 1
            }
            return false
        }
    }

    init(app: AppState, renderer: WebRenderer) {
        self.app = app
        self.renderer = renderer
        tally = RegisterTally(
            store: app.store, directory: app.directory, refresh: app.configuration.holderRefresh, now: app.now)
    }

    /// The paths of the web UI: everything the API, the ledger's tiles, health and metrics
    /// do not use.
    static func isWebPath(_ path: String) -> Bool {
        for prefix in ["/api/", "/tlog/"] where path.hasPrefix(prefix) { return false }
        return !["/api", "/tlog", "/healthz", "/metrics"].contains(path)
    }

    /// Every route of the web UI.
    func register(on router: Router<CustodiaRequestContext>) {
        on(router, .get, WebPaths.signIn, WebSignIn.form)
        on(router, .post, WebPaths.signIn, WebSignIn.signIn)
        on(router, .post, WebPaths.signOut, WebSignIn.signOut)
        on(router, .get, WebPaths.dashboard, WebBrowse.dashboard)
        on(router, .get, WebPaths.search, WebBrowse.search)
        on(router, .get, "/items/:id", WebBrowse.item)
        on(router, .get, WebPaths.holders, WebBrowse.holderIndex)
        on(router, .get, "/holders/:code", WebBrowse.holder)
        on(router, .get, WebPaths.record, WebRecording.menu)
        on(router, .get, "/record/:kind", WebRecording.form)
        on(router, .post, "/record/:kind", WebRecording.check)
        on(router, .post, "/record/:kind/confirm", WebRecording.confirm)
        on(router, .get, "/receipts/:seq", WebBrowse.receipt)
        on(router, .get, WebPaths.ledger, WebBrowse.ledger)
        on(router, .get, WebPaths.alerts, WebBrowse.alerts)
        on(router, .get, WebPaths.policy, WebBrowse.policy)
        on(router, .get, WebPaths.stocktakes, WebStocktakes.list)
        on(router, .get, "/stocktakes/:id", WebStocktakes.one)
        on(router, .post, "/stocktakes/:id/count", WebStocktakes.count)
        on(router, .get, "/stocktakes/:id/check", WebStocktakes.check)
        on(router, .post, WebPaths.stocktakes, WebStocktakes.open)
        on(router, .post, "/stocktakes/:id/close", WebStocktakes.close)
        on(router, .post, "/stocktakes/:id/resolve", WebStocktakes.resolve)
        on(router, .get, WebPaths.samples, WebSamples.list)
        on(router, .post, WebPaths.samples, WebSamples.plan)
        on(router, .get, "/samples/:id", WebSamples.one)
        on(router, .post, "/samples/:id/findings", WebSamples.findings)
        on(router, .get, "/ledger/proof/:seq", WebBrowse.proof)
        router.on(RouterPath(WebPaths.staticPrefix + ":file"), method: .get) { [renderer] request, context in
            try WebAssets.serve(request, context, assets: renderer.assets)
        }
    }

    /// Registers a page: interrupts become redirects or error pages in the user's language.
    private func on(
        _ router: Router<CustodiaRequestContext>, _ method: HTTPRequest.Method, _ path: String,
        _ handler: @escaping @Sendable (WebRequest) async throws -> Response
    ) {
        router.on(RouterPath(path), method: method) { [self] request, context in
            let web = WebRequest(request, context, site: self)
            do {
                return try await handler(web)
            } catch WebInterrupt.redirect(let location) {
                return web.redirect(location)
            } catch WebInterrupt.error(let status, let detail) {
                return await web.errorPage(status, detail: detail)
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                return await web.errorPage(413)
            }
        }
    }

    // MARK: Shared reads

    /// Text folded for the search box: no case, no accents.
    static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    /// Every holder, ready to be matched against the search box.
    func searchableHolders() async throws -> [SearchableHolder] {
        let snapshot = try await app.directory.snapshot()
        if let cached = searchable.withLock({ $0 }), cached.generation == snapshot.generation { return cached.holders }
        let holders = snapshot.sorted.map {
            SearchableHolder(holder: $0, code: Array($0.code.uppercased().utf8), name: Array(Self.fold($0.name).utf8))
        }
        searchable.withLock { $0 = (snapshot.generation, holders) }
        return holders
    }

    /// Names of the holders among `codes` that are inside `scope`, from the holder tree:
    /// a holder outside the reader's scope is shown by its code alone.
    func names(_ codes: some Sequence<String>, within scope: HolderScope) async throws -> [String: String] {
        let snapshot = try await app.directory.snapshot()
        var out: [String: String] = [:]
        for code in codes where out[code] == nil && scope.contains(code) {
            if let h = snapshot.holders[code] { out[code] = h.name }
        }
        return out
    }
}

/// The style sheet and the script, with ETags and long caching for versioned URLs.
enum WebAssets {
    static func serve(_ request: Request, _ context: CustodiaRequestContext, assets: StaticAssets) throws -> Response {
        guard let name = context.parameters.get("file"), let asset = assets.asset(named: name) else {
            throw HTTPError(.notFound)
        }
        // A URL with the current version never changes; any other is checked each time.
        let versioned = request.uri.queryParameters["v"].map { String($0) == asset.version } ?? false
        var headers: HTTPFields = [
            .eTag: asset.etag, .cacheControl: versioned ? "public, max-age=31536000, immutable" : "no-cache",
            .xContentTypeOptions: "nosniff",
        ]
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
