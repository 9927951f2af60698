#!/usr/bin/env bash
# Runs every fuzz target for a short time (default 20 s each) on the stable
# toolchain, from an empty corpus in a temporary directory: a smoke test that
# the parsers of network bytes survive a few hundred thousand random inputs,
# run by .ci/run. Longer runs: `cargo fuzz run --sanitizer none TARGET`.
#
#   bash fuzz/smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-20}
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^weir-fuzz$')
[ -n "$targets" ] || { echo "fuzz/smoke.sh: no targets in fuzz/Cargo.toml" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! cargo fuzz build --sanitizer none -O >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  echo "fuzz/smoke.sh: building the fuzz targets failed (log above)" >&2
  exit 1
fi
for t in $targets; do
  mkdir -p "$work/$t"
  start=$(date +%s)
  if ! cargo fuzz run --sanitizer none -O "$t" "$work/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -artifact_prefix="$work/" >"$work/$t.log" 2>&1; then
    tail -n 40 "$work/$t.log" >&2
    echo "fuzz/smoke.sh: $t failed (log above)" >&2
    exit 1
  fi
  runs=$(grep -o 'Done [0-9]* runs' "$work/$t.log" | tail -1)
  echo "fuzz $t: ${runs:-?} in $(( $(date +%s) - start )) s, clean"
done
