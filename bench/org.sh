#!/usr/bin/env bash
# Organisation-scale benchmark (issue #18 item 5): build the release binary, generate a tree of
# repositories shaped like a real organisation, and time `oidc-assume audit` next to Checkov and
# ActionScope on it, interleaved, in one run.
#
#   bench/org.sh                          # 1,000 repositories; peers on the first 100 (a few minutes)
#   bench/org.sh --repos 20 --no-peers    # the CI smoke: ours only, no venv, a few seconds
#   bench/org.sh --checkov-repos 0        # Checkov on the whole tree too (14 min per 1,000 here)
#   bench/org.sh --help                   # every option (bench/org/run.py)
#
# Peers are pip-installed (pinned) into target/bench-venv. Prints a Markdown table on stdout;
# progress on stderr. How to read it: docs/release.md, "At organisation scale".
#
# BENCH_TARGET=x86_64-unknown-linux-gnu builds for that target (with whatever RUSTFLAGS are set),
# so CI can reuse its static release build.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=target/release
target_args=()
if [ -n "${BENCH_TARGET:-}" ]; then
  dir="target/$BENCH_TARGET/release"
  target_args=(--target "$BENCH_TARGET")
fi
case " $* " in
  *" --help "* | *" -h "*) exec python3 bench/org/run.py --help ;;
esac
echo "org-bench: cargo build --release --locked --bin oidc-assume ${target_args[*]}" >&2
cargo build --release --locked --bin oidc-assume "${target_args[@]}" >&2
exec python3 bench/org/run.py --bin "$dir/oidc-assume" "$@"
