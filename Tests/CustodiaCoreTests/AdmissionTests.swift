import Testing

@testable import CustodiaCore

/// The rules of new input that do not depend on who records: identifiers without hidden
/// characters or look-alikes, and times that can have happened.
@Suite struct IdentifierTests {
    /// Every class of character that hides or reorders what is seen.
    static let hidden: [(String, String)] = [
        ("a zero-width space", "AK-\u{200B}0001"),
        ("a right-to-left override", "AK-\u{202E}1000"),
        ("a soft hyphen", "AK\u{00AD}-0001"),
        ("a newline", "AK-0001\nAK-0002"),
        ("a tab", "AK-\t0001"),
        ("a byte-order mark", "\u{FEFF}AK-0001"),
        ("a no-break space", "AK\u{00A0}0001"),
        ("a left-to-right mark", "AK-0001\u{200E}"),
        ("a word joiner", "AK-\u{2060}0001"),
        ("a private-use character", "AK-\u{E000}0001"),
    ]

    @Test(arguments: hidden)
    func aSerialWithAHiddenCharacterIsRefused(_ label: String, _ serial: String) throws {
        let json = """
            {"kind":"register","to":"DEP-01","occurredAt":"2026-03-01T08:00:00Z","items":[{"category":"assault-rifle","manufacturer":"Kalashnikov Concern","country":"RU","model":"AK-74M","calibre":"5.45x39mm","serial":\(JSONValue.string(serial).encodedForTest)}]}
            """
        let error = #expect(throws: FieldError.self, "\(label)") { try Event(json: try JSONParser.parse(json)) }
        #expect(error?.field == "items[0].serial", "\(label)")
        #expect(error?.message.contains("U+") == true, "\(label): \(error?.message ?? "")")
        #expect(error?.message.contains("type the identifier again") == true)
    }

    @Test func spacesAtEitherEndAreRemovedAndTheTextIsInNFC() throws {
        let json = """
            {"kind":"issue","from":"DEP-01","to":"UNIT-1","occurredAt":"2026-03-01T08:00:00Z","items":[{"serial":"  AK-0001 ","manufacturer":" Ce\u{301}sar Arms"}],"document":" VO-1 "}
            """
        let event = try Event(json: try JSONParser.parse(json))
        #expect(event.items == [.marking(manufacturer: "César Arms", serial: "AK-0001", model: nil)])
        #expect(event.document == "VO-1")
    }

    @Test func aLedgerLeafIsReadAsItWasWritten() throws {
        // What was recorded before the rule keeps verifying: a leaf is not normalised again.
        let leaf = """
            {"items":[{"manufacturer":"Kalashnikov Concern","serial":"AK-\u{200B}0001"}],"from":"DEP-01","kind":"count","occurredAt":"2026-03-01T08:00:00Z","recordedAt":"2026-03-01T08:00:00Z","recordedBy":"cli"}
            """
        let event = try Event(json: try JSONParser.parse(leaf), source: .ledger)
        #expect(event.items == [.marking(manufacturer: "Kalashnikov Concern", serial: "AK-\u{200B}0001", model: nil)])
    }

    @Test func lookAlikesShareASkeleton() {
        #expect(Identifier.serialKey("MK0185") == Identifier.serialKey("МК0185"), "Cyrillic М and К")
        #expect(Identifier.serialKey("AK-0O12") == Identifier.serialKey("AK-0012"), "a letter O for a zero")
        #expect(Identifier.serialKey("ak-1") == Identifier.serialKey("AK-1"), "case")
        #expect(Identifier.serialKey("AK-1234") != Identifier.serialKey("AK-1235"))
        let keys = Set(Identifier.codeKeys("DEP-N1-01"))
        #expect(!keys.isDisjoint(with: Identifier.codeKeys("dep-n1-01")))
        #expect(!keys.isDisjoint(with: Identifier.codeKeys("DEP-N1-O1")))
        #expect(!keys.isDisjoint(with: Identifier.codeKeys("DEP-NI-OI")))
        #expect(keys.isDisjoint(with: Identifier.codeKeys("DEP-N1-02")))
    }

    @Test func theDifferenceIsShownByCodePoint() {
        #expect(Identifier.difference("AK-0О12", "AK-0O12") == "character 5 is \"О\" (U+041E) in AK-0О12 and \"O\" (U+004F) in AK-0O12")
    }
}

/// Look-alikes and times in the custody engine, with an admission (new input).
@Suite struct AdmissionRuleTests {
    static func harness(_ authority: Authority = .operator) throws -> CustodyHarness {
        let h = try CustodyHarness()
        h.engine.admission = Admission(authority: authority, now: "2026-03-02T10:00:00Z")
        return h
    }

    static func rifle(_ serial: String, model: String = "AK-74M") -> ItemMarking {
        ItemMarking(
            category: .assaultRifle, manufacturer: "Kalashnikov Concern", country: "RU", model: model, calibre: "5.45x39mm",
            serial: serial)
    }

    @Test func aSerialThatLooksLikeARegisteredOneIsRefusedUnlessDistinct() throws {
        let h = try Self.harness()
        try h.apply(Fx.register([Self.rifle("MK0185")], to: Fx.dep1))
        let cyrillic = try #require(h.refusal(Fx.register([Self.rifle("МК0185")], to: Fx.dep1)))
        #expect(cyrillic.field == "items[0]")
        #expect(cyrillic.message.contains("looks like MK0185"))
        #expect(cyrillic.message.contains("U+041C"))
        #expect(cyrillic.message.contains("\"distinct\": true"))
        #expect(h.refusal(Fx.register([Self.rifle("MKO185")], to: Fx.dep1)) != nil, "a letter O for the zero")
        #expect(h.refusal(Fx.register([Self.rifle("mk0185")], to: Fx.dep1)) != nil, "case")
        // Another model of the same maker, or another serial altogether, is no look-alike.
        try h.apply(Fx.register([Self.rifle("MKO185", model: "AKM")], to: Fx.dep1))
        try h.apply(Fx.register([Self.rifle("MK0186")], to: Fx.dep1))
        // Said to be distinct: accepted, and the leaf says so.
        var distinct = Fx.register([Self.rifle("МК0185")], to: Fx.dep1)
        distinct.distinct = true
        let applied = try h.apply(distinct)
        #expect(applied.event.distinct)
        // Two look-alikes in one event.
        let pair = try #require(h.refusal(Fx.register([Self.rifle("ZX-100"), Self.rifle("ZX-1OO")], to: Fx.dep1)))
        #expect(pair.message.contains("listed earlier in this event"))
    }

    @Test func aReplayAcceptsWhatNewInputWouldNot() throws {
        let h = try CustodyHarness()
        try h.apply(Fx.register([Self.rifle("MK0185")], to: Fx.dep1))
        try h.apply(Fx.register([Self.rifle("МК0185")], to: Fx.dep1))
        var late = Fx.event(.count, at: "2099-01-01T00:00:00Z", from: Fx.dep1, items: [Fx.ref(Self.rifle("MK0185"))])
        late.recordedAt = "2026-03-02T10:00:00Z"
        try h.apply(late)
    }

    @Test func holderCodesAreUniqueWithoutRegardToCaseOrLookAlikes() throws {
        let h = try Self.harness()
        for code in ["dep-01", "DEP-O1", "DEP-0l", "Dep-01"] {
            let r = try #require(h.refusal(Fx.holderAdd(code, .site, "Depot", parent: Fx.zone)), "\(code)")
            #expect(r.field == "holder.code")
            #expect(r.message.contains("looks like the holder DEP-01"), "\(code): \(r.message)")
        }
        let same = try #require(h.refusal(Fx.holderAdd(Fx.dep1, .site, "Depot", parent: Fx.zone)))
        #expect(same.message == "holder DEP-01 already exists; codes are unique")
        try h.apply(Fx.holderAdd("DEP-03", .site, "Depot Three", parent: Fx.zone))
        #expect(h.refusal(Fx.holderAdd("dep-03", .site, "Again", parent: Fx.zone)) != nil, "a code added a moment ago")
    }

    @Test func aHolderNamedInAnotherCaseIsTheStoredOne() throws {
        let h = try Self.harness()
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1))
        let applied = try h.apply(Fx.event(.issue, from: "dep-01", to: "unit-1", items: [Fx.ref(Fx.rifle)]))
        #expect(applied.event.from == Fx.dep1 && applied.event.to == Fx.unit)
    }

    @Test func userCodesAreUniqueWithoutRegardToCaseOrLookAlikes() throws {
        let h = try Self.harness()
        var add = Event(kind: .userAdd, occurredAt: Fx.t0)
        add.user = .add(code: "ana.perez", role: .clerk, scope: Fx.dep1)
        try h.apply(add)
        for code in ["ANA.PEREZ", "Ana.Perez", "ana.pErez"] {
            var twin = Event(kind: .userAdd, occurredAt: Fx.t0)
            twin.user = .add(code: code, role: .clerk, scope: Fx.dep1)
            let r = try #require(h.refusal(twin), "\(code)")
            #expect(r.message.contains("looks like the user code ana.perez"))
        }
    }

    static let times: [(String, Bool)] = [
        ("2026-03-02T10:00:00Z", true), ("2026-03-03T09:59:59Z", true), ("2026-03-03T10:00:01Z", false),
        ("2099-01-01T00:00:00Z", false), ("1900-01-01T00:00:00Z", true), ("1899-12-31T23:59:59Z", false),
    ]

    @Test(arguments: times)
    func anEventMayNotSayItHappenedInTheFutureOrBefore1900(_ time: String, _ accepted: Bool) throws {
        let h = try Self.harness()
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1))
        let event = Fx.event(.count, at: time, from: Fx.dep1, items: [Fx.ref(Fx.rifle)])
        if accepted {
            try h.apply(event)
        } else {
            let r = try #require(h.refusal(event))
            #expect(r.field == "occurredAt")
        }
    }

    @Test func theWindowIsConfigurable() throws {
        let h = try CustodyHarness()
        h.engine.admission = Admission(
            authority: .operator, now: "2026-03-02T10:00:00Z", window: TimeWindow(futureSeconds: 0, earliestYear: 2000))
        try h.apply(Fx.register([Fx.rifle], to: Fx.dep1))
        #expect(h.refusal(Fx.event(.count, at: "2026-03-02T10:00:01Z", from: Fx.dep1, items: [Fx.ref(Fx.rifle)])) != nil)
        #expect(h.refusal(Fx.event(.count, at: "1999-12-31T00:00:00Z", from: Fx.dep1, items: [Fx.ref(Fx.rifle)])) != nil)
    }
}

extension JSONValue {
    /// The value as JSON text (for building test input with awkward strings).
    var encodedForTest: String {
        guard case .string(let s) = self else { return "" }
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF
                    || (scalar.value >= 0x200B && scalar.value <= 0x206F) || scalar.value == 0xAD || scalar.value == 0xA0
                    || (scalar.value >= 0xE000 && scalar.value <= 0xF8FF)
                {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// The skeletons of ASCII text, computed without ICU, are ICU's.
@Suite struct ASCIISkeletonTests {
    @Test func everyPrintableCharacterAndRandomSerialsAgreeWithICU() {
        var generator = SystemRandomNumberGenerator()
        var samples = (0x20..<0x7F).map { String(UnicodeScalar(UInt8($0))) }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-/ .|_rnmvwIl10O")
        for _ in 0..<2000 {
            samples.append(String((0..<Int.random(in: 1...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for s in samples {
            #expect(Identifier.skeleton(s) == Identifier.icuSkeleton(s), "\(s)")
            #expect(Identifier.serialKey(s) == Identifier.icuSkeleton(s.uppercased()), "\(s)")
        }
    }
}
