#!/usr/bin/env bash
# Runs the web UI's browser tests: builds the debug binary, creates a small demo store with
# an administrator and a clerk scoped to one zone, starts the server on a free port, runs
# Tests/Browser/test_web.py in headless Chromium (selenium), and stops the server.
# Screenshots go to browser-out/screenshots/. Exits non-zero when anything fails.
#
# Needs: Debian's chromium and chromium-driver, python3 with selenium and pytest, sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."

out=browser-out
work="$out/work"
rm -rf "$work" "$out/screenshots"
mkdir -p "$work" "$out/screenshots"

echo "== building"
swift build --product custodia
bin="$(swift build --show-bin-path)/custodia"

echo "== demo store"
db="$work/demo.db"
"$bin" demo --scale small --db "$db"
export CUSTODIA_BCRYPT_COST=4
admin_password="admin-$(date +%s)-browser"
clerk_password="clerk-$(date +%s)-browser"
zone="$(sqlite3 "$db" "SELECT code FROM holders WHERE kind = 'zone' ORDER BY code LIMIT 1;")"
echo "$admin_password" | "$bin" user add admin --role admin --db "$db"
echo "$clerk_password" | "$bin" user add clerk --role clerk --scope "$zone" --db "$db"
# Two rifles whose serials look alike (a Cyrillic О for a Latin O), registered as distinct,
# at a site of the clerk's zone: the item page shows how they differ.
site="$(sqlite3 "$db" "WITH RECURSIVE sub(code) AS (SELECT '$zone' UNION ALL SELECT h.code FROM holders h JOIN sub ON h.parent = sub.code)
                      SELECT code FROM holders WHERE kind = 'site' AND code IN (SELECT code FROM sub) ORDER BY code LIMIT 1;")"
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
marking='"category":"assault-rifle","manufacturer":"Look-Alike Arms","country":"XX","model":"LA-1","calibre":"7.62x39mm"'
printf '%s\n' \
  "{\"kind\":\"register\",\"to\":\"$site\",\"occurredAt\":\"$now\",\"items\":[{$marking,\"serial\":\"LA-O100\"}]}" \
  "{\"kind\":\"register\",\"to\":\"$site\",\"occurredAt\":\"$now\",\"distinct\":true,\"items\":[{$marking,\"serial\":\"LA-\u041e100\"}]}" \
  | "$bin" record - --db "$db"
# An authorisation in force for that site: the policy page lists it for the clerk.
today="$(date -u +%Y-%m-%d)"
printf '%s\n' \
  "{\"kind\":\"authorisation\",\"occurredAt\":\"$now\",\"document\":\"AUT-BROWSER\",\"authorisation\":{\"holder\":\"$site\",\"purpose\":\"training-firing\",\"validFrom\":\"$today\",\"validUntil\":\"2099-12-31\",\"authorisedBy\":\"$zone\"}}" \
  | "$bin" record - --db "$db"
# A stocktake of that site, open: the clerk (scoped to the zone, not the site) counts it.
"$bin" stocktake open "$site" --db "$db" > /dev/null

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
echo "== server on port $port"
"$bin" serve --db "$db" --port "$port" > "$out/server.log" 2>&1 &
server=$!
stop() {
    if kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server"
        wait "$server" 2>/dev/null || true
    fi
}
trap stop EXIT

for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then
        echo "the server stopped; its log:" >&2
        cat "$out/server.log" >&2
        exit 1
    fi
    sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null

echo "== browser tests"
status=0
CUSTODIA_URL="http://127.0.0.1:$port" CUSTODIA_DB="$db" CUSTODIA_ZONE="$zone" CUSTODIA_STOCKTAKE_SITE="$site" \
    CUSTODIA_ADMIN_PASSWORD="$admin_password" CUSTODIA_CLERK_PASSWORD="$clerk_password" \
    CUSTODIA_SCREENSHOTS="$out/screenshots" \
    python3 -m pytest -v -p no:cacheprovider Tests/Browser/test_web.py || status=$?
stop
trap - EXIT
echo "screenshots: $(ls "$out/screenshots" | wc -l) files in $out/screenshots"
exit "$status"
