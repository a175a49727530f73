import ArgumentParser
import CustodiaLedger
import CustodiaStore
import Foundation

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an empty store and its log key.",
        discussion: "Refuses to touch an existing database or key file.")

    @OptionGroup var store: StoreOptions

    @Option(help: "The log's origin, a name like registry.example.org/custodia (default: this host's name + /custodia).")
    var origin: String?

    func run() async throws {
        try store.refuseExisting("Custodia never overwrites a store")
        let name = origin ?? (ProcessInfo.processInfo.hostName.lowercased() + "/custodia")
        guard Self.isValidOrigin(name) else {
            throw UserError("\"\(name)\" is not a usable origin; use a name like registry.example.org/custodia (no spaces or +)")
        }
        let key = try LogKey.generate(name: name)
        try LogKeyFile.create(key, at: store.keyPath)
        do {
            try await store.create(origin: name, key: key).closeStore()
        } catch {
            try? FileManager.default.removeItem(atPath: store.keyPath)
            throw error
        }
        print("created \(store.location) (origin \(name))")
        print("log key: \(store.keyPath) (mode 0600; back it up, never share it)")
        print("verifier key: \(key.verifierKey)")
    }

    static func isValidOrigin(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 200 && s.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "+" }
    }
}
