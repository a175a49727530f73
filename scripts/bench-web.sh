#!/usr/bin/env bash
# Measures the web pages on the national demo: server time (median and p99 of the server's
# own `Server-Timing: app;dur=…` header) and page weight, for the dashboard, search, item,
# holder, recording form and ledger pages, and the dashboard right after writes.
#
#   scripts/bench-web.sh                 # builds release, reuses or creates bench-out/national.db
#   BENCH_DB=/path/store.db scripts/bench-web.sh
#   BENCH_REQUESTS=50 (per page), BENCH_SCALE=national (for a new store)
#
# Creating the national demo takes about five minutes; it is kept for the next run. The
# store gets two users (bench-admin, bench-clerk scoped to a zone) and ten issues recorded
# through the pages. Results are printed and written to bench-out/web-bench.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

db="${BENCH_DB:-bench-out/national.db}"
requests="${BENCH_REQUESTS:-50}"
scale="${BENCH_SCALE:-national}"
mkdir -p bench-out "$(dirname "$db")"

echo "== building (release)"
swift build -c release --product custodia
bin="$(swift build -c release --show-bin-path)/custodia"

if [ ! -f "$db" ]; then
    echo "== creating the $scale demo at $db (national: about five minutes)"
    "$bin" demo --scale "$scale" --db "$db"
fi

export CUSTODIA_BCRYPT_COST=4
password="bench-password-web"
zone="$(sqlite3 "$db" "SELECT code FROM holders WHERE kind = 'zone' ORDER BY code LIMIT 1;")"
users="$("$bin" user list --db "$db" 2>/dev/null || true)"
if ! grep -q "bench-admin" <<<"$users"; then
    echo "$password" | "$bin" user add bench-admin --role admin --db "$db"
fi
if ! grep -q "bench-clerk" <<<"$users"; then
    echo "$password" | "$bin" user add bench-clerk --role clerk --scope "$zone" --db "$db"
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
echo "== server on port $port (opening the store may migrate it first)"
# /healthz says whether the start-up work is done to operators only: this run's own token.
operator_token="bench-operator-$(date +%s%N)-token-for-readiness"
CUSTODIA_OPERATOR_TOKEN="$operator_token" "$bin" serve --db "$db" --port "$port" --log-level warning > bench-out/web-bench-server.log 2>&1 &
server=$!
stop() {
    if kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server"
        wait "$server" 2>/dev/null || true
    fi
}
trap stop EXIT
started=$(date +%s.%N)
for _ in $(seq 1 1200); do
    if curl -fsS -H "Authorization: Bearer $operator_token" "http://127.0.0.1:$port/healthz?detail=true" 2>/dev/null |
        grep -q '"ready":true'; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then
        cat bench-out/web-bench-server.log >&2
        exit 1
    fi
    sleep 0.5
done

echo "== ready (start-up work done: the web pages' counts loaded) $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$started" "$(date +%s.%N)") s after launch"
echo "== measuring ($requests requests per page)"
BENCH_URL="http://127.0.0.1:$port" BENCH_DB="$db" BENCH_ZONE="$zone" BENCH_PASSWORD="$password" \
    BENCH_REQUESTS="$requests" python3 - <<'PY' | tee bench-out/web-bench.txt
import html, http.client, os, re, sqlite3, statistics, time, urllib.parse

url = urllib.parse.urlparse(os.environ["BENCH_URL"])
db = sqlite3.connect(f"file:{os.environ['BENCH_DB']}?mode=ro", uri=True)
zone = os.environ["BENCH_ZONE"]
password = os.environ["BENCH_PASSWORD"]
count = int(os.environ["BENCH_REQUESTS"])


def one(sql, *args):
    return db.execute(sql, args).fetchone()


class Browser:
    def __init__(self):
        self.cookies = {}
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)

    def request(self, method, path, body=None):
        headers = {"Accept-Language": "es"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(body)
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        timing = response.getheader("Server-Timing") or ""
        match = re.search(r"dur=([0-9.]+)", timing)
        return response.status, data.decode("utf-8", "replace"), float(match.group(1)) if match else None, response

    def sign_in(self, user):
        _, page, _, _ = self.request("GET", "/signin")
        token = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        status, _, _, _ = self.request("POST", "/signin", {"csrf": token, "user": user, "password": password, "next": "/"})
        assert status == 303, f"signing in as {user}: {status}"

    def csrf(self):
        _, page, _, _ = self.request("GET", "/record")
        return re.search(r'name="csrf" value="([^"]*)"', page).group(1)


admin, clerk = Browser(), Browser()
admin.sign_in("bench-admin")
clerk.sign_in("bench-clerk")

# What to look at: the item with the longest history among a sample, a typical one, the
# depot holding the most, a unit, serial parts that match many and none.
(busiest,) = one(
    "SELECT item_id FROM event_items WHERE item_id IN (SELECT id FROM items ORDER BY id LIMIT 20000) "
    "GROUP BY item_id ORDER BY count(*) DESC LIMIT 1"
)
(typical,) = one("SELECT id FROM items WHERE status = 'held' ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 4 FROM items)")
(depot, held) = one("SELECT holder, count(*) FROM items WHERE holder IS NOT NULL GROUP BY holder ORDER BY 2 DESC LIMIT 1")
(unit,) = one("SELECT code FROM holders WHERE kind = 'unit' ORDER BY code LIMIT 1")
(serial,) = one("SELECT serial FROM items ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 3 FROM items)")
(model,) = one("SELECT model FROM items GROUP BY model ORDER BY count(*) DESC LIMIT 1")
(size,) = one("SELECT count(*) FROM events")
(receipt,) = one("SELECT max(seq) FROM events WHERE kind = 'issue'")
(zone_item,) = one(
    "WITH RECURSIVE sub(code) AS (SELECT ? UNION ALL SELECT h.code FROM holders h JOIN sub ON h.parent = sub.code) "
    "SELECT id FROM items WHERE holder IN (SELECT code FROM sub) ORDER BY id LIMIT 1", zone)

pages = [
    ("dashboard (whole register)", admin, "/"),
    (f"dashboard (zone {zone})", clerk, "/"),
    (f"search partial serial '{serial[2:6]}'", admin, "/search?q=" + urllib.parse.quote(serial[2:6])),
    (f"search model '{model}'", admin, "/search?q=" + urllib.parse.quote(model)),
    ("search, no match", admin, "/search?q=ZZQX9"),
    ("search, no match (zone)", clerk, "/search?q=ZZQX9"),
    (f"item {busiest} (longest history)", admin, f"/items/{busiest}"),
    (f"item {typical}", admin, f"/items/{typical}"),
    (f"item {zone_item} (zone)", clerk, f"/items/{zone_item}"),
    (f"holder {depot} ({held} items), page 1", admin, f"/holders/{depot}"),
    (f"holder {depot}, page 20", admin, f"/holders/{depot}?page=20"),
    (f"holder {unit}", admin, f"/holders/{unit}"),
    ("holder tree", admin, "/holders"),
    ("record form: issue", admin, "/record/issue"),
    ("record form: receive (open dispatches)", admin, "/record/receive"),
    ("ledger", admin, "/ledger"),
    (f"proof of entry {size // 2}", admin, f"/ledger/proof/{size // 2}"),
    (f"receipt {receipt}", admin, f"/receipts/{receipt}"),
]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


print(f"store: {os.environ['BENCH_DB']} ({size} events)")
# The first page once the server is ready (the counts kept in memory are loaded at start).
started = time.monotonic()
status, page, first, _ = admin.request("GET", "/")
print(f"first dashboard after start: {first:.1f} ms server time, {time.monotonic() - started:.2f} s wall")
print()
print(f"{'page':58} {'median ms':>9} {'p99 ms':>8} {'max ms':>8} {'KB':>7}")
failures = []
for name, browser, path in pages:
    for _ in range(3):
        browser.request("GET", path)
    times, weight = [], 0
    for _ in range(count):
        status, body, ms, _ = browser.request("GET", path)
        if status != 200:
            failures.append(f"{name}: {status}")
            break
        times.append(ms)
        weight = len(body.encode("utf-8"))
    if times:
        print(f"{name:58} {statistics.median(times):9.1f} {percentile(times, 99):8.1f} {max(times):8.1f} {weight / 1024:7.1f}")

# Writes through the pages (group commit), each followed by the dashboard and the holder.
rows = db.execute(
    "SELECT serial, manufacturer, model FROM items i WHERE holder = ? AND status = 'held' "
    "AND (SELECT count(*) FROM items j WHERE j.serial = i.serial) = 1 ORDER BY id DESC LIMIT 10", (depot,)).fetchall()
(target,) = one("SELECT code FROM holders WHERE parent = (SELECT parent FROM holders WHERE code = ?) AND kind = 'unit' LIMIT 1", depot) or (unit,)
confirm, after, holder_after = [], [], []
for n, (s, m, mo) in enumerate(rows):
    fields = {"csrf": admin.csrf(), "from": depot, "to": target, "items": f"{s} | {m} | {mo}", "document": f"BENCH-{int(time.time())}-{n}"}
    status, page, _, _ = admin.request("POST", "/record/issue", fields)
    hidden = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page.split('action="/record/issue/confirm"')[1])
    status, _, ms, _ = admin.request("POST", "/record/issue/confirm", [(k, html.unescape(v)) for k, v in hidden])
    if status != 303:
        failures.append(f"issue {s}: {status}")
        continue
    confirm.append(ms)
    after.append(admin.request("GET", "/")[2])
    holder_after.append(admin.request("GET", f"/holders/{target}")[2])
if confirm:
    print(f"{'record (confirm, group commit) x' + str(len(confirm)):58} {statistics.median(confirm):9.1f} {percentile(confirm, 99):8.1f} {max(confirm):8.1f}")
    print(f"{'dashboard right after each write':58} {statistics.median(after):9.1f} {percentile(after, 99):8.1f} {max(after):8.1f}")
    print(f"{'holder ' + target + ' right after each write':58} {statistics.median(holder_after):9.1f} {percentile(holder_after, 99):8.1f} {max(holder_after):8.1f}")
if failures:
    print("FAILURES:", *failures, sep="\n  ")
    raise SystemExit(1)
PY
