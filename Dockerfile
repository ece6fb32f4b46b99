# Multi-stage build of a static oidc-assume binary on an empty base image.
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
RUN cargo build --release --locked --target x86_64-unknown-linux-gnu \
    && cp target/x86_64-unknown-linux-gnu/release/oidc-assume /oidc-assume

FROM scratch
# reqwest and the AWS SDK read the OS trust store (rustls-native-certs), which an empty image
# lacks: ship the build stage's CA bundle where they look for it.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /oidc-assume /oidc-assume
ENTRYPOINT ["/oidc-assume"]
