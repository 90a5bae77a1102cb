#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL 15 + PostGIS server on 127.0.0.1 for the test suite.
#   scripts/test_postgres.sh start DIR [PORT]   -> prints the database URL on stdout
#   scripts/test_postgres.sh stop DIR
# Needs the Debian packages postgresql-15 and postgresql-15-postgis-3, and root (it runs the server as `postgres`).
set -euo pipefail
action=${1:?start or stop}
dir=${2:?data folder}
port=${3:-54329}
bin=/usr/lib/postgresql/15/bin

case "$action" in
start)
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  su postgres -c "$bin/initdb -D '$dir/data' -U postgres -A trust --no-sync > '$dir/initdb.log' 2>&1"
  su postgres -c "$bin/pg_ctl -D '$dir/data' -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off' \
    -l '$dir/pg.log' -w start" >&2
  psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE ruralmig_test" >&2
  psql -h 127.0.0.1 -p "$port" -U postgres -d ruralmig_test -qc "CREATE EXTENSION postgis" >&2
  echo "postgresql://postgres@127.0.0.1:$port/ruralmig_test"
  ;;
stop)
  su postgres -c "$bin/pg_ctl -D '$dir/data' -m fast stop" >&2 || true
  ;;
*)
  echo "usage: $0 start|stop DIR [PORT]" >&2
  exit 2
  ;;
esac
