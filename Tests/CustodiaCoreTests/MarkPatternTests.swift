import CustodiaCore
import Testing

/// Reading a damaged mark: what a pattern is, the look-alike classes, and closeness.
@Suite struct MarkPatternTests {
    @Test func aPatternReadsAtLeastThreeCharacters() {
        #expect(throws: FieldError.self) { try MarkPattern("??*") }
        #expect(throws: FieldError.self) { try MarkPattern("A-K*") }
        #expect(throws: FieldError.self) { try MarkPattern(String(repeating: "1", count: 65)) }
        do {
            _ = try MarkPattern("*?*")
            Issue.record("a pattern of wildcards only was taken")
        } catch {
            #expect(error.field == "mark")
            #expect(error.message.contains("no character read"))
        }
        #expect((try? MarkPattern(" ab-1 ")) != nil)
    }

    @Test func caseSeparatorsAndCyrillicTwinsFoldAway() throws {
        // А К Е М Н О Р С Т У Х В are Cyrillic.
        #expect(MarkPattern.traceKey("АКЕМНОРСТУХВ") == MarkPattern.traceKey("AKEMHOPCTYXB"))
        #expect(MarkPattern.traceKey("ak-47 / 1234.x") == "AK411234X")
        #expect(try MarkPattern("ak 47-1234").closeness("AK-471234") == MarkCloseness(substitutions: 0, unknown: 0))
        #expect(try MarkPattern("АК471234").closeness("ak-47-1234")?.isExact == true)
    }

    /// Each class the issue names: every two characters of one class match, at the cost of
    /// one substitution; characters of two classes never do.
    @Test func theCommonlyMisreadCharactersMatch() throws {
        let classes = ["0OQD", "1IL7", "2Z", "5S", "6GБ", "8BВ", "3З", "4Ч"]
        for group in classes {
            let members = Array(group)
            for a in members {
                for b in members {
                    let closeness = try MarkPattern("X\(a)YZ").closeness("X\(b)YZ")
                    #expect(closeness?.substitutions == (a == b || twins(a, b) ? 0 : 1), "\(a) read for \(b)")
                }
            }
        }
        #expect(try MarkPattern("X0YZ").closeness("X8YZ") == nil)
        #expect(try MarkPattern("X1YZ").closeness("X2YZ") == nil)
        #expect(try MarkPattern("XAYZ").closeness("X4YZ") == nil)
    }

    /// В is the Cyrillic twin of B: read as B, not substituted.
    func twins(_ a: Character, _ b: Character) -> Bool { Set([a, b]) == ["B", "В"] }

    @Test func wildcardsStandForUnreadCharacters() throws {
        let p = try MarkPattern("ak?7*O")
        #expect(p.like == "AK_1%0")
        #expect(p.glob == "AK?1*0")
        let whole = try MarkPattern("AK47")
        #expect(!p.isWhole && whole.isWhole)
        #expect(p.closeness("AK-7-2000") == nil, "the ? stands for exactly one character")
        #expect(p.closeness("AK-47-2000") == MarkCloseness(substitutions: 1, unknown: 4))
        #expect(p.closeness("AKX7O") == MarkCloseness(substitutions: 0, unknown: 1), "* may stand for nothing")
        #expect(try MarkPattern("**AK4").closeness("AK4") == MarkCloseness(substitutions: 0, unknown: 0))
        #expect(try MarkPattern("AK4").closeness("AK47") == nil, "a pattern reads the whole serial")
    }

    @Test func closerFirst() {
        let exact = MarkCloseness(substitutions: 0, unknown: 0)
        let oneUnknown = MarkCloseness(substitutions: 0, unknown: 1)
        let oneMisread = MarkCloseness(substitutions: 1, unknown: 0)
        #expect([oneMisread, oneUnknown, exact].sorted() == [exact, oneUnknown, oneMisread])
    }

    /// Where a `*` could stand for runs of several lengths, the closeness is the best reading.
    @Test func theBestAlignmentCounts() throws {
        #expect(try MarkPattern("A*B0").closeness("A80B0") == MarkCloseness(substitutions: 0, unknown: 2))
        #expect(try MarkPattern("A*80").closeness("A80B0") == MarkCloseness(substitutions: 1, unknown: 2))
    }

    /// A few unread characters: every key they can stand for, over the classes of ASCII
    /// letters and digits.
    @Test func theKeysOfAFewUnreadCharacters() throws {
        #expect(MarkPattern.asciiClasses.count == 26)
        #expect(String(String.UnicodeScalarView(MarkPattern.asciiClasses)) == "012345689ACEFHJKMNPRTUVWXY")
        #expect(try MarkPattern("ak-0?7").candidateKeys?.count == 26)
        #expect(try MarkPattern("ak-0?7").candidateKeys?.contains("AK0X1") == true)
        let two = try #require(try MarkPattern("A?C?E").candidateKeys)
        #expect(two.count == 26 * 26 && Set(two).count == two.count)
        #expect(try MarkPattern("ABC").candidateKeys == ["A8C"])
        #expect(try MarkPattern("A?C?E?").candidateKeys == nil, "three unread: the trigram index")
        #expect(try MarkPattern("AB*C").candidateKeys == nil)
        // Every ASCII letter and digit folds into one of them.
        for v in Array(0x30...0x39) + Array(0x41...0x5A) + Array(0x61...0x7A) {
            let key = MarkPattern.traceKey(String(UnicodeScalar(UInt8(v))))
            #expect(key.unicodeScalars.count == 1 && MarkPattern.asciiClasses.contains(key.unicodeScalars.first!))
        }
    }
}

extension MarkPatternTests {
    /// The table an ASCII serial's key is read through gives the key every other serial's
    /// is read by.
    @Test func anASCIISerialsKeyIsTheGeneralOne() {
        var all = ""
        for v in 0x20...0x7E { all.unicodeScalars.append(Unicode.Scalar(UInt8(v))) }
        for serial in [all, "ak-47 1234", "BER-0429/76", "", "--", "O0Q D1IL7 2Z 5S 6G 8B"] {
            // The same serial with a character beyond ASCII appended goes the general way.
            #expect(MarkPattern.traceKey(serial) + "Ж" == MarkPattern.traceKey(serial + "Ж"), "\(serial)")
        }
        #expect(MarkPattern.traceKey("O0Q D1IL7 2Z 5S 6G 8B") == "0000111122556688")
    }
}
