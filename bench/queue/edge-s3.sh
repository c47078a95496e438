#!/usr/bin/env bash
# Edge requests/s with the S3 backend, cache warm, against the local backend; one command:
#
#   bench/queue/edge-s3.sh
#
# Starts a throwaway PostgreSQL and an S3 server (s3rver) on loopback through
# scripts/with-postgres.sh scripts/with-s3.sh unless REACTOR_TEST_POSTGRES_URL and
# REACTOR_TEST_S3_URL are set already. Deploys the same site (bench/edge/gen-site.mjs: a
# Vite-style React build) twice: with `reactor serve` on its own data directory (SQLite,
# files), and with `reactor serve --db postgres://… --store s3://…`. Each is then served by
# a fresh `reactor edge` process on the same backends (the local one on the first data
# directory, the S3 one on an empty one of its own). Checks that both answer 200 with the
# site's bytes, records the first (cold: read from the store) request to each file, warms
# up, then loads both edges with wrk in alternation. Prints a markdown table.
#
# Environment (defaults in brackets): REACTOR_BIN [build/reactor] ROUNDS [3]
# DURATION [10s] CONNS [50] THREADS [1] WARMUP [3s] KEEP=1 keeps the temporary directory.
# Only the processes this script started are stopped, by PID.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [[ -z ${REACTOR_TEST_POSTGRES_URL:-} || -z ${REACTOR_TEST_S3_URL:-} ]]; then
  exec "$ROOT/scripts/with-postgres.sh" "$ROOT/scripts/with-s3.sh" "${BASH_SOURCE[0]}" "$@"
fi
REACTOR_BIN=${REACTOR_BIN:-$ROOT/build/reactor}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}
THREADS=${THREADS:-1}
WARMUP=${WARMUP:-3s}
KEEP=${KEEP:-0}

say() { echo "edge-s3: $*" >&2; }
die() {
  echo "edge-s3: error: $*" >&2
  exit 1
}
for tool in wrk curl jq git node; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install -y wrk curl jq git postgresql-client)"
done
[[ -x $REACTOR_BIN ]] || die "no Reactor binary at $REACTOR_BIN: run 'make build' or set REACTOR_BIN"

TMP=$(mktemp -d /tmp/reactor-edge-s3.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [[ $KEEP == 1 ]]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts `reactor ARGS…` in the background, logging to LOG; sets STARTED_PID and
# STARTED_PORT once it prints "reactor.serving".
start_reactor() {
  local log=$1
  shift
  "$REACTOR_BIN" "$@" --listen 127.0.0.1:0 >"$log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 300); do
    STARTED_PORT=$(sed -n 's/.*reactor\.serving url=http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$log")
    [[ -n $STARTED_PORT ]] && return 0
    kill -0 "$STARTED_PID" 2>/dev/null || die "reactor $1 exited at start: $(tail -20 "$log")"
    sleep 0.1
  done
  die "reactor $1 did not start: $(tail -20 "$log")"
}

stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

# Deploys the site through the api on PORT; prints the deployment id.
deploy_site() {
  local port=$1 posted id status deployment
  posted=$(curl -sS -X POST -H 'content-type: application/json' \
    --data "{\"repoUrl\":\"file://$TMP/repo\"}" "http://127.0.0.1:$port/deploy")
  id=$(jq -r '.id // empty' <<<"$posted")
  [[ -n $id ]] || die "POST /deploy did not return an id: $posted"
  for _ in $(seq 1200); do
    deployment=$(curl -sS "http://127.0.0.1:$port/deployments/$id")
    status=$(jq -r '.status' <<<"$deployment")
    case $status in
      DEPLOYED) echo "$id" && return 0 ;;
      ERROR | CANCELED) die "deployment $id ended $status: $deployment" ;;
    esac
    sleep 0.5
  done
  die "deployment $id not DEPLOYED after 600 s"
}

# ---------------------------------------------------------------- the site
mkdir -p "$TMP/repo/site"
mapfile -t FILES < <(node "$ROOT/bench/edge/gen-site.mjs" "$TMP/repo/site")
JS_PATH=$(printf '%s\n' "${FILES[@]}" | grep '^assets/index-.*\.js$')
cat >"$TMP/repo/package.json" <<'EOF'
{ "name": "edge-s3-bench-site", "version": "1.0.0", "private": true, "scripts": { "build": "node build.js" } }
EOF
echo "require('fs').cpSync('site', 'dist', { recursive: true });" >"$TMP/repo/build.js"
(cd "$TMP/repo" && git init -q -b main && git add -A &&
  git -c user.name=bench -c user.email=bench@example.com commit -q -m site)

# ---------------------------------------------------------------- deploy on each backend
schema="edge_s3_bench_$$"
"${REACTOR_TEST_POSTGRES_BIN:+$REACTOR_TEST_POSTGRES_BIN/}psql" -X -q -v ON_ERROR_STOP=1 -d "$REACTOR_TEST_POSTGRES_URL" -c "CREATE SCHEMA $schema"
sep='?'
[[ $REACTOR_TEST_POSTGRES_URL == *\?* ]] && sep='&'
PG_URL="$REACTOR_TEST_POSTGRES_URL${sep}options=-csearch_path%3D$schema"
S3_URL="${REACTOR_TEST_S3_URL%%\?*}/$schema?${REACTOR_TEST_S3_URL#*\?}"

declare -A ID PORT
say "deploying with the local backends (SQLite, files)"
start_reactor "$TMP/local-serve.log" serve --data-dir "$TMP/local" --allow-local-repos
ID[local]=$(deploy_site "$STARTED_PORT")
stop_pid "$STARTED_PID"
say "deploying with PostgreSQL and S3 ($S3_URL)"
start_reactor "$TMP/s3-serve.log" serve --data-dir "$TMP/s3-build" --db "$PG_URL" --store "$S3_URL" --allow-local-repos
ID[s3]=$(deploy_site "$STARTED_PORT")
stop_pid "$STARTED_PID"

start_reactor "$TMP/local-edge.log" edge --data-dir "$TMP/local"
PORT[local]=$STARTED_PORT
start_reactor "$TMP/s3-edge.log" edge --data-dir "$TMP/s3-edge" --db "$PG_URL" --store "$S3_URL"
PORT[s3]=$STARTED_PORT
BACKENDS=(local s3)

# ---------------------------------------------------------------- correctness, cold requests
declare -A COLD
for file in "${FILES[@]}"; do
  want=$(sha256sum <"$TMP/repo/site/$file" | cut -d' ' -f1)
  for backend in "${BACKENDS[@]}"; do
    timing=$(curl -sS -o "$TMP/body" -w '%{http_code} %{time_total}' -H "Host: ${ID[$backend]}.localhost" \
      "http://127.0.0.1:${PORT[$backend]}/$file") || die "$backend: request for /$file failed"
    [[ ${timing%% *} == 200 ]] || die "$backend edge answered ${timing%% *} for /$file"
    [[ $(sha256sum <"$TMP/body" | cut -d' ' -f1) == "$want" ]] || die "$backend edge served other bytes for /$file"
    COLD[$backend/$file]=$(awk -v s="${timing#* }" 'BEGIN { printf "%.1f", s * 1000 }')
  done
done

# ---------------------------------------------------------------- load
run_wrk() { # backend path duration -> RESULT line
  wrk -t"$THREADS" -c"$CONNS" -d"$3" --latency -H "Host: ${ID[$1]}.localhost" -s "$ROOT/bench/edge/report.lua" \
    "http://127.0.0.1:${PORT[$1]}/$2" 2>&1 | grep '^RESULT' || die "wrk failed against the $1 edge, /$2"
}
TARGETS=(index.html "$JS_PATH")
say "warming up ($WARMUP per edge and file)"
for path in "${TARGETS[@]}"; do
  for backend in "${BACKENDS[@]}"; do run_wrk "$backend" "$path" "$WARMUP" >/dev/null; done
done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
RESULTS=$TMP/results
: >"$RESULTS"
for round in $(seq "$ROUNDS"); do
  order=("${BACKENDS[@]}")
  ((round % 2)) || order=(s3 local)
  for path in "${TARGETS[@]}"; do
    for backend in "${order[@]}"; do
      line=$(run_wrk "$backend" "$path" "$DURATION")
      echo "$backend $path $line" >>"$RESULTS"
      say "round $round $backend /$path: $line"
      sleep 1
    done
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report
label() { [[ $1 == index.html ]] && echo "index.html ($(wc -c <"$TMP/repo/site/index.html") B)" ||
  echo "JS bundle ($(($(wc -c <"$TMP/repo/site/$1") / 1024)) KB)"; }
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) cores, load average $LOAD_BEFORE before the timed runs, $LOAD_AFTER after;" \
  "\`wrk -t$THREADS -c$CONNS -d$DURATION --latency\`, $ROUNDS rounds alternating the edges, identity encoding, keep-alive."
echo
echo "| file | edge backend | requests/s (median of $ROUNDS; each round) | p50 ms | p99 ms | errors | first (cold) request ms |"
echo "|---|---|--:|--:|--:|--:|--:|"
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
for path in "${TARGETS[@]}"; do
  for backend in "${BACKENDS[@]}"; do
    name=$([[ $backend == s3 ]] && echo "S3 (s3rver) + PostgreSQL" || echo "local files + SQLite")
    lines=$(grep "^$backend $path " "$RESULTS")
    rates=$(paste -d' ' <(field requests <<<"$lines") <(field duration_us <<<"$lines") | awk '{ printf "%.0f\n", $1 * 1e6 / $2 }')
    p50=$(field p50_us <<<"$lines" | median)
    p99=$(field p99_us <<<"$lines" | median)
    errors=$(sed 's/.*RESULT //; s/[a-z0-9_]*=//g' <<<"$lines" | awk '{ e += $7 + $8 + $9 + $10 + $11 } END { print e }')
    printf '| %s | %s | %s (%s) | %.2f | %.2f | %s | %s |\n' "$(label "$path")" "$name" "$(median <<<"$rates")" \
      "$(paste -sd, <<<"$rates" | sed 's/,/, /g')" "$(awk -v x="$p50" 'BEGIN { print x / 1000 }')" \
      "$(awk -v x="$p99" 'BEGIN { print x / 1000 }')" "$errors" "${COLD[$backend/$path]}"
  done
done
