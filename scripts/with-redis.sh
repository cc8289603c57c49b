#!/usr/bin/env bash
# Run a command with a throw-away redis-server, its URL in STUDYHALL_TEST_REDIS_URL.
#
# Uses STUDYHALL_TEST_REDIS_URL as it is when already set. Otherwise starts a private server
# on a free port of 127.0.0.1, its files in a temporary folder, and stops it afterwards.
# Without redis-server the command runs without Redis (the tests that need it skip), with a
# warning — unless STUDYHALL_TEST_REQUIRE_REDIS=1 (CI), which makes that an error.
set -euo pipefail

REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server || true)}

if [ -n "${STUDYHALL_TEST_REDIS_URL:-}" ]; then
  exec "$@"
fi

if [ -z "$REDIS_SERVER" ] || [ ! -x "$REDIS_SERVER" ]; then
  if [ "${STUDYHALL_TEST_REQUIRE_REDIS:-0}" = "1" ]; then
    echo "redis-server not found, and CI requires it" >&2
    exit 1
  fi
  echo "warning: redis-server not found; the tests that need Redis will skip" >&2
  exec "$@"
fi

workdir=$(mktemp -d /tmp/studyhall-redis.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

# Nothing is saved: a test server is thrown away.
"$REDIS_SERVER" --port "$port" --bind 127.0.0.1 --dir "$workdir" --save "" --appendonly no \
  --daemonize no --logfile "$workdir/server.log" &
server=$!

cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT

up=0
for _ in $(seq 100); do
  if python3 - "$port" <<'PY' 2>/dev/null; then up=1; break; fi
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2) as s:
    s.sendall(b"PING\r\n")
    assert s.recv(16).startswith(b"+PONG")
PY
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$workdir/server.log" >&2
    exit 1
  fi
  sleep 0.05
done
if [ "$up" != 1 ]; then
  echo "redis-server did not answer on port $port" >&2
  cat "$workdir/server.log" >&2
  exit 1
fi

export STUDYHALL_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
echo "Redis test server on port $port"
set +e
"$@"
status=$?
set -e
exit $status
