import CustodiaCore

/// The URLs of the web UI. The server's routes and the pages' links both come from here,
/// so they cannot drift apart.
///
/// | method | path | page |
/// | --- | --- | --- |
/// | GET | `/` | dashboard |
/// | GET, POST | `/signin` | sign-in form; POST fields `user`, `password`, `next` |
/// | POST | `/signout` | sign out (field `csrf`) |
/// | GET | `/search?q=…&page=N` | search |
/// | GET | `/items/<id>` | item page |
/// | GET | `/holders`, `/holders/<code>?page=N` | holder tree, holder page |
/// | GET | `/record` | recording menu |
/// | GET, POST | `/record/<kind>` | form (GET may prefill from the query); POST validates and shows the confirmation |
/// | POST | `/record/<kind>/confirm` | validates again and records |
/// | GET | `/receipts/<seq>` | printable receipt |
/// | GET | `/ledger`, `/ledger/proof/<seq>` | ledger page, inclusion proof of one entry |
/// | GET | `/alerts?rule=R` | the alerts of the policy pack in force |
/// | GET | `/policy` | the policy pack in force and the authorisations inside the scope |
/// | GET | `/static/<file>` | style sheet and script (`StaticAssets`) |
public enum WebPaths {
    public static let dashboard = "/"
    public static let signIn = "/signin"
    public static let signOut = "/signout"
    public static let search = "/search"
    public static let holders = "/holders"
    public static let record = "/record"
    public static let ledger = "/ledger"
    public static let alerts = "/alerts"
    public static let policy = "/policy"
    public static let stocktakes = "/stocktakes"
    public static let samples = "/samples"
    public static let staticPrefix = "/static/"

    /// The form field (and header `X-CSRF-Token`) that carries the CSRF token.
    public static let csrfField = "csrf"
    /// The query parameter and cookie that choose the language.
    public static let languageParameter = "lang"

    public static func item(_ id: Int64) -> String { "/items/\(id)" }
    public static func holder(_ code: String) -> String { "/holders/\(Percent.encodeSegment(code))" }
    public static func holder(_ code: String, page: Int) -> String {
        page > 1 ? holder(code) + "?page=\(page)" : holder(code)
    }
    public static func recordForm(_ kind: EventKind) -> String { "/record/\(kind.rawValue)" }
    public static func recordConfirm(_ kind: EventKind) -> String { "/record/\(kind.rawValue)/confirm" }
    public static func receipt(_ seq: Int64) -> String { "/receipts/\(seq)" }
    public static func stocktake(_ id: Int64) -> String { "/stocktakes/\(id)" }
    public static func stocktakeCount(_ id: Int64) -> String { "/stocktakes/\(id)/count" }
    public static func stocktakeClose(_ id: Int64) -> String { "/stocktakes/\(id)/close" }
    public static func stocktakeCheck(_ id: Int64) -> String { "/stocktakes/\(id)/check" }
    public static func sample(_ id: Int64) -> String { "/samples/\(id)" }
    public static func sampleFindings(_ id: Int64) -> String { "/samples/\(id)/findings" }
    public static func stocktakeResolve(_ id: Int64) -> String { "/stocktakes/\(id)/resolve" }
    public static func proof(_ seq: Int64) -> String { "/ledger/proof/\(seq)" }
    public static func alerts(rule: AlertRule) -> String { alerts + "?rule=" + rule.rawValue }

    public static func search(_ query: String, page: Int = 1) -> String {
        var s = search + "?q=" + Percent.encode(query)
        if page > 1 { s += "&page=\(page)" }
        return s
    }

    /// A recording form prefilled from the query: e.g. the item page's "issue this item".
    public static func recordForm(_ kind: EventKind, prefill: [QueryItem]) -> String {
        prefill.isEmpty ? recordForm(kind) : recordForm(kind) + "?" + encode(prefill)
    }

    /// The kind of a `/record/<kind>` path segment, when it is one the web forms record.
    public static func recordingKind(_ segment: String) -> EventKind? {
        EventKind(rawValue: segment).flatMap { RecordingForm.kinds.contains($0) ? $0 : nil }
    }

    /// `path` with `lang=<language>` in place of any language parameter.
    public static func switching(_ path: String, _ query: [QueryItem], to language: Language) -> String {
        let kept = query.filter { $0.name != languageParameter } + [QueryItem(languageParameter, language.rawValue)]
        return path + "?" + encode(kept)
    }

    /// Where to go after signing in: `next` when it is a path on this site, else the dashboard.
    /// Refuses absolute and protocol-relative URLs (`//host`, `/\host`) so that the sign-in
    /// form cannot be used to send people elsewhere.
    public static func safeReturnPath(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"),
            !next.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
        else { return dashboard }
        return next
    }

    public static func encode(_ items: [QueryItem]) -> String {
        items.map { Percent.encode($0.name) + "=" + Percent.encode($0.value) }.joined(separator: "&")
    }
}
