# gqlbff — the two commands a newcomer needs: `make run` and `make test`.
GO      ?= go
PKGS    ?= ./...
BENCH   ?= .

.PHONY: run build test test-deps test-federation test-short generate check-generate vet fmt bench-micro clean manifest check-manifest

## run: start gqlbff with the built-in demo services, ready to query
run:
	$(GO) run ./cmd/gqlbff --demo

## build: build the binary into bin/
build:
	$(GO) build -o bin/gqlbff ./cmd/gqlbff

## test: every test, with the race detector, in random order
test: check-generate vet check-manifest test-deps
	$(GO) test -race -shuffle=on -count=1 -timeout 8m $(PKGS)

## test-deps: what the tests need beyond Go: a redis-server binary
test-deps:
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "installing Debian's redis-server (the Redis tests start their own)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null || \
		{ echo "could not install redis-server: install it (apt-get install redis-server) and run make test again"; exit 1; }; \
		$$SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true; }

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

## manifest: the demo trusted documents (server/demomanifest.json, embedded) from testdata/operations
manifest:
	$(GO) run ./cmd/gqlbff persist -o server/demomanifest.json testdata/operations/*.graphql

## check-manifest: fail, naming each operation, when the schema no longer validates a trusted document
check-manifest:
	$(GO) run ./cmd/gqlbff check-manifest server/demomanifest.json

fmt:
	gofmt -w $$(git ls-files '*.go')

## bench-micro: the micro-benchmarks (go test -bench)
bench-micro:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count 6 $(PKGS)

clean:
	rm -rf bin/
