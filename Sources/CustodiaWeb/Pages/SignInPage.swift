/// The sign-in form (POST `/signin` with `user`, `password`, `next`).
public struct SignInPage: Sendable {
    /// Why the form is shown again.
    public enum Notice: Sendable, Equatable {
        /// Wrong user code or password (never says which).
        case invalidCredentials
        /// Too many attempts for this account or address; try again after this many seconds.
        case rateLimited(retryAfterSeconds: Int)
        /// The session ended (expired, or the account was disabled).
        case sessionExpired
        /// The form's CSRF token did not match (e.g. a stale page).
        case staleForm
        /// Signed out as asked.
        case signedOut
    }

    /// The user code typed before (never the password).
    public var userCode: String
    public var notice: Notice?
    /// Where to go after signing in; passed through `WebPaths.safeReturnPath`.
    public var next: String?
    /// A CSRF token for the sign-in form itself, when the server issues one.
    public var csrfToken: String?

    public init(userCode: String = "", notice: Notice? = nil, next: String? = nil, csrfToken: String? = nil) {
        self.userCode = userCode
        self.notice = notice
        self.next = next
        self.csrfToken = csrfToken
    }
}

struct SignInDisplay {
    let userCode: String
    let errors: [String]
    let infos: [String]
    let next: String
    let csrf: [String]
    let action = WebPaths.signIn

    init(_ page: SignInPage, messages: Messages) {
        userCode = page.userCode
        next = WebPaths.safeReturnPath(page.next)
        csrf = page.csrfToken.map { [$0] } ?? []
        switch page.notice {
        case .invalidCredentials?:
            errors = [messages["signin.invalid"]]
            infos = []
        case .rateLimited(let seconds)?:
            let minutes = Int64(max(1, (seconds + 59) / 60))
            errors = [messages(Message("signin.rateLimited", ["minutes": .number(minutes)]))]
            infos = []
        case .sessionExpired?:
            errors = []
            infos = [messages["signin.expired"]]
        case .staleForm?:
            errors = [messages["signin.stale"]]
            infos = []
        case .signedOut?:
            errors = []
            infos = [messages["signin.signedOut"]]
        case nil:
            errors = []
            infos = []
        }
    }
}

extension WebRenderer {
    /// The sign-in page, with a notice when the form is shown again.
    public func signIn(_ page: SignInPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        var context = context
        context.session = nil
        return render(
            "signin", title: messages["signin.heading"], section: nil, body: SignInDisplay(page, messages: messages),
            context: context)
    }
}
