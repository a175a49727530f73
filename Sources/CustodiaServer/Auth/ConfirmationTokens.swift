import Crypto
import CustodiaCore
import CustodiaLedger
import Foundation

/// Two-person confirmations: a token a second user issues for one event's content.
///
/// A token is `c2.<base64url(user)>.<expiry, unix seconds>.<base64url(nonce)>.<base64url(mac)>`
/// where the MAC is HMAC-SHA256, under the server's secret, of `custodia-confirmation/v2`,
/// the user's code, the expiry, the nonce (16 random bytes: two confirmations of the same
/// content are two tokens) and the canonical JSON (RFC 8785) of the event without
/// `confirmedBy`, each on its own line. Any change to the event after it was confirmed
/// invalidates the token; the event that records it consumes it (see `Confirmation`).
package struct ConfirmationTokens: Sendable {
    private let secret: [UInt8]
    package let lifetime: TimeInterval

    package init(secret: [UInt8]?, lifetime: TimeInterval) {
        self.secret = secret ?? SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        self.lifetime = lifetime
    }

    /// The token `user` gives for `event`, valid for `lifetime` from `now`.
    package func issue(for event: Event, user: String, now: Date) -> (token: String, expires: Date) {
        let expires = Int64(now.timeIntervalSince1970.rounded(.down)) + Int64(lifetime)
        let nonce = SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }
        let mac = self.mac(event: event, user: user, expires: expires, nonce: nonce)
        let token =
            "c2.\(Secrets.base64URL(Array(user.utf8))).\(expires).\(Secrets.base64URL(nonce)).\(Secrets.base64URL(mac))"
        return (token, Date(timeIntervalSince1970: TimeInterval(expires)))
    }

    /// A token taken apart, before its MAC is checked.
    package struct Parsed: Sendable {
        package let user: String
        package let expires: Int64
        let nonce: [UInt8]
        let mac: [UInt8]
    }

    /// Splits a token; nil when it is not shaped like one.
    package static func parse(_ token: String) -> Parsed? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "c2", token.utf8.count <= 512,
            let userBytes = Secrets.fromBase64URL(parts[1]), let user = String(bytes: userBytes, encoding: .utf8),
            HolderTree.isValidCode(user), let expires = Int64(parts[2]), let nonce = Secrets.fromBase64URL(parts[3]),
            nonce.count == 16, let mac = Secrets.fromBase64URL(parts[4]), mac.count == 32
        else { return nil }
        return Parsed(user: user, expires: expires, nonce: nonce, mac: mac)
    }

    /// The id a confirmation is consumed under: the hex SHA-256 of the token's text (the
    /// token itself, a bearer credential, is not kept).
    package static func id(of token: String) -> String {
        Bytes.hex(SHA256.hash(data: Array(token.utf8)))
    }

    /// Whether `token` was issued by this server for exactly `event`.
    package func matches(_ token: Parsed, event: Event) -> Bool {
        let expected = mac(event: event, user: token.user, expires: token.expires, nonce: token.nonce)
        return Secrets.equal(expected, token.mac)
    }

    /// The tokens of the command-line tool (`custodia confirm`, `custodia record
    /// --confirmations`): the same tokens, under a secret derived (HKDF-SHA256) from the log
    /// key, which whoever runs the tool on the register holds. They prove that the second
    /// person typed their password for exactly that event's content.
    package static func commandLine(key: LogKey, lifetime: TimeInterval) -> ConfirmationTokens {
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: key.rawPrivateKey), info: Array("custodia-cli-confirmation/v1".utf8),
            outputByteCount: 32)
        return ConfirmationTokens(secret: derived.withUnsafeBytes { Array($0) }, lifetime: lifetime)
    }

    /// The proofs among `tokens` (each parsed, with its text) for `event`: one per person it
    /// names in `confirmedBy` with a token issued for exactly this content and valid at
    /// `now` (unix seconds), and the people whose only matching tokens have expired.
    package func proofs(for event: Event, tokens: [(Parsed, String)], now: Int64) -> (
        proofs: [Confirmation], expired: [(index: Int, user: String)]
    ) {
        var proofs: [Confirmation] = []
        var expired: [(Int, String)] = []
        for (n, code) in event.confirmedBy.enumerated() {
            let matching = tokens.filter { $0.0.user == code && matches($0.0, event: event) }
            if let valid = matching.first(where: { $0.0.expires > now }) {
                proofs.append(Confirmation(user: code, id: Self.id(of: valid.1)))
            } else if !matching.isEmpty {
                expired.append((n, code))
            }
        }
        return (proofs, expired)
    }

    private func mac(event: Event, user: String, expires: Int64, nonce: [UInt8]) -> [UInt8] {
        var content = event
        content.confirmedBy = []
        content.recordedAt = nil
        content.recordedBy = nil
        var message = Array("custodia-confirmation/v2\n\(user)\n\(expires)\n\(Secrets.base64URL(nonce))\n".utf8)
        CanonicalJSON.encode(content.jsonValue, into: &message)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
    }
}
