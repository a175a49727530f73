/// Why a checkpoint text or its fields were refused.
public struct CheckpointError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong and what to do about it.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
