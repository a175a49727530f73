-- The schema floor of `record`: the rows `custodia record` writes for the benchmark's
-- events, written by the sqlite3 shell alone into a copy of the store the import made, the
-- way its writer does: each event's leaf, its items and holders linked, and each item's
-- state row updated once per event, in order (through a trigger, as the rules apply one
-- event after another). Run by scripts/benchmark.sh, which first stages the JSON lines in
-- the table staged_events (kind, from, to, dueBack, condition, the line itself).
-- Not written here: the Merkle tiles and the checkpoint, and no rule is checked; each leaf is
-- the input line with the two recorded fields added, about the size of the canonical leaf.
PRAGMA cache_size = -65536;
PRAGMA synchronous = FULL;
-- The items each event names, looked up by their identity (serial, manufacturer, model).
CREATE TEMP TABLE event_item AS
  SELECT e.seq, i.id AS item, e.kind, e.to_holder, e.due_back, e.condition
  FROM staged_events e, json_each(e.line, '$.items') j
  JOIN items i ON i.serial = json_extract(j.value, '$.serial')
    AND i.manufacturer = json_extract(j.value, '$.manufacturer') AND i.model = json_extract(j.value, '$.model')
  ORDER BY e.seq;
CREATE TEMP TABLE item_change(item, kind, to_holder, due_back, condition, seq);
CREATE TEMP TRIGGER item_change_apply AFTER INSERT ON item_change BEGIN
  UPDATE items SET
    holder = CASE WHEN new.kind IN ('issue', 'return', 'maintenance-out', 'maintenance-in') THEN new.to_holder ELSE holder END,
    due_back = CASE WHEN new.kind = 'issue' THEN new.due_back WHEN new.kind = 'return' THEN NULL ELSE due_back END,
    condition = CASE WHEN new.kind = 'condition' THEN new.condition ELSE condition END,
    last_seq = new.seq
  WHERE id = new.item;
END;
BEGIN;
INSERT INTO events(seq, kind, occurred_at, leaf)
  SELECT seq, kind, json_extract(line, '$.occurredAt'),
    CAST(json_set(line, '$.recordedAt', '2026-01-01T00:00:00Z', '$.recordedBy', 'cli') AS BLOB)
  FROM staged_events ORDER BY seq;
INSERT INTO event_items(item_id, seq) SELECT item, seq FROM temp.event_item;
INSERT INTO event_holders(holder, seq) SELECT from_holder, seq FROM staged_events WHERE from_holder IS NOT NULL;
INSERT OR IGNORE INTO event_holders(holder, seq) SELECT to_holder, seq FROM staged_events WHERE to_holder IS NOT NULL;
INSERT INTO temp.item_change SELECT item, kind, to_holder, due_back, condition, seq FROM temp.event_item ORDER BY seq;
COMMIT;
