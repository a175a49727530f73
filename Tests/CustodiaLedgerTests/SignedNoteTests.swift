import Crypto
import Foundation
import Testing

@testable import CustodiaLedger

@Suite struct SignedNoteTests {
    static let key = try! LogKey(name: "registry.example.org/custodia", rawPrivateKey: Array(repeating: 7, count: 32))
    static let otherKey = try! LogKey(name: "witness.example.net", rawPrivateKey: Array(repeating: 9, count: 32))
    let text = "registry.example.org/custodia\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"

    func code(_ body: () throws -> Void) -> NoteError.Code? {
        do { try body() } catch let error as NoteError { return error.code } catch { return nil }
        return nil
    }

    @Test func keyIDIsTheFirstFourBytesOfSHA256OfNameNewlineTypeAndKey() {
        let key = Self.key
        var input = Array(key.name.utf8)
        input.append(0x0A)
        input.append(0x01)
        input += key.publicKey
        let digest = Array(SHA256.hash(data: input))
        #expect(key.keyID == Array(digest[0..<4]))
        #expect(key.publicKey.count == 32)
    }

    @Test func verifierKeyIsNameHexIDAndBase64TypedKey() throws {
        let key = Self.key
        let parts = key.verifierKey.split(separator: "+", maxSplits: 2).map(String.init)
        #expect(parts.count == 3)
        #expect(parts[0] == key.name)
        #expect(parts[1] == key.keyID.map { String(format: "%02x", $0) }.joined())
        #expect(parts[2] == Data([0x01] + key.publicKey).base64EncodedString())
        let verifier = try NoteVerifier(verifierKey: key.verifierKey)
        #expect(verifier.name == key.name)
        #expect(verifier.keyID == key.keyID)
        #expect(verifier.publicKey == key.publicKey)
        #expect(verifier.verifierKey == key.verifierKey)
    }

    @Test func keysRoundTripThroughTheirRawBytes() throws {
        let generated = try LogKey.generate(name: "log.example")
        let restored = try LogKey(name: "log.example", rawPrivateKey: generated.rawPrivateKey)
        #expect(restored == generated)
        #expect(!generated.description.contains(Bytes.hex(generated.rawPrivateKey)))
        #expect(try LogKey.generate(name: "log.example").publicKey != generated.publicKey)
    }

    @Test(arguments: ["", "has space", "plus+sign", "tab\tname", "nbsp\u{A0}name"])
    func invalidKeyNamesAreRejected(_ name: String) {
        #expect(code { _ = try LogKey.generate(name: name) } == .invalidKeyName)
    }

    @Test func privateKeysOfTheWrongLengthAreRejected() {
        #expect(code { _ = try LogKey(name: "log", rawPrivateKey: Array(repeating: 1, count: 31)) } == .invalidPrivateKey)
    }

    @Test func aSignedNoteOpensWithItsKey() throws {
        let note = try SignedNote.sign(text: text, key: Self.key)
        #expect(note.hasPrefix(text + "\n\u{2014} registry.example.org/custodia "))
        #expect(note.hasSuffix("\n"))
        let opened = try SignedNote.open(note, verifiers: [Self.key.verifier])
        #expect(opened.text == text)
        #expect(opened.signatures.map(\.name) == [Self.key.name])
        #expect(opened.signatures.first?.keyID == Self.key.keyID)
        #expect(opened.unverifiedSignatures.isEmpty)
    }

    @Test func signaturesFromUnknownKeysAreIgnoredWhenAKnownKeySigned() throws {
        let note = try SignedNote.sign(text: text, key: Self.key)
        let cosigned = note + String(try SignedNote.sign(text: text, key: Self.otherKey).split(separator: "\n").last!) + "\n"
        let opened = try SignedNote.open(cosigned, verifiers: [Self.key.verifier])
        #expect(opened.signatures.map(\.name) == [Self.key.name])
        #expect(opened.unverifiedSignatures.map(\.name) == [Self.otherKey.name])
        let both = try SignedNote.open(cosigned, verifiers: [Self.otherKey.verifier, Self.key.verifier])
        #expect(both.signatures.count == 2)
    }

    @Test func aNoteSignedOnlyByUnknownKeysIsRejected() throws {
        let note = try SignedNote.sign(text: text, key: Self.otherKey)
        #expect(code { _ = try SignedNote.open(note, verifiers: [Self.key.verifier]) } == .unknownSigners)
        #expect(code { _ = try SignedNote.open(note, verifiers: []) } == .unknownSigners)
    }

    @Test func aChangedTextIsRejected() throws {
        let note = try SignedNote.sign(text: text, key: Self.key)
        let altered = note.replacingOccurrences(of: "\n42\n", with: "\n43\n")
        #expect(altered != note)
        #expect(code { _ = try SignedNote.open(altered, verifiers: [Self.key.verifier]) } == .invalidSignature)
    }

    @Test func aChangedSignatureIsRejected() throws {
        let note = try SignedNote.sign(text: text, key: Self.key)
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        let signatureLine = lines[lines.count - 2]
        let encoded = String(signatureLine.split(separator: " ").last!)
        var blob = Array(Data(base64Encoded: encoded)!)
        blob[10] ^= 0x01
        let altered = note.replacingOccurrences(of: encoded, with: Data(blob).base64EncodedString())
        #expect(code { _ = try SignedNote.open(altered, verifiers: [Self.key.verifier]) } == .invalidSignature)
    }

    @Test func aSignatureUnderAnotherKeyIDIsNotTakenForTheKnownKey() throws {
        // Same name, different key: the key ID differs, so it counts as unknown.
        let impostor = try LogKey(name: Self.key.name, rawPrivateKey: Array(repeating: 3, count: 32))
        let note = try SignedNote.sign(text: text, key: impostor)
        #expect(code { _ = try SignedNote.open(note, verifiers: [Self.key.verifier]) } == .unknownSigners)
    }

    @Test(arguments: [text0, text0 + "\n"])
    func aNoteWithoutSignaturesIsRejected(_ note: String) {
        #expect(code { _ = try SignedNote.open(note, verifiers: [Self.key.verifier]) } == .missingSignature)
    }

    static let text0 = "origin\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"

    @Test(arguments: [
        "", "no newline at all", "text\n\nnot a signature line\n", "text\n\n- name AAAAAAAA\n",
        "text\n\n\u{2014} name\n", "text\n\n\u{2014}  AAAAAAAAAA==\n", "text\n\n\u{2014} name !!!!\n",
        "text\n\n\u{2014} name AAAA\n", "text\n\n\u{2014} name AAAAAAAAAA==", "te\u{1}xt\n\n\u{2014} name AAAAAAAAAA==\n",
        "text\r\n\n\u{2014} name AAAAAAAAAA==\n", "text\n\n\u{2014} na+me AAAAAAAAAA==\n",
        "text\n\n\u{2014} name AAAAAAAAAA==\n\n",
    ])
    func malformedNotesAreRejected(_ note: String) {
        #expect(code { _ = try SignedNote.open(note, verifiers: [Self.key.verifier]) } == .malformedNote)
    }

    @Test(arguments: ["", "no final newline", "bad\u{0}char\n"])
    func malformedTextIsNotSigned(_ text: String) {
        #expect(code { _ = try SignedNote.sign(text: text, key: Self.key) } == .malformedText)
    }

    @Test func malformedVerifierKeysAreRejected() {
        let good = Self.key.verifierKey
        let parts = good.split(separator: "+", maxSplits: 2).map(String.init)
        let badCases: [(String, NoteError.Code)] = [
            ("", .malformedVerifierKey),
            (parts[0], .malformedVerifierKey),
            (parts[0] + "+" + parts[1], .malformedVerifierKey),
            (parts[0] + "+" + parts[1].dropLast() + "+" + parts[2], .malformedVerifierKey),
            (parts[0] + "+zzzzzzzz+" + parts[2], .malformedVerifierKey),
            (parts[0] + "+" + parts[1] + "+" + "not base64", .malformedVerifierKey),
            (parts[0] + "+" + parts[1] + "+" + Data([0x04] + Self.key.publicKey).base64EncodedString(), .malformedVerifierKey),
            (
                parts[0] + "+" + parts[1] + "+" + Data([0x01] + Self.key.publicKey.dropLast()).base64EncodedString(),
                .malformedVerifierKey
            ),
            ("other.name+" + parts[1] + "+" + parts[2], .verifierKeyIDMismatch),
            (parts[0] + "+00000000+" + parts[2], .verifierKeyIDMismatch),
            ("bad name+" + parts[1] + "+" + parts[2], .invalidKeyName),
        ]
        for (key, expected) in badCases {
            #expect(code { _ = try NoteVerifier(verifierKey: key) } == expected, "\(key)")
        }
    }

    @Test func errorsSayWhatToDo() throws {
        let note = try SignedNote.sign(text: text, key: Self.otherKey)
        do {
            _ = try SignedNote.open(note, verifiers: [Self.key.verifier])
            Issue.record("an unknown signer was accepted")
        } catch {
            #expect(error.description.contains("verifier key"))
            #expect(error.description.contains(Self.otherKey.name))
        }
    }
}
