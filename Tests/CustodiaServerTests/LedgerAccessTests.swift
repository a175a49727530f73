import CustodiaLedger
import CustodiaStore
import Foundation
import Testing

/// Anonymous, a scoped clerk, the auditor and the administrator (both of the whole
/// register) × every `/tlog/` and ledger route: the hashes for anyone, the entries for the
/// auditor and the administrator only, inclusion proofs inside the scope.
@Suite struct LedgerAccessTests {
    @Test func whoReadsWhatOfTheLedger() async throws {
        let server = try await TestServer.make()
        let size = try await server.store.ledgerSize()
        // Event 11 registers AK-1… at S1 (inside the clerk's R1), 12 at S2 (outside).
        let routes: [(String, [String?: Int])] = [
            ("/tlog/checkpoint", [nil: 200, "clerk-n": 200, "auditor": 200, "root": 200]),
            ("/tlog/tile/0/000.p/\(size)", [nil: 200, "clerk-n": 200, "auditor": 200, "root": 200]),
            ("/tlog/tile/entries/000.p/\(size)", [nil: 401, "clerk-n": 403, "auditor": 200, "root": 200]),
            ("/api/v1/ledger/checkpoint", [nil: 401, "clerk-n": 200, "auditor": 200, "root": 200]),
            ("/api/v1/ledger/key", [nil: 401, "clerk-n": 200, "auditor": 200, "root": 200]),
            ("/api/v1/ledger/entries?from=0&to=\(size)", [nil: 401, "clerk-n": 403, "auditor": 200, "root": 200]),
            ("/api/v1/ledger/proofs/inclusion?index=11", [nil: 401, "clerk-n": 200, "auditor": 200, "root": 200]),
            ("/api/v1/ledger/proofs/inclusion?index=12", [nil: 401, "clerk-n": 404, "auditor": 200, "root": 200]),
            ("/api/v1/ledger/proofs/consistency?old=3", [nil: 401, "clerk-n": 200, "auditor": 200, "root": 200]),
        ]
        try await server.run { client in
            var bundles: [String: Data] = [:]
            for (path, expected) in routes {
                for (user, status) in expected {
                    let r = try await client.get(path, as: user)
                    #expect(r.status == status, "\(user ?? "anonymous") \(path): \(r.status), expected \(status)")
                    if status >= 400 { #expect(r.isProblem, "\(user ?? "anonymous") \(path): a problem document") }
                    if path.contains("entries/"), status == 200 { bundles[user!] = r.body }
                }
            }
            // The same bytes for both, and they prove the public checkpoint's root.
            #expect(bundles["auditor"] == bundles["root"])
            let leaves = try TileEntries.parse([UInt8](try #require(bundles["auditor"])))
            var tree = TreeAppender()
            for leaf in leaves { tree.append(leafHash: Merkle.leafHash(leaf)) }
            let note = try await client.get("/tlog/checkpoint").text
            let log = try NoteVerifier(verifierKey: try await server.store.verifierKey())
            let checkpoint = try Checkpoint(text: try SignedNote.open(note, verifiers: [log]).text)
            #expect(checkpoint.size == Int64(leaves.count))
            #expect(checkpoint.root == tree.root())
        }
    }
}
