import CustodiaCore

/// The entries a `UserStore` records, and the checks on what it keeps beside them, the same
/// on every backend: a backend only writes the rows.
package enum UserStoreEntries {
    /// The user-add entry of a new account, after checking the account and its password hash.
    package static func add(_ account: UserAccount, passwordHash: String, at recordedAt: String) throws -> Event {
        guard account.active else {
            throw StoreError(.invalidRequest, "a new user is always active; add the user, then disable it")
        }
        try requirePasswordHash(passwordHash)
        var event = Event(kind: .userAdd, occurredAt: recordedAt)
        event.user = .add(code: account.code, role: account.role, scope: account.scope)
        return event
    }

    package static func change(code: String, role: Role?, scope: String??, at recordedAt: String) -> Event {
        var event = Event(kind: .userChange, occurredAt: recordedAt)
        event.user = .change(code: code, role: role, scope: scope)
        return event
    }

    package static func disable(code: String, at recordedAt: String) -> Event {
        var event = Event(kind: .userDisable, occurredAt: recordedAt)
        event.user = .disable(code: code)
        return event
    }

    package static func requirePasswordHash(_ hash: String) throws {
        guard !hash.isEmpty else {
            throw StoreError(.invalidRequest, "the password hash is empty; hash the user's password (bcrypt) first")
        }
    }

    /// The token-create entry of a new token, after checking the token and its secret hash.
    package static func createToken(_ token: TokenRecord, secretHash: String, at recordedAt: String) throws -> Event {
        guard token.active else {
            throw StoreError(.invalidRequest, "a new token is always active; create it, then revoke it")
        }
        guard APIToken.isSecretHash(secretHash) else {
            throw StoreError(
                .invalidRequest, "the token's secret hash must be 64 lowercase hex digits (APIToken.secretHash of the token)")
        }
        var event = Event(kind: .tokenCreate, occurredAt: recordedAt)
        event.user = .token(token.id, owner: token.user)
        return event
    }

    /// The token-revoke entry of a token whose owner is known.
    package static func revokeToken(id: String, owner: String, at recordedAt: String) -> Event {
        var event = Event(kind: .tokenRevoke, occurredAt: recordedAt)
        event.user = .token(id, owner: owner)
        return event
    }

    /// The answer to a revocation of a token that was never created: nothing written.
    package static func unknownToken(_ id: String, size: Int64, dryRun: Bool) -> AppendReport {
        AppendReport(
            accepted: 0,
            errors: [
                LineError(line: 1, field: "user.token", message: "unknown token \(id); a token-revoke names a token that was created")
            ], size: size, firstSeq: size, checkpoint: nil, dryRun: dryRun)
    }
}

/// Orders new holders so that a parent added in the same batch comes before its children.
package func parentsFirst(_ holders: [Holder]) -> [Holder] {
    let byCode = Dictionary(holders.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
    var done: Set<String> = []
    var out: [Holder] = []
    func visit(_ h: Holder) {
        guard !done.contains(h.code) else { return }
        done.insert(h.code)
        if let p = h.parent, let parent = byCode[p] { visit(parent) }
        out.append(h)
    }
    holders.forEach(visit)
    return out
}

/// The state tables `verify` compares with a replay of the events, on every backend: a key
/// to name the first differing row, and the columns (people's names are outside the ledger,
/// so not compared). Password hashes and token secrets are not derived from the ledger.
package let verifiedStateTables: [(name: String, key: String, columns: String)] = [
    ("holders", "code", "code, kind, CASE kind WHEN 'person' THEN '' ELSE name END, parent, closed, added_seq"),
    ("items", "id", itemStateTableColumns),
    ("item_serial_keys", "serial_key, item_id", "serial_key, item_id"),
    ("event_items", "item_id, seq", "item_id, seq"),
    ("lots", "id", "id, lot, manufacturer, calibre, type, year, registered_seq"),
    ("event_lots", "lot_id, seq", "lot_id, seq"),
    ("event_holders", "holder, seq", "holder, seq"),
    ("lot_balances", "lot_id, holder", "lot_id, holder, quantity"),
    ("lot_missing", "lot_id", "lot_id, quantity"),
    ("dispatches", "document", "document, seq, from_holder, to_holder, items_in_transit, last_received_at"),
    ("dispatch_lots", "document, lot_id", "document, lot_id, quantity"),
    ("users", "code", "code, role, scope, active, added_seq"),
    ("tokens", "id", "id, \"user\", active, created_seq"),
]

/// Every column of `items`, in the order the backends read them.
package let itemStateTableColumns = """
    id, category, manufacturer, country, model, calibre, serial, year, import_country, import_year, marks,
    assigned_mark, registered_seq, status, holder, account, condition, due_back, transit, last_counted, last_seq
    """
