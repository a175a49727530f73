import CustodiaCore
import Foundation
import Testing

@testable import CustodiaWeb

@Suite struct CatalogueTests {
    @Test func bothCataloguesHaveExactlyTheSameKeys() {
        let es = Set(Catalogue.es.keys)
        let en = Set(Catalogue.en.keys)
        #expect(es.subtracting(en).sorted() == [], "only in Spanish")
        #expect(en.subtracting(es).sorted() == [], "only in English")
        #expect(es.count > 300)
    }

    @Test(arguments: Language.allCases)
    func noTextIsEmpty(_ language: Language) {
        for (key, text) in Catalogue.table(for: language) {
            #expect(!text.trimmingSpaces.isEmpty, "\(language) \(key) is empty")
            #expect(!text.contains("<") && !text.contains(">"), "\(language) \(key) holds markup; texts are plain")
        }
    }

    @Test func eachKeyHasTheSamePlaceholdersInEveryLanguage() {
        func placeholders(_ s: String) -> Set<String> {
            var out: Set<String> = []
            var rest = Substring(s)
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                out.insert(rest[rest.index(after: open)..<close].lowercased())
                rest = rest[rest.index(after: close)...]
            }
            return out
        }
        for (key, es) in Catalogue.es {
            guard let en = Catalogue.en[key] else { continue }
            // A singular form may spell its number out.
            if key.hasSuffix(".one") {
                #expect(placeholders(en).isSubset(of: placeholders(Catalogue.en[String(key.dropLast(4))] ?? "")), "\(key)")
                continue
            }
            #expect(placeholders(es) == placeholders(en), "\(key): \(placeholders(es)) vs \(placeholders(en))")
        }
    }

    @Test func everyKeyTheTemplatesUseExistsAndIsAText() throws {
        let folder = templatesFolder()
        var used: Set<String> = []
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            var rest = Substring(text)
            while let r = rest.range(of: "t.") {
                let before = r.lowerBound == text.startIndex ? " " : text[text.index(before: r.lowerBound)]
                let key = rest[r.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
                if "{#^/".contains(before) { used.insert(String(key)) }
                rest = rest[r.upperBound...]
            }
        }
        #expect(used.count > 100)
        for language in Language.allCases {
            let node = MessageNode(Messages(language))
            for key in used {
                var current: Any? = node
                for part in key.split(separator: ".") { current = (current as? MessageNode)?.child(named: String(part)) }
                #expect(current is String, "\(language): t.\(key) is not a message")
            }
        }
    }

    @Test func everyKeyTheCodeNamesExists() throws {
        // Literal keys in the sources: "family.name" strings of the catalogue's families.
        let sources = templatesFolder().deletingLastPathComponent()
        let families = Set(Catalogue.es.keys.compactMap { $0.split(separator: ".").first.map(String.init) })
        var found = 0
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }.filter {
            $0.hasSuffix(".swift")
        }
        for file in files where !file.contains("Catalogue") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for piece in text.split(separator: "\"").enumerated() where piece.offset % 2 == 1 {
                let s = piece.element
                guard let family = s.split(separator: ".").first, families.contains(String(family)), !s.contains("\\("),
                    !s.contains(" "),
                    s.contains("."), !s.hasSuffix(".")
                else { continue }
                found += 1
                #expect(Catalogue.es[String(s)] != nil, "\(file) names \(s), which is not in the catalogue")
            }
        }
        #expect(found > 80)
    }

    @Test func everyFamilyTheCodeBuildsIsComplete() {
        var keys: [String] = []
        keys += Category.allCases.flatMap { ["category.\($0.rawValue)", "noun.\($0.rawValue)", "gender.\($0.rawValue)"] }
        keys += ItemStatus.allCases.flatMap { s in
            ["status.\(s.rawValue)"] + ["m", "f", "n"].map { "predicate.\($0).\(s.rawValue)" }
        }
        keys += Condition.allCases.map { "condition.\($0.rawValue)" }
        keys += EventKind.allCases.map { "kind.\($0.rawValue)" }
        keys += Role.allCases.map { "role.\($0.rawValue)" }
        keys += HolderKind.allCases.map { "holderKind.\($0.rawValue)" }
        keys += RecordingForm.kinds.flatMap { ["kindHelp.\($0.rawValue)", "verb.\($0.rawValue)", "action.\($0.rawValue)"] }
        keys += ReceiptPage.kinds.map { "receipt.title.\($0.rawValue)" }
        keys += RecordingField.allCases.map { "field.\($0.rawValue)" } + ["field.dispatch"]
        keys += (1...12).map { "month.\($0)" }
        keys += (ErrorPage.knownStatuses.map(String.init) + ["other"]).flatMap {
            ["errorPage.\($0).title", "errorPage.\($0).text"]
        }
        keys += ["dashboard", "search", "holders", "record", "ledger"].map { "nav.\($0)" }
        keys += AlertRule.allCases.flatMap { ["alertRule.\($0.rawValue)", "alert.\($0.rawValue)", "alertEnds.\($0.rawValue)"] }
        keys += AlertSeverity.allCases.map { "severity.\($0.rawValue)" }
        keys += Reconciliation.Finding.allCases.map { "finding.\($0.rawValue)" }
        keys += CustodyEngine.PolicyRule.allCases.filter { $0 != .issueTo && $0 != .dueBack }.map { "refusal.\($0.rawValue)" }
        keys += ["refusal.policy.issue-to", "refusal.policy.issue-to.authorise", "refusal.policy.due-back.missing", "refusal.policy.due-back.late"]
        for key in keys { #expect(Catalogue.es[key] != nil, "missing \(key)") }
    }

    @Test func messagesPutArgumentsIntoEachLanguage() {
        let m = Message(
            "error.itemStatus",
            ["item": .item(Fixture.pistol), "status": .status(.missing, .revolverPistol), "verb": .key("verb.issue")])
        #expect(Messages(.es)(m) == "La pistola GL-0007 (Glock 17) figura como desaparecida; no se puede entregar.")
        #expect(Messages(.en)(m) == "The pistol GL-0007 (Glock 17) is missing; it cannot be issued.")
        #expect(Messages(.es)(Message("item.eventCount", ["count": .number(1)])) == "1 asiento")
        #expect(Messages(.es)(Message("item.eventCount", ["count": .number(12_000)])) == "12.000 asientos")
        #expect(Messages(.en)(Message("list.more", ["count": .number(2)])) == "… and 2 more.")
        #expect(Messages(.en)(Message("no.such.key")) == "no.such.key")
        #expect(Messages(.en)(Message("error.unknownHolder")).contains("{code}"), "a missing argument stays visible")
    }
}
