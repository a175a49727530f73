/// Anything that can have custody: a node of the holder tree, or an external party.
///
/// People are holders too, known in events only by their opaque code; their names stay
/// outside the ledger so that the ledger can be shown to auditors.
public struct Holder: Sendable, Equatable, Hashable, Codable {
    public var code: String
    public var kind: HolderKind
    public var name: String
    public var parent: String?
    public var closed: Bool

    public init(code: String, kind: HolderKind, name: String, parent: String? = nil, closed: Bool = false) {
        self.code = code
        self.kind = kind
        self.name = name
        self.parent = parent
        self.closed = closed
    }
}

/// Which kinds of holder may sit under which. Regions are roots; external parties stand
/// outside the tree (no parent) or under a region for bookkeeping.
public enum HolderTree {
    /// The parent kinds allowed for a holder of `kind`; an empty set means it must be a root.
    public static func allowedParents(of kind: HolderKind) -> Set<HolderKind> {
        switch kind {
        case .region: []
        case .zone: [.region]
        case .site: [.region, .zone]
        case .unit: [.region, .zone, .site, .unit]
        case .person: [.region, .zone, .site, .unit]
        case .external: [.region]
        }
    }

    /// Whether `kind` may have no parent.
    public static func mayBeRoot(_ kind: HolderKind) -> Bool {
        kind == .region || kind == .external
    }

    /// A holder code: 1–40 characters of A–Z, a–z, 0–9, `-`, `_`, `.`, `/`.
    public static func isValidCode(_ code: String) -> Bool {
        guard !code.isEmpty, code.utf8.count <= 40 else { return false }
        return code.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == 0x2D || b == 0x5F || b == 0x2E || b == 0x2F
        }
    }
}
