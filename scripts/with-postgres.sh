#!/usr/bin/env bash
# Usage: scripts/with-postgres.sh COMMAND…
# Runs COMMAND against a throwaway PostgreSQL 15 cluster listening on loopback, with
# REACTOR_TEST_POSTGRES_URL naming an empty database on it; the cluster is stopped and
# deleted afterwards, and the script exits with COMMAND's exit code.
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 COMMAND…" >&2
  exit 2
fi

bin=${REACTOR_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$bin/initdb" ]; then
  echo "with-postgres: $bin/initdb is missing; run scripts/install-deps.sh (package postgresql)" >&2
  exit 1
fi

# The server refuses to run as root: it then runs as the `postgres` user.
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  as_server=(runuser -u postgres --)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/reactor-postgres.XXXXXX")
if ((${#as_server[@]})); then
  chown postgres: "$dir"
fi
data="$dir/data"
log="$dir/server.log"

stop() {
  if [ -f "$data/postmaster.pid" ]; then
    "${as_server[@]}" "$bin/pg_ctl" stop -D "$data" -m immediate -s >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

# A port below the kernel's ephemeral range (32768 and up by default), where the
# connections the tests open take theirs, that no TCP socket holds in any state: a
# listener-only check let a port an outgoing connection held through, and the server
# could not bind it.
free_port() {
  local port low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  for _ in $(seq 50); do
    port=$((10000 + RANDOM % (low - 10000)))
    if [ -z "$(ss -Htan "sport = :$port" 2>/dev/null)" ]; then
      echo "$port"
      return
    fi
  done
  echo "with-postgres: no free port found" >&2
  return 1
}

"${as_server[@]}" "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }

started=""
for _ in 1 2 3; do
  port=$(free_port)
  if "${as_server[@]}" "$bin/pg_ctl" start -D "$data" -w -t 30 -s -l "$log" \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c max_connections=300" >/dev/null 2>&1; then
    started=yes
    break
  fi
done
if [ -z "$started" ]; then
  echo "with-postgres: the server did not start:" >&2
  cat "$log" >&2 || true
  exit 1
fi

"$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres reactor_test
export REACTOR_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/reactor_test"
export REACTOR_TEST_POSTGRES_DATA="$data" REACTOR_TEST_POSTGRES_BIN="$bin" # to restart it: pg_ctl restart -D "$data" (as the postgres user when root)

status=0
"$@" || status=$?
exit "$status"
