#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL 15 server, its URL in STUDYHALL_TEST_POSTGRES_URL.
#
# Uses STUDYHALL_TEST_POSTGRES_URL as it is when already set. Otherwise starts a private
# cluster on a free port from PostgreSQL 15's binaries (as the `postgres` user when run as
# root, since PostgreSQL refuses to run as root) and removes it afterwards. Without the
# binaries the command runs on SQLite alone, with a warning — unless
# STUDYHALL_TEST_REQUIRE_POSTGRES=1 (CI), which makes that an error.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

if [ -n "${STUDYHALL_TEST_POSTGRES_URL:-}" ]; then
  exec "$@"
fi

if [ ! -x "$PG_BIN/initdb" ]; then
  if [ "${STUDYHALL_TEST_REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "PostgreSQL 15 binaries not found in $PG_BIN, and CI requires them" >&2
    exit 1
  fi
  echo "warning: PostgreSQL 15 not found in $PG_BIN; running the tests on SQLite only" >&2
  exec "$@"
fi

as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

workdir=$(mktemp -d /tmp/studyhall-pg.XXXXXX)
chmod 755 "$workdir"
[ "$(id -u)" = "0" ] && chown postgres: "$workdir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

as_pg "$PG_BIN/initdb" -D "$workdir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Durability off: a test cluster is thrown away, and fsync would dominate the suite's time.
as_pg "$PG_BIN/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
  -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null

export STUDYHALL_TEST_POSTGRES_URL="postgresql+asyncpg://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL 15 test server on port $port"
set +e
"$@"
status=$?
set -e
exit $status
