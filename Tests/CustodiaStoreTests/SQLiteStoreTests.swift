import CustodiaCore
import CustodiaLedger
import CustodiaTestSupport
import Foundation
import Testing

@testable import CustodiaSQLite
@testable import CustodiaStore

/// What only the SQLite store does: files, locks and the key file beside the database.
@Suite struct SQLiteStoreTests {
    func newStore(_ dir: URL, name: String = "custodia.db") throws -> (SQLiteStore, LogKey) {
        let key = try LogKey.generate(name: testOrigin)
        return (
            try SQLiteStore.create(path: dir.appendingPathComponent(name).path, origin: testOrigin, key: key, now: recordedAt),
            key
        )
    }

    func storeError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) throws -> StoreError {
        do {
            try body()
        } catch let error as StoreError {
            return error
        } catch {
            Issue.record("expected a StoreError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
            throw error
        }
        Issue.record("expected a StoreError, nothing was thrown", sourceLocation: sourceLocation)
        throw NothingThrown()
    }

    struct NothingThrown: Error {}

    // MARK: Files

    @Test func openingAMissingFileSaysToRunInit() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("nothing-here.db").path
            let error = try storeError { _ = try SQLiteStore(path: path, key: nil) }
            #expect(error.code == .missingDatabase)
            #expect(error.message.contains("custodia init"))
            #expect(error.message.contains(path))
            #expect(!FileManager.default.fileExists(atPath: path), "opening does not create the file")
        }
    }

    @Test func creatingOverAnExistingFileIsRefusedAndLeavesItAlone() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("precious.db").path
            let bytes = Data("not mine to overwrite\n".utf8)
            try bytes.write(to: URL(fileURLWithPath: path))
            let key = try LogKey.generate(name: testOrigin)
            let error = try storeError { _ = try SQLiteStore.create(path: path, origin: testOrigin, key: key, now: recordedAt) }
            #expect(error.code == .databaseExists)
            #expect(error.message.contains(path))
            #expect(FileManager.default.contents(atPath: path) == bytes)

            let (store, _) = try newStore(dir)
            try await store.recordValid(Fixture.holderTree)
            let again = try storeError {
                _ = try SQLiteStore.create(path: store.path, origin: testOrigin, key: key, now: recordedAt)
            }
            #expect(again.code == .databaseExists)
            #expect(try await SQLiteStore(path: store.path, key: nil).ledgerSize() == 8)
        }
    }

    @Test func aReopenedStoreHasEverythingCommitted() async throws {
        try await withTemporaryDirectory { dir in
            let path: String
            let key: LogKey
            let note: String?
            do {
                let (store, k) = try newStore(dir)
                try await store.recordValid(Fixture.holderTree)
                note = try await store.recordValid([E.register(E.item("AK-1"), to: "S1")]).checkpoint
                path = store.path
                key = k
            }
            let reopened = try SQLiteStore(path: path, key: key)
            #expect(try await reopened.ledgerSize() == 9)
            #expect(try await reopened.checkpoint(size: nil) == note)
            #expect(try await reopened.item("AK-1").record.state.holder == "S1")
            #expect(try await reopened.verifierKey() == key.verifierKey)
            try await reopened.recordValid([E.move(.issue, ["AK-1"], from: "S1", to: "P1")])
            #expect(try await reopened.verify().divergence == nil)
        }
    }

    @Test func anSQLiteFileThatIsNotCustodiasIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("other.db").path
            try sqlite3(path, "CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            let error = try storeError { _ = try SQLiteStore(path: path, key: nil) }
            #expect(error.code == .notACustodiaDatabase)
            #expect(error.message.contains("not a Custodia database"))
        }
    }

    /// Opening a file that turns out not to be a store must not change it: `openQueue`
    /// sets `PRAGMA journal_mode = WAL` (persistent) before the store checks `meta`, so a
    /// foreign SQLite database is switched to WAL and an empty file gets a header.
    @Test(arguments: ["a foreign SQLite database", "an empty file"])
    func refusingAFileLeavesItUnchanged(_ kind: String) async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("theirs.db").path
            if kind == "an empty file" {
                #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            } else {
                try sqlite3(path, "PRAGMA journal_mode = DELETE; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            }
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let error = try storeError { _ = try SQLiteStore(path: path, key: nil) }
            #expect(error.code == .notACustodiaDatabase)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the refused file was modified")
            if kind != "an empty file" {
                #expect(try sqlite3(path, "PRAGMA journal_mode;").trimmingCharacters(in: .whitespacesAndNewlines) == "delete")
            }
        }
    }

    /// `SQLiteStore.init` maps SQLITE_NOTADB to `.notACustodiaDatabase`, but the error is
    /// thrown earlier, by the `PRAGMA journal_mode` of `openQueue`, outside that mapping.
    @Test func aFileThatIsNotSQLiteIsRefusedAsNotACustodiaDatabase() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("notes.db").path
            try Data(String(repeating: "these are my notes, not a database\n", count: 40).utf8).write(
                to: URL(fileURLWithPath: path))
            let error = try storeError { _ = try SQLiteStore(path: path, key: nil) }
            #expect(error.code == .notACustodiaDatabase)
            #expect(error.message.contains("not a Custodia database"))
        }
    }

    // MARK: Keys

    @Test func appendingWithoutTheKeyIsRefusedButADryRunIsAllowed() async throws {
        try await withTemporaryDirectory { dir in
            let (created, _) = try newStore(dir)
            try await created.recordValid(Fixture.holderTree)
            let store = try SQLiteStore(path: created.path, key: nil)
            let dry = try await store.record([E.register(E.item("AK-1"), to: "S1")], dryRun: true)
            #expect(dry.accepted == 1 && dry.errors == [])
            var source = ArrayEventSource([E.register(E.item("AK-1"), to: "S1")])
            let options = AppendOptions(recordedBy: recordedBy, recordedAt: recordedAt)
            let error = await #expect(throws: StoreError.self) { _ = try await store.append(&source, options: options) }
            #expect(error?.code == .keyMissing)
            #expect(error?.message.contains("--key") == true)
            #expect(try await store.ledgerSize() == 8)
        }
    }

    @Test func aKeyFromAnotherStoreIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let (a, _) = try newStore(dir, name: "a.db")
            let (_, keyB) = try newStore(dir, name: "b.db")
            let error = try storeError { _ = try SQLiteStore(path: a.path, key: keyB) }
            #expect(error.code == .keyMismatch)
            #expect(error.message.contains("key"))

            // The same through the key file.
            let keyPath = dir.appendingPathComponent("b.db.key").path
            try LogKeyFile.create(keyB, at: keyPath)
            let loaded = try LogKeyFile.load(from: keyPath)
            #expect(try storeError { _ = try SQLiteStore(path: a.path, key: loaded) }.code == .keyMismatch)
        }
    }

    @Test func aKeyFileIsCreatedPrivateAndLoadsBack() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("log.key").path
            let key = try LogKey.generate(name: testOrigin)
            try LogKeyFile.create(key, at: path)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let loaded = try LogKeyFile.load(from: path)
            #expect(loaded == key)
            #expect(loaded.verifierKey == key.verifierKey)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasPrefix("PRIVATE+KEY+\(testOrigin)+"))
            #expect(LogKeyFile.defaultPath(forDatabase: "/x/custodia.db") == "/x/custodia.db.key")

            let other = try LogKey.generate(name: testOrigin)
            let error = try storeError { try LogKeyFile.create(other, at: path) }
            #expect(error.message.contains("already exists"))
            #expect(try LogKeyFile.load(from: path) == key, "the existing key is untouched")

            // Read-only for the owner is private enough.
            try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
            #expect(try LogKeyFile.load(from: path) == key)
        }
    }

    @Test(arguments: ["644", "640", "604", "660", "606", "602", "620"])
    func aKeyReadableByOthersIsRefusedWithAChmodHint(octalMode: String) async throws {
        let mode = try #require(Int(octalMode, radix: 8))
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("log.key").path
            try LogKeyFile.create(try LogKey.generate(name: testOrigin), at: path)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            let error = try storeError { _ = try LogKeyFile.load(from: path) }
            #expect(error.code == .keyPermissions)
            #expect(error.message.contains("chmod 600 \(path)"))
            #expect(error.message.contains("permissions \(octalMode)"))
        }
    }

    @Test func aMissingOrDamagedKeyFileIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let missing = dir.appendingPathComponent("none.key").path
            let error = try storeError { _ = try LogKeyFile.load(from: missing) }
            #expect(error.code == .keyMissing)
            #expect(error.message.contains("custodia init"))

            let key = try LogKey.generate(name: testOrigin)
            let good = dir.appendingPathComponent("good.key").path
            try LogKeyFile.create(key, at: good)
            let line = try String(contentsOfFile: good, encoding: .utf8)
            var parts = line.split(separator: "+", maxSplits: 4).map(String.init)
            parts[3] = parts[3] == "00000000" ? "00000001" : "00000000"
            for (name, text) in [
                ("garbage.key", "hello\n"), ("wrong-id.key", parts.joined(separator: "+")),
                ("short.key", "PRIVATE+KEY+x+00000000+AQID\n"),
            ] {
                let path = dir.appendingPathComponent(name).path
                #expect(
                    FileManager.default.createFile(
                        atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]))
                #expect(try storeError { _ = try LogKeyFile.load(from: path) }.code == .keyInvalid, "\(name)")
            }
        }
    }

    // MARK: Locks

    @Test(.timeLimit(.minutes(1)))
    func aLockedDatabaseMakesAppendFailWithinSevenSeconds() async throws {
        try await withTemporaryDirectory { dir in
            let (store, _) = try newStore(dir)
            try await store.recordValid(Fixture.holderTree)
            let locker = try DatabaseLocker(path: store.path, flag: dir.appendingPathComponent("locked").path)
            defer { locker.release() }
            try await locker.waitUntilLocked()

            #expect(try await store.ledgerSize() == 8, "readers are not blocked")
            let start = ContinuousClock.now
            let error = await #expect(throws: StoreError.self) { try await store.record([E.register(E.item("AK-1"), to: "S1")]) }
            let elapsed = ContinuousClock.now - start
            #expect(error?.code == .locked)
            #expect(error?.message.contains("locked") == true)
            #expect(elapsed >= .seconds(3))
            #expect(elapsed < .seconds(7))

            locker.release()
            try await store.recordValid([E.register(E.item("AK-1"), to: "S1")])
            #expect(try await store.ledgerSize() == 9)
        }
    }

    // MARK: Server

    /// A store written before events were indexed by holder gets the index on opening, and
    /// `verify` then checks it like every derived table.
    @Test func aStoreFromBeforeTheHolderIndexIsMigrated() async throws {
        try await withTemporaryDirectory { dir in
            let (store, key) = try newStore(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([
                E.register(E.item("AK-1"), to: "S1"), E.move(.issue, ["AK-1"], from: "S1", to: "P1"),
            ])
            var correction = Event(kind: .correction, occurredAt: E.t)
            correction.corrects = 9
            correction.reason = "wrong voucher"
            try await store.recordValid([correction])
            let expected = try await store.searchEvents(EventQuery(holder: "P1")).elements.map(\.seq)
            #expect(expected == [4, 9, 10])
            try store.close()
            try sqlite3(
                store.path,
                """
                DROP TABLE event_holders; DROP INDEX items_account;
                DELETE FROM grdb_migrations WHERE identifier = 'v3-event-holders';
                """)
            let reopened = try SQLiteStore(path: store.path, key: key)
            #expect(try await reopened.searchEvents(EventQuery(holder: "P1")).elements.map(\.seq) == expected)
            #expect(try await reopened.verify().divergence == nil)
            try sqlite3(store.path, "DELETE FROM event_holders WHERE seq = 10;")
            let divergence = try #require(try await reopened.verify().divergence)
            #expect(divergence.contains("event_holders"))
        }
    }

    /// The server's pool: reads run beside appends and see committed state, through readers
    /// that map the database file.
    @Test func aPooledStoreReadsWhatItsWriterCommitted() async throws {
        try await withTemporaryDirectory { dir in
            let (store, key) = try newStore(dir)
            try await store.recordValid(Fixture.holderTree)
            try store.close()
            let pooled = try SQLiteStore(path: store.path, key: key, connections: .pool(readers: 3))
            let report = try await pooled.appendGroup([
                AppendRequest(events: [E.register(E.item("AK-1"), to: "S1")], recordedBy: "a", recordedAt: E.t)
            ])
            #expect(report.reports[0].written)
            async let a = pooled.searchItems(ItemQuery(serial: "AK-1"))
            async let b = pooled.summary()
            #expect(try await a.elements.count == 1)
            #expect(try await b.items == 1)
            #expect(try pooled.read { try Int64.fetchOne($0, sql: "PRAGMA mmap_size") } ?? 0 > 1 << 30)
            #expect(try await pooled.verify().divergence == nil)
            try pooled.close()
        }
    }

    // MARK: Web

    /// A store written before the web pages' indexes and the verification records gets them
    /// on opening, and reads them at once.
    @Test func aStoreFromBeforeTheWebReadsIsMigrated() async throws {
        try await withTemporaryDirectory { dir in
            let (store, key) = try newStore(dir)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([
                E.register([E.item("AK-1"), E.item("AK-2")], to: "S1"),
                E.move(.issue, ["AK-1"], from: "S1", to: "P1", dueBack: "2026-03-05"), E.move(.loss, ["AK-2"], from: "S1"),
            ])
            try store.close()
            try sqlite3(
                store.path,
                """
                DROP TABLE item_serials; DROP INDEX items_model;
                DROP INDEX events_kind; DROP INDEX items_due; DROP INDEX items_missing; DROP INDEX dispatches_to;
                DROP TABLE verifications; UPDATE meta SET value = '3' WHERE key = 'schema';
                DELETE FROM grdb_migrations WHERE identifier IN ('v4-web', 'v5-search-per-chunk');
                """)
            let reopened = try SQLiteStore(path: store.path, key: key)
            #expect(try sqlite3(store.path, "SELECT value FROM meta WHERE key = 'schema';").hasPrefix("5"))
            #expect(
                try await reopened.overdueItems(before: "2026-04-01", scope: .everything, limit: 5).map(\.marking.serial) == [
                    "AK-1"
                ])
            #expect(try await reopened.missingItems(scope: .everything, limit: 5).map(\.marking.serial) == ["AK-2"])
            #expect(try await reopened.findItems(ItemSearch(text: "k-2")).map(\.marking.serial) == ["AK-2"], "serials indexed")
            try await reopened.recordValid([E.register(E.item("BK-20"), to: "S1")])
            #expect(try await reopened.findItems(ItemSearch(text: "k-2")).map(\.marking.serial) == ["AK-2", "BK-20"])
            #expect(try await reopened.recentEvents(kinds: [.loss], scope: .everything, limit: 5).map(\.seq) == [10])
            try await reopened.recordVerification(VerificationRecord(verifiedAt: E.t, size: 11, ok: true))
            #expect(try await reopened.lastVerification()?.size == 11)
            #expect(try await reopened.verify().divergence == nil)
        }
    }

    /// The serial search index is filled once per append, for every item it registered,
    /// across the writer's chunks; an append that is refused adds nothing to it.
    @Test func everyRegisteredSerialIsSearchableAfterALargeAppend() async throws {
        try await withTemporaryDirectory { dir in
            let (store, _) = try newStore(dir)
            try await store.recordValid(Fixture.holderTree)
            let serials = (0..<9_000).map { "QZ-\(String(format: "%05d", $0))" }
            try await store.recordValid(serials.map { E.register(E.item($0), to: "S1") })  // three writer chunks
            for probe in ["QZ-00000", "QZ-04095", "QZ-04096", "QZ-08999"] {
                #expect(try await store.findItems(ItemSearch(text: probe)).map(\.marking.serial) == [probe])
            }
            #expect(try sqlite3(store.path, "SELECT count(*) FROM item_serials WHERE serial LIKE 'QZ-%';").hasPrefix("9000"))
            var refused = ArrayEventSource([E.register(E.item("QY-1"), to: "S1"), E.register(E.item("QZ-00001"), to: "S1")])
            let report = try await store.append(&refused, options: AppendOptions(recordedBy: "t", recordedAt: E.t))
            #expect(!report.written)
            #expect(try await store.findItems(ItemSearch(text: "QY-1")).isEmpty)
            #expect(try await store.verify().divergence == nil)
        }
    }

    /// A large registration builds the items' holder, account and model indexes once at the
    /// end of its transaction: afterwards they are the same indexes, complete, and a large
    /// append that is refused after dropping them leaves them as they were.
    @Test func aBulkRegistrationRebuildsTheItemIndexesItDeferred() async throws {
        try await withTemporaryDirectory { dir in
            let (store, _) = try newStore(dir)
            store.tuning.withLock { $0 = SQLiteStore.Tuning(append: AppendTuning(chunkSize: 16), bulkItems: 20) }
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid((0..<10).map { E.register(E.item("BK-A\($0)"), to: "S2") })
            let indexes = """
                SELECT name || ': ' || sql FROM sqlite_master
                WHERE type = 'index' AND tbl_name = 'items' ORDER BY name;
                """
            let before = try sqlite3(store.path, indexes)
            for name in ["items_holder", "items_account", "items_model"] { #expect(before.contains(name)) }

            // 60 items in chunks of 16: the indexes are dropped at the second chunk (more
            // than 20 items, and more than the 10 already there) and built at the end.
            try await store.recordValid((0..<60).map { E.register(E.item("BK-B\($0)"), to: $0 < 45 ? "S1" : "U1") })
            #expect(try sqlite3(store.path, indexes) == before)
            #expect(try sqlite3(store.path, "PRAGMA integrity_check;").hasPrefix("ok"))
            #expect(try await store.holdings(of: "S1", recursive: false)?.items.count == 45)
            #expect(try await store.holdings(of: "S1", recursive: true)?.items.count == 60)
            #expect(try await store.holdings(of: "S2", recursive: false)?.items.count == 10)
            let plan = try sqlite3(store.path, "EXPLAIN QUERY PLAN SELECT id FROM items WHERE holder = 'U1';")
            #expect(plan.contains("items_holder"), "\(plan)")

            // Refused at the 90th of 100 new items, after five chunks were written and the
            // indexes dropped (80 new items, more than the 70 already there): nothing of it
            // stays, and the indexes are back.
            var events = (0..<100).map { E.register(E.item("BK-C\($0)"), to: "S2") }
            events[89] = E.register(E.item("BK-B3"), to: "S2")
            var source = ArrayEventSource(events)
            let report = try await store.append(&source, options: AppendOptions(recordedBy: "t", recordedAt: E.t))
            #expect(!report.written)
            #expect(report.errors.map(\.line) == [90])
            #expect(try sqlite3(store.path, indexes) == before)
            #expect(try sqlite3(store.path, "SELECT count(*) FROM items;").hasPrefix("70"))
            #expect(try await store.verify().divergence == nil)
        }
    }

    /// The three ways events reach the writer give the same ledger and the same state: a
    /// plain source (leaves encoded on the writer's thread), a background source that
    /// prepares leaves on its own thread (the CLI), and group requests that prepare them on
    /// the caller's task (the server). The events name items both by full marking (the
    /// prepared leaf is kept) and without the model (the rules rewrite the event, so the
    /// writer encodes it again), and change items in some fields only (holder, account,
    /// condition, due date), which the writer updates alone. `verify` encodes every leaf
    /// again from a replay and compares the state tables.
    @Test func everyWritePathRecordsTheSameLeavesAndState() async throws {
        func full(_ serial: String) -> ItemReference {
            .marking(manufacturer: "Kalashnikov", serial: serial, model: "AK-74M")
        }
        var events = Fixture.holderTree
        events.append(E.register(["PW-1", "PW-2", "PW-3", "PW-4"].map { E.item($0) }, to: "S1"))
        var issue = E.move(.issue, from: "S1", to: "U1", dueBack: "2026-03-20T00:00:00Z")
        issue.items = [full("PW-1"), full("PW-2")]
        events.append(issue)
        events.append(E.move(.dispatch, ["PW-3"], from: "S1", to: "S2", document: "D-PW"))
        var receive = E.move(.receive, from: "S1", to: "S2", document: "D-PW")
        receive.items = [full("PW-3")]
        events.append(receive)
        events.append(E.move(.condition, ["PW-4"], from: "S1", condition: .repairable))
        var back = E.move(.return, from: "U1", to: "S1")
        back.items = [full("PW-2")]
        events.append(back)
        var lost = E.move(.loss, from: "U1")
        lost.items = [full("PW-1")]
        events.append(lost)
        let options = AppendOptions(recordedBy: recordedBy, recordedAt: recordedAt)

        try await withTemporaryDirectory { dir in
            var stores: [SQLiteStore] = []
            let (plain, _) = try newStore(dir, name: "plain.db")
            try await plain.recordValid(events)
            stores.append(plain)

            let (background, _) = try newStore(dir, name: "background.db")
            let source = BackgroundEventSource(ArrayEventSource(events), preparing: options)
            var reading = source
            let report = try background.appendSync(&reading, options: options)
            source.finish()
            #expect(report.errors == [])
            stores.append(background)

            let (grouped, _) = try newStore(dir, name: "grouped.db")
            let requests = [Array(events[..<9]), Array(events[9...])].map {
                AppendRequest(events: $0, recordedBy: recordedBy, recordedAt: recordedAt)
            }
            let group = try await grouped.appendGroup(requests)
            #expect(group.reports.allSatisfy { $0.errors.isEmpty && $0.written })
            stores.append(grouped)

            let expected = try await plain.entries(from: 0, to: Int64(events.count))
            #expect(expected.count == events.count)
            let recordedIssue = try leafObject(expected[9].leaf)
            let named = try #require(recordedIssue["items"] as? [[String: Any]])
            #expect(named.map { $0["model"] as? String } == ["AK-74M", "AK-74M"])
            let serials = ["PW-1", "PW-2", "PW-3", "PW-4"]
            var reference: [ItemRecord] = []
            for serial in serials { reference.append(try await plain.item(serial).record) }
            // Every path salts every leaf anew (leaf format 2); apart from the salts, the leaves
            // are the same.
            var salts: Set<String> = []
            for store in stores {
                let leaves = try await store.entries(from: 0, to: Int64(events.count))
                for leaf in leaves { salts.insert(try #require(try leafObject(leaf.leaf)["salt"] as? String)) }
                #expect(unsalted(leaves) == unsalted(expected), "\(store.path)")
                #expect(try await store.verify().divergence == nil, "\(store.path)")
                var records: [ItemRecord] = []
                for serial in serials { records.append(try await store.item(serial).record) }
                #expect(records == reference, "\(store.path)")
                #expect(salts.allSatisfy(Salt.isValid))
                let one = try await store.item("PW-1").record.state
                #expect(one.status == .missing && one.holder == nil && one.account == "S1")
                let two = try await store.item("PW-2").record.state
                #expect(two.status == .held && two.holder == "S1" && two.account == "S1")
                let three = try await store.item("PW-3").record.state
                #expect(three.holder == "S2" && three.account == "S2" && three.transit == nil)
                let four = try await store.item("PW-4").record.state
                #expect(four.holder == "S1" && four.condition == .repairable)
            }
            #expect(salts.count == stores.count * events.count, "no salt drawn twice")
        }
    }

    /// A verification record, once written, stays as it was: a failed run cannot be hidden.
    @Test func verificationRecordsAreInsertOnly() async throws {
        try await withTemporaryDirectory { dir in
            let (store, _) = try newStore(dir)
            try await store.recordVerification(
                VerificationRecord(verifiedAt: E.t, size: 0, ok: false, divergence: "event 0"))
            for sql in ["UPDATE verifications SET ok = 1;", "DELETE FROM verifications;"] {
                let process = try ChildProcess.run(sqlite3Executable.path, ["-batch", "-bail", store.path, sql])
                #expect(process.terminationStatus != 0, "\(sql) was allowed")
            }
            #expect(try await store.lastVerification()?.ok == false)
        }
    }
}

/// A `sqlite3` shell holding `BEGIN EXCLUSIVE` on a database until released.
final class DatabaseLocker: @unchecked Sendable {
    let process: ChildProcess
    let flag: String
    private var released = false

    init(path: String, flag: String) throws {
        self.flag = flag
        process = try ChildProcess(
            executable: sqlite3Executable.path, arguments: ["-batch", path], environment: ProcessInfo.processInfo.environment,
            input: .pipe)
        process.standardInput?.write(Data("BEGIN EXCLUSIVE;\nSELECT count(*) FROM events;\n.shell touch '\(flag)'\n".utf8))
    }

    func waitUntilLocked() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !FileManager.default.fileExists(atPath: flag) {
            try #require(ContinuousClock.now < deadline, "sqlite3 did not take the lock")
            try #require(process.isRunning, "sqlite3 exited before taking the lock")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func release() {
        guard !released else { return }
        released = true
        try? process.standardInput?.close()
        process.waitUntilExit()
    }

}

/// Stores written before leaf format 2 (unsalted leaves) keep verifying; what they record
/// from then on is salted, and a later leaf without its salt is a divergence.
@Suite struct LeafFormatTests {
    @Test func aStoreOfUnsaltedLeavesMigratesAndSaltsWhatFollows() async throws {
        try await withTemporaryDirectory { dir in
            let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            let path = dir.appendingPathComponent("legacy.db").path
            try sqlite3(path, try String(contentsOf: fixtures.appendingPathComponent("leaf-format-1.sql"), encoding: .utf8))
            let keyPath = dir.appendingPathComponent("legacy.db.key").path
            try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("leaf-format-1.key").path, toPath: keyPath)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
            #expect(try sqlite3(path, "SELECT value FROM meta WHERE key = 'schema';").hasPrefix("5"))
            let store = try SQLiteStore(path: path, key: try LogKeyFile.load(from: keyPath))
            #expect(try sqlite3(path, "SELECT value FROM meta WHERE key = 'saltedFrom';").hasPrefix("6"))
            let old = try await store.entries(from: 0, to: 6)
            #expect(old.count == 6)
            #expect(try old.allSatisfy { try leafObject($0.leaf)["salt"] == nil }, "leaf format 1: no salt")
            #expect(try await store.verify().divergence == nil)
            try await store.recordValid([E.move(.return, ["AK-1"], from: "U1", to: "S1")])
            let new = try #require(try await store.entries(from: 6, to: 7).first)
            #expect(Salt.isValid(try #require(try leafObject(new.leaf)["salt"] as? String)))
            #expect(try await store.verify().divergence == nil)
            try store.close()
            // The salt stripped from the new leaf: verify names it.
            let stripped = new.json.replacingOccurrences(
                of: #","salt":"[0-9a-f]{32}""#, with: "", options: .regularExpression)
            try sqlite3(path, "DROP TRIGGER events_no_update; UPDATE events SET leaf = CAST('\(stripped)' AS BLOB) WHERE seq = 6;")
            let reopened = try SQLiteStore(path: path, key: try LogKeyFile.load(from: keyPath))
            let divergence = try #require(try await reopened.verify().divergence)
            #expect(divergence.contains("event 6"), "\(divergence)")
            try reopened.close()
        }
    }

    @Test func aSaltInTheInputIsRefused() throws {
        let line = #"{"kind":"issue","occurredAt":"2026-03-01T08:00:00Z","salt":"00000000000000000000000000000000"}"#
        do {
            _ = try Event(json: try JSONParser.parse(line))
            Issue.record("an event with a salt was read as input")
        } catch {
            #expect("\(error)".contains("salt"))
        }
    }

    /// Schema 8 keeps each dispatch's last receipt: a store of schema 7 gets it from its
    /// receive events on open, and then verifies against a replay.
    @Test func aStoreOfSchemaSevenLearnsWhenItsDispatchesWereReceived() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("seven.db").path
            let key = try LogKey.generate(name: testOrigin)
            let store = try SQLiteStore.create(path: path, origin: testOrigin, key: key, now: recordedAt)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([E.registerLot("L1", quantity: 500, to: "S1")])
            try await store.recordValid([E.move(.dispatch, lots: [("L1", 100)], from: "S1", to: "S2", document: "D-7")])
            var receive = E.move(.receive, lots: [("L1", 40)], to: "S2", document: "D-7")
            receive.occurredAt = "2026-03-01T10:00:00Z"
            try await store.recordValid([receive])
            try store.close()
            try sqlite3(
                path,
                """
                ALTER TABLE dispatches DROP COLUMN last_received_at;
                DELETE FROM grdb_migrations WHERE identifier = 'v8-dispatch-receipts';
                UPDATE meta SET value = '7' WHERE key = 'schema';
                """)
            let reopened = try SQLiteStore(path: path, key: key)
            #expect(try await reopened.dispatch(document: "D-7")?.lastReceivedAt == "2026-03-01T10:00:00Z")
            #expect(try sqlite3(path, "SELECT value FROM meta WHERE key = 'schema';").hasPrefix("8"))
            #expect(try await reopened.verify().divergence == nil)
            try reopened.close()
        }
    }

    @Test func aStoreOfSchemaEightLearnsItsItemsTraceKeysOnOpen() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("eight.db").path
            let key = try LogKey.generate(name: testOrigin)
            let store = try SQLiteStore.create(path: path, origin: testOrigin, key: key, now: recordedAt)
            try await store.recordValid(Fixture.holderTree)
            try await store.recordValid([E.register([E.item("AK-0024358"), E.item("AK-0024388")], to: "S1")])
            try store.close()
            try sqlite3(
                path,
                """
                DROP TABLE item_traces;
                DROP TABLE item_trace_keys;
                DELETE FROM grdb_migrations WHERE identifier = 'v9-damaged-marks';
                UPDATE meta SET value = '8' WHERE key = 'schema';
                """)
            let reopened = try SQLiteStore(path: path, key: key)
            let found = try await reopened.searchMarks(try MarkPattern("AK-OO243?8"), limit: 10)
            #expect(found.matches.map(\.item.marking.serial) == ["AK-0024358", "AK-0024388"])
            #expect(try sqlite3(path, "SELECT value FROM meta WHERE key = 'schema';").hasPrefix("9"))
            // Items registered afterwards are indexed with their event.
            try await reopened.recordValid([E.register([E.item("AK-0024398")], to: "S1")])
            #expect(try await reopened.searchMarks(try MarkPattern("AK-OO243?8"), limit: 10).total == 3)
            try reopened.close()
        }
    }
}
