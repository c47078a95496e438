#!/usr/bin/env bash
# Usage: scripts/with-sanitizers.sh REPORT_DIR COMMAND…
# Runs COMMAND with the ASan, UBSan, LSan and TSan options of `make test-asan` and
# `make test-tsan`: the first report ends the reporting process, and every report is also
# written to REPORT_DIR (emptied first). Fails when COMMAND fails or when any sanitized
# process wrote a report, even one whose exit a test ignored (a server it killed, a
# child whose stderr nobody read); the reports are printed at the end.
set -euo pipefail

if (($# < 2)); then
  echo "usage: $0 REPORT_DIR COMMAND…" >&2
  exit 2
fi
reports=$(realpath -m "$1")
shift
rm -rf "$reports"
mkdir -p "$reports"
supp=$(cd "$(dirname "$0")" && pwd)/sanitizers

# log_path: each process writes its reports to REPORT_DIR/<tool>.<pid> instead of stderr.
# exitcode 23 / 66 are the runtimes' defaults, set here so that a test can tell them apart.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=0:exitcode=23:log_path=$reports/asan"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:exitcode=66:suppressions=$supp/tsan.supp:log_path=$reports/tsan"

status=0
"$@" || status=$?

shopt -s nullglob
found=("$reports"/*)
if ((${#found[@]})); then
  for file in "${found[@]}"; do
    echo "==== sanitizer report: $file" >&2
    cat "$file" >&2
  done
  echo "with-sanitizers: ${#found[@]} sanitizer report(s) in $reports" >&2
  ((status)) || status=1
fi
exit "$status"
