#!/usr/bin/env bash
# Runs each cargo-fuzz target in fuzz/ for a bounded time and prints how many
# inputs each executed and whether any crashed. Too slow for the test suite:
# run it by hand or on a schedule, not from scripts/test.sh.
#
#   bash scripts/fuzz.sh                    # every target, 60 s each
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh tool_args
#
# Needs a nightly toolchain (libFuzzer's instrumentation) and cargo-fuzz;
# installs cargo-fuzz when missing and says how to get nightly when that is
# missing. Corpora grow in fuzz/corpus/<target> (seeded from the committed
# fuzz/seeds/<target>), crashes land in fuzz/artifacts/<target>, logs in
# fuzz/artifacts/<target>.log. Exits non-zero when a target crashed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${FUZZ_SECONDS:-60}
all=(payload slash last_event_id tool_args route_path)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "==> installing the nightly toolchain (cargo-fuzz needs it)"
  rustup toolchain install nightly --profile minimal || {
    echo "no nightly toolchain and none could be installed: cargo-fuzz cannot run here" >&2
    exit 2
  }
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked || exit 2
fi

echo "==> building the fuzz targets (nightly, AddressSanitizer)"
cargo +nightly fuzz build || exit 2

mkdir -p fuzz/artifacts
failed=()
summary=()
for target in "${targets[@]}"; do
  corpus="$root/fuzz/corpus/$target"
  seeds="$root/fuzz/seeds/$target"
  log="$root/fuzz/artifacts/$target.log"
  mkdir -p "$corpus" "$seeds"
  dict=()
  [ -f "$root/fuzz/dicts/$target.dict" ] && dict=("-dict=$root/fuzz/dicts/$target.dict")
  echo "==> $target for ${seconds}s"
  # New inputs go to the first corpus folder; the seeds are only read.
  cargo +nightly fuzz run "$target" "$corpus" "$seeds" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "${dict[@]}" >"$log" 2>&1
  status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  units=$(find "$corpus" -type f | wc -l)
  found=$(find "$root/fuzz/artifacts/$target" -type f 2>/dev/null | wc -l)
  if [ $status -eq 0 ]; then
    result=ok
  elif [ "$found" -gt 0 ]; then
    result="CRASH (exit $status; $found input(s) in fuzz/artifacts/$target, log $log)"
    failed+=("$target")
  else
    result="ERROR (exit $status, no crash input; see $log)"
    failed+=("$target")
  fi
  summary+=("$(printf '%-14s %12s execs %8s/s  cov %6s  corpus %6s  %s' \
    "$target" "${runs:-?}" "${speed:-?}" "${cov:-?}" "$units" "$result")")
done

echo
echo "==> summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]} (turn each crash input into a regression test)" >&2
  exit 1
fi
