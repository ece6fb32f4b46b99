#!/usr/bin/env bash
# Builds the action's image from static binaries already built, offline: the Dockerfile's last
# stage (FROM scratch, the binary, a CA bundle) with the binary and the CA file taken from this
# machine instead of a Rust build stage. No base image is pulled, no Rust is compiled. CI builds
# the image it tests with this script, and the release workflow the image it publishes, so the
# published image holds exactly the released binary. The from-source path is the Dockerfile
# itself (`docker build -t oidc-assume .`): docs/container.md.
#
#   scripts/build-image.sh TAG                       # this machine's platform, from
#                                                    # target/<arch>-unknown-linux-gnu/release/
#   scripts/build-image.sh --binary linux/amd64=dist/oidc-assume-x86_64-unknown-linux-gnu \
#       --binary linux/arm64=dist/oidc-assume-aarch64-unknown-linux-gnu TAG -- --push ...
#
# One platform: `docker build`. Several, or arguments after `--`: `docker buildx build
# --platform …` with those arguments (a scratch image has no RUN step, so no emulation).
# The CA file is /etc/ssl/certs/ca-certificates.crt unless CA_FILE names another.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,/^set -e/p' "$0" | sed -e '/^set -e/d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

binaries=()
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) [ $# -ge 2 ] || usage; binaries+=("$2"); shift 2 ;;
    --binary=*) binaries+=("${1#--binary=}"); shift ;;
    -h|--help) usage ;;
    -*) echo "build-image.sh: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
tag="$1"
shift
extra=()
if [ $# -gt 0 ]; then
  [ "$1" = "--" ] || { echo "build-image.sh: unexpected argument $1 (build arguments go after --)" >&2; usage; }
  shift
  extra=("$@")
fi

if [ ${#binaries[@]} -eq 0 ]; then
  case "$(uname -m)" in
    x86_64) binaries=("linux/amd64=target/x86_64-unknown-linux-gnu/release/oidc-assume") ;;
    aarch64) binaries=("linux/arm64=target/aarch64-unknown-linux-gnu/release/oidc-assume") ;;
    *) echo "build-image.sh: no default binary for $(uname -m): use --binary PLATFORM=PATH" >&2; exit 2 ;;
  esac
fi
ca="${CA_FILE:-/etc/ssl/certs/ca-certificates.crt}"
[ -s "$ca" ] || { echo "build-image.sh: CA file $ca is missing (install ca-certificates, or set CA_FILE)" >&2; exit 2; }

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/etc/ssl/certs"
cp "$ca" "$ctx/etc/ssl/certs/ca-certificates.crt"
platforms=()
for entry in "${binaries[@]}"; do
  platform="${entry%%=*}"
  bin="${entry#*=}"
  [[ "$platform" =~ ^linux/(amd64|arm64)$ && "$bin" != "$entry" ]] \
    || { echo "build-image.sh: --binary wants linux/amd64=PATH or linux/arm64=PATH, not $entry" >&2; exit 2; }
  [ -x "$bin" ] || { echo "build-image.sh: $bin is missing: build it first (.ci/run: RUSTFLAGS=\"-C target-feature=+crt-static\" cargo build --release --locked --target x86_64-unknown-linux-gnu)" >&2; exit 2; }
  mkdir -p "$ctx/$platform"
  install -m 0755 "$bin" "$ctx/$platform/oidc-assume"
  platforms+=("$platform")
done

# The Dockerfile's last stage, its `--from=build` copies read from the context instead.
stage="$(sed -n '/^FROM scratch$/,$p' Dockerfile)"
if [ ${#platforms[@]} -eq 1 ] && [ ${#extra[@]} -eq 0 ]; then
  mv "$ctx/${platforms[0]}/oidc-assume" "$ctx/oidc-assume"
  binary_copy='COPY oidc-assume /oidc-assume'
else
  binary_copy='ARG TARGETPLATFORM
COPY ${TARGETPLATFORM}/oidc-assume /oidc-assume'
fi
printf '%s\n' "$stage" | while IFS= read -r line; do
  case "$line" in
    'COPY --from=build /oidc-assume /oidc-assume') printf '%s\n' "$binary_copy" ;;
    'COPY --from=build '*) printf 'COPY %s\n' "${line#COPY --from=build }" ;;
    *) printf '%s\n' "$line" ;;
  esac
done > "$ctx/Dockerfile"
if grep -q -e '--from=' -e '^RUN' "$ctx/Dockerfile" || ! grep -q '^COPY .*oidc-assume /oidc-assume$' "$ctx/Dockerfile"; then
  echo "build-image.sh: the Dockerfile's last stage is no longer plain COPY/ENV/ENTRYPOINT lines:" >&2
  cat "$ctx/Dockerfile" >&2
  exit 1
fi

if [ ${#platforms[@]} -eq 1 ] && [ ${#extra[@]} -eq 0 ]; then
  docker build --quiet --tag "$tag" "$ctx" >/dev/null
else
  docker buildx build --platform "$(IFS=,; echo "${platforms[*]}")" --tag "$tag" "${extra[@]}" "$ctx"
fi
size=$(docker image inspect --format '{{.Size}}' "$tag" 2>/dev/null || echo "?")
echo "build-image.sh: $tag (${platforms[*]}): $size bytes" >&2
