#!/usr/bin/env bash
# Server benchmark on the national demo (release build, wrk on loopback):
#
#   1. reads:  GET an item by serial, then its history (alternating), random items;
#      (the phases item and history, not run by default, send only one of the two);
#   2. single: POST one event per request (issue, later return, of depot items);
#   3. batch:  POST batches of 100 events (50 items issued and returned in each batch).
#
# Then the HTTP floor: the same phases, scripts and load against custodia-http-floor, a bare
# Hummingbird server that answers each request with a body of the size Custodia answered
# with and does nothing else. Its rates are what Hummingbird, SwiftNIO and loopback allow on
# this machine for these requests; the last table puts each phase beside its floor.
#
# Writes are durable (synchronous=FULL, ledger on, a signed checkpoint per group commit).
# For each phase it prints requests/s (and events/s), p50/p99 latency, non-2xx answers and
# the server's resident memory sampled every second (start, max, end).
#
#   scripts/bench-server.sh                         # 60 s per phase
#   DURATION=10 scripts/bench-server.sh             # a quick check
#   PHASES="reads" CONNECTIONS=128 scripts/bench-server.sh
#
# The national demo (about 5 minutes to build) is kept in bench-out/server/national.db and
# reused; each run works on a copy. Environment: DURATION (s), THREADS (wrk threads),
# CONNECTIONS, PHASES, PORT, SCALE (national|small), READERS (database reader connections),
# CUSTODIA_BIN (a custodia binary to run instead of building this tree's), FLOOR=0 (skip the
# HTTP floor), WITNESS=1 (run a witness beside the server, on PORT+2, and have the server
# submit its checkpoints to it), PG=0 (skip PostgreSQL).
#
# Then, unless PG=0, the same phases on PostgreSQL (a throwaway cluster on this machine,
# scripts/pg-cluster.sh): the working copy moved there by `custodia migrate` (timed), one
# server, then two servers on the one database, each sent half the connections and its own
# half of the items by its own wrk; their rates are summed.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
PHASES=${PHASES:-"reads single batch"}
PORT=${PORT:-18282}
SCALE=${SCALE:-national}
READERS=${READERS:-4}
FLOOR=${FLOOR:-1}
WITNESS=${WITNESS:-0}
PG=${PG:-1}

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3" >&2; exit 1; }

if [ -n "${CUSTODIA_BIN:-}" ]; then
  # Another build of custodia (e.g. the baseline of a side-by-side comparison).
  bin=$(cd "$(dirname "$CUSTODIA_BIN")" && pwd)/$(basename "$CUSTODIA_BIN")
  echo "== binary $bin"
else
  echo "== release build"
  swift build -c release --product custodia >"${TMPDIR:-/tmp}/custodia-bench-build.log" 2>&1 || {
    tail -n 30 "${TMPDIR:-/tmp}/custodia-bench-build.log"
    exit 1
  }
  bin="$PWD/.build/release/custodia"
fi
if [ "$FLOOR" = 1 ]; then
  swift build -c release --product custodia-http-floor >"${TMPDIR:-/tmp}/custodia-bench-build.log" 2>&1 || {
    tail -n 30 "${TMPDIR:-/tmp}/custodia-bench-build.log"
    exit 1
  }
  floor_bin="$PWD/.build/release/custodia-http-floor"
fi

out="$PWD/bench-out/server"
mkdir -p "$out"
demo="$out/$SCALE.db"
if [ ! -f "$demo" ]; then
  echo "== building the $SCALE demo (once; national takes about 5 minutes)"
  "$bin" demo --scale "$SCALE" --db "$demo"
fi

work=$(mktemp -d)
server_pid=""
sampler_pid=""
witness_pid=""
extra_pids=()
cleanup() {
  for p in "${extra_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
  [ -n "$witness_pid" ] && kill "$witness_pid" 2>/dev/null || true
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== working copy, administrator and token"
db="$work/bench.db"
cp "$demo" "$db"
cp "$demo.key" "$db.key"
chmod 600 "$db.key"
echo "benchmark-password-$(date +%s)" | "$bin" user add bench-admin --role admin --bcrypt-cost 4 --db "$db" >/dev/null
export BENCH_TOKEN
BENCH_TOKEN=$("$bin" token create bench-admin --db "$db" | grep '^cust_')
export BENCH_DIR="$work" BENCH_THREADS="$THREADS"

if [ "$PG" = 1 ]; then
  echo "== the working copy moved to PostgreSQL (custodia migrate), for the PostgreSQL phases"
  eval "$(scripts/pg-cluster.sh start)"
  pg_admin=$CUSTODIA_TEST_POSTGRES_URL
  pg_url=${pg_admin%/*}/custodia_server_bench
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS custodia_server_bench WITH (FORCE)" -c "CREATE DATABASE custodia_server_bench" >/dev/null
  cp "$db.key" "$work/pg.key"
  chmod 600 "$work/pg.key"
  t0=$(date +%s.%N)
  "$bin" migrate --from "$db" --to "$pg_url" | head -2 | sed 's/^/   /'
  echo "   migrate (copy, then verify): $(echo "$(date +%s.%N) - $t0" | bc -l | cut -c1-6) s"
fi

echo "== item samples"
# Reads: random items. Writes: items held at a depot (site), issued to an open unit and
# returned; odd and even ids make two disjoint sets for the single and batch phases.
lua_string() { echo "'\"' || replace(replace($1, '\\', '\\\\'), '\"', '\\\"') || '\"'"; }
{
  echo "return {"
  sqlite3 "$db" "SELECT '{id=' || id || ',serial=' || $(lua_string serial) || ',manufacturer=' || $(lua_string manufacturer) || '},'
                 FROM items ORDER BY random() LIMIT 20000;"
  echo "}"
} >"$work/items.lua"
unit=$(sqlite3 "$db" "SELECT code FROM holders WHERE kind = 'unit' AND closed = 0 ORDER BY code LIMIT 1;")
for part in single batch; do
  parity=$([ "$part" = single ] && echo 0 || echo 1)
  {
    echo "return {"
    sqlite3 "$db" "
      SELECT '{serial=' || $(lua_string i.serial) || ',manufacturer=' || $(lua_string i.manufacturer) ||
             ',model=' || $(lua_string i.model) || ',holder=\"' || i.holder || '\",unit=\"$unit\"},'
      FROM items i JOIN holders h ON h.code = i.holder
      WHERE i.status = 'held' AND h.kind = 'site' AND h.closed = 0 AND i.id % 2 = $parity
      ORDER BY i.id LIMIT 20000;"
    echo "}"
  } >"$work/$part-items.lua"
done
echo "   $(grep -c '^{' "$work/items.lua") items to read; $(grep -c '^{' "$work/single-items.lua") + $(grep -c '^{' "$work/batch-items.lua") depot items to move (to $unit)"

# serve PORT LOG CMD…: starts the server CMD in the background, makes it the target of the
# phases and waits (up to 30 s) until PORT answers /healthz.
serve() {
  local port=$1 log=$2; shift 2
  "$@" >"$log" 2>&1 &
  server_pid=$!
  target_pid=$server_pid
  target_port=$port
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return
    sleep 0.1
  done
}

witness_flags=()
if [ "$WITNESS" = 1 ]; then
  witness_port=$((PORT + 2))
  witness_key=$("$bin" witness key --key "$work/witness.key" --name bench.witness.example/w1)
  "$bin" witness add-log "$("$bin" ledger checkpoint --db "$db" | sed -n 1p)" "$("$bin" ledger key --db "$db")" \
    --state "$work/witness.state" >/dev/null
  "$bin" witness serve --key "$work/witness.key" --state "$work/witness.state" --port "$witness_port" >"$work/witness.log" 2>&1 &
  witness_pid=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$witness_port/" >/dev/null 2>&1 && break; sleep 0.1; done
  witness_flags=(--witness "http://127.0.0.1:$witness_port=$witness_key")
  echo "== witness on 127.0.0.1:$witness_port ($witness_key)"
fi

echo "== server on 127.0.0.1:$PORT"
serve "$PORT" "$work/server.log" "$bin" serve --db "$db" --port "$PORT" --log-level warning --readers "$READERS" "${witness_flags[@]}"
curl -fsS "http://127.0.0.1:$PORT/healthz"
echo

# Resident memory and its private (anonymous) part, in KiB. The pool's readers map the
# database file, so resident memory also counts the file's pages they have read (shared with
# the page cache and given back under pressure); the private part is the server's own.
rss_kib() { awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } END { print r, a }' "/proc/$target_pid/status"; }

# The server's CPU seconds so far (user + system, all threads).
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$target_pid/stat"; }
# The whole machine's busy and total CPU jiffies so far (wrk, the servers and PostgreSQL
# alike): what a phase cost the machine, and whether the machine had any to spare.
machine_jiffies() { awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8; print b, b + $5 + $6 }' /proc/stat; }
# machine_report NAME BUSY0 TOTAL0 REQUESTS: the cores busy since, and CPU per request.
machine_report() {
  local m1b m1t
  read -r m1b m1t < <(machine_jiffies)
  awk -v name="$1" -v b0="$2" -v t0="$3" -v b="$m1b" -v t="$m1t" -v r="$4" -v n="$(nproc)" -v hz="$(getconf CLK_TCK)" 'BEGIN {
      busy = n * (b - b0) / (t - t0); per = (r > 0) ? 1e6 * (b - b0) / hz / r : 0
      printf "   machine CPU (all processes): %.2f of %d cores busy; %.0f µs per request\n", busy, n, per
      print name, busy, per >> "'"$work/machine"'" }'
}
# The writer's totals from one read of /metrics: seconds inside group commits and events
# appended (0 when absent).
writer_totals() {
  { curl -fsS -H "Authorization: Bearer $BENCH_TOKEN" "http://127.0.0.1:${1:-$target_port}/metrics" 2>/dev/null || true; } |
    awk '$1 == "custodia_write_group_duration_seconds_sum" { g = $2 } $1 == "custodia_events_appended_total" { e = $2 }
         $1 == "custodia_write_groups_total" { n = $2 }
         END { print g + 0, e + 0, n + 0 }'
}
# group_report NAME GROUP0 EVENTS0 GROUPS0 PORT: the group commits a server made since.
group_report() {
  local g1 e1 n1
  read -r g1 e1 n1 < <(writer_totals "$5")
  awk -v name="$1" -v g0="$2" -v e0="$3" -v n0="$4" -v g="$g1" -v e="$e1" -v n="$n1" 'BEGIN {
      if (n > n0) printf "   %s: %d group commits, %.1f events and %.2f ms each on average\n", name, n - n0, (e - e0) / (n - n0), 1000 * (g - g0) / (n - n0) }'
}

run_phase() {
  local name=$1 script=$2 events_per_request=$3 mode=${4:-both}
  echo "== $name ($DURATION s, $THREADS threads, $CONNECTIONS connections)"
  local cpu0 group0 events0 t0
  cpu0=$(cpu_s)
  local groups0 groups1
  read -r group0 events0 groups0 < <(writer_totals)
  local mb0 mt0
  read -r mb0 mt0 < <(machine_jiffies)
  t0=$(date +%s.%N)
  : >"$work/rss-$name"
  (while kill -0 "$target_pid" 2>/dev/null; do rss_kib >>"$work/rss-$name"; sleep 1; done) &
  sampler_pid=$!
  READS_MODE=$mode wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency --timeout 10s \
    -s "scripts/bench/$script" "http://127.0.0.1:$target_port" >"$work/wrk-$name" 2>&1 || true
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  local cpu1 group1 events1 t1
  cpu1=$(cpu_s)
  read -r group1 events1 groups1 < <(writer_totals)
  t1=$(date +%s.%N)
  local rps p50 p99 non2xx errors
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-$name")
  p50=$(awk '$1 == "50%" { print $2 }' "$work/wrk-$name")
  p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk-$name")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' "$work/wrk-$name")
  errors=$(awk '/Socket errors:/ { print }' "$work/wrk-$name")
  # Bytes read per response (headers included): wrk's total read over its request count.
  bytes=$(awk '/requests in/ { n = $1; v = $5; u = v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+$/, "", v)
                 m = (u == "KB") ? 1024 : (u == "MB") ? 1048576 : (u == "GB") ? 1073741824 : 1
                 if (n > 0) printf "%.0f", v * m / n }' "$work/wrk-$name")
  echo "$name ${rps:-0} $events_per_request" >>"$work/rates"
  printf '   requests/s %s' "${rps:-?}"
  if [ "$events_per_request" -gt 1 ] && [ -n "$rps" ]; then
    printf '   events/s %.0f' "$(echo "$rps * $events_per_request" | bc -l)"
  fi
  printf '   p50 %s   p99 %s   non-2xx %s   bytes/response %s\n' "${p50:-?}" "${p99:-?}" "${non2xx:-0}" "${bytes:-?}"
  [ -n "$errors" ] && echo "   $errors"
  # Where the time went: the cores the server kept busy, and for writes the share of the run
  # the writer spent inside group commits and the server's CPU per event written.
  awk -v c="$cpu1" -v c0="$cpu0" -v t="$t1" -v t0="$t0" -v g="$group1" -v g0="$group0" -v e="$events1" -v e0="$events0" \
    -v n="$(nproc)" 'BEGIN {
      w = t - t0; printf "   server CPU: %.2f of %d cores busy on average", (c - c0) / w, n
      if (e > e0) printf "; writer inside group commits %.0f%% of the run; %.1f µs of server CPU per event written",
        100 * (g - g0) / w, 1e6 * (c - c0) / (e - e0)
      printf "\n" }'
  machine_report "$name" "$mb0" "$mt0" "$(awk '/requests in/ { print $1 }' "$work/wrk-$name")"
  if [ "${groups1:-0}" != "${groups0:-0}" ]; then
    awk -v n="$((groups1 - groups0))" -v e="$events1" -v e0="$events0" -v g="$group1" -v g0="$group0" 'BEGIN {
      printf "   %d group commits, %.1f events and %.2f ms each on average\n", n, (e - e0) / n, 1000 * (g - g0) / n }'
  fi
  awk 'function quarters(a,   q, i) {
         for (q = 0; q <= 4; q++) { i = int(1 + (NR - 1) * q / 4); printf " %.0f", a[i] / 1024 }
       }
       { v[NR] = $1; p[NR] = $2; if ($1 > max) max = $1; if ($2 > pmax) pmax = $2 }
       END {
         if (!NR) exit
         printf "   server RSS MiB: max %.0f; by quarter of the run:", max / 1024
         quarters(v)
         printf " (%d samples)\n", NR
         printf "   of it private (anonymous) MiB: max %.0f; by quarter:", pmax / 1024
         quarters(p)
         printf "\n"
       }' "$work/rss-$name"
  if [ -n "$non2xx" ] && [ "$non2xx" != "0" ]; then
    grep "^$name: " "$work/wrk-$name" | head -3 | cut -c1-400 | sed 's/^/   /' || true
  fi
}

# run_phases PREFIX: every phase of PHASES against the target, each named PREFIX + phase.
run_phases() {
  local prefix=$1 phase
  for phase in $PHASES; do
    case "$phase" in
      reads) run_phase "${prefix}reads" reads.lua 1 ;;
      item) run_phase "${prefix}item" reads.lua 1 item ;;
      history) run_phase "${prefix}history" reads.lua 1 history ;;
      single) run_phase "${prefix}single" single.lua 1 ;;
      batch) run_phase "${prefix}batch" batch.lua 100 ;;
      *) echo "unknown phase $phase (reads, item, history, single, batch)" >&2; exit 1 ;;
    esac
  done
}
run_phases ""

echo "== server"
curl -fsS -H "Authorization: Bearer $BENCH_TOKEN" "http://127.0.0.1:$PORT/metrics" | grep -E '^custodia_(events_appended_total|write_groups_total|ledger_size|witness_[a-z_]+)[ {]' || true
if [ -s "$work/server.log" ]; then
  echo "server log (last 20 lines):"
  tail -n 20 "$work/server.log"
fi
if [ "$PG" = 1 ]; then
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  pg_port=$((PORT + 3))
  echo "== one server on PostgreSQL, 127.0.0.1:$pg_port"
  serve "$pg_port" "$work/pg-server.log" "$bin" serve --database "$pg_url" --key "$work/pg.key" --port "$pg_port" --log-level warning
  run_phases pg-
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""

  # Two servers, each with its own half of every item list (disjoint items, so that the two
  # never move the same item).
  for half in a b; do
    mkdir -p "$work/$half"
    for list in items single-items batch-items; do
      awk -v h="$half" 'BEGIN { n = 0 } /^\{/ { n++; if ((n % 2 == 1) == (h == "a")) print; next } { print }' \
        "$work/$list.lua" >"$work/$half/$list.lua"
    done
  done
  ports2=($((PORT + 4)) $((PORT + 5)))
  pids2=()
  for i in 0 1; do
    "$bin" serve --database "$pg_url" --key "$work/pg.key" --port "${ports2[$i]}" --log-level warning >"$work/pg2-server-$i.log" 2>&1 &
    pids2+=($!)
    extra_pids+=($!)
  done
  for i in 0 1; do
    for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:${ports2[$i]}/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  done
  echo "== two servers on the one PostgreSQL database, 127.0.0.1:${ports2[0]} and :${ports2[1]} ($((CONNECTIONS / 2)) connections each)"
  for phase in $PHASES; do
    case "$phase" in
      reads | item | history) script=reads.lua; per=1; mode=${phase/reads/both} ;;
      single) script=single.lua; per=1; mode=both ;;
      batch) script=batch.lua; per=100; mode=both ;;
    esac
    read -r mb0 mt0 < <(machine_jiffies)
    declare -a wg0 we0 wn0
    for i in 0 1; do read -r "wg0[$i]" "we0[$i]" "wn0[$i]" < <(writer_totals "${ports2[$i]}"); done
    for i in 0 1; do
      half=$([ "$i" = 0 ] && echo a || echo b)
      BENCH_DIR="$work/$half" READS_MODE=$mode wrk -t "$THREADS" -c "$((CONNECTIONS / 2))" -d "${DURATION}s" --latency --timeout 10s \
        -s "scripts/bench/$script" "http://127.0.0.1:${ports2[$i]}" >"$work/wrk-pg2-$phase-$i" 2>&1 &
      wrk_pids[$i]=$!
    done
    wait "${wrk_pids[0]}" "${wrk_pids[1]}" || true
    awk -v per="$per" -v name="pg2-$phase" '
      /^Requests\/sec:/ { rps += $2 } $1 == "99%" { if ($2 > p99) p99 = $2 }
      /Non-2xx or 3xx responses:/ { non2xx += $5 }
      END { printf "   %s: requests/s %.0f (sum of both)", name, rps
            if (per > 1) printf "   events/s %.0f", rps * per
            printf "   worse p99 of the two %s   non-2xx %d\n", p99, non2xx
            print name, rps, per >> "'"$work/rates"'" }' "$work/wrk-pg2-$phase-0" "$work/wrk-pg2-$phase-1"
    for i in 0 1; do group_report "server $((i + 1))" "${wg0[$i]}" "${we0[$i]}" "${wn0[$i]}" "${ports2[$i]}"; done
    machine_report "pg2-$phase" "$mb0" "$mt0" "$(awk '/requests in/ { n += $1 } END { print n + 0 }' "$work/wrk-pg2-$phase-0" "$work/wrk-pg2-$phase-1")"
  done
  for p in "${pids2[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  extra_pids=()
  "$bin" verify --database "$pg_url" --key "$work/pg.key" | cut -c1-160 | sed 's/^/   /'
  echo "== PostgreSQL beside SQLite (events/s for batches)"
  awk -v phases="$PHASES" '{ rate[$1] = $2 * $3 } END {
         printf "   %-8s %12s %14s %16s %10s %10s\n", "phase", "sqlite", "postgres (1)", "postgres (2)", "pg1/sqlite", "pg2/pg1"
         n = split(phases, names, " ")
         for (i = 1; i <= n; i++) { name = names[i]
           if (name in rate) printf "   %-8s %12.0f %14.0f %16.0f %9.2fx %9.2fx\n", name, rate[name], rate["pg-" name], rate["pg2-" name],
             rate["pg-" name] / rate[name], (rate["pg-" name] > 0 ? rate["pg2-" name] / rate["pg-" name] : 0) }
       }' "$work/rates"
  # Whether a second server could add throughput on this machine at all: the cores busy in
  # each run, and the machine's CPU per request (every process: wrk, servers, PostgreSQL).
  awk -v phases="$PHASES" '{ busy[$1] = $2; per[$1] = $3 } END {
         printf "   %-8s %22s %22s %12s\n", "phase", "pg (1): cores, µs/req", "pg (2): cores, µs/req", "µs/req 2/1"
         n = split(phases, names, " ")
         for (i = 1; i <= n; i++) { name = names[i]
           if (("pg-" name) in per) printf "   %-8s %10.2f %11.0f %10.2f %11.0f %11.2fx\n", name, busy["pg-" name], per["pg-" name],
             busy["pg2-" name], per["pg2-" name], (per["pg-" name] > 0 ? per["pg2-" name] / per["pg-" name] : 0) }
       }' "$work/machine"
  # The floor below needs the SQLite server's answers again.
  serve "$PORT" "$work/server2.log" "$bin" serve --db "$db" --port "$PORT" --log-level warning --readers "$READERS"
fi

[ "$FLOOR" = 1 ] || exit 0

# The bodies Custodia answered the read phases with: their mean sizes over 500 of the sampled
# items, by the same requests reads.lua sends.
read -r item_bytes history_bytes < <(python3 - "$work/items.lua" "$PORT" "$BENCH_TOKEN" <<'PY'
import re, sys, urllib.parse, urllib.request
items = re.findall(r'\{id=(\d+),serial="((?:[^"\\]|\\.)*)",manufacturer="((?:[^"\\]|\\.)*)"\}', open(sys.argv[1]).read())[:500]
def size(path):
    request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[2]}{path}", headers={"Authorization": f"Bearer {sys.argv[3]}"})
    return len(urllib.request.urlopen(request).read())
unescape = lambda s: s.replace('\\"', '"').replace('\\\\', '\\')
q = urllib.parse.quote
item = [size(f"/api/v1/items?serial={q(unescape(s), safe='')}&manufacturer={q(unescape(m), safe='')}") for _, s, m in items]
history = [size(f"/api/v1/items/{i}/history?limit=100") for i, _, _ in items]
print(sum(item) // len(item), sum(history) // len(history))
PY
)
kill -TERM "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=""

floor_port=$((PORT + 1))
echo "== HTTP floor: custodia-http-floor on 127.0.0.1:$floor_port, bodies of $item_bytes (item) and $history_bytes (history) bytes"
serve "$floor_port" "$work/floor.log" "$floor_bin" --port "$floor_port" --item-bytes "$item_bytes" --history-bytes "$history_bytes"
run_phases floor-

echo "== each phase beside its HTTP floor (events/s for batches)"
awk -v phases="$PHASES" '{ rate[$1] = $2 * $3 } END {
       printf "   %-8s %12s %12s %8s\n", "phase", "custodia", "floor", "ratio"
       n = split(phases, names, " ")
       for (i = 1; i <= n; i++) { name = names[i]
         if ((name in rate) && rate["floor-" name] > 0)
           printf "   %-8s %12.0f %12.0f %7.2fx\n", name, rate[name], rate["floor-" name], rate[name] / rate["floor-" name] }
     }' "$work/rates"
