import CustodiaCore
import Foundation
import Testing

@testable import CustodiaSQLite
@testable import CustodiaStore

/// Recall of the search from damaged marks on the small demo (3,304 items of many makes):
/// 600 serials damaged at random as marks are damaged and misread (case, separators,
/// Cyrillic twins, look-alike characters, an unreadable character or a worn run) each find
/// their item in the first ten answers.
@Suite struct MarkRecallTests {
    /// A small generator with a fixed seed (SplitMix64), so that every run damages the same way.
    struct Dice {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    static let cyrillic: [Character: Character] = [
        "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р", "C": "С", "T": "Т", "Y": "У", "X": "Х",
    ]
    static let lookAlike: [Character: [Character]] = {
        var out: [Character: [Character]] = [:]
        for group in ["0OQD", "1IL7", "2Z", "5S", "6G", "8B", "3З", "4Ч"] {
            for c in group { out[c] = Array(group).filter { $0 != c } }
        }
        return out
    }()

    /// The serial as a damaged mark might be read, and what was done to it.
    static func damage(_ serial: String, _ dice: inout Dice) -> (mark: String, how: [String]) {
        var chars = Array(serial)
        var how: [String] = []
        let alnum = { (c: Character) in c.isLetter || c.isNumber }
        let positions = { chars.indices.filter { alnum(chars[$0]) } }
        if dice.chance(60), let p = positions().filter({ lookAlike[chars[$0]] != nil }).randomElement(using: &dice) {
            let others = lookAlike[chars[p]]!
            chars[p] = others[dice.below(others.count)]
            how.append("look-alike")
        }
        if dice.chance(70) {
            let p = positions()[dice.below(positions().count)]
            chars[p] = dice.chance(80) ? "?" : "*"
            how.append(chars[p] == "?" ? "unread" : "worn")
        }
        if dice.chance(30) {
            chars = chars.map { cyrillic[$0] ?? $0 }
            how.append("cyrillic")
        }
        if dice.chance(50) {
            chars = chars.map { Character($0.lowercased()) }
            how.append("case")
        }
        if dice.chance(40) {
            if chars.contains("-") {
                chars.removeAll { $0 == "-" }
            } else {
                chars.insert(" ", at: 1 + dice.below(max(1, chars.count - 1)))
            }
            how.append("separators")
        }
        return (String(chars), how)
    }

    @Test("600 damaged marks of the demo each find their item in the first ten answers")
    func damagedMarksFindTheirItems() async throws {
        try await withTemporaryDirectory { dir in
            let (store, report) = try await PastDemoTests.smallDemo(dir)
            #expect(report.errors.isEmpty)
            var items: [ItemRecord] = []
            var cursor: String?
            repeat {
                let page = try await store.searchItems(ItemQuery(limit: 1000, cursor: cursor))
                items += page.elements
                cursor = page.nextCursor
            } while cursor != nil
            #expect(items.count > 3000)

            var dice = Dice(state: 20261206)
            var kinds: [String: Int] = [:]
            var missed: [String] = []
            for _ in 0..<600 {
                let item = items[dice.below(items.count)]
                let (mark, how) = Self.damage(item.marking.serial, &dice)
                for h in how { kinds[h, default: 0] += 1 }
                let found = try await store.searchMarks(try MarkPattern(mark), limit: 10)
                if !found.matches.contains(where: { $0.item.id == item.id }) {
                    missed.append("\(item.marking.serial) read as \(mark) (\(how.joined(separator: ", "))): \(found.total) matches")
                }
            }
            #expect(missed.isEmpty, "\(missed.count) of 600 missed: \(missed.prefix(10))")
            // Every kind of damage was tried many times.
            for kind in ["look-alike", "unread", "worn", "cyrillic", "case", "separators"] {
                #expect(kinds[kind, default: 0] >= 40, "\(kind): \(kinds[kind, default: 0])")
            }
        }
    }
}

extension Array {
    fileprivate func randomElement(using dice: inout MarkRecallTests.Dice) -> Element? {
        isEmpty ? nil : self[dice.below(count)]
    }
}
