#!/usr/bin/env bash
# Edge benchmark: the same built React site served by Reactor's edge, by nginx and by
# Caddy, side by side on loopback, each loaded with wrk in alternation. Prints a markdown
# table (requests/s, p50/p99, Reactor/nginx, peak RSS) to stdout.
#
#   bench/edge/run.sh               run everything (after `make build`)
#   bench/edge/run.sh --write-doc   also rewrite the generated part of the "Edge" section
#                                   of docs/BENCHMARKS.md
#
# Environment (defaults in brackets):
#   REACTOR_BIN [build/reactor]   ROUNDS [3]   DURATION [10s]   CONNS ["50 200"]
#   THREADS [1]  wrk threads; the machine this was written for has 2 cores shared by wrk
#                and the server, so one wrk thread leaves the server the other core
#   WARMUP [3s]  unrecorded load per peer and file before the timed rounds
#   PROFILE=1    after the timed rounds, `perf record -g` Reactor under load, print the top
#   KEEP=1       keep the temporary directory (configs, logs, raw results)
#   HOLD=1       at the end, keep the three servers running (for perf top, strace, curl)
#                until this script gets SIGTERM (or Ctrl-C in a terminal)
#
# What it does: installs nginx, caddy and wrk with apt-get when missing (as root);
# generates a deterministic Vite-style React build (bench/edge/gen-site.mjs); deploys it
# into Reactor for real (a local Git repository whose `build` script copies those files to
# dist/, POST /deploy, wait for DEPLOYED); gives nginx and Caddy the same files in
# <tmp>/builds/<id>/, each with its own temporary config, pid and log paths, on its own
# loopback port, for Host <id>.localhost (configured as in /work/shared/bench-peers/);
# checks that every peer answers 200 with identical bytes for every file; then runs wrk.
# Only the processes it started are stopped, by PID. System services are never touched.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REACTOR_BIN=${REACTOR_BIN:-$ROOT/build/reactor}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-"50 200"}
THREADS=${THREADS:-1}
WARMUP=${WARMUP:-3s}
PROFILE=${PROFILE:-0}
KEEP=${KEEP:-0}
HOLD=${HOLD:-0}
WRITE_DOC=0
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
INVOCATION="bench/edge/run.sh${*:+ $*}"

for arg in "$@"; do
  case $arg in
    --write-doc) WRITE_DOC=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "run.sh: unknown argument '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

say() { echo "edge-bench: $*" >&2; }
die() {
  echo "edge-bench: error: $*" >&2
  exit 1
}

# ---------------------------------------------------------------- dependencies
missing=()
for tool in nginx caddy wrk curl jq git; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [[ $PROFILE == 1 ]] && ! command -v perf >/dev/null 2>&1; then missing+=(linux-perf); fi
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; run as root (apt-get install) or install them"
  say "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >&2 || { apt-get update -q >&2 && apt-get install -y -q "${missing[@]}" >&2; }
fi
command -v node >/dev/null 2>&1 || die "node is needed (Reactor's builds need it too)"
[[ -x $REACTOR_BIN ]] || die "no Reactor binary at $REACTOR_BIN: run 'make build' or set REACTOR_BIN"

# ---------------------------------------------------------------- processes and cleanup
TMP=$(mktemp -d /tmp/reactor-edge-bench.XXXXXX)
chmod 755 "$TMP" # nginx workers run unprivileged and must read builds/
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

# What is measured, taken now: the binary is copied so that a rebuild during the run
# (others work in the same tree) changes neither the server nor the report.
reactor_build=$(awk -F= '/^CMAKE_BUILD_TYPE:/{print $2}' "$(dirname "$REACTOR_BIN")/CMakeCache.txt" 2>/dev/null || true)
reactor_built=$(date -u -r "$REACTOR_BIN" "+%Y-%m-%d %H:%M UTC")
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || commit="$commit + uncommitted src/ changes"
cp "$REACTOR_BIN" "$TMP/reactor"

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Waits until something answers HTTP on the port (any status).
wait_http() {
  local port=$1 pid=$2 name=$3 log=$4
  for _ in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || die "$name exited at start:$(printf '\n')$(tail -20 "$log")"
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && return 0
    sleep 0.1
  done
  die "$name did not answer on port $port:$(printf '\n')$(tail -20 "$log")"
}

# ---------------------------------------------------------------- the site
mkdir -p "$TMP/repo/site"
mapfile -t FILES < <(node "$HERE/gen-site.mjs" "$TMP/repo/site")
JS_PATH=$(printf '%s\n' "${FILES[@]}" | grep '^assets/index-.*\.js$')
cat >"$TMP/repo/package.json" <<'EOF'
{ "name": "edge-bench-site", "version": "1.0.0", "private": true, "scripts": { "build": "node build.js" } }
EOF
cat >"$TMP/repo/build.js" <<'EOF'
// The "build" copies the prepared Vite output (bench/edge/gen-site.mjs) to dist/.
require('fs').cpSync('site', 'dist', { recursive: true });
console.log('copied the prepared build to dist/');
EOF
(cd "$TMP/repo" && git init -q -b main && git add -A &&
  git -c user.name=bench -c user.email=bench@example.com commit -q -m site)

# ---------------------------------------------------------------- Reactor
RPORT=$(free_port)
say "starting Reactor ($REACTOR_BIN) on 127.0.0.1:$RPORT"
"$TMP/reactor" serve --listen "127.0.0.1:$RPORT" --data-dir "$TMP/reactor-data" --allow-local-repos \
  >"$TMP/reactor.log" 2>&1 &
RPID=$!
PIDS+=("$RPID")
for _ in $(seq 200); do
  grep -q 'reactor.serving url=http://' "$TMP/reactor.log" && break
  kill -0 "$RPID" 2>/dev/null || die "Reactor exited at start:$(printf '\n')$(tail -20 "$TMP/reactor.log")"
  sleep 0.1
done
wait_http "$RPORT" "$RPID" Reactor "$TMP/reactor.log"

posted=$(curl -sS -X POST -H 'content-type: application/json' \
  --data "{\"repoUrl\":\"file://$TMP/repo\"}" "http://127.0.0.1:$RPORT/deploy")
ID=$(jq -r '.id // empty' <<<"$posted")
[[ -n $ID ]] || die "POST /deploy did not return an id: $posted"
say "deployment $ID: waiting for DEPLOYED"
deadline=$((SECONDS + 600))
while :; do
  deployment=$(curl -sS "http://127.0.0.1:$RPORT/deployments/$ID")
  status=$(jq -r '.status' <<<"$deployment")
  case $status in
    DEPLOYED) break ;;
    ERROR | CANCELED) die "deployment $ID ended $status: $deployment" ;;
  esac
  ((SECONDS < deadline)) || die "deployment $ID not DEPLOYED after 600 s: $deployment"
  sleep 0.5
done
HOST="$ID.localhost"

# ---------------------------------------------------------------- nginx and Caddy
mkdir -p "$TMP/builds/$ID" "$TMP/nginx/tmp" "$TMP/caddy"
cp -R "$TMP/repo/site/." "$TMP/builds/$ID/"

NPORT=$(free_port)
# As /work/shared/bench-peers/nginx.conf, with worker_processes auto and temporary paths.
cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    open_file_cache max=10000 inactive=60s;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    client_body_temp_path $TMP/nginx/tmp;
    proxy_temp_path $TMP/nginx/tmp;
    fastcgi_temp_path $TMP/nginx/tmp;
    uwsgi_temp_path $TMP/nginx/tmp;
    scgi_temp_path $TMP/nginx/tmp;
    gzip on;
    gzip_vary on;
    gzip_types text/css application/javascript image/svg+xml;
    server {
        listen 127.0.0.1:$NPORT default_server;
        return 404;
    }
    server {
        listen 127.0.0.1:$NPORT;
        server_name ~^(?<id>[a-z0-9-]+)\.localhost\$;
        root $TMP/builds/\$id;
        location / {
            try_files \$uri /index.html =404;
        }
    }
}
EOF
say "starting nginx on 127.0.0.1:$NPORT"
nginx -p "$TMP/nginx/" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" >"$TMP/nginx/stderr.log" 2>&1 &
NPID=$!
PIDS+=("$NPID")
wait_http "$NPORT" "$NPID" nginx "$TMP/nginx/stderr.log"

CPORT=$(free_port)
# As /work/shared/bench-peers/Caddyfile, with the temporary paths.
cat >"$TMP/caddy/Caddyfile" <<EOF
{
	auto_https off
	admin off
}

http://*.localhost:$CPORT {
	bind 127.0.0.1
	root * $TMP/builds/{labels.1}
	encode zstd gzip
	try_files {path} /index.html
	file_server
}

http://:$CPORT {
	bind 127.0.0.1
	respond 404
}
EOF
say "starting Caddy on 127.0.0.1:$CPORT"
XDG_CONFIG_HOME="$TMP/caddy" XDG_DATA_HOME="$TMP/caddy" HOME="$TMP/caddy" \
  caddy run --config "$TMP/caddy/Caddyfile" --adapter caddyfile >"$TMP/caddy/caddy.log" 2>&1 &
CPID=$!
PIDS+=("$CPID")
wait_http "$CPORT" "$CPID" Caddy "$TMP/caddy/caddy.log"

PEERS=(reactor nginx caddy)
declare -A PORT=([reactor]=$RPORT [nginx]=$NPORT [caddy]=$CPORT)
declare -A LOG=([reactor]=$TMP/reactor.log [nginx]=$TMP/nginx/error.log [caddy]=$TMP/caddy/caddy.log)

# ---------------------------------------------------------------- correctness first
say "checking that every peer answers 200 with identical bytes"
for file in "${FILES[@]}"; do
  want=$(sha256sum <"$TMP/repo/site/$file" | cut -d' ' -f1)
  for peer in "${PEERS[@]}"; do
    code=$(curl -sS -o "$TMP/check.body" -D "$TMP/headers.$peer.${file//\//_}" -w '%{http_code}' \
      -H "Host: $HOST" "http://127.0.0.1:${PORT[$peer]}/$file") || die "$peer: request for /$file failed"
    got=$(sha256sum <"$TMP/check.body" | cut -d' ' -f1)
    [[ $code == 200 ]] || die "$peer answered $code for /$file (Host $HOST); log: ${LOG[$peer]}"
    [[ $got == "$want" ]] ||
      die "$peer served different bytes for /$file: sha256 $got, expected $want ($(wc -c <"$TMP/check.body") bytes)"
  done
done

# Identity only: the compressed variant (Accept-Encoding: gzip, br) is meaningful only when
# all three peers serve precompressed files. Say so if Reactor has started to.
encoding=$(curl -sS -o /dev/null -D - -H "Host: $HOST" -H 'Accept-Encoding: gzip, br' \
  "http://127.0.0.1:$RPORT/$JS_PATH" | tr -d '\r' | awk -F': ' 'tolower($1)=="content-encoding"{print $2}')
if [[ -n $encoding ]]; then
  say "note: Reactor now answers Content-Encoding: $encoding; this script still measures identity only"
fi

# ---------------------------------------------------------------- load
TARGETS=("index.html" "$JS_PATH")
declare -A LABEL=([index.html]="index.html ($(wc -c <"$TMP/repo/site/index.html") B)"
  [$JS_PATH]="JS bundle ($(($(wc -c <"$TMP/repo/site/$JS_PATH") / 1024)) KB)")

declare -A PID=([reactor]=$RPID [nginx]=$NPID [caddy]=$CPID)
# A server that died says how (a signal shows as 128+N: 141 is SIGPIPE, 139 SIGSEGV).
check_alive() {
  local peer=$1 context=$2 status=0
  kill -0 "${PID[$peer]}" 2>/dev/null && return 0
  wait "${PID[$peer]}" || status=$?
  die "$peer (pid ${PID[$peer]}) exited with status $status $context; last lines of ${LOG[$peer]}:$(printf '\n')$(tail -5 "${LOG[$peer]}")"
}

run_wrk() { # peer path conns duration -> RESULT line
  local peer=$1 path=$2 conns=$3 duration=$4 line
  line=$(wrk -t"$THREADS" -c"$conns" -d"$duration" --latency -H "Host: $HOST" -s "$HERE/report.lua" \
    "http://127.0.0.1:${PORT[$peer]}/$path" 2>&1 | grep '^RESULT') || true
  sleep 0.2
  for p in "${PEERS[@]}"; do check_alive "$p" "during or after wrk -c$conns on $peer /$path"; done
  [[ -n $line ]] || die "wrk failed against $peer /$path"
  echo "$line"
}

# CPU accounting: how much CPU went to processes other than the benchmark's own.
busy_jiffies() { awk '/^cpu /{print $2+$3+$4; exit}' /proc/stat; }
proc_jiffies() { # utime+stime (+ waited-for children) of a pid
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  awk -v children="${2:-0}" '{ t=$12+$13; if (children) t+=$14+$15; print t }' <<<"$stat"
}
server_pids() { echo "$RPID $CPID $NPID $(cat "/proc/$NPID/task/$NPID/children" 2>/dev/null)"; }
peer_jiffies() { # CPU time used so far by one server (nginx: master and workers)
  local total=0 pid pids=${PID[$1]}
  [[ $1 == nginx ]] && pids="$NPID $(cat "/proc/$NPID/task/$NPID/children" 2>/dev/null)"
  for pid in $pids; do total=$((total + $(proc_jiffies "$pid"))); done
  echo "$total"
}
our_jiffies() {
  local total pid
  total=$(proc_jiffies $$ 1)
  for pid in $(server_pids); do total=$((total + $(proc_jiffies "$pid"))); done
  echo "$total"
}

say "warming up (${WARMUP} per peer and file)"
for path in "${TARGETS[@]}"; do
  for peer in "${PEERS[@]}"; do run_wrk "$peer" "$path" 50 "$WARMUP" >/dev/null; done
done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
busy0=$(busy_jiffies)
ours0=$(our_jiffies)
t0=$SECONDS
RESULTS=$TMP/results.tsv
printf 'round\tfile\tconns\tpeer\trequests\tduration_us\tp50_us\tp99_us\terrors\tcpu_us\n' >"$RESULTS"
hz=$(getconf CLK_TCK)
runs_total=$((ROUNDS * ${#TARGETS[@]} * $(wc -w <<<"$CONNS") * ${#PEERS[@]}))
run_no=0
for round in $(seq "$ROUNDS"); do
  # Rotate the order of the peers each round so none always runs first.
  order=("${PEERS[@]:$(((round - 1) % 3))}" "${PEERS[@]:0:$(((round - 1) % 3))}")
  for path in "${TARGETS[@]}"; do
    for conns in $CONNS; do
      for peer in "${order[@]}"; do
        run_no=$((run_no + 1))
        cpu0=$(peer_jiffies "$peer")
        run_wrk "$peer" "$path" "$conns" "$DURATION" >"$TMP/wrk.line" # not in $(): check_alive waits
        cpu_us=$((($(peer_jiffies "$peer") - cpu0) * 1000000 / hz))
        line=$(<"$TMP/wrk.line")
        eval "$(sed 's/^RESULT //; s/\([a-z0-9_]*\)=\([0-9]*\)/local_\1=\2;/g' <<<"$line")"
        # shellcheck disable=SC2154 # set by the eval above
        errors=$((local_err_status + local_err_connect + local_err_read + local_err_write + local_err_timeout))
        # shellcheck disable=SC2154
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "${LABEL[$path]}" "$conns" "$peer" \
          "$local_requests" "$local_duration_us" "$local_p50_us" "$local_p99_us" "$errors" "$cpu_us" >>"$RESULTS"
        say "[$run_no/$runs_total] round $round $path c=$conns $peer: $((local_requests * 1000000 / local_duration_us)) req/s, p99 $((local_p99_us / 1000)).$(((local_p99_us % 1000) / 100)) ms, errors $errors"
        sleep 1
      done
    done
  done
done
elapsed=$((SECONDS - t0))
busy1=$(busy_jiffies)
ours1=$(our_jiffies)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
cores=$(nproc)
OTHERS_PCT=$(awk -v b=$((busy1 - busy0)) -v o=$((ours1 - ours0)) -v hz="$hz" -v s="$elapsed" -v n="$cores" \
  'BEGIN { x = (b - o) / hz / (s * n) * 100; if (x < 0) x = 0; printf "%.0f", x }')

# Peak RSS (VmHWM); nginx is the master plus its workers (shared pages counted per process).
hwm_kb() { awk '/^VmHWM/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
nginx_kb=0
for pid in $NPID $(cat "/proc/$NPID/task/$NPID/children" 2>/dev/null); do nginx_kb=$((nginx_kb + $(hwm_kb "$pid"))); done
RSS="reactor=$(hwm_kb "$RPID") nginx=$nginx_kb caddy=$(hwm_kb "$CPID")"

# ---------------------------------------------------------------- report
cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
REPORT=$TMP/report.md
{
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') with \`$INVOCATION\` (ROUNDS=$ROUNDS DURATION=$DURATION CONNS=\"$CONNS\" THREADS=$THREADS)."
  echo
  echo "- Machine: $cores × $cpu, $(uname -r); load average (1/5/15 min) at start $LOAD_START, before the timed runs (after warm-up) $LOAD_BEFORE, after $LOAD_AFTER;" \
    "processes other than the benchmark's used ~${OTHERS_PCT}% of the machine's CPU during the ${elapsed} s of timed runs."
  echo "- Reactor: \`$REACTOR_BIN\` (${reactor_build:-build type unknown}, built $reactor_built), commit $commit; $(nginx -v 2>&1 | sed 's/^nginx version: //'); Caddy $(caddy version | cut -d' ' -f1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)."
  echo "- Each run: \`wrk -t$THREADS -c<conns> -d$DURATION --latency -H 'Host: <id>.localhost' -s bench/edge/report.lua http://127.0.0.1:<port>/<file>\`," \
    "identity encoding (no Accept-Encoding), keep-alive; peers in alternation, order rotated each round; ${WARMUP} warm-up per peer and file first."
  echo "- Response header bytes (status line included) for index.html: $(for peer in "${PEERS[@]}"; do
    printf '%s %s, ' "$peer" "$(wc -c <"$TMP/headers.$peer.index.html")"; done | sed 's/, $//')."
  echo
  node "$HERE/table.mjs" "$RESULTS" "$RSS"
} >"$REPORT"
cat "$REPORT"

if [[ $WRITE_DOC == 1 ]]; then
  node "$HERE/table.mjs" --write-doc "$ROOT/docs/BENCHMARKS.md" "$REPORT"
  say "wrote the generated part of the Edge section of docs/BENCHMARKS.md"
fi

# ---------------------------------------------------------------- optional CPU profile
if [[ $PROFILE == 1 ]]; then
  set +o pipefail # `| head` ends perf report early
  for path in "${TARGETS[@]}"; do
    say "profiling Reactor under wrk -c50 on /$path"
    run_wrk reactor "$path" 50 10s >/dev/null &
    wrk_job=$!
    sleep 1
    perf record -F 499 --call-graph dwarf,16384 -p "$RPID" -o "$TMP/perf.${path//\//_}.data" -- sleep 7 >/dev/null 2>&1 ||
      say "perf record failed (perf_event_paranoid or missing capabilities?)"
    wait "$wrk_job" || true
    tidy() { grep -v '^#' | grep -v '^$' | sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//; s/[[:space:]]+$//'; }
    report() { perf report -i "$TMP/perf.${path//\//_}.data" --stdio -g none --percent-limit "$@" 2>/dev/null | tidy; }
    echo
    echo "### perf: Reactor, /$path, wrk -c50"
    echo
    echo 'Share of samples by binary:'
    echo '```'
    report 0.5 --no-children --sort dso
    echo '```'
    echo 'Top symbols, self time:'
    echo '```'
    report 1 --no-children --sort dso,sym | head -30
    echo '```'
    echo "Reactor's own functions and the syscalls and allocator under them, time including callees (children; DWARF call graphs):"
    echo '```'
    report 0.5 --children --sort sym | grep -E 'reactor::|sendmsg|recvmsg|writev|sendfile|epoll_wait|malloc|free|memcpy|memmove|mutex' |
      cut -c1-160 | head -30
    echo '```'
  done
fi

if [[ $HOLD == 1 ]]; then
  say "holding: Host $HOST; reactor pid $RPID port $RPORT; nginx master pid $NPID port $NPORT; caddy pid $CPID port $CPORT"
  say "stop with: kill $$   (SIGTERM; the script then stops the servers)"
  while :; do sleep 1; done
fi
