# gqlbff — the two commands a newcomer needs: `make run` and `make test`.
GO      ?= go
PKGS    ?= ./...
BENCH   ?= .

.PHONY: run build test test-short generate check-generate vet fmt bench bench-micro bench-baseline bench-compare soak clean

## run: start gqlbff with the built-in demo services, ready to query
run:
	$(GO) run ./cmd/gqlbff --demo

## build: build the binary into bin/
build:
	$(GO) build -o bin/gqlbff ./cmd/gqlbff

## test: every test, with the race detector, in random order
test: check-generate vet
	$(GO) test -race -shuffle=on -count=1 -timeout 8m $(PKGS)

## test-short: the tests without the race detector (quicker while editing)
test-short:
	$(GO) test -count=1 $(PKGS)

## generate: regenerate graph/ from schema/ (never edit graph/ by hand)
generate:
	$(GO) run github.com/99designs/gqlgen generate

## check-generate: fail when graph/ is not what schema/ generates
check-generate: generate
	@git diff --exit-code --stat -- graph/ resolvers/ || \
		(echo "graph/ is out of date with schema/: run make generate and commit"; exit 1)

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: gqlbff, the limit and the naive way side by side under load; records the table in BENCHMARKS.md
##        (flags: BENCH_FLAGS='-warmup 5s -duration 10s -clients 32,64 -latency 1ms -before REF -profile DIR')
BENCH_FLAGS ?=
bench:
	BENCH_MAKE_TARGET=bench $(GO) run ./bench/cmd/bench -write BENCHMARKS.md $(BENCH_FLAGS)

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
	rm -rf bin/
