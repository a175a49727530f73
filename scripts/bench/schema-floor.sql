-- The schema floor of an import: the rows `custodia import items` writes for a CSV, written
-- by the sqlite3 shell alone into a store made by `custodia init` (the same schema, indexes
-- and serial search), the way its writer does: the identity index kept up to date, the
-- holder, account and model indexes and the serial search built after the rows, and each
-- item's trace key (here the serial in capitals without dashes, of about the same size as
-- `MarkPattern.traceKey`) with its two indexes and its trigram index built after them. Run by
-- scripts/benchmark.sh, which first imports the CSV into the table csvitems.
-- Not written here: the Merkle tiles and the checkpoint; each leaf is built by json_object,
-- about the size of the canonical leaf.
PRAGMA cache_size = -65536;
PRAGMA synchronous = FULL;
BEGIN;
DROP INDEX items_holder;
DROP INDEX items_account;
DROP INDEX items_model;
DROP INDEX item_trace_keys_key;
DROP INDEX item_trace_keys_unusual;
INSERT INTO items(
    id, category, manufacturer, country, model, calibre, serial, year, import_country, import_year, marks,
    assigned_mark, registered_seq, status, holder, account, condition, last_seq)
  SELECT rowid, category, manufacturer, country, model, calibre, serial, nullif(year, ''), nullif(import_country, ''),
    nullif(import_year, ''), nullif(marks, ''), 0, rowid + 1000000000, 'held', holder, holder, 'serviceable',
    rowid + 1000000000
  FROM csvitems;
INSERT INTO events(seq, kind, occurred_at, leaf)
  SELECT rowid + 1000000000, 'register', '2026-01-01T00:00:00Z', CAST(json_object(
    'items', json_array(json_object(
      'calibre', calibre, 'category', category, 'country', country, 'manufacturer', manufacturer, 'model', model,
      'serial', serial, 'year', year)),
    'kind', 'register', 'occurredAt', '2026-01-01T00:00:00Z', 'recordedAt', '2026-01-01T00:00:00Z',
    'recordedBy', 'cli', 'to', holder) AS BLOB)
  FROM csvitems;
INSERT INTO event_holders(holder, seq) SELECT holder, rowid + 1000000000 FROM csvitems;
INSERT INTO item_trace_keys(item_id, key) SELECT id, upper(replace(serial, '-', '')) FROM items;
CREATE INDEX items_holder ON items(holder) WHERE holder IS NOT NULL;
CREATE INDEX items_account ON items(account) WHERE account IS NOT NULL;
CREATE INDEX items_model ON items(model COLLATE NOCASE);
CREATE INDEX item_trace_keys_key ON item_trace_keys(key);
CREATE INDEX item_trace_keys_unusual ON item_trace_keys(key) WHERE key GLOB '*[^ -~]*';
INSERT INTO item_serials(rowid, serial) SELECT id, serial FROM items;
INSERT INTO item_traces(rowid, key) SELECT item_id, key FROM item_trace_keys;
COMMIT;
