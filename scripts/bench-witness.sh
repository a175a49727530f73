#!/usr/bin/env bash
# Witness benchmarks (release build), each beside its floor measured in the same run:
#
#   1. a witness (custodia witness serve) cosigning checkpoints of logs of a million entries,
#      each with its consistency proof, over HTTP: one log's checkpoints in order, then LOGS
#      logs at once; floors: its checks and signature in one process, a journal line appended
#      and flushed to the disk (what it does before answering), HTTP round trips to it (one
#      at a time, then LOGS at once);
#   2. checking a receipt (parse, log signature, two cosignatures, inclusion proof); floor:
#      the three signature checks;
#   3. batched writes to the server (scripts/bench-server.sh, batch phase, small demo) without
#      and with a witness, alternating, ROUNDS times each.
#
#   scripts/bench-witness.sh                  # DURATION=20 s per write phase, ROUNDS=2
#   COUNT=5000 DURATION=30 ROUNDS=3 scripts/bench-witness.sh
#   ROUNDS=0 scripts/bench-witness.sh         # parts 1 and 2 only
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-3000}
LOGS=${LOGS:-8}
DURATION=${DURATION:-20}
ROUNDS=${ROUNDS:-2}
PORT=${PORT:-18390}

swift build -c release --product custodia >/dev/null
swift build -c release --product custodia-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)
C="$BIN/custodia"
B="$BIN/custodia-bench"

work=$(mktemp -d)
witness_pid=""
cleanup() {
  [ -n "$witness_pid" ] && kill "$witness_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== 1-2. witness cosigning, receipt checks"
witness_key=$("$C" witness key --key "$work/w.key" --name bench.witness.example/w1)
"$B" witness --print-log-keys --logs "$LOGS" | while read -r log_key; do
  "$C" witness add-log "${log_key%%+*}" "$log_key" --state "$work/w.state" >/dev/null
done
"$C" witness serve --key "$work/w.key" --state "$work/w.state" --port "$PORT" >"$work/witness.log" 2>&1 &
witness_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
"$B" witness --url "http://127.0.0.1:$PORT" --witness-key "$witness_key" --count "$COUNT" --logs "$LOGS" --dir "$work"
kill "$witness_pid"
wait "$witness_pid" 2>/dev/null || true
witness_pid=""

[ "$ROUNDS" -gt 0 ] || exit 0
echo "== 3. batched writes without and with a witness ($ROUNDS rounds of $DURATION s each)"
for round in $(seq 1 "$ROUNDS"); do
  for witness in 0 1; do
    WITNESS=$witness FLOOR=0 PHASES=batch SCALE=small DURATION=$DURATION CUSTODIA_BIN="$C" scripts/bench-server.sh >"$work/server-$round-$witness.txt" 2>&1 || {
      tail -n 20 "$work/server-$round-$witness.txt"; exit 1; }
    rate=$(awk '/events\/s/ { for (i = 1; i <= NF; i++) if ($i == "events/s") print $(i + 1) }' "$work/server-$round-$witness.txt" | head -n 1)
    echo "$witness $rate" >>"$work/rates"
    label=$([ "$witness" = 1 ] && echo "with a witness   " || echo "without a witness")
    echo "   round $round $label events/s $rate"
    [ "$witness" = 1 ] && grep -E '^custodia_witness_(cosignatures_total|failures_total|up)' "$work/server-$round-$witness.txt" | sed 's/^/      /' || true
  done
done
awk '{ s[$1] += $2; n[$1]++ } END {
  a = s[0] / n[0]; b = s[1] / n[1]
  printf "   mean events/s: without %.0f, with %.0f: the witness costs %.1f%% of batched write throughput\n", a, b, 100 * (a - b) / a }' "$work/rates"
