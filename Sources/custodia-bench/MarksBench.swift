import ArgumentParser
import CustodiaCore
import CustodiaSQLite
import CustodiaStore
import Foundation

/// Times the search from damaged marks: sampled serials, each read with two characters
/// unreadable (`?`) and one misread as a look-alike (0 for O, 1 for I, …), searched for its
/// ten closest items; beside the floor, the lookup of the same serial read whole. Prints the
/// median and p99, and the share of marks whose item came among the ten.
struct MarksBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "marks")
    @Option var db: String
    @Option var samples = 500

    static let partner: [Character: Character] = [
        "0": "O", "O": "0", "Q": "0", "D": "0", "1": "I", "I": "1", "L": "1", "7": "1", "2": "Z", "Z": "2", "5": "S", "S": "5",
        "6": "G", "G": "6", "8": "B", "B": "8",
    ]

    func run() async throws {
        let store = try SQLiteStore(path: db, key: nil)
        var rng = SystemRandomNumberGenerator()
        var marks: [(serial: String, manufacturer: String, mark: String)] = []
        var worn: [String] = []
        for (serial, manufacturer) in try store.sampleSerials(count: samples * 2) where marks.count < samples {
            var chars = Array(serial)
            let readable = chars.indices.filter { chars[$0].isLetter || chars[$0].isNumber }
            let misreadable = readable.filter { Self.partner[chars[$0]] != nil }
            guard readable.count >= 6, let m = misreadable.randomElement(using: &rng) else { continue }
            chars[m] = Self.partner[chars[m]]!
            var wornChars = chars
            let unknown = readable.filter { $0 != m }.shuffled(using: &rng).prefix(2)
            for p in unknown { chars[p] = "?" }
            marks.append((serial, manufacturer, String(chars)))
            // The same look-alike, and a run of two characters worn away (read through the
            // keys' trigram index).
            if let start = readable.filter({ $0 != m && $0 + 1 < wornChars.count && $0 + 1 != m }).randomElement(using: &rng) {
                wornChars.replaceSubrange(start...(start + 1), with: ["*"])
                worn.append(String(wornChars))
            }
        }
        var floor: [Double] = [], search: [Double] = []
        var found = 0, incomplete = 0
        for s in marks {
            var start = ContinuousClock.now
            _ = try await store.items(serial: s.serial, manufacturer: s.manufacturer, model: nil)
            floor.append(seconds(since: start) * 1000)
            start = ContinuousClock.now
            let result = try await store.searchMarks(try MarkPattern(s.mark), limit: 10)
            search.append(seconds(since: start) * 1000)
            if result.matches.contains(where: { $0.item.marking.serial == s.serial && $0.item.marking.manufacturer == s.manufacturer }) { found += 1 }
            if result.incomplete { incomplete += 1 }
        }
        var wornTimes: [Double] = []
        var wornIncomplete = 0
        for mark in worn {
            let start = ContinuousClock.now
            let result = try await store.searchMarks(try MarkPattern(mark), limit: 10)
            wornTimes.append(seconds(since: start) * 1000)
            if result.incomplete { wornIncomplete += 1 }
        }
        print("marks=\(marks.count) e.g. \(marks.prefix(3).map { "\($0.serial) read as \($0.mark)" }.joined(separator: ", "))")
        print("floor (the serial read whole): ms_median=\(fmt(median(floor), 3)) ms_p99=\(fmt(percentile(floor, 0.99), 3))")
        print(
            "search (two unread, one look-alike): ms_median=\(fmt(median(search), 3)) ms_p99=\(fmt(percentile(search, 0.99), 3)) ms_max=\(fmt(search.max() ?? 0, 3)) among_first_ten=\(found)/\(marks.count) over_2000_matches=\(incomplete)"
        )
        print(
            "search (a worn run *, one look-alike; trigram index): ms_median=\(fmt(median(wornTimes), 3)) ms_p99=\(fmt(percentile(wornTimes, 0.99), 3)) over_2000_matches=\(wornIncomplete)/\(worn.count) e.g. \(worn.prefix(3).joined(separator: ", "))"
        )
        try store.close()
    }
}
