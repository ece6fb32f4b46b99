#!/usr/bin/env bash
# One command: build the release binary and the benchmark helpers, then run the benchmark.
#
#   bench/run.sh                 # 200 runs per client on local servers, 30 with 50 ms per request
#   bench/run.sh --runs 3        # a smoke test
#   bench/run.sh --container oidc-assume:ci   # also the image, run as the runner runs it
#   bench/run.sh --help          # every option (bench/bench.py)
#
# Prints a Markdown table (ratios to the floor first, then absolute numbers, then the targets)
# on stdout; progress on stderr. What it measures and how to read it: docs/release.md.
#
# BENCH_TARGET=x86_64-unknown-linux-gnu builds for that target instead (with whatever RUSTFLAGS
# are set), so CI can reuse its static release build: target/$BENCH_TARGET/release/.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=target/release
target_args=()
if [ -n "${BENCH_TARGET:-}" ]; then
  dir="target/$BENCH_TARGET/release"
  target_args=(--target "$BENCH_TARGET")
fi
echo "bench: cargo build --release --locked --bins --examples ${target_args[*]}" >&2
cargo build --release --locked --bins --examples "${target_args[@]}" >&2
exec python3 bench/bench.py --bin "$dir/oidc-assume" --floor "$dir/examples/floor" \
  --servers "$dir/examples/bench_servers" "$@"
