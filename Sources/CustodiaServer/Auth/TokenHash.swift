import Crypto

/// How an API token is looked up: the SHA-256 of the whole token string, in lowercase hex
/// (what `UserStore.token(secretHash:)` is keyed by).
enum TokenHash {
    static func of(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
