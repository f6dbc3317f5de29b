# syntax=docker/dockerfile:1
#
# The ocimove image: the worker (the entrypoint), with the starter and the
# local cloud endpoints beside it for the docker-compose stack's set-up and
# its "local" profile. Built in two stages: Go compiles static binaries;
# the runtime is Alpine (busybox wget and nc serve the health checks) and
# runs as an unprivileged user.
#
#   docker build -t ocimove .
#   docker run --rm -e TEMPORAL_ADDRESS=temporal:7233 ocimove

# The Go release go.mod asks for (its `go` line).
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -ldflags="-s -w" -o /out/ocimove-worker ./cmd/worker && \
    go build -ldflags="-s -w" -o /out/ocimove-starter ./cmd/starter && \
    go build -ldflags="-s -w" -o /out/ocimove-localcloud ./cmd/localcloud

FROM alpine:3.22
RUN apk add --no-cache ca-certificates tzdata && \
    addgroup -S -g 10001 ocimove && adduser -S -D -H -u 10001 -G ocimove ocimove && \
    mkdir -p /data/routing /creds && chown -R ocimove:ocimove /data /creds
COPY --from=build /out/ocimove-worker /usr/local/bin/ocimove-worker
COPY --from=build /out/ocimove-starter /usr/local/bin/ocimove-starter
COPY --from=build /out/ocimove-localcloud /usr/local/bin/ocimove-localcloud
USER 10001:10001
WORKDIR /data
# /metrics, /healthz and /readyz on every interface of the container.
ENV OCIMOVE_HTTP_ADDR=0.0.0.0:9464
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD wget -q -O /dev/null http://127.0.0.1:9464/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/ocimove-worker"]
