#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs the test servers (moto, awscli) into a
# venv under target/ when missing, then runs every cargo test. Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$PWD/target/test-venv"
if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/aws" ]; then
  echo "scripts/test.sh: installing moto and awscli into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/test-requirements.txt
fi
export OIDC_ASSUME_TEST_VENV="$venv"
exec cargo test --locked "$@"
