import CustodiaCore

/// What the layout shows around every page: the user, the language switch, navigation and
/// the sign-out form.
struct LayoutDisplay {
    struct User {
        let code: String
        let name: String?
        let role: String
        let scope: String
        let scopeURL: String?
        let csrf: String
    }
    struct Link {
        let label: String
        let url: String
        let current: Bool
        let hreflang: String?
    }

    let title: String
    let cssURL: String
    let jsURL: String
    let user: User?
    let languages: [Link]
    let nav: [Link]
    let searchQuery: String
    let homeURL = WebPaths.dashboard
    let signOutURL = WebPaths.signOut
    let searchURL = WebPaths.search
    let ledgerURL = WebPaths.ledger
    let recordURL = WebPaths.record

    init(title: String, section: NavSection?, context: PageContext, messages: Messages, assets: StaticAssets) {
        self.title = title
        cssURL = assets.url("custodia.css")
        jsURL = assets.url("custodia.js")
        languages = Language.allCases.map { language in
            Link(
                label: language.nativeName, url: WebPaths.switching(context.path, context.query, to: language),
                current: language == context.language, hreflang: language.rawValue)
        }
        searchQuery = section == .search ? context.query.first { $0.name == "q" }?.value ?? "" : ""
        guard let session = context.session else {
            user = nil
            nav = []
            return
        }
        let scope: String
        if let root = session.scope {
            scope = root.name.isEmpty ? root.code : "\(root.code) · \(root.name)"
        } else {
            scope = messages["layout.scopeAll"]
        }
        user = User(
            code: session.userCode, name: session.userName, role: messages.label(session.role), scope: scope,
            scopeURL: session.scope.map { WebPaths.holder($0.code) }, csrf: session.csrfToken)
        var links: [(NavSection, String)] = [
            (.dashboard, WebPaths.dashboard), (.search, WebPaths.search),
            (.holders, session.scope.map { WebPaths.holder($0.code) } ?? WebPaths.holders),
        ]
        if !session.recordableKinds.isEmpty { links.append((.record, WebPaths.record)) }
        links.append((.ledger, WebPaths.ledger))
        nav = links.map { Link(label: messages["nav.\($0.0.rawValue)"], url: $0.1, current: $0.0 == section, hreflang: nil) }
    }
}
