import CustodiaCore

/// What every page needs from the request: the language, who is signed in, and where the
/// page is (for the language switch and the navigation).
public struct PageContext: Sendable {
    public var language: Language
    /// The signed-in user; nil on the sign-in page and on errors shown before sign-in.
    public var session: SessionInfo?
    /// The request path, e.g. `/items/42`.
    public var path: String
    /// The request's query parameters, in order (the language switch keeps all but `lang`).
    public var query: [QueryItem]

    public init(language: Language, session: SessionInfo?, path: String = "/", query: [QueryItem] = []) {
        self.language = language
        self.session = session
        self.path = path
        self.query = query
    }
}

/// The signed-in user as the layout shows it: code, role and scope, and the CSRF token
/// that every form posted with the session cookie carries (field `csrf`).
public struct SessionInfo: Sendable {
    public var userCode: String
    /// The user's name where the server has one (never in the ledger).
    public var userName: String?
    public var role: Role
    /// The root of the user's scope; nil when the user sees the whole register.
    public var scope: Holder?
    public var csrfToken: String

    public init(userCode: String, userName: String? = nil, role: Role, scope: Holder?, csrfToken: String) {
        self.userCode = userCode
        self.userName = userName
        self.role = role
        self.scope = scope
        self.csrfToken = csrfToken
    }

    /// The kinds this user may record through the web forms.
    public var recordableKinds: [EventKind] {
        RecordingForm.kinds.filter { role.may(.record($0)) }
    }
}

/// One query parameter.
public struct QueryItem: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// The parameters of a query string (`a=1&b=x+y`), decoded; empty names are skipped.
    public static func parse(_ query: String) -> [QueryItem] {
        query.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Percent.decode(parts[0])
            guard !name.isEmpty else { return nil }
            return QueryItem(name, parts.count > 1 ? Percent.decode(parts[1]) : "")
        }
    }
}
