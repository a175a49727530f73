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
