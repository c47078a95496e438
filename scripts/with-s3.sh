#!/usr/bin/env bash
# Runs COMMAND… with an S3-compatible server on loopback: s3rver (from npm, pinned in
# tests/s3, started through tests/s3/server.js, which makes overwrites atomic as S3's are)
# on a free port, with a fresh data directory and one bucket. The command sees
# REACTOR_TEST_S3_URL and the credentials s3rver accepts; the server is stopped and its
# data removed afterwards. Exits with the command's status.
set -euo pipefail

if (($# == 0)); then
  echo "usage: scripts/with-s3.sh COMMAND [ARG…]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -d "$root/tests/s3/node_modules/s3rver" ]; then
  npm ci --prefix "$root/tests/s3" --no-audit --no-fund --loglevel=error >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/reactor-s3-XXXXXX")"
server=""
stop() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bucket=reactor-test
mkdir -p "$work/data"
node "$root/tests/s3/server.js" --directory "$work/data" \
  --address 127.0.0.1 --port 0 --silent --configure-bucket "$bucket" >"$work/log" 2>&1 &
server=$!

port=""
for _ in $(seq 1 200); do
  port="$(sed -n 's/^S3rver listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$work/log")"
  if [ -n "$port" ] || ! kill -0 "$server" 2>/dev/null; then
    break
  fi
  sleep 0.05
done
if [ -z "$port" ]; then
  echo "with-s3: s3rver did not start:" >&2
  cat "$work/log" >&2
  exit 1
fi

export REACTOR_TEST_S3_URL="s3://$bucket/test?endpoint=http://127.0.0.1:$port&region=us-east-1"
export AWS_ACCESS_KEY_ID=S3RVER
export AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_SESSION_TOKEN

status=0
"$@" || status=$?
exit "$status"
