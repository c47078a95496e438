#!/usr/bin/env bash
# Queue throughput and change-feed latency on SQLite and PostgreSQL, one command:
#
#   bench/queue/run.sh
#
# Builds queue_bench (bench/queue/queue_bench.cpp, which says what each figure measures)
# in build-bench/ (Release; BUILD_DIR to change it), starts a throwaway PostgreSQL 15
# with scripts/with-postgres.sh unless REACTOR_TEST_POSTGRES_URL is set already, and runs
# it on a fresh SQLite file and a fresh PostgreSQL schema. Prints the load average before
# and after, and two markdown tables. Knobs (environment): JOBS_PER_RUN=2000 SAMPLES=200
# POLL_SAMPLES=30 THREADS=4.
set -euo pipefail

cd "$(dirname "$0")/../.."
if [[ -z ${REACTOR_TEST_POSTGRES_URL:-} ]]; then
  exec scripts/with-postgres.sh "$0" "$@"
fi
BUILD_DIR=${BUILD_DIR:-build-bench}
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREACTOR_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j "${JOBS:-2}" --target queue_bench >/dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/reactor-queue-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
schema="queue_bench_$$"
"${REACTOR_TEST_POSTGRES_BIN:+$REACTOR_TEST_POSTGRES_BIN/}psql" -X -q -v ON_ERROR_STOP=1 -d "$REACTOR_TEST_POSTGRES_URL" -c "CREATE SCHEMA $schema"
sep='?'
[[ $REACTOR_TEST_POSTGRES_URL == *\?* ]] && sep='&'
postgres="$REACTOR_TEST_POSTGRES_URL${sep}options=-csearch_path%3D$schema"

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)" >&2
"$BUILD_DIR/bench/queue/queue_bench" --db "sqlite://$tmp/bench.db" --db "$postgres" \
  --jobs "${JOBS_PER_RUN:-2000}" --samples "${SAMPLES:-200}" \
  --poll-samples "${POLL_SAMPLES:-30}" --threads "${THREADS:-4}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
