import CustodiaTestSupport
import Foundation
import Testing

/// The `custodia` executable built with these tests.
///
/// SwiftPM puts it in the products directory beside the test runner: `.build/debug` for a
/// plain `swift test`, or `<scratch-path>/debug` with `--scratch-path`. It is found from
/// where the running tests live (the test executable on Linux, the `.xctest` bundle on
/// macOS), walking up a few levels; then in the package's usual build directories.
/// `CUSTODIA_BINARY` overrides all of this.
enum CustodiaBinary {
    static let url: URL? = {
        let fm = FileManager.default
        func isExecutableFile(_ url: URL) -> Bool {
            var isDirectory: ObjCBool = false
            return fm.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && fm.isExecutableFile(atPath: url.path)
        }
        if let explicit = ProcessInfo.processInfo.environment["CUSTODIA_BINARY"] { return URL(fileURLWithPath: explicit) }
        var starts: [URL] = [URL(fileURLWithPath: CommandLine.arguments[0])]
        if let main = Bundle.main.executableURL { starts.append(main) }
        starts += Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map(\.bundleURL)
        for start in starts {
            var dir = start.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = dir.appendingPathComponent("custodia")
                if isExecutableFile(candidate) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for build in [".build/debug", ".build-storetests/debug", ".build/release"] {
            let candidate = root.appendingPathComponent(build).appendingPathComponent("custodia")
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }()

    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        try #require(
            url, "the custodia executable was not found beside the tests (set CUSTODIA_BINARY)", sourceLocation: sourceLocation)
    }
}

/// What one run of `custodia` did.
struct CLIResult: CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stdoutData: Data
    let stderrData: Data
    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    var stderr: String { String(decoding: stderrData, as: UTF8.self) }
    var succeeded: Bool { status == 0 }
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    var description: String {
        "custodia \(arguments.joined(separator: " ")) → \(status)\nstdout: \(stdout.prefix(2000))\nstderr: \(stderr.prefix(2000))"
    }

    /// stdout parsed as JSON.
    func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> Any {
        try #require(succeeded, "\(self)", sourceLocation: sourceLocation)
        return try JSONSerialization.jsonObject(with: stdoutData, options: [.fragmentsAllowed])
    }
}

/// Runs the built `custodia` in a working directory of its own (a fresh temporary
/// directory), with `CUSTODIA_DB` and `CUSTODIA_USER` cleared.
struct CLI {
    let binary: URL
    let directory: URL
    private let io: URL
    var environment: [String: String]

    init(root: URL) throws {
        binary = try CustodiaBinary.require()
        directory = root.appendingPathComponent("work")
        io = root.appendingPathComponent("io")
        for d in [directory, io] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        var env = ProcessInfo.processInfo.environment
        env["CUSTODIA_DB"] = nil
        env["CUSTODIA_USER"] = nil
        environment = env
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    var database: String { path("custodia.db") }

    /// Runs `custodia args…` to completion.
    @discardableResult
    func callAsFunction(_ arguments: String..., stdin: Data? = nil, environment extra: [String: String] = [:]) throws -> CLIResult
    {
        try run(arguments, stdin: stdin, environment: extra)
    }

    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil, stdinPipe: Bool = false, environment extra: [String: String] = [:]) throws
        -> CLIResult
    {
        let id = UUID().uuidString
        let out = io.appendingPathComponent("\(id).out"), err = io.appendingPathComponent("\(id).err")
        defer { for f in [out, err] { try? FileManager.default.removeItem(at: f) } }
        let process = try start(arguments, stdin: stdin, stdinPipe: stdinPipe, stdout: out, stderr: err, environment: extra)
        process.waitUntilExit()
        return CLIResult(
            arguments: arguments, status: process.terminationStatus, stdoutData: try Data(contentsOf: out),
            stderrData: try Data(contentsOf: err))
    }

    /// Starts `custodia args…` and returns at once (for the crash tests).
    func start(
        _ arguments: [String], stdin: Data? = nil, stdinPipe: Bool = false, stdout: URL? = nil, stderr: URL? = nil,
        environment extra: [String: String] = [:]
    ) throws -> ChildProcess {
        var input = ChildProcess.Input.none
        if let stdin, stdinPipe {
            input = .bytes(stdin)
        } else if let stdin {
            let file = io.appendingPathComponent("\(UUID().uuidString).in")
            try stdin.write(to: file)
            input = .file(file.path)
        }
        return try ChildProcess(
            executable: binary.path, arguments: arguments, environment: environment.merging(extra) { $1 },
            directory: directory.path, input: input, output: stdout?.path, error: stderr?.path)
    }

    /// Writes a file into the working directory.
    func write(_ name: String, _ text: String) throws { try write(name, Data(text.utf8)) }
    func write(_ name: String, _ bytes: [UInt8]) throws { try write(name, Data(bytes)) }
    func write(_ name: String, _ data: Data) throws { try data.write(to: directory.appendingPathComponent(name)) }

    /// Runs a command that must succeed.
    @discardableResult
    func ok(_ arguments: String..., stdin: Data? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
        let r = try run(arguments, stdin: stdin)
        try #require(r.succeeded, "\(r)", sourceLocation: sourceLocation)
        return r
    }

    /// Runs a command that must fail with a non-zero status.
    @discardableResult
    func fails(_ arguments: String..., stdin: Data? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult
    {
        let r = try run(arguments, stdin: stdin)
        #expect(!r.succeeded, "\(r)", sourceLocation: sourceLocation)
        #expect(!r.stderr.isEmpty, "a failure says why on stderr", sourceLocation: sourceLocation)
        return r
    }

    /// What a reader sees of the store: every leaf, the summary and the latest checkpoint.
    func state(sourceLocation: SourceLocation = #_sourceLocation) throws -> StoreState {
        let entries = try run(["ledger", "entries"])
        try #require(entries.succeeded, "\(entries)", sourceLocation: sourceLocation)
        let summary = try run(["summary"])
        try #require(summary.succeeded, "\(summary)", sourceLocation: sourceLocation)
        let checkpoint = try run(["ledger", "checkpoint"])
        return StoreState(
            entries: entries.stdoutData, summary: summary.stdout, checkpoint: checkpoint.stdout,
            checkpointStatus: checkpoint.status)
    }
}

struct StoreState: Equatable, CustomStringConvertible {
    let entries: Data
    let summary: String
    let checkpoint: String
    let checkpointStatus: Int32
    var size: Int { entries.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
    var description: String { "\(size) entries, checkpoint:\n\(checkpoint)\(summary.prefix(200))" }
}

/// Runs `body` with a CLI in a fresh temporary directory, removed afterwards.
func withCLI<T>(_ body: (CLI) async throws -> T) async throws -> T {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("custodia-cli-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    return try await body(try CLI(root: root))
}

let itemsHeader = "category,manufacturer,country,model,calibre,serial,year,import_country,import_year,marks,holder\n"
let lotsHeader = "lot,manufacturer,calibre,type,year,quantity,holder\n"

/// The holder tree of the tests, children listed before their parents on purpose:
/// R1 › Z1 › S1 › U1 › P1, R2 › S2, EXT.
let holdersCSV = """
    code,kind,name,parent
    P1,person,Jane Doe,U1
    U1,unit,First Unit,S1
    S1,site,Depot One,Z1
    Z1,zone,North zone,R1
    R1,region,North,
    S2,site,Depot Two,R2
    R2,region,South,
    EXT,external,Buyer Ltd,

    """

extension CLI {
    /// `custodia init` with a fixed origin.
    func initStore(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try ok("init", "--origin", "test.example/custodia", sourceLocation: sourceLocation)
    }

    /// A store with the holder tree, rifles AK-1 and AK-2 and pistol G-1 at S1, and lot L1
    /// (1000) at S1: events 0–7 holders, 8–10 items, 11 the lot.
    func seededStore(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try initStore(sourceLocation: sourceLocation)
        try write("holders.csv", holdersCSV)
        try ok("import", "holders", "holders.csv", sourceLocation: sourceLocation)
        try write(
            "items.csv",
            itemsHeader + """
                assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,AK-1,1990,,,,
                assault-rifle,Kalashnikov,RU,AK-74M,5.45x39,AK-2,1991,,,,
                revolver-pistol,Glock,AT,G17,9x19,G-1,2005,,,,S1

                """)
        try ok("import", "items", "--holder", "S1", "items.csv", sourceLocation: sourceLocation)
        try write("lots.csv", lotsHeader + "L1,PPU,9x19,ball,2020,1000,S1\n")
        try ok("import", "lots", "lots.csv", sourceLocation: sourceLocation)
    }

    /// Records JSON lines that must all be accepted.
    func record(_ lines: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        try write("batch.jsonl", lines.joined(separator: "\n") + "\n")
        try ok("record", "batch.jsonl", sourceLocation: sourceLocation)
    }
}

/// One event as a JSON line.
func event(
    _ kind: String, _ serials: [String] = [], manufacturer: String = "Kalashnikov", from: String? = nil, to: String? = nil,
    extra: [String: Any] = [:]
) -> String {
    var object: [String: Any] = ["kind": kind, "occurredAt": "2026-03-01T08:00:00Z"]
    if let from { object["from"] = from }
    if let to { object["to"] = to }
    if !serials.isEmpty { object["items"] = serials.map { ["serial": $0, "manufacturer": manufacturer] } }
    object.merge(extra) { $1 }
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}


