import Foundation
import Testing

/// `custodia sample`: a plan, a draw that waits for the next checkpoint and then repeats,
/// findings for drawn items only, and the certificate in English and Spanish.
@Suite(.timeLimit(.minutes(5))) struct CLISampleTests {
    @Test func aSampleFromTheCommandLine() async throws {
        try await withCLI { cli in
            try cli.seededStore()
            #expect(try cli.fails("sample", "plan", "--holder", "S1", "--size", "9").stderr.contains("more than the population's 3 items"))
            #expect(try cli.fails("sample", "plan", "--holder", "S1", "--size", "2", "--confidence", "95").stderr.contains("confidence"))
            #expect(try cli.fails("sample", "plan", "--category", "mortar", "--size", "1").stderr.contains("no item held matches"))
            let planned = try cli.ok("sample", "plan", "--holder", "S1", "--declared", "4", "--size", "2")
            #expect(planned.stdout.contains("sample plan 12: 2 of 3 items at confidence 0.95"), "\(planned)")
            #expect(try cli.fails("sample", "draw", "12").stderr.contains("waits for the first checkpoint after size 13"))
            try cli.record([event("condition", ["AK-1"], extra: ["condition": "repairable"])])
            let drawn = try #require(try cli.ok("sample", "draw", "12", "--json").json() as? [String: Any])
            let serials = try #require(drawn["items"] as? [[String: String]]).compactMap { $0["serial"] }
            #expect(serials.count == 2)
            #expect(try cli.ok("sample", "draw", "12", "--json").json() as? NSDictionary == drawn as NSDictionary, "the draw repeats")

            let notDrawn = ["AK-1", "AK-2", "G-1"].first { !serials.contains($0) }!
            try cli.write("other.txt", notDrawn + "\n")
            #expect(try cli.fails("sample", "record", "12", "other.txt", "--finding", "present").stderr.contains("other.txt:1: \(notDrawn) is not in the sample"))
            try cli.write("found.txt", serials[0] + "\n")
            try cli.ok("sample", "record", "12", "found.txt", "--finding", "present")
            try cli.write("gone.txt", serials[1] + "\n")
            let gone = try cli.ok("sample", "record", "12", "gone.txt", "--finding", "not-found")
            #expect(gone.stdout.contains("2 of 2 sampled items examined"), "\(gone)")
            #expect(try cli.fails("sample", "record", "12", "gone.txt", "--finding", "present").stderr.contains("already has a finding"))

            let report = try #require(try cli.ok("sample", "report", "12", "--json").json() as? [String: Any])
            #expect(report["examined"] as? Int == 2 && report["declared"] as? Int == 4)
            #expect((report["upperBounds"] as? [String: Int])?["not-found"] == 2, "one of two not found: at most 2 of 3")
            let en = try cli.ok("sample", "report", "12").stdout
            #expect(en.contains("VERIFICATION CERTIFICATE — SAMPLE PLAN 12") && en.contains("signed by the log alone"), "\(en)")
            let es = try cli.ok("sample", "report", "12", "--lang", "es").stdout
            #expect(es.contains("CERTIFICADO DE VERIFICACIÓN") && es.contains("no encontrado: 1"), "\(es)")
            #expect(try cli.ok("verify").stdout.contains("verified"))
        }
    }
}
