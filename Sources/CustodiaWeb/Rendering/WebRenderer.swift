import CustodiaCore
import Foundation
import Mustache

/// Renders the pages of the web UI from view values.
///
/// Load it once at start-up (it reads and parses the templates and static files of the
/// bundle) and share it: it is an immutable value. Every method returns a complete HTML
/// document in the context's language. Text from the store is always escaped: the
/// templates use only `{{…}}`, never `{{{…}}}` (a test holds them to it).
public struct WebRenderer: Sendable {
    let library: MustacheLibrary
    /// The static files the pages link; the server serves them under `/static/`.
    public let assets: StaticAssets

    /// Loads the templates (`Templates/*.mustache`) and static files of the bundle.
    public init() throws {
        guard let url = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw WebResourceError("the Templates resource folder is missing from the CustodiaWeb bundle")
        }
        var library = MustacheLibrary()
        for file in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() where file.hasSuffix(".mustache") {
            var text = try String(contentsOf: url.appendingPathComponent(file), encoding: .utf8)
            // A partial's final line break would end up inside the markup that includes it.
            if text.hasSuffix("\n") { text.removeLast() }
            do {
                try library.register(text, named: String(file.dropLast(".mustache".count)))
            } catch {
                throw WebResourceError("template \(file) does not parse: \(error)")
            }
        }
        self.library = library
        self.assets = try StaticAssets()
    }

    /// The names of the loaded templates (for tests and diagnostics).
    static func templateNames() throws -> [String] {
        guard let url = Bundle.module.url(forResource: "Templates", withExtension: nil) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".mustache") }.sorted()
    }

    /// Renders `template` with `body` as `page`, inside the layout.
    func render<Body>(_ template: String, title: String, section: NavSection?, body: Body, context: PageContext) -> String {
        let messages = Messages(context.language)
        let root = PageRoot(
            lang: context.language.rawValue, t: MessageNode(messages),
            layout: LayoutDisplay(title: title, section: section, context: context, messages: messages, assets: assets),
            page: body)
        guard let html = library.render(root, withTemplate: template) else {
            preconditionFailure("template \(template) is not in the bundle")
        }
        return html
    }
}

/// The object every template is rendered with: `lang`, `t` (the catalogue), `layout` and `page`.
struct PageRoot<Body>: MustacheParent {
    let lang: String
    let t: MessageNode
    let layout: LayoutDisplay
    let page: Body

    func child(named name: String) -> Any? {
        switch name {
        case "lang": lang
        case "t": t
        case "layout": layout
        case "page": page
        default: nil
        }
    }
}

/// Which navigation entry a page belongs to.
enum NavSection: String {
    case dashboard, search, holders, record, ledger
}
