-- Stages the benchmark's JSON lines for scripts/bench/record-floor.sql: one row per event,
-- numbered after the store's last sequence number, with the fields the floor writes.
-- scripts/benchmark.sh first reads each line whole into staged_lines (tab-separated mode:
-- the lines hold no tab).
CREATE TABLE staged_events AS
  SELECT rowid + (SELECT max(seq) FROM events) AS seq, json_extract(line, '$.kind') AS kind,
    json_extract(line, '$.from') AS from_holder, json_extract(line, '$.to') AS to_holder,
    json_extract(line, '$.dueBack') AS due_back, json_extract(line, '$.condition') AS condition, line
  FROM staged_lines;
DROP TABLE staged_lines;
