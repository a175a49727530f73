import CustodiaCore
import CustodiaStore
import Foundation
import Testing

/// The search from damaged marks on every backend: look-alike classes, Cyrillic twins, case
/// and separators, wildcards, closest first, narrowed by the marking and by the scope.
extension StoreConformance {
    static let markChecks: [ConformanceCheck] = [
        ConformanceCheck("a damaged mark finds its items, closest first, narrowed and inside the scope", aDamagedMarkFindsItsItems)
    ]

    static func serials(_ result: MarkSearchResult) -> [String] { result.matches.map(\.item.marking.serial) }

    static func aDamagedMarkFindsItsItems(_ make: StoreFactory) async throws {
        try await withTemporaryDirectory { dir in
            let store = try await make(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([
                E.register(
                    [
                        E.item("AK-0024358"), E.item("AK-0024388"), E.item("AK-0O24358", manufacturer: "Izhmash"),
                        E.item("KA-7731", manufacturer: "Tula", model: "TT-33", category: .revolverPistol, year: 1950),
                    ], to: "S1"),
                // Cyrillic А and К, at the other region's depot.
                E.register([E.item("АК-0024359")], to: "S2"),
                // A letter with no Latin twin: its key holds a character beyond ASCII.
                E.register([E.item("12Ж345", manufacturer: "Molot"), E.item("12Ж3456", manufacturer: "Molot")], to: "S1"),
            ])

            let exact = try await store.searchMarks(try MarkPattern("ak 0024358"), limit: 10)
            #expect(serials(exact) == ["AK-0024358", "AK-0O24358"])
            #expect(exact.matches.map(\.closeness) == [MarkCloseness(substitutions: 0, unknown: 0), MarkCloseness(substitutions: 1, unknown: 0)])
            #expect(exact.total == 2 && !exact.incomplete)

            let worn = try await store.searchMarks(try MarkPattern("AK-00243?8"), limit: 10)
            #expect(serials(worn) == ["AK-0024358", "AK-0024388", "AK-0O24358"])
            #expect(worn.matches.map(\.closeness.unknown) == [1, 1, 1])

            // Typed in Cyrillic, with a digit misread as a letter: the Latin and the Cyrillic
            // serial alike.
            let typed = try await store.searchMarks(try MarkPattern("АК-OО2435?"), limit: 10)
            #expect(serials(typed) == ["AK-0O24358", "AK-0024358", "АК-0024359"])
            #expect(typed.matches.map(\.closeness.substitutions) == [1, 2, 2])

            #expect(serials(try await store.searchMarks(try MarkPattern("*77З1"), limit: 10)) == ["KA-7731"])
            #expect(serials(try await store.searchMarks(try MarkPattern("AK*58"), limit: 1)) == ["AK-0024358"])
            #expect(try await store.searchMarks(try MarkPattern("AK*58"), limit: 1).total == 2)
            #expect(try await store.searchMarks(try MarkPattern("ZZ-99?"), limit: 10).matches.isEmpty)

            // An unread character where the key holds one beyond ASCII, read key by key or
            // through the trigrams.
            let unusual = try await store.searchMarks(try MarkPattern("12?345"), limit: 10)
            #expect(serials(unusual) == ["12Ж345"])
            #expect(unusual.matches.first?.closeness == MarkCloseness(substitutions: 0, unknown: 1))
            #expect(serials(try await store.searchMarks(try MarkPattern("12ж3*"), limit: 10)) == ["12Ж345", "12Ж3456"])
            #expect(serials(try await store.searchMarks(try MarkPattern("1?Ж34?"), limit: 10)) == ["12Ж345"])

            // Narrowed by the marking.
            let izhmash = try await store.searchMarks(try MarkPattern("AK-00243?8"), filters: MarkFilters(manufacturer: "Izhmash"), limit: 10)
            #expect(serials(izhmash) == ["AK-0O24358"])
            #expect(serials(try await store.searchMarks(try MarkPattern("*7?31"), filters: MarkFilters(year: 1950), limit: 10)) == ["KA-7731"])
            #expect(try await store.searchMarks(try MarkPattern("*7?31"), filters: MarkFilters(year: 1951), limit: 10).matches.isEmpty)
            let pistols = MarkFilters(country: "RU", model: "TT-33", calibre: "5.45x39", category: .revolverPistol)
            #expect(serials(try await store.searchMarks(try MarkPattern("KA-7*"), filters: pistols, limit: 10)) == ["KA-7731"])
            #expect(try await store.searchMarks(try MarkPattern("KA-7*"), filters: MarkFilters(category: .assaultRifle), limit: 10).matches.isEmpty)

            // Inside a scope: only what is held or accounted there.
            let south = HolderScope(root: "R2", holders: try await store.holders())
            #expect(serials(try await store.searchMarks(try MarkPattern("AK-002435?"), scope: south, limit: 10)) == ["АК-0024359"])
        }
    }
}
