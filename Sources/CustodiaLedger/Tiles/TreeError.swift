/// Why a tree operation over tiles (appending, a root, a proof, an entry bundle) failed.
///
/// Compare `code` to tell cases apart; `description` says what is wrong and what to do.
/// Errors thrown by a `TileReader` itself (a storage failure) pass through unchanged.
public struct TreeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable {
        private enum Base: Hashable, Sendable {
            case invalidSize, indexOutOfRange, sizesOutOfOrder, invalidSubtree, tileMissing, malformedEntryBundle
        }
        private let base: Base

        /// A tree size is negative or too large.
        public static let invalidSize = Code(base: .invalidSize)
        /// A leaf index is not below the tree size.
        public static let indexOutOfRange = Code(base: .indexOutOfRange)
        /// A consistency proof was asked from a larger size to a smaller one.
        public static let sizesOutOfOrder = Code(base: .sizesOutOfOrder)
        /// A range of entries is not a subtree of the tree.
        public static let invalidSubtree = Code(base: .invalidSubtree)
        /// A tile the tree needs is absent or shorter than the tree size implies.
        public static let tileMissing = Code(base: .tileMissing)
        /// An entry bundle cannot be built or parsed.
        public static let malformedEntryBundle = Code(base: .malformedEntryBundle)
    }

    /// The kind of failure.
    public let code: Code
    /// What is wrong and what to do about it.
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    static func tileMissing(level: Int, index: Int64, have: Int?, need: Int) -> TreeError {
        let found = have.map { "has only \($0) of the \(need) hashes needed" } ?? "is missing"
        return TreeError(.tileMissing, "the ledger's tile \(level)/\(index) \(found): run `custodia verify`")
    }

    static func indexOutOfRange(_ index: Int64, size: Int64) -> TreeError {
        TreeError(
            .indexOutOfRange,
            "entry index \(index) is outside the tree of \(size) entries: ask for an index from 0 to \(size - 1) or a larger tree size"
        )
    }

    static func invalidSize(_ size: Int64) -> TreeError {
        TreeError(.invalidSize, "tree size \(size) is negative: tree sizes count entries from 0")
    }
}
