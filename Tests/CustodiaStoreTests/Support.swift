import CustodiaCore
import CustodiaLedger
import CustodiaStore
import CustodiaTestSupport
import Foundation
import Testing

/// Makes an empty store in `dir` (a fresh temporary directory). Every `Store`
/// implementation passes `StoreConformance` with its own factory.
typealias StoreFactory = @Sendable (_ dir: URL) async throws -> any Store

/// Runs `body` with a fresh temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("custodia-store-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try await body(dir)
}

let testOrigin = "test.example/custodia"
let recordedAt = "2026-03-01T09:00:00Z"
let recordedBy = "tester"

/// Makes a new, empty ledger store (a backend's factory for `LedgerConformance`).
typealias LedgerFactory = @Sendable (_ dir: URL) async throws -> any LedgerStore

extension LedgerStore {
    /// Appends `events` from an array source with fixed recording fields.
    @discardableResult
    func record(_ events: [Event], dryRun: Bool = false) async throws -> AppendReport {
        var source = ArrayEventSource(events)
        return try await append(&source, options: AppendOptions(dryRun: dryRun, recordedBy: recordedBy, recordedAt: recordedAt))
    }

    /// Appends `events`, requiring every one to be accepted and written.
    @discardableResult
    func recordValid(_ events: [Event], sourceLocation: SourceLocation = #_sourceLocation) async throws -> AppendReport {
        let report = try await record(events)
        #expect(report.errors == [], sourceLocation: sourceLocation)
        try #require(report.written, "the batch was not written", sourceLocation: sourceLocation)
        return report
    }

    /// The root signed by the latest checkpoint, checked with the store's verifier key.
    func signedCheckpoint(_ note: String) async throws -> Checkpoint {
        let verifier = try NoteVerifier(verifierKey: try await verifierKey())
        return try Checkpoint(text: try SignedNote.open(note, verifiers: [verifier]).text)
    }
}

extension Store {
    /// The one item with this serial (and manufacturer).
    func item(_ serial: String, manufacturer: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> ItemView
    {
        let found = try await items(serial: serial, manufacturer: manufacturer, model: nil)
        try #require(found.count == 1, "expected one item \(serial), found \(found.count)", sourceLocation: sourceLocation)
        return found[0]
    }

    /// Everything a reader can see, to show that a refused or dry-run append changed nothing.
    func snapshot(serials: [String], holders codes: [String]) async throws -> StoreSnapshot {
        var items: [ItemView] = []
        for s in serials { items += try await self.items(serial: s, manufacturer: nil, model: nil) }
        var holdings: [Holdings?] = []
        for c in codes { holdings.append(try await self.holdings(of: c, recursive: true)) }
        let size = try await ledgerSize()
        return StoreSnapshot(
            size: size, checkpoint: try await checkpoint(size: nil), holders: try await self.holders(), items: items,
            holdings: holdings, summary: try await summary(), entries: try await entries(from: 0, to: size))
    }

}

struct StoreSnapshot: Equatable {
    var size: Int64
    var checkpoint: String?
    var holders: [Holder]
    var items: [ItemView]
    var holdings: [Holdings?]
    var summary: Summary
    var entries: [RecordedEvent]
}

/// Builders for the events the tests record.
enum E {
    static let t = "2026-03-01T08:00:00Z"

    static func holder(_ code: String, _ kind: HolderKind, _ name: String, parent: String? = nil) -> Event {
        var e = Event(kind: .holderAdd, occurredAt: t)
        e.holder = HolderChange(code: code, kind: kind, name: name, parent: parent)
        return e
    }

    static func holderChange(_ kind: EventKind, _ change: HolderChange) -> Event {
        var e = Event(kind: kind, occurredAt: t)
        e.holder = change
        return e
    }

    static func item(
        _ serial: String, manufacturer: String = "Kalashnikov", model: String = "AK-74M",
        category: CustodiaCore.Category = .assaultRifle,
        year: Int? = 1995
    ) -> ItemMarking {
        ItemMarking(
            category: category, manufacturer: manufacturer, country: "RU", model: model, calibre: "5.45x39", serial: serial,
            year: year)
    }

    static func register(_ markings: [ItemMarking], to: String, condition: Condition? = nil) -> Event {
        var e = Event(kind: .register, occurredAt: t)
        e.to = to
        e.registrations = markings
        e.condition = condition
        return e
    }

    static func register(_ marking: ItemMarking, to: String, condition: Condition? = nil) -> Event {
        register([marking], to: to, condition: condition)
    }

    static func registerLot(_ lot: String, quantity: Int64, to: String, manufacturer: String = "PPU") -> Event {
        var e = Event(kind: .register, occurredAt: t)
        e.to = to
        e.lotRegistrations = [
            LotRegistration(
                marking: LotMarking(lot: lot, manufacturer: manufacturer, calibre: "9x19", type: "ball", year: 2020),
                quantity: quantity)
        ]
        return e
    }

    /// A custody event naming items by serial (manufacturer Kalashnikov unless given) and lots.
    static func move(
        _ kind: EventKind, _ serials: [String] = [], manufacturer: String = "Kalashnikov", lots: [(String, Int64)] = [],
        from: String? = nil, to: String? = nil, document: String? = nil, dueBack: String? = nil, condition: Condition? = nil
    ) -> Event {
        var e = Event(kind: kind, occurredAt: t)
        e.from = from
        e.to = to
        e.items = serials.map { .marking(manufacturer: manufacturer, serial: $0, model: nil) }
        e.lots = lots.map { LotReference(lot: $0.0, quantity: $0.1) }
        e.document = document
        e.dueBack = dueBack
        e.condition = condition
        return e
    }
}

/// A holder tree: region R1 › zone Z1 › site S1 › unit U1 › person P1; region R2 › site S2;
/// external EXT.
enum Fixture {
    static let holderTree: [Event] = [
        E.holder("R1", .region, "North"),
        E.holder("Z1", .zone, "North zone", parent: "R1"),
        E.holder("S1", .site, "Depot One", parent: "Z1"),
        E.holder("U1", .unit, "First Unit", parent: "S1"),
        E.holder("P1", .person, "Jane Doe", parent: "U1"),
        E.holder("R2", .region, "South"),
        E.holder("S2", .site, "Depot Two", parent: "R2"),
        E.holder("EXT", .external, "Buyer Ltd"),
    ]
}

/// Parses a leaf (canonical JSON) into a dictionary.
func leafObject(_ leaf: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(leaf))
    return try #require(object as? [String: Any], sourceLocation: sourceLocation)
}

/// Runs the `sqlite3` shell on a database with `sql` on standard input; returns its output.
@discardableResult
func sqlite3(_ database: String, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite3-\(UUID().uuidString)").path
    defer { for suffix in [".out", ".err"] { try? FileManager.default.removeItem(atPath: base + suffix) } }
    let process = try ChildProcess.run(
        sqlite3Executable.path, ["-batch", "-bail", database], input: .bytes(Data(sql.utf8)), output: base + ".out",
        error: base + ".err")
    let out = FileManager.default.contents(atPath: base + ".out") ?? Data()
    let stderr = String(decoding: FileManager.default.contents(atPath: base + ".err") ?? Data(), as: UTF8.self)
    try #require(process.terminationStatus == 0, "sqlite3 failed: \(stderr)", sourceLocation: sourceLocation)
    return String(decoding: out, as: UTF8.self)
}

let sqlite3Executable: URL = {
    let candidates =
        ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/opt/homebrew/bin/sqlite3"]
        + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/sqlite3" }
    let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/sqlite3"
    return URL(fileURLWithPath: found)
}()

/// The leaves without their salts (`,"salt":"<32 hex>"`; never the first member), to compare
/// what two writes of the same events recorded.
func unsalted(_ leaves: [RecordedEvent]) -> [RecordedEvent] {
    leaves.map {
        RecordedEvent(
            seq: $0.seq,
            leaf: Array($0.json.replacingOccurrences(of: #","salt":"[0-9a-f]{32}""#, with: "", options: .regularExpression).utf8))
    }
}
