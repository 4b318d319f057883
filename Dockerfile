# syntax=docker/dockerfile:1
# Parley in a container: a static binary on distroless, running as non-root.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg COMMIT=$(git rev-parse HEAD) -t parley .
#   docker run -p 8080:8080 -v parley-data:/data parley
#
# .git is not sent to the builder (.dockerignore), so the Go toolchain
# cannot stamp the VCS commit: VERSION and COMMIT are the stamp, passed to
# the linker as main.version and main.commit (as scripts/release.sh does).

# The build stage runs on the builder's own platform and cross-compiles
# (GOOS/GOARCH from buildx's TARGET*): no emulation for --platform builds.
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first: this layer is reused while go.mod and go.sum are unchanged.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG TARGETOS=linux
ARG TARGETARCH
# CGO_ENABLED=0: the SQLite engine is pure Go, so the binary needs no libc
# and runs on distroless/static. -trimpath keeps build paths out of it;
# -s -w drops the symbol table and DWARF. deploy/deploy_test.go builds with
# the same flags and checks the result is static.
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/parley ./cmd/parley && \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -ldflags "-s -w" -o /out/healthcheck ./deploy/healthcheck && \
    mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
# The data directory must exist and belong to the runtime user before the
# volume is created: Docker seeds a new named volume from it, ownership
# included, so the non-root process can write there.
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/parley /usr/local/bin/parley
COPY --from=build /out/healthcheck /healthcheck
# 65532 is distroless's "nonroot"; numeric so Kubernetes' runAsNonRoot can
# verify it without reading /etc/passwd.
USER 65532:65532
ENV PARLEY_DATA=/data PARLEY_LISTEN=0.0.0.0:8080
VOLUME /data
EXPOSE 8080
# No shell in the image: the check is a static program (deploy/healthcheck)
# that GETs /healthz on loopback at PARLEY_LISTEN's port.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["/healthcheck"]
ENTRYPOINT ["/usr/local/bin/parley"]
CMD ["serve"]
