# botctl in a container: a static binary on distroless, run as a non-root
# user, serving the example bots of dialogs/ on port 8080.
#
#   docker build -t botctl \
#     --build-arg VERSION="$(git describe --always --dirty)" \
#     --build-arg COMMIT="$(git rev-parse HEAD)" .       # or: make image
#   docker run --rm -p 127.0.0.1:8080:8080 -e BOTCTL_API_KEY="$(openssl rand -hex 24)" botctl
#
# Serving on 0.0.0.0 needs an API key: BOTCTL_API_KEY. The default command
# keeps conversations in a file store under /data (mount a volume there to
# keep them); docs/operations.md, "Running in a container", has the rest.

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# The toolchain of the image, not one downloaded for go.mod's go line; no
# VCS stamp (the context has no .git): VERSION and COMMIT say what it is.
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN go mod download
COPY cmd cmd
COPY engine engine
COPY schema schema
ARG VERSION=
ARG COMMIT=
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/botctl ./cmd/botctl
# The directory the file store writes to (owned by the server's user below).
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/botctl /usr/local/bin/botctl
COPY --from=build --chown=65532:65532 /out/data /data
COPY dialogs /botctl/dialogs
WORKDIR /botctl
# nonroot (65532) of the distroless image, by number so that Kubernetes'
# runAsNonRoot can check it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["botctl"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--store", "file:/data/botctl.db", "dialogs/"]
