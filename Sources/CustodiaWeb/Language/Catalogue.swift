/// The message catalogues: every label, message and error of the web UI, by key, in each
/// language. `Catalogue+es.swift` and `Catalogue+en.swift` hold the texts; a test proves
/// that they have exactly the same keys, no empty text, the same `{placeholders}` per key,
/// and every key the templates and the code use.
///
/// Texts are plain text (never HTML: they are escaped like everything else). A text may
/// name arguments as `{name}`, or `{Name}` to capitalise the argument's first letter. A key
/// ending in `.one` is the singular form of the key before it, used when a number argument
/// is 1.
enum Catalogue {
    static func table(for language: Language) -> [String: String] {
        switch language {
        case .es: es
        case .en: en
        }
    }

    /// Every proper prefix of every key (`nav` and `nav.search` → `nav`), for the templates' lookups.
    static func prefixes(for language: Language) -> Set<String> {
        switch language {
        case .es: esPrefixes
        case .en: enPrefixes
        }
    }

    private static let esPrefixes = prefixes(of: es)
    private static let enPrefixes = prefixes(of: en)

    private static func prefixes(of table: [String: String]) -> Set<String> {
        var out: Set<String> = []
        for key in table.keys {
            var prefix = Substring(key)
            while let dot = prefix.lastIndex(of: ".") {
                prefix = prefix[..<dot]
                out.insert(String(prefix))
            }
        }
        return out
    }
}
