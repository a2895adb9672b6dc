# leakgate container image: a static (musl) binary on a small Alpine base with git, run as a
# non-root user. Usage:
#   docker build -t leakgate .
#   docker run --rm -v "$PWD:/repo" leakgate git /repo
#   docker run --rm -v "$PWD:/repo" leakgate dir /repo

FROM rust:1.95-alpine3.22 AS build
# musl-dev and make for the bundled libgit2/zlib C sources; the result links statically.
# Package versions follow the pinned Alpine release branch of the image tag (DL3018 waived).
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev make
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY rules ./rules
COPY hooks ./hooks
RUN cargo build --release --locked \
    && cp target/release/leakgate /usr/local/bin/leakgate \
    && /usr/local/bin/leakgate --version

FROM alpine:3.22
# git: `leakgate git` reads repositories itself, but hooks, `git config` and safe.directory
# handling for a mounted repository owned by another uid need the git binary.
# hadolint ignore=DL3018
RUN apk add --no-cache git \
    && adduser -D -u 10001 leakgate \
    && git config --system --add safe.directory '*'
COPY --from=build /usr/local/bin/leakgate /usr/local/bin/leakgate
USER 10001
WORKDIR /repo
ENTRYPOINT ["leakgate"]
CMD ["--help"]
