#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests and benchmarks of the PostgreSQL
# backend: `start` creates and starts one in DIR (default /tmp/custodia-pg) and prints its
# URL; `stop` stops it; `url` prints the URL of a running one.
#
#   eval "$(scripts/pg-cluster.sh start)"   # exports CUSTODIA_TEST_POSTGRES_URL
#   swift test
#   scripts/pg-cluster.sh stop
#
# CUSTODIA_PG_OPTIONS adds server settings to a new cluster (e.g. "-c
# shared_preload_libraries=pg_stat_statements" to see where a benchmark's statements spend).
#
# Needs PostgreSQL's server programs (Debian: apt-get install postgresql). Run as root, the
# cluster belongs to the `postgres` system user, as PostgreSQL refuses to run as root.
set -euo pipefail

cmd=${1:-}
dir=${2:-${CUSTODIA_PG_DIR:-/tmp/custodia-pg}}
port=${CUSTODIA_PG_PORT:-54329}
url="postgres://custodia@127.0.0.1:$port/custodia"

bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir=$d; done
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then bindir=$(dirname "$(command -v initdb)"); fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  if [ -z "$bindir" ]; then
    echo "PostgreSQL's server programs are not installed; on Debian: apt-get install postgresql" >&2
    exit 69
  fi
  if [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    echo "export CUSTODIA_TEST_POSTGRES_URL=$url"
    exit 0
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  as_owner "$bindir/initdb" -D "$dir/data" -A trust -U custodia -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=1000 -c shared_buffers=256MB ${CUSTODIA_PG_OPTIONS:-}" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U custodia custodia
  echo "export CUSTODIA_TEST_POSTGRES_URL=$url"
  ;;
stop)
  [ -n "$bindir" ] && [ -d "$dir/data" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
  ;;
url)
  echo "$url"
  ;;
*)
  echo "usage: scripts/pg-cluster.sh start|stop|url [DIR]" >&2
  exit 64
  ;;
esac
