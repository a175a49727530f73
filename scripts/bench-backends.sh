#!/usr/bin/env bash
# The two backends side by side, release build, the same inputs: `custodia import items`
# then `custodia record` into a new SQLite store and into a new PostgreSQL database (a
# throwaway cluster on this machine, scripts/pg-cluster.sh, sharing its two cores as SQLite
# does), each beside the floor of its own database (the CSV into one plain table: sqlite3
# .import, psql \copy), then `verify` on both.
#
#   scripts/bench-backends.sh [ITEMS] [EVENTS]      # default 1,000,000 each; run by scripts/benchmark.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS=${1:-1000000}
EVENTS=${2:-1000000}
OUT=${BENCH_OUT:-bench-out}/backends
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
command -v psql >/dev/null || { echo "needs psql and PostgreSQL: apt-get install postgresql"; exit 1; }
source scripts/bench/lib.sh
release_binaries
bench_inputs "$ITEMS" "$EVENTS" >/dev/null
echo "== backends side by side: $ITEMS items, $EVENTS events"

eval "$(scripts/pg-cluster.sh start)"
ADMIN=$CUSTODIA_TEST_POSTGRES_URL
PGDB=${ADMIN%/*}/custodia_bench
psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS custodia_bench WITH (FORCE)" -c "CREATE DATABASE custodia_bench" >/dev/null

rm -f "$OUT/floor.db"
timed sfloor sqlite3 "$OUT/floor.db" ".mode csv" ".import $OUT/items.csv items"
S_FLOOR=$T
rm -f "$OUT/floor.db"
psql -q "$PGDB" -c "CREATE TABLE floor(category text, manufacturer text, country text, model text, calibre text, serial text, year text, import_country text, import_year text, marks text, holder text)" >/dev/null
timed pfloor psql -q "$PGDB" -c "\\copy floor FROM '$OUT/items.csv' CSV HEADER"
P_FLOOR=$T
psql -q "$PGDB" -c "DROP TABLE floor" >/dev/null

rm -f "$OUT/s.db" "$OUT/s.db-wal" "$OUT/s.db-shm" "$OUT/s.db.key" "$OUT/p.key"
"$C" init --db "$OUT/s.db" --origin bench.custodia.example/ledger >/dev/null
"$C" import holders "$OUT/holders.csv" --db "$OUT/s.db" >/dev/null
"$C" init --database "$PGDB" --key "$OUT/p.key" --origin bench.custodia.example/ledger >/dev/null
"$C" import holders "$OUT/holders.csv" --database "$PGDB" --key "$OUT/p.key" >/dev/null

timed simport "$C" import items "$OUT/items.csv" --db "$OUT/s.db"
S_IMP=$T; S_IMP_M=$M; S_IMP_C=$CPU
timed pimport "$C" import items "$OUT/items.csv" --database "$PGDB" --key "$OUT/p.key"
P_IMP=$T; P_IMP_M=$M; P_IMP_C=$CPU
timed srecord "$C" record "$OUT/events.jsonl" --db "$OUT/s.db"
S_REC=$T; S_REC_M=$M; S_REC_C=$CPU
timed precord "$C" record "$OUT/events.jsonl" --database "$PGDB" --key "$OUT/p.key"
P_REC=$T; P_REC_M=$M; P_REC_C=$CPU
timed sverify "$C" verify --db "$OUT/s.db"
S_VER=$T; S_VER_M=$M
timed pverify "$C" verify --database "$PGDB" --key "$OUT/p.key"
P_VER=$T; P_VER_M=$M

printf '   %-14s %22s %22s %8s\n' "" "SQLite" "PostgreSQL" "PG/SQLite"
printf '   %-14s %22s %22s %8s\n' "floor (.import / \\copy)" "$(rate "$ITEMS" "$S_FLOOR") rows/s" "$(rate "$ITEMS" "$P_FLOOR") rows/s" "$(ratio "$P_FLOOR" "$S_FLOOR")x"
printf '   %-14s %22s %22s %8s\n' "import items" "$(rate "$ITEMS" "$S_IMP") items/s" "$(rate "$ITEMS" "$P_IMP") items/s" "$(ratio "$P_IMP" "$S_IMP")x"
printf '   %-14s %22s %22s %8s\n' "record events" "$(rate "$EVENTS" "$S_REC") events/s" "$(rate "$EVENTS" "$P_REC") events/s" "$(ratio "$P_REC" "$S_REC")x"
printf '   %-14s %22s %22s %8s\n' "verify" "${S_VER} s" "${P_VER} s" "$(ratio "$P_VER" "$S_VER")x"
echo "   (PG/SQLite: time taken, the goal is <= 2x for import and record)"
echo "   custodia's own peak memory, MB: import $S_IMP_M / $P_IMP_M, record $S_REC_M / $P_REC_M, verify $S_VER_M / $P_VER_M (SQLite / PostgreSQL)"
echo "   custodia's own CPU, s: import $S_IMP_C / $P_IMP_C, record $S_REC_C / $P_REC_C (the PostgreSQL server's is apart)"
grep -h "verified" "$OUT/pverify.out" | cut -c1-200 | sed 's/^/   PostgreSQL: /'
psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS custodia_bench WITH (FORCE)" >/dev/null
