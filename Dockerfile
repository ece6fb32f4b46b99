# The from-source build: a static oidc-assume binary on an empty base image, in two stages.
# This is what the runner builds for `uses: OWNER/REPO@main` (action.yml: `image: Dockerfile`)
# and what you run to build the image yourself:
#
#   docker build -t oidc-assume .
#
# CI and releases do not build Rust twice: scripts/build-image.sh puts the static binary they
# already built into this file's last stage (everything from `FROM scratch` on, with the
# `--from=build` copies taken from its build context instead). Keep that stage plain COPY/ENV/
# ENTRYPOINT lines, so both paths produce the same image.
#
# The entrypoint is the binary itself, in exec form: no shell runs in between. That matters:
# the runner passes inputs as INPUT_ROLE-TO-ASSUME and friends, and /bin/sh (dash) silently
# drops variables with hyphens in their names.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY examples ./examples
# Same flags as CI's static release build (.ci/run): a statically linked gnu binary.
ENV RUSTFLAGS="-C target-feature=+crt-static"
# The build platform's own target, so the arm64 image (built natively or under QEMU) gets an
# arm64 binary.
RUN target="$(uname -m)-unknown-linux-gnu" \
    && cargo build --release --locked --target "$target" \
    && cp "target/$target/release/oidc-assume" /oidc-assume

FROM scratch
# The token, key and web-identity requests trust Mozilla's roots compiled into the binary. The
# AWS SDK, used only for signed calls (role chaining, static keys), reads the OS trust store,
# which an empty image lacks: ship the build stage's CA bundle, and name it, so the SDK reads
# this one file instead of also scanning a directory.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
COPY --from=build /oidc-assume /oidc-assume
ENTRYPOINT ["/oidc-assume"]
