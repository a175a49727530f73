import CustodiaQR
import CustodiaTestSupport
import Foundation
import Testing

/// QR codes from libzint, read back by another program (zbarimg, Debian's zbar-tools).
@Suite struct QRCodeTests {
    func scan(_ code: QRCode) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("custodia-qr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let image = dir.appendingPathComponent("code.pbm").path
        try code.pbm(scale: 3).write(toFile: image, atomically: true, encoding: .ascii)
        let out = dir.appendingPathComponent("out").path
        let process = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["zbarimg", "--quiet", "--raw", image],
            environment: ProcessInfo.processInfo.environment, output: out, error: "/dev/null")
        #expect(process.terminationStatus == 0, "zbarimg (zbar-tools) reads the code")
        var text = try String(contentsOfFile: out, encoding: .utf8)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    @Test(arguments: [
        "custodia-receipt/v1\nindex 7\n", String(repeating: "0123456789abcdef+/=\n", count: 100),
        "— witness.example/w1 Zm9vYmFy\nñandú, acción\n",
    ])
    func aCodeReadsBackAsItsText(text: String) throws {
        let code = try QRCode(text)
        #expect(code.size >= 21 && (code.size - 17) % 4 == 0, "a QR code is 17 + 4·version modules wide")
        #expect(try scan(code) == text)
    }

    @Test func theDrawingsFollowTheModules() throws {
        let code = try QRCode("custodia")
        // The finder pattern: the top-left 7×7 square's border is dark, its ring inside light.
        #expect((0..<7).allSatisfy { code.isDark(row: 0, column: $0) && code.isDark(row: 6, column: $0) })
        #expect(!code.isDark(row: 1, column: 1) && code.isDark(row: 3, column: 3))
        let svg = code.svg(scale: 2)
        var runs = 0
        for row in 0..<code.size {
            for column in 0..<code.size where code.isDark(row: row, column: column) && !code.isDark(row: row, column: column - 1) {
                runs += 1
            }
        }
        #expect(svg.components(separatedBy: "z").count - 1 == runs)
        #expect(code.terminal.split(separator: "\n").count == (code.size + 8 + 1) / 2)
        #expect(code.pbm(scale: 1).hasPrefix("P1\n\(code.size + 8) \(code.size + 8)\n"))
    }

    @Test func aTextTooLongForAQRCodeIsRefused() {
        #expect(throws: QRCodeError.self) { try QRCode(String(repeating: "x", count: 4000)) }
    }
}
