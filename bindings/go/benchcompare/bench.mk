# The side-by-side benchmark (bindings/go/benchcompare, results in BENCHMARKS.md). Included by
# the top-level Makefile, after bindings/go/go.mk.
#
#   make bench-compare                 our engine (Go package over the release library) next to
#                                      OpenTelemetry's tailsamplingprocessor and the Guance
#                                      reference engine, on one generated workload; ends with
#                                      the line `speedup_vs_reference: X`
#   make bench-compare BENCH_RUNS=1    one run per row instead of three (the median is shown)
#
# Not part of `make test`: the benchmark module depends on OpenTelemetry Collector modules and
# on the reference engine's module (github.com/GuanceCloud/cliutils), which `go mod tidy`
# downloads on first use (the Go package itself has no dependencies). The go commands run on a
# copy of the module's go.mod made by reference.mk's ref_modfile, which replaces the reference
# engine's module by the local copy in REFERENCE_DIR when there is one. gofmt and go vet run on
# the module here, before the build.

BENCH_GO_DIR := $(GO_DIR)/benchcompare
BENCH_OUT := $(abspath $(TARGET_DIR))/bench-compare
BENCH_RUNS ?= 3
# The workload: tailsampling::workload traffic (examples/bench_workload.rs): 5 tenants, 20000
# traces of 1-200 spans, 200 logging groups, 30% zstd payloads.
BENCH_WORKLOAD_ARGS ?= --seed 1 --tenants 5 --traces 20000 --log-groups 200 --zstd-share 0.3
# The configs of the rows next to the reference engine (config.json is that of the rows next to
# OpenTelemetry): Guance's usual rules, which the reference decides from the packets' predicate
# hints, then a regular expression, which makes it walk every point. speedup_vs_reference is on
# the first.
BENCH_REFERENCE_CONFIGS ?= $(BENCH_GO_DIR)/config-guance.json,$(BENCH_GO_DIR)/config-regex.json
BENCH_MODFILE := -modfile=$(REFERENCE_MODS)/benchcompare.mod

.PHONY: bench-compare

bench-compare: go-release
	@mkdir -p $(BENCH_OUT)
	$(CARGO) run --release --quiet --example bench_workload -- --out $(BENCH_OUT)/workload.tscap \
	  $(BENCH_WORKLOAD_ARGS)
	@cd $(BENCH_GO_DIR) && out="$$(gofmt -l .)" && [ -z "$$out" ] || { \
	  echo "gofmt -l: needs formatting: $$out" >&2; exit 1; }
	@$(call ref_modfile,$(BENCH_GO_DIR),benchcompare) || { \
	  echo "bench-compare: cannot resolve the benchmark's modules, the reference engine's among them:" \
	    "$(REFERENCE_MODULE) is neither in REFERENCE_DIR=$(REFERENCE_DIR) nor served by the module proxy" \
	    "(BENCHMARKS.md, \"The reference engine's row\")" >&2; exit 1; }
	cd $(BENCH_GO_DIR) && PKG_CONFIG_PATH=$(GO_RELEASE)/lib/pkgconfig $(GO) vet $(BENCH_MODFILE) -tags tailsampling_pkgconfig \
	  $(call go_lib,$(GO_RELEASE)) .
	cd $(BENCH_GO_DIR) && PKG_CONFIG_PATH=$(GO_RELEASE)/lib/pkgconfig $(GO) build $(BENCH_MODFILE) -tags tailsampling_pkgconfig \
	  $(call go_lib,$(GO_RELEASE)) -o $(BENCH_OUT)/benchcompare .
	@# Once, a build reused from Go's cache linked an unoptimised library (9x slower, with the
	@# debug-assertion checks of core's slice functions in it); the release library has none.
	@# Such a binary is rebuilt from scratch (-a) rather than measured.
	@if nm $(BENCH_OUT)/benchcompare | grep -q precondition_check; then \
	  echo "benchcompare links an unoptimised libtailsampling (stale Go build cache): rebuilding with -a"; \
	  cd $(BENCH_GO_DIR) && PKG_CONFIG_PATH=$(GO_RELEASE)/lib/pkgconfig $(GO) build $(BENCH_MODFILE) -a -tags tailsampling_pkgconfig \
	    $(call go_lib,$(GO_RELEASE)) -o $(BENCH_OUT)/benchcompare . && \
	  if nm $(BENCH_OUT)/benchcompare | grep -q precondition_check; then \
	    echo "benchcompare still links an unoptimised libtailsampling" >&2; exit 1; fi; \
	fi
	$(BENCH_OUT)/benchcompare -capture $(BENCH_OUT)/workload.tscap -config $(BENCH_GO_DIR)/config.json \
	  -reference-configs $(BENCH_REFERENCE_CONFIGS) -runs $(BENCH_RUNS) -work $(BENCH_OUT)
