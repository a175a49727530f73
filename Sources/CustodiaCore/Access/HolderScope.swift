/// A user's scope: the holder subtree under `root`, or the whole register when `root` is
/// nil. Nothing outside it is listed, counted, readable or writable.
public struct HolderScope: Sendable, Equatable {
    public let root: String?
    /// Every holder code in the subtree, the root included (empty when unscoped).
    public let codes: Set<String>

    /// The whole register.
    public static let everything = HolderScope(root: nil, codes: [])

    public var isEverything: Bool { root == nil }

    /// The subtree of `root` in `holders` (children found through `parent`).
    public init(root: String, holders: [Holder]) {
        var children: [String: [String]] = [:]
        for holder in holders {
            if let parent = holder.parent { children[parent, default: []].append(holder.code) }
        }
        var codes: Set<String> = [root]
        var stack = [root]
        while let code = stack.popLast() {
            for child in children[code] ?? [] where codes.insert(child).inserted {
                stack.append(child)
            }
        }
        self.init(root: root, codes: codes)
    }

    private init(root: String?, codes: Set<String>) {
        self.root = root
        self.codes = codes
    }

    /// Whether the holder `code` is inside the scope.
    public func contains(_ code: String) -> Bool {
        root == nil || codes.contains(code)
    }

    /// The holders that must be inside a recorder's scope for an event of custody (the
    /// custody engine's authorisation, and its test of whether a correction's target is the
    /// recorder's). Custody that leaves the scope needs only the sending side inside it (a
    /// dispatch to another region, an export to a foreign state); custody that arrives needs
    /// only the receiving side (a receive from a dispatch sent by another region).
    /// Everything else needs every holder the event names.
    public static func holdersInScope(for event: Event) -> [String] {
        switch event.kind {
        case .dispatch, .export: event.from.map { [$0] } ?? []
        case .receive: event.to.map { [$0] } ?? []
        default: holdersNamed(by: event)
        }
    }

    /// The holder codes an event names.
    public static func holdersNamed(by event: Event) -> [String] {
        var codes: [String] = []
        if let from = event.from { codes.append(from) }
        if let to = event.to { codes.append(to) }
        if let change = event.holder {
            if event.kind != .holderAdd { codes.append(change.code) }
            if let parent = change.parent { codes.append(parent) }
        }
        if let scope = event.user?.scope { codes.append(scope) }
        return codes
    }
}
