#!/usr/bin/env bash
# The live status fan-out benchmark, one command: Reactor (store → hub → /ws) and a
# Node.js `ws` peer, same load, alternating rounds, one table.
#
#   bench/hub/run.sh
#
# Builds hub_server in build-bench/ (Release, its own build directory; BUILD_DIR to
# change it), installs the npm `ws` dependency if missing, then runs ROUNDS rounds of
# both servers in alternating order (five: the p99 and max of one round move up to 2×
# from round to round on a small VM). Knobs (environment): CLIENTS=10000
# DEPLOYMENTS=1000 RATE=1000 (events/s) DURATION=10 (s) STATUS_EVERY=10 ROUNDS=5;
# NICE=-10 (root) runs clients and servers ahead of other work on a shared machine.
set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build-bench}
CLIENTS=${CLIENTS:-10000}
DEPLOYMENTS=${DEPLOYMENTS:-1000}
RATE=${RATE:-1000}
DURATION=${DURATION:-10}
STATUS_EVERY=${STATUS_EVERY:-10}
ROUNDS=${ROUNDS:-5}

if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREACTOR_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j "${JOBS:-2}" --target hub_server >/dev/null
[[ -d bench/hub/node_modules/ws ]] || npm ci --prefix bench/hub --no-audit --no-fund >/dev/null

# Each side holds one descriptor per connection (the server, and the client process).
# Root may raise the hard limit; anyone may go up to it.
ulimit -n $((CLIENTS + 1000)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if (($(ulimit -n) < CLIENTS + 1000)); then
  echo "run.sh: ulimit -n is $(ulimit -n); $CLIENTS clients need $((CLIENTS + 1000))" >&2
  exit 1
fi

driver=(--deployments "$DEPLOYMENTS" --rate "$RATE" --duration "$DURATION" --status-every "$STATUS_EVERY")
reactor=("$BUILD_DIR/bench/hub/hub_server" "${driver[@]}")
node_peer=(node bench/hub/node_peer.mjs "${driver[@]}")
results=$(mktemp)
trap 'rm -f "$results"' EXIT

run() {
  nice -n "${NICE:-0}" node bench/hub/clients.mjs --label "$1" --clients "$CLIENTS" --deployments "$DEPLOYMENTS" -- "${@:2}" >>"$results"
  sleep 2 # let the sockets of the round close
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); nice ${NICE:-0}; $CLIENTS clients, $DEPLOYMENTS deployments, $RATE events/s for $DURATION s, 1 in $STATUS_EVERY a status change" >&2
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then
    run reactor "${reactor[@]}"
    run node "${node_peer[@]}"
  else
    run node "${node_peer[@]}"
    run reactor "${reactor[@]}"
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
node bench/hub/report.mjs "$results"
