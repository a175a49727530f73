import CustodiaCore
import CustodiaLedger
import Foundation
import HTTPTypes
import Testing

@testable import CustodiaServer

/// Reading the register through the API: searches, pages, scopes, the ledger and tiles.
@Suite struct ReadAPITests {
    static func serials(_ r: APIResponse) -> [String] {
        (r.json["items"] as? [[String: Any]] ?? []).compactMap { ($0["marking"] as? [String: Any])?["serial"] as? String }
    }

    static func seqs(_ r: APIResponse, key: String = "events") -> [Int] {
        (r.json[key] as? [[String: Any]] ?? []).compactMap { $0["seq"] as? Int }
    }

    @Test func itemsAreSearchedByFilterAndPagedWithCursors() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            let all = try await client.get("/api/v1/items", as: "root")
            #expect(all.status == 200)
            #expect(Self.serials(all) == ["AK-1", "AK-2", "AK-3", "AK-4", "AK-5", "AK-6", "AK-21", "AK-22"])
            #expect(all.json["nextCursor"] is NSNull)

            var seen: [String] = []
            var uri = "/api/v1/items?limit=3"
            for _ in 0..<5 {
                let page = try await client.get(uri, as: "root")
                #expect(page.status == 200)
                seen += Self.serials(page)
                guard let cursor = page.json["nextCursor"] as? String else { break }
                uri = "/api/v1/items?limit=3&cursor=\(cursor)"
            }
            #expect(seen == Self.serials(all))

            #expect(Self.serials(try await client.get("/api/v1/items?serial=AK-21", as: "root")) == ["AK-21"])
            #expect(
                Self.serials(try await client.get("/api/v1/items?serialContains=k-2", as: "root")) == ["AK-2", "AK-21", "AK-22"])
            #expect(Self.serials(try await client.get("/api/v1/items?holder=S2", as: "root")) == ["AK-21", "AK-22"])
            #expect(
                Self.serials(
                    try await client.get(
                        "/api/v1/items?category=assault-rifle&status=held&manufacturer=Kalashnikov&model=AK-74M&limit=2",
                        as: "root"))
                    == ["AK-1", "AK-2"])
            #expect(Self.serials(try await client.get("/api/v1/items?status=missing", as: "root")) == [])
        }
    }

    @Test func aScopedReaderSeesOnlyItsSubtreeAndOutsideIsNotFound() async throws {
        let server = try await TestServer.make()
        let inside = try await server.itemID("AK-1")
        let outside = try await server.itemID("AK-21")
        try await server.run { client in
            #expect(Self.serials(try await client.get("/api/v1/items", as: "viewer-n")) == (1...6).map { "AK-\($0)" })
            #expect(Self.serials(try await client.get("/api/v1/items?serial=AK-21", as: "viewer-n")) == [])
            #expect(try await client.get("/api/v1/items/\(inside)", as: "viewer-n").status == 200)
            let hidden = try await client.get("/api/v1/items/\(outside)", as: "viewer-n")
            let missing = try await client.get("/api/v1/items/999999", as: "viewer-n")
            #expect(hidden.status == 404)
            #expect(missing.status == 404)
            #expect(hidden.problem == "not-found")
            #expect(
                hidden.detail.replacingOccurrences(of: "\(outside)", with: "N")
                    == missing.detail.replacingOccurrences(of: "999999", with: "N"),
                "an item outside the scope looks exactly like one that does not exist")
            #expect(try await client.get("/api/v1/items/\(outside)/history", as: "viewer-n").status == 404)
            #expect(try await client.get("/api/v1/items/\(outside)", as: "auditor").status == 200)

            let holders = try await client.get("/api/v1/holders", as: "viewer-n")
            let codes = (holders.json["holders"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(codes == ["P1", "P2", "R1", "S1", "U1", "Z1"])
            #expect(try await client.get("/api/v1/holders/S2", as: "viewer-n").status == 404)
            #expect(try await client.get("/api/v1/holders/S2/holdings", as: "viewer-n").status == 404)
            let s1 = try await client.get("/api/v1/holders/S1", as: "viewer-n")
            #expect(s1.json["children"] as? [String] == ["U1"])
            #expect(s1.json["name"] as? String == "Depot One")

            let summary = try await client.get("/api/v1/summary", as: "viewer-n")
            #expect(summary.json["items"] as? Int == 6)
            #expect(summary.json["lots"] as? Int == 1)
            #expect((summary.json["byRegion"] as? [String: Int]) == ["R1": 6])
            let whole = try await client.get("/api/v1/summary", as: "root")
            #expect(whole.json["items"] as? Int == 8)

            let lots = try await client.get("/api/v1/lots", as: "viewer-n")
            let lotNames = (lots.json["lots"] as? [[String: Any]] ?? []).compactMap { $0["lot"] as? String }
            #expect(lotNames == ["L1"])
            let l2 = try #require(try await server.store.searchLots(.init(lot: "L2")).elements.first)
            #expect(try await client.get("/api/v1/lots/\(l2.record.id)", as: "viewer-n").status == 404)
            #expect(try await client.get("/api/v1/lots/\(l2.record.id)", as: "root").json["lot"] as? String == "L2")

            let events = try await client.get("/api/v1/events?limit=1000", as: "viewer-n")
            #expect(Self.seqs(events) == [0, 1, 2, 3, 4, 5, 11, 13])
            #expect(try await client.get("/api/v1/events/7", as: "viewer-n").status == 404)
            #expect(try await client.get("/api/v1/events/7", as: "root").status == 200)
        }
    }

    @Test func holdingsAndHistoryAreRead() async throws {
        let server = try await TestServer.make()
        let id = try await server.itemID("AK-1")
        let base = try await server.store.ledgerSize()
        try await server.run { client in
            let issued = try await client.post(
                "/api/v1/events", as: "clerk-n", json: J.move("issue", ["AK-1"], from: "S1", to: "P1", lots: [("L1", 30)]))
            #expect(issued.status == 201)
            let direct = try await client.get("/api/v1/holders/S1/holdings", as: "viewer-n")
            #expect((direct.json["items"] as? [Any])?.count == 5)
            let deep = try await client.get("/api/v1/holders/S1/holdings?recursive=true", as: "viewer-n")
            #expect((deep.json["items"] as? [Any])?.count == 6)
            let lots = deep.json["lots"] as? [[String: Any]] ?? []
            #expect(lots.map { $0["quantity"] as? Int } == [970, 30])

            let history = try await client.get("/api/v1/items/\(id)/history", as: "viewer-n")
            #expect(Self.seqs(history, key: "entries") == [11, Int(base)])
            let entries = history.json["entries"] as? [[String: Any]] ?? []
            let last = entries.last ?? [:]
            #expect(last["kind"] as? String == "issue" && last["from"] as? String == "S1" && last["to"] as? String == "P1")
            #expect(last["recordedBy"] as? String == "clerk-n")
            #expect(last["otherItems"] as? Int == 0 && last["lots"] as? Int == 1)
            #expect(entries.first?["otherItems"] as? Int == 5, "the registration brought AK-1…AK-6")
            #expect(last["event"] as? String == "/api/v1/events/\(base)")
            // The leaf hash is that of the whole event, one request away.
            let whole = try await client.get("/api/v1/ledger/proofs/inclusion?index=\(base)&size=\(base + 1)", as: "root")
            #expect(whole.json["leafHash"] as? String == last["leafHash"] as? String)
            #expect((try await client.get("/api/v1/events/\(base)", as: "viewer-n")).status == 200)

            let item = try await client.get("/api/v1/items/\(id)", as: "viewer-n")
            let state = item.json["state"] as? [String: Any]
            #expect(state?["holder"] as? String == "P1")
            #expect(state?["account"] as? String == "S1")
        }
    }

    @Test func eventsAreListedWithFiltersBothWays() async throws {
        let server = try await TestServer.make()
        try await server.run { client in
            #expect(Self.seqs(try await client.get("/api/v1/events?kind=register", as: "root")) == [11, 12, 13, 14])
            #expect(Self.seqs(try await client.get("/api/v1/events?holder=S2", as: "root")) == [7, 8, 12, 14])
            #expect(Self.seqs(try await client.get("/api/v1/events?fromSeq=3&toSeq=6", as: "root")) == [3, 4, 5])
            let newest = try await client.get("/api/v1/events?kind=register&order=desc&limit=2", as: "root")
            #expect(Self.seqs(newest) == [14, 13])
            let cursor = try #require(newest.json["nextCursor"] as? String)
            #expect(
                Self.seqs(
                    try await client.get("/api/v1/events?kind=register&order=desc&limit=2&cursor=\(cursor)", as: "root"))
                    == [12, 11])
            let id = try await server.itemID("AK-22")
            #expect(Self.seqs(try await client.get("/api/v1/events?item=\(id)", as: "root")) == [12])
        }
    }

    @Test func theLedgerToolsGiveVerifiableProofs() async throws {
        let server = try await TestServer.make()
        let size = Int(try await server.store.ledgerSize())
        try await server.run { client in
            let checkpoint = try await client.get("/api/v1/ledger/checkpoint", as: "viewer-n")
            #expect(checkpoint.json["size"] as? Int == size)
            let note = try #require(checkpoint.json["checkpoint"] as? String)
            let key = try #require(try await client.get("/api/v1/ledger/key", as: "viewer-n").json["verifierKey"] as? String)
            let opened = try SignedNote.open(note, verifiers: [try NoteVerifier(verifierKey: key)])
            let signed = try Checkpoint(text: opened.text)
            #expect(signed.size == Int64(size))
            #expect(try await client.get("/api/v1/ledger/checkpoint?size=3", as: "viewer-n").status == 404)

            let proof = try await client.get("/api/v1/ledger/proofs/inclusion?index=4&size=\(size)", as: "viewer-n")
            let hex = { (s: Any?) in TreeHash(hex: (s as? String) ?? "")?.bytes ?? [] }
            #expect(
                Merkle.isValidInclusion(
                    leafHash: hex(proof.json["leafHash"]), index: 4, size: UInt64(size),
                    proof: (proof.json["proof"] as? [String] ?? []).map { hex($0) }, root: signed.root.bytes))
            #expect(try await client.get("/api/v1/ledger/entries?from=4&to=5", as: "viewer-n").status == 403)
            let entries = try await client.get("/api/v1/ledger/entries?from=4&to=5", as: "auditor")
            let entry = try #require((entries.json["entries"] as? [[String: Any]])?.first?["event"])
            let leaf = try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys, .withoutEscapingSlashes])
            #expect(Merkle.leafHash([UInt8](leaf)).bytes == hex(proof.json["leafHash"]), "entries are the leaves")

            let issued = try await client.post(
                "/api/v1/events", as: "clerk-n", json: J.move("issue", ["AK-2"], from: "S1", to: "U1"))
            #expect(issued.status == 201)
            let consistency = try await client.get("/api/v1/ledger/proofs/consistency?old=\(size)&new=\(size + 1)", as: "viewer-n")
            let newRoot = try Checkpoint(
                text: try SignedNote.open(
                    try #require(issued.json["checkpoint"] as? String), verifiers: [NoteVerifier(verifierKey: key)]
                ).text
            ).root
            #expect(
                Merkle.isValidConsistency(
                    oldSize: UInt64(size), newSize: UInt64(size + 1), oldRoot: signed.root.bytes, newRoot: newRoot.bytes,
                    proof: (consistency.json["proof"] as? [String] ?? []).map { hex($0) }))
            let bad = try await client.get("/api/v1/ledger/proofs/inclusion?index=\(size + 25)", as: "auditor")
            #expect(bad.status == 400)
            #expect(bad.detail.contains("not in a tree"))
            // A scoped reader learns no more of an index past the end than of another's event.
            let beyond = try await client.get("/api/v1/ledger/proofs/inclusion?index=\(size + 25)", as: "viewer-n")
            #expect(beyond.status == 404 && beyond.detail == "no event \(size + 25) in your scope")
            #expect(try await client.get("/api/v1/ledger/entries?from=5&to=2000", as: "auditor").status == 400)
        }
    }

    @Test func outsideVerifiersReadTilesWithoutAnAccount() async throws {
        let server = try await TestServer.make()
        let size = Int(try await server.store.ledgerSize())
        let leaves = try await server.store.entries(from: 0, to: Int64(size)).map(\.leaf)
        try await server.run { client in
            let checkpoint = try await client.get("/tlog/checkpoint")
            #expect(checkpoint.status == 200)
            #expect(checkpoint.text.hasPrefix("test.example/custodia\n\(size)\n"))
            #expect(checkpoint.headers[.cacheControl] == "public, max-age=5")

            let partial = try await client.get("/tlog/tile/0/000.p/\(size)")
            #expect(partial.status == 200)
            #expect(partial.body.count == size * 32)
            #expect([UInt8](partial.body.prefix(32)) == Merkle.leafHash(leaves[0]).bytes)
            #expect(partial.headers[.cacheControl] == "public, max-age=5")
            #expect(partial.headers[.contentType] == "application/octet-stream")

            // The entries are an auditor's or an administrator's of the whole register.
            let anonymous = try await client.get("/tlog/tile/entries/000.p/\(size)")
            #expect(anonymous.status == 401 && anonymous.problem == "unauthenticated")
            #expect(try await client.get("/tlog/tile/entries/000.p/\(size)", as: "admin-n").status == 403)
            let bundle = try await client.get("/tlog/tile/entries/000.p/\(size)", as: "auditor")
            #expect(bundle.status == 200)
            #expect(bundle.headers[.cacheControl] == "private, max-age=5")
            #expect(try TileEntries.parse([UInt8](bundle.body)) == leaves)

            #expect(try await client.get("/tlog/tile/0/000.p/\(size + 1)").status == 404, "beyond the ledger")
            #expect(try await client.get("/tlog/tile/0/000").status == 404, "no full tile yet")
        }
    }

    @Test func aFullTileIsImmutableAndCachedForAYear() async throws {
        let server = try await TestServer.make()
        let base = Int(try await server.store.ledgerSize())
        try await server.run { client in
            let batch = J.batch(
                (0..<(260 - base)).map { n in
                    "{\"kind\":\"register\",\"to\":\"S1\",\"occurredAt\":\"2026-03-01T07:00:00Z\",\"items\":[{\"category\":\"rifle-carbine\",\"manufacturer\":\"FN\",\"country\":\"BE\",\"model\":\"FAL\",\"calibre\":\"7.62x51\",\"serial\":\"FAL-\(n)\"}]}"
                })
            let posted = try await client.post("/api/v1/events", as: "root", json: batch)
            #expect(posted.status == 201)
            #expect(posted.json["size"] as? Int == 260)
            let full = try await client.get("/tlog/tile/0/000")
            #expect(full.status == 200)
            #expect(full.body.count == 256 * 32)
            #expect(full.headers[.cacheControl] == "public, max-age=31536000, immutable")
            let entries = try await client.get("/tlog/tile/entries/000", as: "root")
            #expect(try TileEntries.parse([UInt8](entries.body)).count == 256)
            #expect(try await client.get("/tlog/tile/1/000.p/1").body.count == 32)
            #expect(try await client.get("/tlog/tile/0/001.p/4").status == 200)
        }
    }
}
