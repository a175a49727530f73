import CustodiaCore

/// The PostgreSQL schema: the same tables, keys and guards as the SQLite store's (version 8
/// there), as one migration per version. The database guards integrity too: CHECKs on every
/// vocabulary column, foreign keys to holders (but on the two tables every event writes,
/// item states and lot balances, see migration 2), unique identities, and triggers that refuse
/// any change to a recorded event, an item's marking, a stored checkpoint, a password hash,
/// a token secret, a used confirmation, a cosignature or a verification record, and any
/// TRUNCATE of them.
enum PostgresSchema {
    static let version = 4

    /// A trace key holding a character beyond ASCII (the condition of its partial index).
    static let unusualKey = "key ~ '[^\\x01-\\x7e]'"

    /// `column IN ('a', 'b', …)` for a vocabulary.
    static func oneOf(_ column: String, _ values: [String]) -> String {
        "\(column) IN (\(values.map { "'\($0)'" }.joined(separator: ", ")))"
    }

    /// A trigger that refuses UPDATE and DELETE of rows, and TRUNCATE, of `table`.
    static func insertOnly(_ table: String, _ message: String) -> String {
        """
        CREATE TRIGGER \(table)_insert_only BEFORE UPDATE OR DELETE ON \(table)
            FOR EACH ROW EXECUTE FUNCTION custodia_refuse('\(message)');
        CREATE TRIGGER \(table)_no_truncate BEFORE TRUNCATE ON \(table)
            FOR EACH STATEMENT EXECUTE FUNCTION custodia_refuse('\(message)');
        """
    }

    /// The migrations, in order: migration `n` brings the schema to version `n`.
    static let migrations: [String] = [
        """
        CREATE FUNCTION custodia_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation'; END $$;
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE holders(
            code TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK(\(oneOf("kind", HolderKind.allCases.map(\.rawValue)))),
            name TEXT NOT NULL,
            parent TEXT REFERENCES holders(code) DEFERRABLE INITIALLY DEFERRED,
            closed BOOLEAN NOT NULL DEFAULT false,
            added_seq BIGINT NOT NULL);
        CREATE INDEX holders_parent ON holders(parent);
        CREATE TABLE events(
            seq BIGINT PRIMARY KEY CHECK(seq >= 0),
            kind TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            leaf BYTEA NOT NULL);
        \(insertOnly("events", "recorded events are never changed or deleted; record a correction"))
        CREATE INDEX events_kind ON events(kind, seq);
        CREATE TABLE items(
            id BIGINT PRIMARY KEY,
            category TEXT NOT NULL CHECK(\(oneOf("category", Category.allCases.map(\.rawValue)))),
            manufacturer TEXT NOT NULL,
            country TEXT NOT NULL,
            model TEXT NOT NULL,
            calibre TEXT NOT NULL,
            serial TEXT NOT NULL,
            year BIGINT,
            import_country TEXT,
            import_year BIGINT,
            marks TEXT,
            assigned_mark BOOLEAN NOT NULL DEFAULT false,
            registered_seq BIGINT NOT NULL,
            status TEXT NOT NULL CHECK(\(oneOf("status", ItemStatus.allCases.map(\.rawValue)))),
            holder TEXT REFERENCES holders(code) DEFERRABLE INITIALLY DEFERRED,
            account TEXT REFERENCES holders(code) DEFERRABLE INITIALLY DEFERRED,
            condition TEXT NOT NULL CHECK(\(oneOf("condition", Condition.allCases.map(\.rawValue)))),
            due_back TEXT,
            transit TEXT,
            last_counted TEXT,
            last_seq BIGINT NOT NULL,
            CHECK((status = 'held') = (holder IS NOT NULL) OR status = 'deactivated'));
        CREATE UNIQUE INDEX items_identity ON items(serial, manufacturer, model);
        CREATE INDEX items_holder ON items(holder) WHERE holder IS NOT NULL;
        CREATE INDEX items_account ON items(account) WHERE account IS NOT NULL;
        CREATE INDEX items_due ON items(due_back) WHERE due_back IS NOT NULL;
        CREATE INDEX items_missing ON items(last_seq) WHERE status = 'missing';
        CREATE TRIGGER items_marking_fixed BEFORE UPDATE OF
            id, category, manufacturer, country, model, calibre, serial, year, import_country, import_year,
            marks, assigned_mark, registered_seq ON items
            FOR EACH ROW EXECUTE FUNCTION custodia_refuse('an item''s marking is never changed');
        CREATE TABLE item_serial_keys(serial_key TEXT NOT NULL, item_id BIGINT NOT NULL, PRIMARY KEY(serial_key, item_id));
        CREATE TABLE event_items(item_id BIGINT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY(item_id, seq));
        CREATE TABLE event_holders(holder TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY(holder, seq));
        CREATE TABLE lots(
            id BIGINT PRIMARY KEY,
            lot TEXT NOT NULL,
            manufacturer TEXT NOT NULL,
            calibre TEXT NOT NULL,
            type TEXT NOT NULL,
            year BIGINT,
            registered_seq BIGINT NOT NULL,
            UNIQUE(lot, manufacturer));
        CREATE TABLE event_lots(lot_id BIGINT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY(lot_id, seq));
        CREATE TABLE lot_balances(
            lot_id BIGINT NOT NULL REFERENCES lots(id),
            holder TEXT NOT NULL REFERENCES holders(code) DEFERRABLE INITIALLY DEFERRED,
            quantity BIGINT NOT NULL CHECK(quantity >= 0),
            PRIMARY KEY(lot_id, holder));
        CREATE INDEX lot_balances_holder ON lot_balances(holder);
        CREATE TABLE lot_missing(lot_id BIGINT PRIMARY KEY REFERENCES lots(id), quantity BIGINT NOT NULL CHECK(quantity >= 0));
        CREATE TABLE dispatches(
            document TEXT PRIMARY KEY,
            seq BIGINT NOT NULL,
            from_holder TEXT NOT NULL REFERENCES holders(code) DEFERRABLE INITIALLY DEFERRED,
            to_holder TEXT NOT NULL REFERENCES holders(code) DEFERRABLE INITIALLY DEFERRED,
            items_in_transit BIGINT NOT NULL CHECK(items_in_transit >= 0));
        CREATE INDEX dispatches_to ON dispatches(to_holder);
        CREATE TABLE dispatch_lots(
            document TEXT NOT NULL REFERENCES dispatches(document) DEFERRABLE INITIALLY DEFERRED,
            lot_id BIGINT NOT NULL REFERENCES lots(id),
            quantity BIGINT NOT NULL CHECK(quantity >= 0),
            PRIMARY KEY(document, lot_id));
        CREATE TABLE tiles(level INTEGER NOT NULL, idx BIGINT NOT NULL, hashes BYTEA NOT NULL, PRIMARY KEY(level, idx));
        CREATE TABLE checkpoints(size BIGINT PRIMARY KEY, note TEXT NOT NULL, signed_at TEXT NOT NULL);
        \(insertOnly("checkpoints", "signed checkpoints are never changed or deleted"))
        CREATE TABLE users(
            code TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK(\(oneOf("role", Role.allCases.map(\.rawValue)))),
            scope TEXT REFERENCES holders(code) DEFERRABLE INITIALLY DEFERRED,
            active BOOLEAN NOT NULL DEFAULT true,
            added_seq BIGINT NOT NULL);
        CREATE TRIGGER users_code_fixed BEFORE UPDATE OF code, added_seq ON users
            FOR EACH ROW EXECUTE FUNCTION custodia_refuse('a user''s code is never changed');
        CREATE TABLE tokens(
            id TEXT PRIMARY KEY,
            "user" TEXT NOT NULL REFERENCES users(code) DEFERRABLE INITIALLY DEFERRED,
            active BOOLEAN NOT NULL DEFAULT true,
            created_seq BIGINT NOT NULL);
        CREATE INDEX tokens_user ON tokens("user");
        CREATE TRIGGER tokens_owner_fixed BEFORE UPDATE OF id, "user", created_seq ON tokens
            FOR EACH ROW EXECUTE FUNCTION custodia_refuse('a token''s id and owner are never changed');
        CREATE TABLE password_hashes(
            id BIGSERIAL PRIMARY KEY,
            "user" TEXT NOT NULL REFERENCES users(code) DEFERRABLE INITIALLY DEFERRED,
            hash TEXT NOT NULL CHECK(length(hash) > 0),
            set_at TEXT NOT NULL);
        CREATE INDEX password_hashes_user ON password_hashes("user", id);
        \(insertOnly("password_hashes", "password hashes are never changed or deleted; set a new password or disable the user"))
        CREATE TABLE token_secrets(
            token_id TEXT PRIMARY KEY REFERENCES tokens(id) DEFERRABLE INITIALLY DEFERRED,
            secret_hash TEXT NOT NULL UNIQUE CHECK(length(secret_hash) = 64));
        \(insertOnly("token_secrets", "token secrets are never changed or deleted; revoke the token instead"))
        CREATE TABLE confirmations_used(id TEXT PRIMARY KEY, "user" TEXT NOT NULL, seq BIGINT NOT NULL);
        \(insertOnly("confirmations_used", "a used confirmation is never changed or deleted"))
        CREATE TABLE verifications(
            id BIGSERIAL PRIMARY KEY,
            verified_at TEXT NOT NULL,
            size BIGINT NOT NULL CHECK(size >= 0),
            ok BOOLEAN NOT NULL,
            divergence TEXT);
        \(insertOnly("verifications", "verification records are never changed or deleted; run verify again"))
        CREATE TABLE cosignatures(
            size BIGINT NOT NULL CHECK(size >= 0),
            witness TEXT NOT NULL,
            line TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY(size, witness));
        CREATE INDEX cosignatures_witness ON cosignatures(witness, size);
        \(insertOnly("cosignatures", "a cosignature is never changed or deleted"))
        """,
        // 2: an item's marking and its state in two tables. The marking never changes, so
        // its table is insert-only; the state is a narrow row, with room on its page for
        // the updates that change no indexed column (a count, a condition), so that an event
        // rewrites a few short rows instead of the whole item and its identity index. The
        // view `items` joins them for every reader. The holders an item state or a lot
        // balance names are not checked row by row (as on SQLite, where foreign keys are
        // declared but not enforced per statement): the custody rules refuse unknown holders
        // and lots before anything is written, and `verify` compares these tables with a
        // replay of the events, so a row naming a holder that the events never made is
        // reported there.
        """
        ALTER TABLE items RENAME TO item_markings;
        ALTER INDEX items_identity RENAME TO item_markings_identity;
        CREATE TABLE item_states(
            id BIGINT PRIMARY KEY,
            status TEXT NOT NULL CHECK(\(oneOf("status", ItemStatus.allCases.map(\.rawValue)))),
            holder TEXT,
            account TEXT,
            condition TEXT NOT NULL CHECK(\(oneOf("condition", Condition.allCases.map(\.rawValue)))),
            due_back TEXT,
            transit TEXT,
            last_counted TEXT,
            last_seq BIGINT NOT NULL,
            CHECK((status = 'held') = (holder IS NOT NULL) OR status = 'deactivated'))
            WITH (fillfactor = 80);
        ALTER TABLE lot_balances DROP CONSTRAINT lot_balances_lot_id_fkey, DROP CONSTRAINT lot_balances_holder_fkey;
        CREATE INDEX item_states_holder ON item_states(holder) WHERE holder IS NOT NULL;
        CREATE INDEX item_states_account ON item_states(account) WHERE account IS NOT NULL;
        CREATE INDEX item_states_due ON item_states(due_back) WHERE due_back IS NOT NULL;
        CREATE INDEX item_states_missing ON item_states(id) WHERE status = 'missing';
        INSERT INTO item_states
            SELECT id, status, holder, account, condition, due_back, transit, last_counted, last_seq FROM item_markings;
        DROP TRIGGER items_marking_fixed ON item_markings;
        ALTER TABLE item_markings
            DROP COLUMN status, DROP COLUMN holder, DROP COLUMN account, DROP COLUMN condition, DROP COLUMN due_back,
            DROP COLUMN transit, DROP COLUMN last_counted, DROP COLUMN last_seq;
        \(insertOnly("item_markings", "an item''s marking is never changed or deleted"))
        CREATE VIEW items AS
            SELECT s.id, m.category, m.manufacturer, m.country, m.model, m.calibre, m.serial, m.year, m.import_country,
                m.import_year, m.marks, m.assigned_mark, m.registered_seq, s.status, s.holder, s.account, s.condition,
                s.due_back, s.transit, s.last_counted, s.last_seq
            FROM item_states s LEFT JOIN item_markings m ON m.id = s.id;
        """,
        // 3: when each dispatch was last received, kept with the dispatch (see the SQLite
        // store's v8).
        """
        ALTER TABLE dispatches ADD COLUMN last_received_at TEXT;
        UPDATE dispatches d SET last_received_at = r.at FROM (
            SELECT convert_from(leaf, 'UTF8')::json ->> 'document' AS document, max(occurred_at) AS at
            FROM events WHERE kind = 'receive' GROUP BY 1) r
        WHERE r.document = d.document;
        """,
        // 4: each item's serial over look-alike classes (`MarkPattern.traceKey`), for the
        // search from damaged marks (see the SQLite store's v9): indexed whole, the keys with
        // a character beyond ASCII apart, and with a trigram index where
        // the pg_trgm extension can be created (without it the search reads every key). The
        // keys of the items already registered are written by `PostgresStore.migrate`.
        """
        CREATE TABLE item_trace_keys(item_id BIGINT PRIMARY KEY, key TEXT NOT NULL);
        CREATE INDEX item_trace_keys_key ON item_trace_keys(key);
        CREATE INDEX item_trace_keys_unusual ON item_trace_keys(key) WHERE \(unusualKey);
        DO $$ BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
            EXECUTE 'CREATE INDEX item_trace_keys_trigrams ON item_trace_keys USING gin (key gin_trgm_ops)';
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'pg_trgm is not available: the search from damaged marks reads every key';
        END $$;
        """,
    ]
}
