/// An error page: what went wrong and what to do, in the user's language.
public struct ErrorPage: Sendable {
    /// The HTTP status: 400, 403, 404, 405, 409, 413, 429 and 500 have their own words;
    /// others get the generic text.
    public var status: Int
    /// A more precise explanation (e.g. which parameter was wrong).
    public var detail: Message?

    public init(status: Int, detail: Message? = nil) {
        self.status = status
        self.detail = detail
    }

    /// The statuses with their own title and text in the catalogue.
    public static let knownStatuses = [400, 403, 404, 405, 409, 413, 429, 500]
}

struct ErrorDisplay {
    let status: String
    let heading: String
    let text: String
    let detail: [String]
    let homeURL = WebPaths.dashboard

    init(_ page: ErrorPage, messages: Messages) {
        let key = ErrorPage.knownStatuses.contains(page.status) ? String(page.status) : "other"
        status = String(page.status)
        heading = messages["errorPage.\(key).title"]
        text = messages["errorPage.\(key).text"]
        detail = page.detail.map { [messages($0)] } ?? []
    }
}

extension WebRenderer {
    /// An error page (404, 403, 400, …). Shown with or without a session.
    public func error(_ page: ErrorPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = ErrorDisplay(page, messages: messages)
        return render("error", title: display.heading, section: nil, body: display, context: context)
    }
}
