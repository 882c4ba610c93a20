# botctl — build, test and check targets. `make test` is what CI runs.

GO      ?= go
PKGS    ?= ./...
BIN     ?= bin/botctl
FUZZTIME ?= 10s

.PHONY: all build image test test-race update-golden fmt lint tools vet fuzz bench check clean

all: build

# build stamps the binary with git describe and the commit, which botctl
# version prints even where the toolchain records no VCS information.
VERSION ?= $(shell git describe --always --dirty 2>/dev/null)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS ?= -X main.version=$(VERSION) -X main.commit=$(COMMIT)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/botctl

# image builds the container image of the Dockerfile, stamped like build.
IMAGE ?= botctl
image:
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t $(IMAGE) .

# test: formatting, vet, every Go test (golden files, transcripts, CLI scripts),
# and the example bots through the real CLI: valid with no warning, and their
# transcripts passing with every step and rule edge covered.
test: lint
	$(GO) test -count=1 $(PKGS)
	$(GO) run ./cmd/botctl validate --strict dialogs/*/
	$(GO) run ./cmd/botctl test --cover-min 100 dialogs/

test-race:
	$(GO) test -race -count=1 $(PKGS)

update-golden:
	BOTCTL_UPDATE_GOLDEN=1 $(GO) test -count=1 $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

# lint: gofmt, vet and staticcheck. Without staticcheck installed it is
# skipped with a note, except where BOTCTL_REQUIRE_SERVICES is set (CI),
# which fails instead; `make tools` installs it (into $(go env GOPATH)/bin).
lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	@sc=$$(command -v staticcheck || echo "$$($(GO) env GOPATH)/bin/staticcheck"); \
	if [ -x "$$sc" ]; then \
	  echo "staticcheck $(PKGS)"; "$$sc" $(PKGS); \
	elif [ -n "$$BOTCTL_REQUIRE_SERVICES" ]; then \
	  echo "staticcheck is not installed: run make tools"; exit 1; \
	else \
	  echo "skipping staticcheck: not installed (make tools installs it)"; \
	fi

STATICCHECK_VERSION ?= v0.8.2
tools:
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

vet:
	$(GO) vet $(PKGS)

# fuzz: a short run of every fuzz target (CI runs it with FUZZTIME=4s);
# FUZZTIME=5m for a longer one. .ci/fuzz says how a run fails.
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) .ci/fuzz

# bench: the Go benchmarks of the hot paths (turns per step kind, compile,
# stores, serve over loopback HTTP against a bare echo handler) and botctl
# bench on the example bots, in process and against a botctl serve on
# 127.0.0.1; rewrites the generated tables of docs/performance.md (machine,
# date, Go version). Takes about nine minutes. BENCHFLAGS=-quick tries it
# in one minute and prints the tables instead; redis-server and PostgreSQL
# are used when installed.
BENCHFLAGS ?=
bench:
	$(GO) run ./engine/internal/tools/benchdoc -doc docs/performance.md $(BENCHFLAGS)

check: test test-race fuzz

clean:
	rm -rf bin
