import Testing

@testable import CustodiaLedger

@Suite struct CheckpointTests {
    let root = Merkle.leafHash(Array("root".utf8))

    @Test func checkpointTextRoundTrips() throws {
        let checkpoint = try Checkpoint(origin: "registry.example.org/custodia", size: 1234, root: root, extensions: ["ext one"])
        #expect(checkpoint.text == "registry.example.org/custodia\n1234\n\(root.base64)\next one\n")
        #expect(try Checkpoint(text: checkpoint.text) == checkpoint)
        let plain = try Checkpoint(origin: "o", size: 0, root: Merkle.emptyRoot)
        #expect(try Checkpoint(text: plain.text) == plain)
        #expect(plain.extensions.isEmpty)
    }

    @Test func aSignedCheckpointOpensAndParses() throws {
        let key = try LogKey.generate(name: "registry.example.org/custodia")
        let checkpoint = try Checkpoint(origin: key.name, size: 9, root: root)
        let note = try SignedNote.sign(text: checkpoint.text, key: key)
        let opened = try SignedNote.open(note, verifiers: [try NoteVerifier(verifierKey: key.verifierKey)])
        #expect(try Checkpoint(text: opened.text) == checkpoint)
    }

    @Test(arguments: [
        "", "origin\n1\n", "origin\n1\nnot base64\n", "\n1\nROOT\n", "origin\n01\nROOT\n", "origin\n+1\nROOT\n",
        "origin\n-1\nROOT\n", "origin\n1 \nROOT\n", "origin\n\nROOT\n", "origin\n9223372036854775808\nROOT\n",
        "origin\n1\nROOT", "origin\n1\nROOT\n\n", "origin\n1\nROOT\next\n\n", "origin\n1\nROOT \n", "origin\n1\nAAAA\n",
        "ori\tgin\n1\nROOT\n", "origin\r\n1\nROOT\n",
    ])
    func malformedCheckpointsAreRejected(_ template: String) {
        let text = template.replacingOccurrences(of: "ROOT", with: root.base64)
        #expect(throws: CheckpointError.self) { try Checkpoint(text: text) }
    }

    @Test func invalidFieldsAreRejected() {
        #expect(throws: CheckpointError.self) { try Checkpoint(origin: "", size: 1, root: root) }
        #expect(throws: CheckpointError.self) { try Checkpoint(origin: "a\nb", size: 1, root: root) }
        #expect(throws: CheckpointError.self) { try Checkpoint(origin: "a", size: -1, root: root) }
        #expect(throws: CheckpointError.self) { try Checkpoint(origin: "a", size: 1, root: root, extensions: [""]) }
    }

    @Test func largestSizeParses() throws {
        let text = "o\n9223372036854775807\n\(root.base64)\n"
        #expect(try Checkpoint(text: text).size == Int64.max)
    }
}
