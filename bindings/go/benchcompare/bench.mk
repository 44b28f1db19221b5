# The side-by-side benchmark (bindings/go/benchcompare, results in BENCHMARKS.md). Included by
# the top-level Makefile, after bindings/go/go.mk.
#
#   make bench-compare                 our engine (Go package over the release library) next to
#                                      OpenTelemetry's tailsamplingprocessor and the Guance
#                                      reference engine, on one generated workload; ends with
#                                      the line `speedup_vs_reference: X`
#   make bench-compare BENCH_RUNS=1    one run per row instead of three (the median is shown)
#
# Not part of `make test`: the benchmark module depends on OpenTelemetry Collector modules, which
# `go build` downloads on first use (the Go package itself has no dependencies). gofmt and
# go vet run on the module here, before the build.

BENCH_GO_DIR := $(GO_DIR)/benchcompare
BENCH_OUT := $(abspath $(TARGET_DIR))/bench-compare
BENCH_RUNS ?= 3
# The workload: tailsampling::workload traffic (examples/bench_workload.rs): 5 tenants, 20000
# traces of 1-200 spans, 200 logging groups, 30% zstd payloads.
BENCH_WORKLOAD_ARGS ?= --seed 1 --tenants 5 --traces 20000 --log-groups 200 --zstd-share 0.3
# The reference engine's module: the harness reports whether it can be downloaded here.
BENCH_REFERENCE_MODULE := github.com/GuanceCloud/cliutils

.PHONY: bench-compare

bench-compare: go-release
	@mkdir -p $(BENCH_OUT)
	$(CARGO) run --release --quiet --example bench_workload -- --out $(BENCH_OUT)/workload.tscap \
	  $(BENCH_WORKLOAD_ARGS)
	@cd $(BENCH_GO_DIR) && out="$$(gofmt -l .)" && [ -z "$$out" ] || { \
	  echo "gofmt -l: needs formatting: $$out" >&2; exit 1; }
	cd $(BENCH_GO_DIR) && PKG_CONFIG_PATH=$(GO_RELEASE)/lib/pkgconfig $(GO) vet -tags tailsampling_pkgconfig $(call go_lib,$(GO_RELEASE)) .
	cd $(BENCH_GO_DIR) && PKG_CONFIG_PATH=$(GO_RELEASE)/lib/pkgconfig $(GO) build -tags tailsampling_pkgconfig $(call go_lib,$(GO_RELEASE)) \
	  -o $(BENCH_OUT)/benchcompare .
	@# Once, a build reused from Go's cache linked an unoptimised library (9x slower, with the
	@# debug-assertion checks of core's slice functions in it); the release library has none.
	@# Such a binary is rebuilt from scratch (-a) rather than measured.
	@if nm $(BENCH_OUT)/benchcompare | grep -q precondition_check; then \
	  echo "benchcompare links an unoptimised libtailsampling (stale Go build cache): rebuilding with -a"; \
	  cd $(BENCH_GO_DIR) && PKG_CONFIG_PATH=$(GO_RELEASE)/lib/pkgconfig $(GO) build -a -tags tailsampling_pkgconfig \
	    $(call go_lib,$(GO_RELEASE)) -o $(BENCH_OUT)/benchcompare . && \
	  if nm $(BENCH_OUT)/benchcompare | grep -q precondition_check; then \
	    echo "benchcompare still links an unoptimised libtailsampling" >&2; exit 1; fi; \
	fi
	@probe="$$(cd $(BENCH_GO_DIR) && $(GO) list -m $(BENCH_REFERENCE_MODULE)@latest 2>&1 | tr -s '\n\t' '  ')"; \
	echo "reference module probe: $$probe"; \
	$(BENCH_OUT)/benchcompare -capture $(BENCH_OUT)/workload.tscap -config $(BENCH_GO_DIR)/config.json \
	  -runs $(BENCH_RUNS) -work $(BENCH_OUT) -reference-probe "$$probe"
