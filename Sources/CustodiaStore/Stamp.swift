import Crypto
import CustodiaCore

/// What Custodia adds to an event when it records it: when, by whom, and the leaf's salt
/// (leaf format 2, see `Salt`): 128 bits from BoringSSL's generator, drawn anew for every
/// event, so that a leaf hash published in a tile reveals nothing of a guessed event.
package enum Stamp {
    package static func apply(_ event: inout Event, recordedBy: String, recordedAt: String) {
        event.recordedAt = recordedAt
        event.recordedBy = recordedBy
        event.salt = SymmetricKey(size: .bits128).withUnsafeBytes { Salt.text($0) }
    }
}
