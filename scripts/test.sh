#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit and black-box tests
# (cargo nextest), the MCP conformance suite and the browser tests of the web
# console. Installs what a fresh machine lacks (npm packages, Chromium).
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()
step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check || failed+=("cargo fmt")

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings || failed+=("clippy")

step "build"
cargo build --workspace --locked --all-targets || { echo "build failed"; exit 1; }

for extra in scripts/test-*.sh; do
  [ -e "$extra" ] || continue
  step "$extra"
  bash "$extra" || failed+=("$extra")
done

step "cargo nextest"
profile=default
[ "${CI:-}" = "true" ] && profile=ci
cargo nextest run --workspace --locked --profile "$profile" --no-fail-fast
status=$?
[ $status -eq 0 ] || failed+=("nextest")

# The black-box suites again, with jobs kept in the SQLite store.
step "cargo nextest (store: sqlite)"
TEST_STORE_BACKEND=sqlite cargo nextest run --workspace --locked --profile "$profile" \
  --no-fail-fast -E 'binary(api) | binary(agent) | binary(mcp) | binary(client)' \
  || failed+=("nextest (sqlite)")

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nFAILED: %s\n' "${failed[*]}" >&2
  exit 1
fi
exit 0
