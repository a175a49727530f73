/// Why an inclusion or consistency proof was refused.
///
/// Compare `code` to tell cases apart; `description` says what is wrong and what to do.
public struct ProofError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable {
        private enum Base: Hashable, Sendable {
            case invalidSize, indexOutOfRange, sizesOutOfOrder, wrongProofLength
            case rootMismatch, emptyTreeRootMismatch
        }
        private let base: Base

        /// A tree size or index is negative.
        public static let invalidSize = Code(base: .invalidSize)
        /// The leaf index is not below the tree size.
        public static let indexOutOfRange = Code(base: .indexOutOfRange)
        /// The old tree size is larger than the new one.
        public static let sizesOutOfOrder = Code(base: .sizesOutOfOrder)
        /// The proof has more or fewer hashes than the sizes call for.
        public static let wrongProofLength = Code(base: .wrongProofLength)
        /// The proof does not reproduce the given root(s).
        public static let rootMismatch = Code(base: .rootMismatch)
        /// A size-0 tree was given a root other than the empty-tree root.
        public static let emptyTreeRootMismatch = Code(base: .emptyTreeRootMismatch)
    }

    /// The kind of failure.
    public let code: Code
    /// What is wrong and what to do about it.
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
