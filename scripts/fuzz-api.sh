#!/usr/bin/env bash
# Fuzzes the running server against its own OpenAPI document with schemathesis: every
# documented operation gets generated valid and invalid requests (as an administrator, and
# without credentials), and the run fails on any 5xx, any status, content type, header or
# body that the document does not describe, and any operation that answers without the
# credentials it requires.
#
#   scripts/fuzz-api.sh                 # debug build, 50 examples per operation
#   MAX_EXAMPLES=200 BUILD=release scripts/fuzz-api.sh
#
# Needs python3 with venv (schemathesis is installed from PyPI into .build/schemathesis).
# Environment: BUILD (debug|release), MAX_EXAMPLES, PORT, SEED, WORKERS.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-debug}
MAX_EXAMPLES=${MAX_EXAMPLES:-50}
PORT=${PORT:-18181}
SEED=${SEED:-2026}
WORKERS=${WORKERS:-2}
started=$(date +%s)

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build ($BUILD)"
swift build -c "$BUILD" --product custodia >/dev/null
bin=".build/$BUILD/custodia"

echo "== schemathesis"
venv=.build/schemathesis
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet "schemathesis>=4,<5"
fi
"$venv/bin/schemathesis" --version

echo "== demo store, administrator and token"
db="$work/demo.db"
"$bin" demo --db "$db" >/dev/null 2>&1
echo "fuzzing-password-$(date +%s)" | "$bin" user add admin --role admin --bcrypt-cost 4 --db "$db" >/dev/null
token=$("$bin" token create admin --db "$db" | grep '^cust_')

echo "== server on 127.0.0.1:$PORT"
"$bin" serve --db "$db" --port "$PORT" --log-level warning >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null

echo "== fuzzing ($MAX_EXAMPLES examples per operation, seed $SEED)"
status=0
"$venv/bin/schemathesis" run "http://127.0.0.1:$PORT/api/openapi.yaml" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,ignored_auth,unsupported_method,allow_header_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers "$WORKERS" \
  --request-timeout 10 --no-color \
  --report junit --report-dir "$work/report" || status=$?

if [ "$status" -ne 0 ]; then
  echo "== server log (last 50 lines)"
  tail -n 50 "$work/server.log" || true
fi
if grep -q " error " "$work/server.log"; then
  echo "the server logged errors:"; grep " error " "$work/server.log" | head -20
  status=1
fi
echo "== done in $(($(date +%s) - started)) s, exit $status"
exit "$status"
