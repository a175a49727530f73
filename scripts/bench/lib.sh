# Helpers shared by the benchmark scripts (sourced; OUT must be set).
secs() { python3 -c "import sys; print(f'{float(sys.argv[1]):.2f}')" "$1"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }
rate() { python3 -c "import sys; print(int(float(sys.argv[1])/float(sys.argv[2])))" "$1" "$2"; }
add() { python3 -c "import sys; print(f'{float(sys.argv[1]) + float(sys.argv[2]):.2f}')" "$1" "$2"; }
# timed LABEL CMD…: runs CMD, sets T (seconds), M (peak RSS, MB) and CPU (user + system
# seconds, all threads)
timed() {
  local label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$OUT/time.txt" "$@" >"$OUT/$label.out" 2>"$OUT/$label.err" || { cat "$OUT/$label.err"; exit 1; }
  local user sys
  read -r T KB user sys <"$OUT/time.txt"
  M=$((KB / 1024))
  CPU=$(add "$user" "$sys")
}

# release_binaries: builds custodia and custodia-bench (release); sets C and B to them.
release_binaries() {
  command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell: apt-get install sqlite3"; exit 1; }
  swift build -c release --product custodia >/dev/null
  swift build -c release --product custodia-bench >/dev/null
  local bin
  bin=$(swift build -c release --show-bin-path)
  C="$bin/custodia"
  B="$bin/custodia-bench"
}

# bench_inputs ITEMS EVENTS: the generated holders, items and events in OUT, made again
# when their sizes are not those asked for.
bench_inputs() {
  if [ ! -f "$OUT/items.csv" ] || [ "$(($(wc -l <"$OUT/items.csv") - 1))" != "$1" ] \
    || [ ! -f "$OUT/events.jsonl" ] || [ "$(wc -l <"$OUT/events.jsonl")" != "$2" ] \
    || [ ! -f "$OUT/manpads-events.jsonl" ]; then
    "$B" generate --dir "$OUT" --items "$1" --events "$2"
  fi
}
