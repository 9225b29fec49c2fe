# The ritc image: the binary (the stdlib is compiled into it) on a slim Debian,
# run as a non-root user, `ritc` as the entry point. docs/scaling.md runs it in
# Kubernetes; CI jobs can run in it instead of installing ritc.
#
#   docker build -t ritc .
#   docker run --rm -v "$PWD/checks:/checks" ritc check /checks
#
# Stage 1 builds with the Rust toolchain; stage 2 keeps only what runs.
FROM rust:1-bookworm AS build
WORKDIR /src
# native-tls links OpenSSL; the SQLite driver builds its C library with cc.
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config libssl-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked --bin ritc \
    && install -m 0755 target/release/ritc /usr/local/bin/ritc

FROM debian:bookworm-slim
# ca-certificates: TLS is verified unless a script says otherwise; libssl3 for
# native-tls; curl because suites commonly `run "curl …"` in readiness checks.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libssl3 curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 ritc
COPY --from=build /usr/local/bin/ritc /usr/local/bin/ritc
USER 10001
WORKDIR /checks
ENTRYPOINT ["ritc"]
CMD ["--help"]
