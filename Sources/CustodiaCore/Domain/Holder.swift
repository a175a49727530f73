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

    /// `code` and the holders above it, nearest first: a walk up through `parent`, bounded
    /// against a cycle.
    public static func lineage(of code: String, in holders: [String: Holder]) -> Lineage {
        Lineage(cursor: code, holders: holders)
    }

    public struct Lineage: Sequence, IteratorProtocol {
        var cursor: String?
        let holders: [String: Holder]
        var steps = 0

        public mutating func next() -> String? {
            guard let c = cursor, steps <= 64 else { return nil }
            cursor = holders[c]?.parent
            steps += 1
            return c
        }
    }

    /// Whether `code` is `root` or lies under it in `holders`.
    public static func isUnder(_ code: String, root: String, in holders: [String: Holder]) -> Bool {
        lineage(of: code, in: holders).contains(root)
    }

    /// The site `code` is at: itself when a site, else the nearest site above it (nil when
    /// none is).
    public static func site(of code: String, in holders: [String: Holder]) -> String? {
        lineage(of: code, in: holders).first { holders[$0]?.kind == .site }
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
