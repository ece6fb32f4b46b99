#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs the test servers (moto, awscli) into a
# venv under target/ when missing, prepares the container tests when a Docker engine answers,
# then runs every cargo test. Extra arguments go to cargo test.
#
# The container tests (tests/it/container.rs) run the shipped image, built from the static
# release binary. With an engine, this builds both (as .ci/run does) unless .ci/run already did
# and named the image in OIDC_ASSUME_TEST_IMAGE; without one, it says in one line what it skips.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$PWD/target/test-venv"
if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/aws" ] || [ ! -x "$venv/bin/zizmor" ]; then
  echo "scripts/test.sh: installing moto and awscli into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/test-requirements.txt
fi
export OIDC_ASSUME_TEST_VENV="$venv"

# Whether these arguments can select the container tests: all tests, or a filter naming them.
wants_containers() {
  [ $# -eq 0 ] && return 0
  for arg in "$@"; do
    case "$arg" in --lib | --doc | --bins) return 1 ;; esac
  done
  for arg in "$@"; do
    case "$arg" in *container*) return 0 ;; esac
  done
  # Only options (`--test it`, `--release`): every test of the selection runs.
  for arg in "$@"; do
    case "$arg" in -*) ;; *) [ "$arg" = it ] || return 1 ;; esac
  done
  return 0
}

if [ -n "${OIDC_ASSUME_TEST_IMAGE:-}" ]; then
  : # .ci/run built the binary and the image; nothing to rebuild.
elif ! wants_containers "$@"; then
  : # The container tests are not selected.
elif ! command -v docker >/dev/null 2>&1; then
  echo "scripts/test.sh: skipping the container tests: no docker CLI (install Docker Engine, e.g. Debian's docker.io, then start it; .ci/run does both)" >&2
  export OIDC_ASSUME_CONTAINER_SKIP_SAID=1
elif ! docker info >/dev/null 2>&1; then
  echo "scripts/test.sh: skipping the container tests: no Docker engine answers \`docker info\` (start one: \`sudo systemctl start docker\`, or \`sudo dockerd --bridge none --iptables=false --ip6tables=false &\` as .ci/run does)" >&2
  export OIDC_ASSUME_CONTAINER_SKIP_SAID=1
else
  target="$(uname -m)-unknown-linux-gnu"
  echo "scripts/test.sh: a Docker engine answers: building the static release binary ($target) and the image oidc-assume:test for the container tests" >&2
  RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$target"
  scripts/build-image.sh oidc-assume:test
  export OIDC_ASSUME_TEST_IMAGE=oidc-assume:test
fi
exec cargo test --locked "$@"
