#!/usr/bin/env bash
# HTTPS benchmark: the same built site from Reactor and from nginx (same certificate,
# ssl_session_cache, http2, open_file_cache), side by side in one run, each measure taken
# in alternation:
#   - HTTP/2 (h2load, 50 connections x 10 streams): requests/s and p99 for index.html and
#     the 150 KB JS bundle;
#   - HTTPS HTTP/1.1 keep-alive (wrk, 50 connections): requests/s for index.html;
#   - new TLS connections per second, full handshakes and resumed ones (handshakes.mjs,
#     8 at a time, TLS 1.3);
#   - memory per idle TLS connection: the servers' resident memory (every process of the
#     peer) before and after 2,000 connections that made one request (idle.mjs).
# Beside each rate, the server's CPU time (user + system, every process of the peer) per
# request or handshake: the clients share the two cores, so a rate also moves with what
# the client got; the CPU a server spent on each is its own cost.
# Each round measures both peers back to back, in turns (Reactor first in odd rounds, nginx
# first in even ones), so that the VM's drift over a run falls on both alike; the ratio
# column is the median of the rounds' own ratios.
# Prints markdown tables (medians of the rounds) to stdout.
#
#   bench/https/run.sh      (after `make build`)
#
# Environment (defaults in brackets): REACTOR_BIN [build/reactor]  ROUNDS [3]
#   REQUESTS [100000] per round for index.html, a fifth of it for the bundle
#   CONNS [50]  STREAMS [10]  SECONDS_EACH [10] for wrk and handshakes  IDLE [2000]
#   KEEP=1 keeps the temporary directory
#   SERVER_CPUS, CLIENT_CPUS [unset: everything shares every core]: taskset CPU lists for
#     the two servers and for the load generators, e.g. SERVER_CPUS=0 CLIENT_CPUS=1, so that
#     a client does not take CPU from the server it measures (docs/BENCHMARKS.md, "The
#     bundle's tail")
#
# Installs nginx, h2load (nghttp2-client) and wrk with apt-get when missing (as root). The
# site is bench/edge/gen-site.mjs's Vite-style build, deployed into Reactor for real and
# copied for nginx. Requests carry no Accept-Encoding: both send the files as they are
# (nginx would gzip each response anew, Reactor sends its precompressed variant). Only the
# processes it started are stopped, by PID.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REACTOR_BIN=${REACTOR_BIN:-$ROOT/build/reactor}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-100000}
CONNS=${CONNS:-50}
STREAMS=${STREAMS:-10}
SECONDS_EACH=${SECONDS_EACH:-10}
IDLE=${IDLE:-2000}
KEEP=${KEEP:-0}
SERVER_CPUS=${SERVER_CPUS:-}
CLIENT_CPUS=${CLIENT_CPUS:-}
on_server_cpus=()
on_client_cpus=()
[[ -n $SERVER_CPUS ]] && on_server_cpus=(taskset -c "$SERVER_CPUS")
[[ -n $CLIENT_CPUS ]] && on_client_cpus=(taskset -c "$CLIENT_CPUS")

say() { echo "https-bench: $*" >&2; }
die() {
  echo "https-bench: error: $*" >&2
  exit 1
}

missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
for tool in curl jq git openssl node; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; run as root (apt-get install) or install them"
  say "installing ${missing[*]} with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi
[[ -x $REACTOR_BIN ]] || die "no Reactor binary at $REACTOR_BIN: run 'make build' or set REACTOR_BIN"

TMP=$(mktemp -d /tmp/reactor-https-bench.XXXXXX)
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
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
cp "$REACTOR_BIN" "$TMP/reactor"

# The sum of `awk_program` over /proc/<pid>/<file> of a process and its children (nginx's
# workers): sum_over_peer <pid> <file> <awk program printing one number>.
sum_over_peer() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1"); do
    total=$((total + $(awk "$3" "/proc/$pid/$2" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)
# CPU time (user + system) a peer has used so far, in microseconds.
cpu_us() { echo $(($(sum_over_peer "$1" stat '{print $14 + $15}') * 1000000 / CLK_TCK)); }
# Microseconds per operation: per <before> <after> <count>.
per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {printf "%.1f", (b - a) / n}'; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# One certificate for both peers, for localhost and *.localhost.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext 'subjectAltName=DNS:localhost,DNS:*.localhost' \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
chmod 644 "$TMP/key.pem"

# ---------------------------------------------------------------- the site, in Reactor
mkdir -p "$TMP/repo/site"
mapfile -t FILES < <(node "$ROOT/bench/edge/gen-site.mjs" "$TMP/repo/site")
JS_PATH=$(printf '%s\n' "${FILES[@]}" | grep '^assets/index-.*\.js$')
cat >"$TMP/repo/package.json" <<'EOF'
{ "name": "https-bench-site", "version": "1.0.0", "private": true, "scripts": { "build": "node build.js" } }
EOF
echo "require('fs').cpSync('site', 'dist', { recursive: true });" >"$TMP/repo/build.js"
(cd "$TMP/repo" && git init -q -b main && git add -A &&
  git -c user.name=bench -c user.email=bench@example.com commit -q -m site)

RPORT=$(free_port)
"${on_server_cpus[@]}" "$TMP/reactor" serve --listen 127.0.0.1:0 --listen-https "127.0.0.1:$RPORT" --tls-cert "$TMP/cert.pem" \
  --tls-key "$TMP/key.pem" --data-dir "$TMP/reactor-data" --allow-local-repos >"$TMP/reactor.log" 2>&1 &
PIDS+=("$!")
REACTOR_PID=$!
rcurl() { curl -sS -k --resolve "localhost:$RPORT:127.0.0.1" "$@"; }
for _ in $(seq 200); do rcurl -o /dev/null "https://localhost:$RPORT/" 2>/dev/null && break; sleep 0.1; done
posted=$(rcurl -X POST -H 'content-type: application/json' --data "{\"repoUrl\":\"file://$TMP/repo\"}" \
  "https://localhost:$RPORT/deploy")
ID=$(jq -r '.id // empty' <<<"$posted")
[[ -n $ID ]] || die "POST /deploy did not return an id: $posted"
for _ in $(seq 1200); do
  status=$(rcurl "https://localhost:$RPORT/deployments/$ID" | jq -r .status)
  [[ $status == DEPLOYED ]] && break
  [[ $status == ERROR ]] && die "deployment $ID failed"
  sleep 0.5
done
[[ $status == DEPLOYED ]] || die "deployment $ID not DEPLOYED in 600 s"

# ---------------------------------------------------------------- nginx
mkdir -p "$TMP/builds/$ID" "$TMP/nginx/tmp"
cp -R "$TMP/repo/site/." "$TMP/builds/$ID/"
NPORT=$(free_port)
# As /work/shared/bench-peers/nginx.conf, over TLS with HTTP/2 (nginx 1.22's syntax).
cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 8192; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    open_file_cache max=10000 inactive=60s;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000; # 1000 by default: GOAWAY, which h2load does not follow
    client_body_temp_path $TMP/nginx/tmp;
    proxy_temp_path $TMP/nginx/tmp;
    fastcgi_temp_path $TMP/nginx/tmp;
    uwsgi_temp_path $TMP/nginx/tmp;
    scgi_temp_path $TMP/nginx/tmp;
    gzip on;
    gzip_types text/css application/javascript image/svg+xml;
    ssl_certificate $TMP/cert.pem;
    ssl_certificate_key $TMP/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;
    ssl_session_timeout 1d;
    server {
        listen 127.0.0.1:$NPORT ssl http2;
        server_name $ID.localhost;
        root $TMP/builds/$ID;
        location / { try_files \$uri /index.html =404; }
    }
}
EOF
"${on_server_cpus[@]}" nginx -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
PIDS+=("$!")
NGINX_PID=$!
for _ in $(seq 100); do curl -sk -o /dev/null "https://127.0.0.1:$NPORT/" && break; sleep 0.1; done

# Both peers give the same bytes over h2 before anything is measured.
for file in index.html "$JS_PATH"; do
  for port in "$RPORT" "$NPORT"; do
    curl -sS -k --http2 --resolve "$ID.localhost:$port:127.0.0.1" -o "$TMP/check-$port" \
      -w '%{http_version}' "https://$ID.localhost:$port/$file" | grep -qx 2 || die "no h2 from port $port"
  done
  cmp -s "$TMP/check-$RPORT" "$TMP/check-$NPORT" || die "the peers differ on $file"
done

# ---------------------------------------------------------------- h2load
peer_pid() { if [[ $1 == "$RPORT" ]]; then echo "$REACTOR_PID"; else echo "$NGINX_PID"; fi; }

# One round: "<requests/s> <p99 ms> <server CPU µs per request>" (p99 from h2load's
# per-request log, which h2load appends to: each round starts it anew).
round() {
  local port=$1 file=$2 count=$3 out before
  rm -f "$TMP/requests.log"
  before=$(cpu_us "$(peer_pid "$port")")
  out=$("${on_client_cpus[@]}" h2load -c "$CONNS" -m "$STREAMS" -n "$count" \
    -H ":authority: $ID.localhost:$port" --log-file "$TMP/requests.log" "https://127.0.0.1:$port/$file")
  grep -q ' 0 failed, 0 errored, 0 timeout' <<<"$out" || die "requests failed on port $port: $(grep '^requests:' <<<"$out")"
  local rps p99
  rps=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' <<<"$out")
  p99=$(cut -f3 "$TMP/requests.log" | sort -n | awk '{v[NR]=$1} END {printf "%.1f", v[int(NR*0.99)]/1000}')
  echo "$rps $p99 $(per "$before" "$(cpu_us "$(peer_pid "$port")")" "$count")"
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# The peers in the order round $1 measures them.
peers_in_round() { if (($1 % 2)); then echo reactor nginx; else echo nginx reactor; fi; }
# The median over the rounds of Reactor's rate over nginx's, from two files with one
# round per line, the rate first.
paired_ratio() {
  paste -d' ' <(cut -d' ' -f1 "$1") <(cut -d' ' -f1 "$2") |
    awk '{printf "%.4f\n", $1 / $2}' | median | awk '{printf "%.2fx", $1}'
}

declare -A RPS P99 CPU RATIO
for file in index.html "$JS_PATH"; do
  count=$REQUESTS
  [[ $file == "$JS_PATH" ]] && count=$((REQUESTS / 5))
  for peer in reactor nginx; do : >"$TMP/$peer-rps" && : >"$TMP/$peer-p99" && : >"$TMP/$peer-cpu"; done
  for ((r = 1; r <= ROUNDS; r++)); do
    for peer in $(peers_in_round "$r"); do
      port=$RPORT
      [[ $peer == nginx ]] && port=$NPORT
      read -r rps p99 cpu < <(round "$port" "$file" "$count")
      say "$file round $r $peer: $rps req/s, p99 $p99 ms, $cpu µs of CPU a request"
      echo "$rps" >>"$TMP/$peer-rps"
      echo "$p99" >>"$TMP/$peer-p99"
      echo "$cpu" >>"$TMP/$peer-cpu"
    done
  done
  for peer in reactor nginx; do
    RPS[$file,$peer]=$(median <"$TMP/$peer-rps")
    P99[$file,$peer]=$(median <"$TMP/$peer-p99")
    CPU[$file,$peer]=$(median <"$TMP/$peer-cpu")
  done
  RATIO[$file]=$(paired_ratio "$TMP/reactor-rps" "$TMP/nginx-rps")
done

# ---------------------------------------------------------------- wrk, HTTPS HTTP/1.1
# Each round below prints "<rate> <server CPU µs per request or handshake>".
wrk_round() {
  local before out
  before=$(cpu_us "$(peer_pid "$1")")
  out=$("${on_client_cpus[@]}" wrk -t 2 -c "$CONNS" -d "${SECONDS_EACH}s" -H "Host: $ID.localhost:$1" "https://127.0.0.1:$1/index.html")
  echo "$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' <<<"$out")" \
    "$(per "$before" "$(cpu_us "$(peer_pid "$1")")" "$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")")"
}
# ---------------------------------------------------------------- handshakes
handshake_round() {
  local before out
  before=$(cpu_us "$(peer_pid "$1")")
  out=$("${on_client_cpus[@]}" node "$HERE/handshakes.mjs" "$1" "$ID.localhost" "$2" "$SECONDS_EACH" 8)
  echo "$(jq -r .perSecond <<<"$out")" "$(per "$before" "$(cpu_us "$(peer_pid "$1")")" "$(jq -r .handshakes <<<"$out")")"
}
declare -A RATE PER_OP
for ((r = 1; r <= ROUNDS; r++)); do
  for peer in $(peers_in_round "$r"); do
    port=$RPORT
    [[ $peer == nginx ]] && port=$NPORT
    wrk_round "$port" >>"$TMP/$peer-wrk"
    handshake_round "$port" full >>"$TMP/$peer-full"
    handshake_round "$port" resumed >>"$TMP/$peer-resumed"
    say "round $r $peer (rate, µs of server CPU each): wrk $(tail -1 "$TMP/$peer-wrk"), full handshakes $(tail -1 "$TMP/$peer-full"), resumed $(tail -1 "$TMP/$peer-resumed")"
  done
done
for peer in reactor nginx; do
  for measure in wrk full resumed; do
    RATE[$measure,$peer]=$(cut -d' ' -f1 "$TMP/$peer-$measure" | median)
    PER_OP[$measure,$peer]=$(cut -d' ' -f2 "$TMP/$peer-$measure" | median)
  done
done

# ---------------------------------------------------------------- idle memory
# Resident memory of a process and its children, in KiB.
rss_kib() { sum_over_peer "$1" status '/^VmRSS:/ {print $2}'; }
declare -A PER_IDLE
for peer in reactor nginx; do
  port=$RPORT pid=$REACTOR_PID
  [[ $peer == nginx ]] && port=$NPORT pid=$NGINX_PID
  before=$(rss_kib "$pid")
  coproc IDLER { "${on_client_cpus[@]}" node "$HERE/idle.mjs" "$port" "$ID.localhost:$port" "$IDLE"; }
  read -r ready <&"${IDLER[0]}"
  [[ $ready == ready ]] || die "idle connections to $peer did not open"
  sleep 2
  after=$(rss_kib "$pid")
  eval "exec ${IDLER[1]}>&-"
  wait "$IDLER_PID" || true
  PER_IDLE[$peer]=$(((after - before) * 1024 / IDLE))
  say "$peer: $before KiB before, $after KiB with $IDLE idle TLS connections"
done

echo "h2load -c $CONNS -m $STREAMS, medians of $ROUNDS rounds, commit $commit, $(date -u '+%Y-%m-%d %H:%M UTC'), load at start $(cut -d' ' -f1-3 /proc/loadavg), servers on CPUs ${SERVER_CPUS:-all}, clients on ${CLIENT_CPUS:-all}"
echo
echo "| file | Reactor req/s | nginx req/s | Reactor / nginx | Reactor p99 | nginx p99 | Reactor CPU/request | nginx CPU/request |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|"
for file in index.html "$JS_PATH"; do
  name=$file
  [[ $file == "$JS_PATH" ]] && name="JS bundle ($(($(stat -c %s "$TMP/builds/$ID/$file") / 1024)) KB)"
  printf '| %s | %s | %s | %s | %s ms | %s ms | %s µs | %s µs |\n' "$name" "${RPS[$file,reactor]}" "${RPS[$file,nginx]}" \
    "${RATIO[$file]}" "${P99[$file,reactor]}" "${P99[$file,nginx]}" "${CPU[$file,reactor]}" "${CPU[$file,nginx]}"
done
echo
echo "wrk -t 2 -c $CONNS over HTTPS/1.1, and handshakes 8 at a time (TLS 1.3), ${SECONDS_EACH} s each, medians of $ROUNDS rounds; idle: $IDLE connections"
echo
echo "| measure | Reactor | nginx | Reactor / nginx | Reactor CPU each | nginx CPU each |"
echo "|---|--:|--:|--:|--:|--:|"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
row() {
  printf '| %s | %s | %s | %s | %s µs | %s µs |\n' "$1" "${RATE[$2,reactor]}" "${RATE[$2,nginx]}" \
    "$(paired_ratio "$TMP/reactor-$2" "$TMP/nginx-$2")" "${PER_OP[$2,reactor]}" "${PER_OP[$2,nginx]}"
}
row "HTTPS/1.1 index.html, requests/s" wrk
row "new TLS connections/s, full handshakes" full
row "new TLS connections/s, resumed" resumed
printf '| memory per idle TLS connection, bytes | %s | %s | %s | | |\n' "${PER_IDLE[reactor]}" "${PER_IDLE[nginx]}" "$(ratio "${PER_IDLE[reactor]}" "${PER_IDLE[nginx]}")"
