#!/usr/bin/env bash
# Times a stocktake and a sample on a large register (the national demo by default), with
# the floors beside them: reading the holder's holdings, and the summary.
#
#   scripts/bench-verification.sh [DB]      (default: bench-out/national.db, made if missing;
#                                            CUSTODIA_BIN: a release binary already built)
#
# The stocktake: the region or zone whose subtree holds closest to 50,000 items is opened
# (recursive), counted in sheets of 10,000 serials, and closed. The sample: a plan over
# every item held sized to reveal 1,000 missing at 95%, its draw, findings for all drawn
# items, and the report. Writes to DB (use a copy you can spare).
set -euo pipefail
cd "$(dirname "$0")/.."
db="${1:-bench-out/national.db}"
if [ -n "${CUSTODIA_BIN:-}" ]; then
    bin="$CUSTODIA_BIN"
else
    swift build -c release --product custodia >/dev/null
    bin="$(swift build -c release --show-bin-path)/custodia"
fi
if [ ! -f "$db" ]; then
    mkdir -p "$(dirname "$db")"
    "$bin" demo --scale national --db "$db" >/dev/null
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
t() { local label="$1"; shift; /usr/bin/time -f "$label: %e s" "$@"; }

root="$(sqlite3 "$db" "WITH RECURSIVE t(code, root) AS (SELECT code, code FROM holders WHERE kind IN ('region','zone')
    UNION ALL SELECT h.code, t.root FROM holders h JOIN t ON h.parent = t.code)
    SELECT t.root FROM items i JOIN t ON i.holder = t.code WHERE i.status = 'held' GROUP BY t.root ORDER BY abs(count(*) - 50000) LIMIT 1;")"
counter="bench-$(date +%s)"
echo "== stocktake of $root (recursive)"
t "floor: holdings $root --recursive" "$bin" holdings "$root" --recursive --json --db "$db" >/dev/null
t "open" "$bin" stocktake open "$root" --recursive --db "$db" | head -1
id="$("$bin" stocktake list --open --holder "$root" --db "$db" | head -1 | awk '{print $2}')"
sqlite3 "$db" "WITH RECURSIVE t(code) AS (SELECT '$root' UNION ALL SELECT h.code FROM holders h JOIN t ON h.parent = t.code)
    SELECT serial || ',' || manufacturer || ',,' FROM items WHERE status = 'held' AND holder IN (SELECT code FROM t);" > "$work/all.txt"
echo "$(wc -l < "$work/all.txt") items held under $root"
split -l 10000 -d "$work/all.txt" "$work/sheet-"
for f in "$work"/sheet-*; do
    (echo "serial,manufacturer,lot,quantity"; cat "$f") > "$f.csv"
    t "count $(wc -l < "$f") serials" "$bin" stocktake count "$id" "$f.csv" --recorded-by "$counter" --db "$db" | tail -1
done
t "close" "$bin" stocktake close "$id" --recorded-by "$counter" --db "$db" | tail -1

echo "== sample of every item held"
t "floor: summary" "$bin" summary --db "$db" >/dev/null
t "plan" "$bin" sample plan --declared 300000 --detect 1000 --db "$db" | head -1
plan="$("$bin" sample list --db "$db" | head -1 | awk '{print $2}')"
# The draw rests on the checkpoint after the plan's: one more entry makes it.
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "{\"kind\":\"holder-add\",\"occurredAt\":\"$now\",\"holder\":{\"code\":\"BENCH-$counter\",\"kind\":\"region\",\"name\":\"Bench\"}}" \
    | "$bin" record - --db "$db" >/dev/null
t "draw" "$bin" sample draw "$plan" --json --db "$db" > "$work/draw.json"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('\n'.join(i['serial'] for i in d['items']))" "$work/draw.json" > "$work/found.txt"
t "record $(wc -l < "$work/found.txt") findings" "$bin" sample record "$plan" "$work/found.txt" --finding present --db "$db" | tail -1
t "report" "$bin" sample report "$plan" --json --db "$db" >/dev/null
