import CustodiaCore
import CustodiaStore
import GRDB

/// The SQLite schema, as migrations. The database guards integrity too: CHECKs on every
/// vocabulary column, foreign keys to holders, unique identities, and triggers that refuse
/// any change to a recorded event, an item's marking, a stored checkpoint, a password hash
/// or a token secret.
enum Schema {
    static let version = 9

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE holders(
                        code TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL CHECK(\(CustodiaCoreLists.oneOf("kind", HolderKind.allCases.map(\.rawValue)))),
                        name TEXT NOT NULL,
                        parent TEXT REFERENCES holders(code),
                        closed INTEGER NOT NULL DEFAULT 0 CHECK(closed IN (0, 1)),
                        added_seq INTEGER NOT NULL);
                    CREATE INDEX holders_parent ON holders(parent);
                    CREATE TABLE events(
                        seq INTEGER PRIMARY KEY NOT NULL CHECK(seq >= 0),
                        kind TEXT NOT NULL,
                        occurred_at TEXT NOT NULL,
                        leaf BLOB NOT NULL);
                    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                        BEGIN SELECT RAISE(ABORT, 'recorded events are never changed; record a correction'); END;
                    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
                        BEGIN SELECT RAISE(ABORT, 'recorded events are never deleted; record a correction'); END;
                    CREATE TABLE items(
                        id INTEGER PRIMARY KEY NOT NULL,
                        category TEXT NOT NULL CHECK(\(CustodiaCoreLists.oneOf("category", Category.allCases.map(\.rawValue)))),
                        manufacturer TEXT NOT NULL,
                        country TEXT NOT NULL,
                        model TEXT NOT NULL,
                        calibre TEXT NOT NULL,
                        serial TEXT NOT NULL,
                        year INTEGER,
                        import_country TEXT,
                        import_year INTEGER,
                        marks TEXT,
                        assigned_mark INTEGER NOT NULL DEFAULT 0,
                        registered_seq INTEGER NOT NULL,
                        status TEXT NOT NULL CHECK(\(CustodiaCoreLists.oneOf("status", ItemStatus.allCases.map(\.rawValue)))),
                        holder TEXT REFERENCES holders(code),
                        account TEXT REFERENCES holders(code),
                        condition TEXT NOT NULL CHECK(\(CustodiaCoreLists.oneOf("condition", Condition.allCases.map(\.rawValue)))),
                        due_back TEXT,
                        transit TEXT,
                        last_counted TEXT,
                        last_seq INTEGER NOT NULL,
                        CHECK((status = 'held') = (holder IS NOT NULL) OR status = 'deactivated'));
                    CREATE UNIQUE INDEX items_identity ON items(serial, manufacturer, model);
                    CREATE INDEX items_holder ON items(holder) WHERE holder IS NOT NULL;
                    CREATE TRIGGER items_marking_fixed BEFORE UPDATE OF
                        id, category, manufacturer, country, model, calibre, serial, year, import_country, import_year,
                        marks, assigned_mark, registered_seq ON items
                        BEGIN SELECT RAISE(ABORT, 'an item''s marking is never changed'); END;
                    CREATE TABLE event_items(
                        item_id INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(item_id, seq)) WITHOUT ROWID;
                    CREATE TABLE lots(
                        id INTEGER PRIMARY KEY NOT NULL,
                        lot TEXT NOT NULL,
                        manufacturer TEXT NOT NULL,
                        calibre TEXT NOT NULL,
                        type TEXT NOT NULL,
                        year INTEGER,
                        registered_seq INTEGER NOT NULL,
                        UNIQUE(lot, manufacturer));
                    CREATE TABLE event_lots(
                        lot_id INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(lot_id, seq)) WITHOUT ROWID;
                    CREATE TABLE lot_balances(
                        lot_id INTEGER NOT NULL REFERENCES lots(id),
                        holder TEXT NOT NULL REFERENCES holders(code),
                        quantity INTEGER NOT NULL CHECK(quantity >= 0),
                        PRIMARY KEY(lot_id, holder)) WITHOUT ROWID;
                    CREATE INDEX lot_balances_holder ON lot_balances(holder);
                    CREATE TABLE lot_missing(
                        lot_id INTEGER PRIMARY KEY NOT NULL REFERENCES lots(id),
                        quantity INTEGER NOT NULL CHECK(quantity >= 0));
                    CREATE TABLE dispatches(
                        document TEXT PRIMARY KEY NOT NULL,
                        seq INTEGER NOT NULL,
                        from_holder TEXT NOT NULL REFERENCES holders(code),
                        to_holder TEXT NOT NULL REFERENCES holders(code),
                        items_in_transit INTEGER NOT NULL CHECK(items_in_transit >= 0));
                    CREATE TABLE dispatch_lots(
                        document TEXT NOT NULL REFERENCES dispatches(document),
                        lot_id INTEGER NOT NULL REFERENCES lots(id),
                        quantity INTEGER NOT NULL CHECK(quantity >= 0),
                        PRIMARY KEY(document, lot_id)) WITHOUT ROWID;
                    CREATE TABLE tiles(
                        level INTEGER NOT NULL, idx INTEGER NOT NULL, hashes BLOB NOT NULL,
                        PRIMARY KEY(level, idx)) WITHOUT ROWID;
                    CREATE TABLE checkpoints(
                        size INTEGER PRIMARY KEY NOT NULL, note TEXT NOT NULL, signed_at TEXT NOT NULL);
                    CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
                        BEGIN SELECT RAISE(ABORT, 'signed checkpoints are never changed'); END;
                    CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
                        BEGIN SELECT RAISE(ABORT, 'signed checkpoints are never deleted'); END;
                    """)
        }
        // Users and API tokens. `users` and `tokens` are state derived from the ledger's
        // user and token entries; `password_hashes` and `token_secrets` hold secrets, kept
        // outside the ledger, insert-only.
        migrator.registerMigration("v2-users") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users(
                        code TEXT PRIMARY KEY NOT NULL,
                        role TEXT NOT NULL CHECK(\(CustodiaCoreLists.oneOf("role", Role.allCases.map(\.rawValue)))),
                        scope TEXT REFERENCES holders(code),
                        active INTEGER NOT NULL DEFAULT 1 CHECK(active IN (0, 1)),
                        added_seq INTEGER NOT NULL);
                    CREATE TRIGGER users_code_fixed BEFORE UPDATE OF code, added_seq ON users
                        BEGIN SELECT RAISE(ABORT, 'a user''s code is never changed'); END;
                    CREATE TABLE tokens(
                        id TEXT PRIMARY KEY NOT NULL,
                        user TEXT NOT NULL REFERENCES users(code),
                        active INTEGER NOT NULL DEFAULT 1 CHECK(active IN (0, 1)),
                        created_seq INTEGER NOT NULL);
                    CREATE INDEX tokens_user ON tokens(user);
                    CREATE TRIGGER tokens_owner_fixed BEFORE UPDATE OF id, user, created_seq ON tokens
                        BEGIN SELECT RAISE(ABORT, 'a token''s id and owner are never changed'); END;
                    CREATE TABLE password_hashes(
                        id INTEGER PRIMARY KEY NOT NULL,
                        user TEXT NOT NULL REFERENCES users(code),
                        hash TEXT NOT NULL CHECK(length(hash) > 0),
                        set_at TEXT NOT NULL);
                    CREATE INDEX password_hashes_user ON password_hashes(user, id);
                    CREATE TRIGGER password_hashes_no_update BEFORE UPDATE ON password_hashes
                        BEGIN SELECT RAISE(ABORT, 'password hashes are never changed; set a new password instead'); END;
                    CREATE TRIGGER password_hashes_no_delete BEFORE DELETE ON password_hashes
                        BEGIN SELECT RAISE(ABORT, 'password hashes are never deleted; disable the user instead'); END;
                    CREATE TABLE token_secrets(
                        token_id TEXT PRIMARY KEY NOT NULL REFERENCES tokens(id),
                        secret_hash TEXT NOT NULL UNIQUE CHECK(length(secret_hash) = 64));
                    CREATE TRIGGER token_secrets_no_update BEFORE UPDATE ON token_secrets
                        BEGIN SELECT RAISE(ABORT, 'token secrets are never changed; revoke the token instead'); END;
                    CREATE TRIGGER token_secrets_no_delete BEFORE DELETE ON token_secrets
                        BEGIN SELECT RAISE(ABORT, 'token secrets are never deleted; revoke the token instead'); END;
                    UPDATE meta SET value = '2' WHERE key = 'schema';
                    """)
        }
        migrator.registerMigration("v3-event-holders") { db in
            // Which events name which holder: for listing a holder's events and for keeping
            // event listings inside a user's scope. Derived from the leaves like every state
            // table (and compared by `verify`); filled here for stores written before it.
            try db.execute(
                sql: """
                    CREATE TABLE event_holders(
                        holder TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(holder, seq)) WITHOUT ROWID;
                    CREATE INDEX items_account ON items(account) WHERE account IS NOT NULL;
                    UPDATE meta SET value = '3' WHERE key = 'schema';
                    INSERT OR IGNORE INTO event_holders(holder, seq)
                        SELECT code, seq FROM (
                            SELECT seq, json_extract(CAST(leaf AS TEXT), '$.from') AS code FROM events
                            UNION ALL SELECT seq, json_extract(CAST(leaf AS TEXT), '$.to') FROM events
                            UNION ALL SELECT seq, json_extract(CAST(leaf AS TEXT), '$.holder.code') FROM events
                            UNION ALL SELECT seq, json_extract(CAST(leaf AS TEXT), '$.holder.parent') FROM events)
                        WHERE code IS NOT NULL;
                    """)
            // Corrections count with the event they correct.
            let corrections = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, json_extract(CAST(leaf AS TEXT), '$.corrects') FROM events
                    WHERE kind = 'correction'
                    """)
            let copy = try db.makeStatement(sql: SQLiteStateWriter.linkCorrectionHolders)
            for row in corrections {
                let seq: Int64 = row[0]
                guard let corrected: Int64 = row[1] else { continue }
                try copy.execute(arguments: [seq, corrected])
            }
        }
        migrator.registerMigration("v4-web") { db in
            // What the web pages read: indexes for the dashboard's lists (overdue, missing,
            // recent losses), the receive form's open dispatches and the search box (serials
            // by any three characters, models whole), and the record of each `verify` run
            // (insert-only, beside the ledger: it is about the ledger, not in it). Markings
            // never change, so the search indexes cost only when an item is registered.
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE item_serials USING fts5(
                        serial, content='items', content_rowid='id', tokenize='trigram');
                    CREATE TRIGGER items_serial_search AFTER INSERT ON items
                        BEGIN INSERT INTO item_serials(rowid, serial) VALUES (new.id, new.serial); END;
                    INSERT INTO item_serials(item_serials) VALUES ('rebuild');
                    CREATE INDEX items_model ON items(model COLLATE NOCASE);
                    CREATE INDEX events_kind ON events(kind);
                    CREATE INDEX items_due ON items(due_back) WHERE due_back IS NOT NULL;
                    CREATE INDEX items_missing ON items(last_seq) WHERE status = 'missing';
                    CREATE INDEX dispatches_to ON dispatches(to_holder);
                    CREATE TABLE verifications(
                        id INTEGER PRIMARY KEY NOT NULL,
                        verified_at TEXT NOT NULL,
                        size INTEGER NOT NULL CHECK(size >= 0),
                        ok INTEGER NOT NULL CHECK(ok IN (0, 1)),
                        divergence TEXT);
                    CREATE TRIGGER verifications_no_update BEFORE UPDATE ON verifications
                        BEGIN SELECT RAISE(ABORT, 'verification records are never changed; run verify again'); END;
                    CREATE TRIGGER verifications_no_delete BEFORE DELETE ON verifications
                        BEGIN SELECT RAISE(ABORT, 'verification records are never deleted'); END;
                    UPDATE meta SET value = '4' WHERE key = 'schema';
                    """)
        }
        migrator.registerMigration("v5-search-per-chunk") { db in
            // The serial search index is filled by the writer, one statement per transaction
            // (`SQLiteStateWriter.finish`), instead of by a trigger row by row: FTS5 flushes
            // its pending terms to a new segment at every statement savepoint, which made
            // registering items four times slower.
            try db.execute(
                sql: """
                    DROP TRIGGER items_serial_search;
                    UPDATE meta SET value = '5' WHERE key = 'schema';
                    """)
        }
        migrator.registerMigration("v6-look-alikes-and-confirmations") { db in
            // The look-alike key of every item's serial (UTS #39 skeleton, see `Identifier`),
            // so that a new serial that looks like a registered one is found by an index
            // lookup; derived from the markings like every state table (and compared by
            // `verify`). And the two-person confirmations consumed by events, beside the
            // ledger and insert-only, so that no confirmation serves twice.
            try db.execute(
                sql: """
                    CREATE TABLE item_serial_keys(
                        serial_key TEXT NOT NULL, item_id INTEGER NOT NULL, PRIMARY KEY(serial_key, item_id)) WITHOUT ROWID;
                    CREATE TABLE confirmations_used(
                        id TEXT PRIMARY KEY NOT NULL,
                        user TEXT NOT NULL,
                        seq INTEGER NOT NULL);
                    CREATE TRIGGER confirmations_used_no_update BEFORE UPDATE ON confirmations_used
                        BEGIN SELECT RAISE(ABORT, 'a used confirmation is never changed'); END;
                    CREATE TRIGGER confirmations_used_no_delete BEFORE DELETE ON confirmations_used
                        BEGIN SELECT RAISE(ABORT, 'a used confirmation is never deleted'); END;
                    UPDATE meta SET value = '6' WHERE key = 'schema';
                    """)
            let insert = try db.makeStatement(sql: "INSERT INTO item_serial_keys(serial_key, item_id) VALUES (?, ?)")
            let rows = try Row.fetchCursor(db, sql: "SELECT id, serial FROM items ORDER BY id")
            while let row = try rows.next() {
                let serial: String = row[1]
                try insert.execute(arguments: [Identifier.serialKey(serial), row[0] as Int64])
            }
        }
        migrator.registerMigration("v7-salted-leaves") { db in
            // Leaf format 2: every leaf written from here on carries a salt. The first salted
            // seq is kept so that `verify` can tell a salt stripped from a later leaf.
            // Witnesses' cosignatures of checkpoints are kept beside the checkpoints.
            try db.execute(
                sql: """
                    INSERT INTO meta(key, value) SELECT 'saltedFrom', coalesce(max(seq) + 1, 0) FROM events;
                    CREATE TABLE cosignatures(
                        size INTEGER NOT NULL CHECK(size >= 0),
                        witness TEXT NOT NULL,
                        line TEXT NOT NULL,
                        received_at TEXT NOT NULL,
                        PRIMARY KEY(size, witness)) WITHOUT ROWID;
                    CREATE INDEX cosignatures_witness ON cosignatures(witness, size);
                    CREATE TRIGGER cosignatures_no_update BEFORE UPDATE ON cosignatures
                        BEGIN SELECT RAISE(ABORT, 'a cosignature is never changed'); END;
                    CREATE TRIGGER cosignatures_no_delete BEFORE DELETE ON cosignatures
                        BEGIN SELECT RAISE(ABORT, 'a cosignature is never deleted'); END;
                    UPDATE meta SET value = '7' WHERE key = 'schema';
                    """)
        }
        migrator.registerMigration("v8-dispatch-receipts") { db in
            // When each dispatch was last received, kept with the dispatch (the engine sets
            // it on every receive; `verify` compares it with a replay): the alerts of lots
            // received short read it instead of the receive leaves.
            try db.execute(
                sql: """
                    ALTER TABLE dispatches ADD COLUMN last_received_at TEXT;
                    UPDATE dispatches SET last_received_at = r.at FROM (
                        SELECT json_extract(CAST(leaf AS TEXT), '$.document') AS document, max(occurred_at) AS at
                        FROM events WHERE kind = 'receive' GROUP BY 1) AS r
                    WHERE r.document = dispatches.document;
                    UPDATE meta SET value = '8' WHERE key = 'schema';
                    """)
        }
        migrator.registerMigration("v9-damaged-marks") { db in
            // Each item's serial over look-alike classes (`MarkPattern.traceKey`), indexed
            // whole (a mark with a few unread characters is looked up key by key; the keys with
            // a character beyond ASCII, which are few, have their own index) and by its
            // three-letter runs (any other mark), for the search from damaged marks: written with the item by
            // the writer and indexed once per transaction (`SQLiteStateWriter.finish`), like
            // the serials' own index. Markings never change, so neither do these.
            try db.execute(
                sql: """
                    CREATE TABLE item_trace_keys(item_id INTEGER PRIMARY KEY NOT NULL, key TEXT NOT NULL);
                    CREATE INDEX item_trace_keys_key ON item_trace_keys(key);
                    CREATE INDEX item_trace_keys_unusual ON item_trace_keys(key) WHERE \(SQLiteStore.unusualKey);
                    CREATE VIRTUAL TABLE item_traces USING fts5(
                        key, content='item_trace_keys', content_rowid='item_id', tokenize='trigram');
                    UPDATE meta SET value = '9' WHERE key = 'schema';
                    """)
            let insert = try db.makeStatement(sql: "INSERT INTO item_trace_keys(item_id, key) VALUES (?, ?)")
            let rows = try Row.fetchCursor(db, sql: "SELECT id, serial FROM items ORDER BY id")
            while let row = try rows.next() {
                let serial: String = row[1]
                try insert.execute(arguments: [row[0] as Int64, MarkPattern.traceKey(serial)])
            }
            try db.execute(sql: "INSERT INTO item_traces(item_traces) VALUES ('rebuild')")
        }
        return migrator
    }
}

enum CustodiaCoreLists {
    /// `column = 'a' OR column = 'b' …`: SQLite evaluates `IN (list)` in a CHECK by building
    /// a temporary table for every row written, which halves bulk insert speed; the OR
    /// chain is the same constraint at a fraction of the cost.
    static func oneOf(_ column: String, _ values: [String]) -> String {
        values.map { "\(column) = '\($0)'" }.joined(separator: " OR ")
    }
}
