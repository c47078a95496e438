#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_SECONDS (default 60) on a scratch copy of its seed
# corpus, so the committed corpus does not grow; FUZZ_JOBS (default: one per core) targets
# at a time, each fuzzer being one process. Fails when any target crashes; the crashing
# inputs are kept in <build-dir>/artifacts/<target>/ and named below.
# Usage: fuzz/run.sh <build-dir> [target...]
set -uo pipefail

build_dir=$(realpath "${1:?usage: fuzz/run.sh <build-dir> [target...]}")
shift
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-$(nproc)}
source_dir=$(dirname "$(realpath "$0")")
if (($#)); then
  targets=("$@")
else
  mapfile -t targets <"$build_dir/targets.txt"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/reactor-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Fuzzes one target; writes its summary line to $scratch/summary.<target>, and on a crash
# its report to $scratch/failed.<target>.
fuzz_one() {
  local target=$1
  local corpus="$scratch/corpus/$target" artifacts="$build_dir/artifacts/$target"
  local log="$build_dir/$target.log"
  mkdir -p "$corpus" "$artifacts"
  cp "$source_dir/corpus/$target"/* "$corpus/"
  echo "fuzz: $target for ${seconds}s (log: $log)"
  # Any sanitizer report ends the run (a leak too); llvm-19's symbolizer, found on the
  # PATH, names the functions and lines in it.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    PATH="/usr/lib/llvm-19/bin:$PATH" \
    "$build_dir/$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
  local status=$?
  # The last status line: "#N DONE cov: C ft: F corp: ..."; exec/s from the final stats.
  local last cov ft entries runs speed
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  entries=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -1)
  speed=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -1)
  printf '%-16s %10s %8s %6s %6s %s\n' "$target" "${runs:--}" "${speed:--}" "${cov:--}" \
    "${ft:--}" "${entries:--}" >"$scratch/summary.$target"
  if ((status != 0)); then
    {
      echo "fuzz: $target FAILED (exit $status); the report:"
      grep -E 'ERROR|runtime error|SUMMARY|^    #[0-9]' "$log" | head -30
      for input in $(sed -nE 's/.*Test unit written to (.*)/\1/p' "$log" | sort -u); do
        echo "fuzz: crashing input: $input"
      done
    } >"$scratch/failed.$target"
  fi
}

for target in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n; done
  fuzz_one "$target" &
done
wait

printf '%-16s %10s %8s %6s %6s %s\n' target runs exec/s cov ft corpus
failed=()
for target in "${targets[@]}"; do
  cat "$scratch/summary.$target"
  if [[ -f $scratch/failed.$target ]]; then
    failed+=("$target")
  fi
done
for target in "${failed[@]}"; do cat "$scratch/failed.$target"; done
if ((${#failed[@]})); then
  echo "fuzz: crashes in ${failed[*]} (inputs in $build_dir/artifacts/)"
  exit 1
fi
