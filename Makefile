# gqlbff — the two commands a newcomer needs: `make run` and `make test`.
GO      ?= go
PKGS    ?= ./...
BENCH   ?= .
NPM     ?= npm
CHROMIUM ?= /usr/bin/chromium
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# The playground's GraphiQL bundle, built from web/playground (npm) and
# embedded by server/playground; not committed.
PLAYGROUND_ASSETS := server/playground/assets/playground.js server/playground/assets/playground.css
PLAYGROUND_SRC    := web/playground/package-lock.json web/playground/build.mjs \
	web/playground/src/main.js server/playground/static/boot.js

# The container engine: podman, else docker.
CONTAINER_ENGINE ?= $(shell command -v podman 2>/dev/null || command -v docker 2>/dev/null)
IMAGE ?= localhost/gqlbff:dev
# Extra flags for the image build, e.g. base images from a mirror:
# IMAGE_BUILD_FLAGS='--build-arg GO_IMAGE=… --build-arg NODE_IMAGE=…'.
IMAGE_BUILD_FLAGS ?=

.PHONY: pgo image test-image test-image-deps run build test test-deps test-federation test-short generate check-generate vet fmt bench-micro clean manifest check-manifest check-schema test-browser playground-assets bench bench-baseline bench-compare soak

## run: start gqlbff with the built-in demo services, ready to query
run: playground-assets
	$(GO) run ./cmd/gqlbff --demo

## build: build the binary into bin/
build: playground-assets
	$(GO) build -o bin/gqlbff ./cmd/gqlbff

## playground-assets: bundle GraphiQL into server/playground/assets when missing or out of date
playground-assets: $(PLAYGROUND_ASSETS)

$(PLAYGROUND_ASSETS) &: $(PLAYGROUND_SRC)
	@if command -v $(NPM) >/dev/null 2>&1; then \
		echo "building the playground assets (web/playground)"; \
		(cd web/playground && $(NPM) ci --no-audit --no-fund && $(NPM) run build) && touch $(PLAYGROUND_ASSETS) || \
		echo "the playground assets could not be built (see above); the playground page will load GraphiQL from a CDN"; \
	else \
		echo "npm not found: building without the playground assets; the playground page will load GraphiQL from a CDN"; \
	fi

## test-browser: the playground in headless Chromium against gqlbff --demo (installs Chromium and playwright-core when missing)
test-browser: build $(CHROMIUM) web/browser-test/node_modules/.package-lock.json
	cd web/browser-test && GQLBFF_BIN=$(CURDIR)/bin/gqlbff CHROMIUM=$(CHROMIUM) node --test --test-reporter=spec

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

web/browser-test/node_modules/.package-lock.json: web/browser-test/package-lock.json
	cd web/browser-test && $(NPM) ci --no-audit --no-fund

## test: every test, with the race detector, in random order; ends with an "N passed, N failed" line
test: check-generate vet check-manifest test-deps
	$(GO) build -o bin/testsummary ./internal/testsummary
	@# Every step's events go to one summary, so that its line closes the
	@# run; a step that exits non-zero counts as a failed package even when
	@# it printed no event (testsummary then exits 1, and so does make).
	{ $(GO) test -race -shuffle=on -count=1 -timeout 8m -json $(PKGS) || echo '{"Action":"fail","Package":"(go test $(PKGS) exited non-zero)"}'; \
	  $(GO) test -json -run '^$$' -fuzz '^FuzzEngineMatchesGqlgen$$' -fuzztime 5s ./engine || echo '{"Action":"fail","Package":"(go test -fuzz ./engine exited non-zero)"}'; \
	  for f in FuzzDecodeParamsIsDecodeJSON FuzzScanObjectIsDecoder; do \
	    $(GO) test -json -run '^$$' -fuzz "^$$f\$$" -fuzztime 3s ./server || echo "{\"Action\":\"fail\",\"Package\":\"(go test -fuzz $$f ./server exited non-zero)\"}"; \
	  done; \
	  (cd $(KUBE_DIR) && $(GO) test -json -shuffle=on -count=1 ./...) || echo '{"Action":"fail","Package":"(go test $(KUBE_DIR) exited non-zero)"}'; \
	} | bin/testsummary

# The Kubernetes manifests and their test: a module of their own, so that
# k8s.io/api and kustomize stay out of gqlbff's dependencies.
KUBE_DIR := deploy/kubernetes

## test-deps: what the tests need beyond Go: a redis-server binary
test-deps:
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "installing Debian's redis-server (the Redis tests start their own)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null || \
		{ echo "could not install redis-server: install it (apt-get install redis-server) and run make test again"; exit 1; }; \
		$$SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true; }

## image: the container image (Containerfile: FROM scratch, non-root) as $(IMAGE), with podman or docker
image:
	@test -n "$(CONTAINER_ENGINE)" || { echo "make image needs podman or docker"; exit 1; }
	$(CONTAINER_ENGINE) build $(IMAGE_BUILD_FLAGS) -f Containerfile -t $(IMAGE) .

## test-image: build the image's runtime stage from a local static binary and run it (installs Debian's podman and runc when missing)
test-image: test-image-deps playground-assets
	$(GO) test -count=1 -v ./test/image/

test-image-deps:
	@command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 || { \
		echo "installing Debian's podman and runc (test/image builds and runs the image with them)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >/dev/null || \
		{ echo "could not install podman: install it (apt-get install podman runc) and run make test-image again"; exit 1; }; }

## test-federation: gqlbff as a subgraph under a real Apollo Gateway (Node 20+,
## npm): installs test/federation's locked packages, then runs its checks
FEDERATION_DIR := test/federation
test-federation: build
	@command -v node >/dev/null && command -v npm >/dev/null || \
		(echo "test-federation needs Node.js 20 or later and npm"; exit 1)
	cd $(FEDERATION_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	cd $(FEDERATION_DIR) && NODE_ENV=production node run.mjs ../../bin/gqlbff

## test-short: the tests without the race detector (quicker while editing)
test-short:
	$(GO) test -count=1 $(PKGS)

## generate: regenerate graph/ from schema/ (never edit graph/ by hand)
generate:
	$(GO) run ./internal/gqlgen

## check-generate: fail when graph/ is not what schema/ generates
check-generate: generate
	@git diff --exit-code --stat -- graph/ resolvers/ || \
		(echo "graph/ is out of date with schema/: run make generate and commit"; exit 1)

vet:
	$(GO) vet $(PKGS)
	cd $(KUBE_DIR) && $(GO) vet ./...

## manifest: the demo trusted documents (server/demomanifest.json, embedded) from testdata/operations
manifest:
	$(GO) run ./cmd/gqlbff persist -o server/demomanifest.json testdata/operations/*.graphql

## check-schema: classify schema/'s changes since origin/main (else the last release tag v*); fail when a breaking one touches what a trusted document uses
##               (SCHEMA_BASE=REF compares with REF; with neither origin/main nor a tag there is nothing to compare with: a message, exit 0;
##                SCHEMA_CHECK_FLAGS='--usage usage.json --days 7' or '--admin URL' adds clients' usage)
SCHEMA_BASE ?=
SCHEMA_CHECK_FLAGS ?=
check-schema:
	@base='$(SCHEMA_BASE)'; \
	if [ -z "$$base" ]; then \
		if git rev-parse -q --verify origin/main^{commit} >/dev/null 2>&1; then base=origin/main; \
		else base=$$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null); fi; \
	fi; \
	if [ -z "$$base" ]; then \
		echo "check-schema: no origin/main and no release tag (v*) to compare schema/ with: nothing checked (SCHEMA_BASE=REF names a base)"; \
		exit 0; \
	fi; \
	echo "check-schema: schema/ against $$base"; \
	$(GO) run ./cmd/gqlbff schema check --base "$$base" $(SCHEMA_CHECK_FLAGS)

## check-manifest: fail, naming each operation, when the schema no longer validates a trusted document
check-manifest:
	$(GO) run ./cmd/gqlbff check-manifest server/demomanifest.json

fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: gqlbff, the limit, the naive way, Apollo Server 5 and mercurius side by side under load; records the table in BENCHMARKS.md
##        and an overload row (gqlbff at twice its capacity on -overload SCENARIO, default dashboard; -overload '' skips it)
##        (flags: BENCH_FLAGS='-warmup 5s -duration 10s -clients 32,64 -users 500 -systems gqlbff,limit -before REF -profile DIR')
BENCH_FLAGS ?=
bench:
	BENCH_MAKE_TARGET=bench $(GO) run ./bench/cmd/bench -write BENCHMARKS.md $(BENCH_FLAGS)

## pgo: refresh cmd/gqlbff/default.pgo, the CPU profile go build optimises gqlbff with (PGO),
##      from gqlbff serving every scenario of make bench (commit the result)
PGO_DIR ?= bench/out/pgo
pgo:
	rm -rf $(PGO_DIR) && mkdir -p $(PGO_DIR)
	BENCH_MAKE_TARGET=pgo $(GO) run ./bench/cmd/bench -systems gqlbff -scenarios orders_fanout,dashboard,order_detail,customers_by_ids,me,dashboard_trusted_get -clients 32 -warmup 3s -duration 12s -rate 0 -overload '' -profile $(PGO_DIR) > $(PGO_DIR)/bench.md
	$(GO) tool pprof -proto $(PGO_DIR)/*.pprof > cmd/gqlbff/default.pgo.tmp
	mv cmd/gqlbff/default.pgo.tmp cmd/gqlbff/default.pgo

## soak: gqlbff at a fixed rate with a fault every minute; heap and goroutines over time (SOAK=30s for a smoke run)
SOAK       ?= 10m
SOAK_FLAGS ?=
soak:
	BENCH_MAKE_TARGET=soak $(GO) run ./bench/cmd/bench soak -duration $(SOAK) -write BENCHMARKS.md $(SOAK_FLAGS)

## bench-micro: the micro-benchmarks (go test -bench; BENCH=regexp narrows them)
bench-micro:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count 6 $(PKGS)

# benchstat, pinned: x/perf has no tagged release.
BENCHSTAT  ?= $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH_BASE ?= bench/out/micro-base.txt
BENCH_NEW  ?= bench/out/micro-new.txt

## bench-baseline: save the micro-benchmarks as the baseline of bench-compare
bench-baseline:
	@mkdir -p $(dir $(BENCH_BASE))
	$(MAKE) --no-print-directory bench-micro > $(BENCH_BASE)

## bench-compare: run the micro-benchmarks and compare them with the baseline (made first if missing) with benchstat
bench-compare:
	@test -s $(BENCH_BASE) || { echo "no baseline: running the micro-benchmarks twice, base first"; $(MAKE) --no-print-directory bench-baseline; }
	@mkdir -p $(dir $(BENCH_NEW))
	$(MAKE) --no-print-directory bench-micro > $(BENCH_NEW)
	$(BENCHSTAT) $(BENCH_BASE) $(BENCH_NEW)

clean:
	rm -rf bin/ $(PLAYGROUND_ASSETS) web/playground/node_modules web/browser-test/node_modules web/browser-test/artifacts
