import ArgumentParser
import CustodiaCore
import CustodiaLedger
import CustodiaSQLite
import CustodiaStore
import Foundation

/// Benchmarks for Custodia, run by `scripts/benchmark.sh` in a release build.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custodia-bench",
        abstract: "Benchmark inputs and in-process measurements.",
        subcommands: [Generate.self, Append.self, Proofs.self, Lookups.self, Stages.self, WitnessBench.self, PastBench.self, MarksBench.self])
}

/// Writes the benchmark inputs: a holder tree, N items as CSV and M custody events as JSONL
/// that the rules accept in order (issues, returns, transfers and condition changes).
struct Generate: ParsableCommand {
    @Option var dir: String
    @Option var items = 1_000_000
    @Option var events = 1_000_000

    func run() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let depots = 100, units = 1000
        var holders = "code,kind,name,parent\nREG-B,region,Benchmark region,\n"
        for z in 0..<10 { holders += "ZON-\(z),zone,Zone \(z),REG-B\n" }
        for d in 0..<depots { holders += "DEP-\(d),site,Depot \(d),ZON-\(d % 10)\n" }
        for u in 0..<units { holders += "UNIT-\(u),unit,Unit \(u),ZON-\(u % 10)\n" }
        // The MANPADS workload's magazines (missiles) and the officer who confirms its events.
        for m in 0..<10 { holders += "MAG-\(m),site,Magazine \(m),ZON-\(m)\n" }
        holders += "BENCH-OFFICER,person,Bench officer,UNIT-0\n"
        try holders.write(toFile: dir + "/holders.csv", atomically: true, encoding: .utf8)

        let models: [(Category, String, String, String, String, String)] = [
            (.assaultRifle, "Kalashnikov Concern", "RU", "AK-74M", "5.45x39mm", "AK"),
            (.rifleCarbine, "FN Herstal", "BE", "FN FAL", "7.62x51mm", "FAL"),
            (.revolverPistol, "Glock", "AT", "Glock 17", "9x19mm", "GL"),
            (.lightMachineGun, "Degtyarev Plant", "RU", "PKM", "7.62x54mmR", "PK"),
        ]
        var out = CSVWriter.line(ItemsCSVSource.header)
        out.reserveCapacity(items * 110)
        for i in 0..<items {
            let m = models[i % models.count]
            out +=
                "\(m.0.rawValue),\(m.1),\(m.2),\(m.3),\(m.4),\(m.5)-\(String(i).leftPadded(8)),\(1970 + i % 50),,,,DEP-\(i % depots)\n"
        }
        try out.write(toFile: dir + "/items.csv", atomically: true, encoding: .utf8)

        // Events: round k issues item k from its depot to a unit; later rounds return them,
        // move them between depots in two steps, and change their condition.
        var jsonl = ""
        jsonl.reserveCapacity(events * 260)
        var written = 0
        var minute = 0
        func ref(_ i: Int) -> String {
            let m = models[i % models.count]
            return #"{"manufacturer":"\#(m.1)","model":"\#(m.3)","serial":"\#(m.5)-\#(String(i).leftPadded(8))"}"#
        }
        func time() -> String {
            minute += 1
            // January to November: every time stays in the past of any run from December 2026 on.
            let day = 1 + (minute / 1440) % 28, month = 1 + (minute / (1440 * 28)) % 11
            return
                "2026-\(String(month).leftPadded(2))-\(String(day).leftPadded(2))T\(String((minute / 60) % 24).leftPadded(2)):\(String(minute % 60).leftPadded(2)):00Z"
        }
        let quarter = max(1, min(items, events / 4))
        var round = 0
        while written < events {
            for i in 0..<quarter where written < events {
                let depot = "DEP-\(i % depots)", unit = "UNIT-\(i % units)"
                switch round % 4 {
                case 0:
                    jsonl +=
                        #"{"kind":"issue","from":"\#(depot)","to":"\#(unit)","items":[\#(ref(i))],"occurredAt":"\#(time())","dueBack":"2026-12-31","document":"VO-\#(round)-\#(i)"}"#
                case 1:
                    jsonl +=
                        #"{"kind":"return","from":"\#(unit)","to":"\#(depot)","items":[\#(ref(i))],"occurredAt":"\#(time())"}"#
                case 2:
                    jsonl +=
                        #"{"kind":"condition","from":"\#(depot)","items":[\#(ref(i))],"condition":"repairable","occurredAt":"\#(time())"}"#
                default:
                    jsonl +=
                        #"{"kind":"condition","from":"\#(depot)","items":[\#(ref(i))],"condition":"serviceable","occurredAt":"\#(time())"}"#
                }
                jsonl += "\n"
                written += 1
            }
            round += 1
        }
        try jsonl.write(toFile: dir + "/events.jsonl", atomically: true, encoding: .utf8)

        // A MANPADS workload for the standard pack's controls: missiles in the magazines and
        // launch mechanisms in the depots, issued to units and returned, every event with a
        // second person (BENCH-OFFICER) and a due date the pack allows; each return is an
        // arrival at a site, which the separation rule checks.
        let manpadsItems = max(1000, items / 20), manpadsEvents = max(1000, events / 10)
        var mcsv = CSVWriter.line(ItemsCSVSource.header)
        func manpads(_ j: Int) -> (category: String, model: String, serial: String, site: String) {
            j % 2 == 0
                ? ("manpads-missile", "9M39", "MS-\(String(j).leftPadded(8))", "MAG-\(j / 2 % 10)")
                : ("manpads-launch-mechanism", "9P516", "LM-\(String(j).leftPadded(8))", "DEP-\(j / 2 % depots)")
        }
        for j in 0..<manpadsItems {
            let m = manpads(j)
            mcsv += "\(m.category),KBM,RU,\(m.model),72mm,\(m.serial),2005,,,,\(m.site)\n"
        }
        try mcsv.write(toFile: dir + "/manpads-items.csv", atomically: true, encoding: .utf8)
        var mjsonl = ""
        for i in 0..<manpadsEvents {
            let j = i % manpadsItems, m = manpads(j), unit = "UNIT-\(j % units)", at = time()
            let item = #"{"manufacturer":"KBM","model":"\#(m.model)","serial":"\#(m.serial)"}"#
            if (i / manpadsItems) % 2 == 0 {
                mjsonl +=
                    #"{"kind":"issue","from":"\#(m.site)","to":"\#(unit)","items":[\#(item)],"occurredAt":"\#(at)","dueBack":"\#(at.prefix(10))","document":"VO-M-\#(i)","confirmedBy":["BENCH-OFFICER"]}"#
            } else {
                mjsonl +=
                    #"{"kind":"return","from":"\#(unit)","to":"\#(m.site)","items":[\#(item)],"occurredAt":"\#(at)","confirmedBy":["BENCH-OFFICER"]}"#
            }
            mjsonl += "\n"
        }
        try mjsonl.write(toFile: dir + "/manpads-events.jsonl", atomically: true, encoding: .utf8)
        print(
            "wrote \(dir)/holders.csv, items.csv (\(items) items), events.jsonl (\(written) events), manpads-items.csv (\(manpadsItems)), manpads-events.jsonl (\(manpadsEvents))"
        )
    }
}

/// Imports the items and records the events in-process, with the ledger on or off, and
/// prints the rates: the ledger's overhead is the difference between two such runs.
struct Append: AsyncParsableCommand {
    @Option var dir: String
    @Option var db: String
    @Option(help: "on or off") var ledger = "on"

    func run() async throws {
        let key = try LogKey.generate(name: "bench.custodia.example/ledger")
        let store = try SQLiteStore.create(path: db, origin: key.name, key: key, now: "2026-11-01T00:00:00Z")
        let mode: SQLiteStore.LedgerMode = ledger == "off" ? .off : .on
        let opened = try SQLiteStore(path: db, key: key, ledger: mode)
        _ = store
        let options = AppendOptions(recordedBy: "bench", recordedAt: "2026-11-01T00:00:00Z")
        var holders = HoldersCSVSource(bytes: try read(dir + "/holders.csv"), occurredAt: "2026-01-01T00:00:00Z")
        _ = try await opened.append(&holders, options: options)

        let itemBytes = try read(dir + "/items.csv")
        var start = ContinuousClock.now
        let itemSource = BackgroundEventSource(
            ItemsCSVSource(bytes: itemBytes, defaultHolder: nil, occurredAt: "2026-01-01T00:00:00Z"), preparing: options)
        var items = itemSource
        let r1 = try await opened.append(&items, options: options)
        itemSource.finish()
        let itemSeconds = seconds(since: start)
        guard r1.errors.isEmpty else { throw ValidationError("items refused: \(r1.errors.prefix(3))") }

        let eventBytes = try read(dir + "/events.jsonl")
        start = ContinuousClock.now
        let r2 = try eventBytes.withUnsafeBufferPointer { buffer in
            let background = BackgroundEventSource(JSONLinesSource(bytes: buffer), preparing: options)
            defer { background.finish() }
            var source = background
            return try opened.appendSync(&source, options: options)
        }
        let eventSeconds = seconds(since: start)
        guard r2.errors.isEmpty else { throw ValidationError("events refused: \(r2.errors.prefix(3))") }
        print(
            "ledger=\(ledger) items=\(r1.accepted) item_seconds=\(fmt(itemSeconds)) items_per_s=\(Int(Double(r1.accepted) / itemSeconds)) events=\(r2.accepted) event_seconds=\(fmt(eventSeconds)) events_per_s=\(Int(Double(r2.accepted) / eventSeconds)) peak_rss_mb=\(peakRSSMB())"
        )
    }
}

/// Median times of inclusion and consistency proofs at the store's full size.
struct Proofs: AsyncParsableCommand {
    @Option var db: String
    @Option var samples = 1000

    func run() async throws {
        let store = try SQLiteStore(path: db, key: nil)
        let size = try await store.ledgerSize()
        var rng = SystemRandomNumberGenerator()
        var inclusion: [Double] = [], consistency: [Double] = []
        for _ in 0..<samples {
            let index = Int64.random(in: 0..<size, using: &rng)
            var start = ContinuousClock.now
            let p = try await store.inclusionProof(index: index, size: size)
            inclusion.append(seconds(since: start) * 1000)
            try Merkle.verifyInclusion(leafHash: p.leafHash, index: index, size: size, proof: p.proof, root: p.root)
            let old = Int64.random(in: 1..<size, using: &rng)
            start = ContinuousClock.now
            let c = try await store.consistencyProof(old: old, new: size)
            consistency.append(seconds(since: start) * 1000)
            try Merkle.verifyConsistency(oldSize: old, newSize: size, oldRoot: c.oldRoot, newRoot: c.newRoot, proof: c.proof)
        }
        print(
            "size=\(size) inclusion_ms_median=\(fmt(median(inclusion), 3)) inclusion_ms_p99=\(fmt(percentile(inclusion, 0.99), 3)) consistency_ms_median=\(fmt(median(consistency), 3)) consistency_ms_p99=\(fmt(percentile(consistency, 0.99), 3)) (all proofs verified)"
        )
    }
}

/// Times of `where` and `history` lookups through the store, on random serials, in two
/// passes over the same sample: the first after the database file has been dropped from the
/// page cache (each lookup reads its pages from the disk, as after a restart), the second
/// with those pages cached (as on a running server).
struct Lookups: AsyncParsableCommand {
    @Option var db: String
    @Option var samples = 2000

    func run() async throws {
        let sampler = try SQLiteStore(path: db, key: nil)
        let serials = try sampler.sampleSerials(count: samples)
        try sampler.close()
        for pass in ["cold", "warm"] {
            if pass == "cold" { try evictFromPageCache(db) }
            let store = try SQLiteStore(path: db, key: nil)
            var whereTimes: [Double] = [], historyTimes: [Double] = []
            var events = 0
            for (serial, manufacturer) in serials {
                var start = ContinuousClock.now
                let found = try await store.items(serial: serial, manufacturer: manufacturer, model: nil)
                whereTimes.append(seconds(since: start) * 1000)
                guard let item = found.first else { throw ValidationError("sampled serial \(serial) not found") }
                start = ContinuousClock.now
                events += try await store.history(itemID: item.record.id).count
                historyTimes.append(seconds(since: start) * 1000)
            }
            try store.close()
            print(
                "pass=\(pass) samples=\(serials.count) where_ms_median=\(fmt(median(whereTimes), 3)) where_ms_p99=\(fmt(percentile(whereTimes, 0.99), 3)) history_ms_median=\(fmt(median(historyTimes), 3)) history_ms_p99=\(fmt(percentile(historyTimes, 0.99), 3)) mean_history_events=\(events / max(serials.count, 1))"
            )
        }
    }

    /// Asks the kernel to drop the cached pages of the database and its WAL
    /// (`posix_fadvise(DONTNEED)`; needs no privileges, and only clean pages go).
    private func evictFromPageCache(_ path: String) throws {
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let fd = open(file, O_RDONLY)
            guard fd >= 0 else { throw ValidationError("cannot open \(file) to drop it from the page cache") }
            defer { close(fd) }
            fsync(fd)
            let code = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            guard code == 0 else { throw ValidationError("posix_fadvise on \(file) failed (\(code))") }
        }
    }
}

func read(_ path: String) throws -> [UInt8] {
    guard let d = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return [UInt8](d)
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func fmt(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
func median(_ xs: [Double]) -> Double { percentile(xs, 0.5) }
func percentile(_ xs: [Double], _ p: Double) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * p))]
}

func peakRSSMB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss / 1024)
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// Times the stages of recording without storage: parsing, canonical encoding, hashing.
struct Stages: ParsableCommand {
    @Option var dir: String

    func run() throws {
        let bytes = try read(dir + "/events.jsonl")
        bytes.withUnsafeBufferPointer { buffer in
            var start = ContinuousClock.now
            var source = JSONLinesSource(bytes: buffer)
            var events: [Event] = []
            while let e = source.next() { if case .event(_, let ev) = e { events.append(ev) } }
            let parse = seconds(since: start)
            start = ContinuousClock.now
            var total = 0
            for e in events { total &+= CanonicalJSON.encode(e.jsonValue).count }
            let encode = seconds(since: start)
            start = ContinuousClock.now
            var h = Merkle.emptyRoot
            for e in events { h = Merkle.leafHash(CanonicalJSON.encode(e.jsonValue)) }
            let hash = seconds(since: start) - encode
            print(
                "events=\(events.count) parse_us=\(fmt(parse * 1e6 / Double(events.count))) encode_us=\(fmt(encode * 1e6 / Double(events.count))) hash_us=\(fmt(hash * 1e6 / Double(events.count))) bytes=\(total) \(h.hex.prefix(4))"
            )
        }
    }
}
