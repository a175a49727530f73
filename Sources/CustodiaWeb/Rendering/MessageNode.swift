import Mustache

/// The catalogue as templates see it: `{{t.nav.search}}` looks up the key `nav.search`.
///
/// Each dotted step narrows the prefix until it names a message. Templates never build
/// messages with arguments; those are put into words in Swift (`Messages`).
struct MessageNode: MustacheParent {
    let messages: Messages
    let prefixes: Set<String>
    let prefix: String

    init(_ messages: Messages) {
        self.messages = messages
        self.prefixes = Catalogue.prefixes(for: messages.language)
        self.prefix = ""
    }

    private init(_ parent: MessageNode, prefix: String) {
        self.messages = parent.messages
        self.prefixes = parent.prefixes
        self.prefix = prefix
    }

    func child(named name: String) -> Any? {
        let key = prefix + name
        if let text = messages.table[key] { return text }
        if prefixes.contains(key) { return MessageNode(self, prefix: key + ".") }
        return nil
    }
}
