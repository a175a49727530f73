import CustodiaCore
import CustodiaStore

/// Users, password hashes and token hashes in memory, for the server tests. It records no
/// ledger entries; the SQLite implementation and its conformance tests cover those.
actor MemoryUserStore: UserStore {
    private var accounts: [String: UserAccount] = [:]
    private var hashes: [String: String] = [:]
    private var tokens: [String: (record: TokenRecord, secretHash: String)] = [:]

    private func report() -> AppendReport {
        AppendReport(accepted: 1, errors: [], size: 0, firstSeq: 0, checkpoint: nil, dryRun: false)
    }

    func users() async throws -> [UserAccount] { accounts.values.sorted { $0.code < $1.code } }
    func user(code: String) async throws -> UserAccount? { accounts[code] }

    func addUser(_ account: UserAccount, passwordHash: String, options: AppendOptions) async throws -> AppendReport {
        accounts[account.code] = account
        hashes[account.code] = passwordHash
        return report()
    }

    func changeUser(code: String, role: Role?, scope: String??, options: AppendOptions) async throws -> AppendReport {
        guard var account = accounts[code] else { throw StoreError(.notFound, "no user \(code)") }
        if let role { account.role = role }
        if let scope { account.scope = scope }
        accounts[code] = account
        return report()
    }

    func disableUser(code: String, options: AppendOptions) async throws -> AppendReport {
        guard var account = accounts[code] else { throw StoreError(.notFound, "no user \(code)") }
        account.active = false
        accounts[code] = account
        return report()
    }

    func passwordHash(user: String) async throws -> String? { hashes[user] }
    func setPasswordHash(user: String, hash: String) async throws { hashes[user] = hash }

    func createToken(_ token: TokenRecord, secretHash: String, options: AppendOptions) async throws -> AppendReport {
        tokens[token.id] = (token, secretHash)
        return report()
    }

    func revokeToken(id: String, options: AppendOptions) async throws -> AppendReport {
        guard var entry = tokens[id] else { throw StoreError(.notFound, "no token \(id)") }
        entry.record.active = false
        tokens[id] = entry
        return report()
    }

    func token(secretHash: String) async throws -> TokenRecord? {
        tokens.values.first { $0.secretHash == secretHash && $0.record.active }?.record
    }
}
