# The one Makefile. The two commands a newcomer runs are `make demo` and `make test` (README.md);
# a plain `make` builds the release CLI and the libraries the C and Go bindings link. Everything
# builds once into target/ and is reused. Sections: the workspace, Rust, C, Go, the reference
# engine (conformance, bench-compare), Python, fuzzing.
#
#   make demo            generated multi-tenant traffic through the engine, with a report
#   make test            every test and lint: Rust, C, Go, conformance, Python, a fuzz smoke
#   make                 target/release/tailsampling and bindings/go/lib/libtailsampling.a
#   make header          regenerate include/tailsampling.h (commit it)
#   make install PREFIX=/opt/ts
#                        the header, libtailsampling.a and tailsampling.pc
#   make bench-compare   ours next to the reference engine and OpenTelemetry (BENCHMARKS.md)
#   fuzz/campaign.sh TARGET SECONDS
#                        a long fuzz run (RELIABILITY.md)

# ----------------------------------------------------------------------------------------------
# The workspace

CARGO ?= cargo
GO ?= go
PYTHON ?= python3

# The pinned tools (cbindgen, cargo-fuzz), shared with .ci/run.
include tools.versions

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
CARGO_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

.DEFAULT_GOAL := build
.PHONY: demo test build

## demo: generated multi-tenant traffic through the engine, with a readable report.
demo:
	$(CARGO) run --release --quiet --bin tailsampling -- demo

## test: every test and lint (Rust, C, Go and Python, and a short run of each fuzz target).
test: lint rust-test c-test go-test conformance py-test fuzz-smoke

## build (plain `make`): the release CLI, and the release library in the Go package's own
## library directory, so that afterwards `cd bindings/go && go build ./cmd/dataway` works.
build: go-lib
	$(CARGO) build --release --bin tailsampling

# ----------------------------------------------------------------------------------------------
# Rust: the workspace's crates (crates/), its integration tests (tests/) and the Python
# extension's crate (python/).

.PHONY: lint rust-test

# Clippy runs on the default members with the tests' `test-panic` feature (ts__test_panic), and
# on the Python extension's crate, which is not a default member; rustdoc on the default members
# (a broken doc link is an error).
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check
	$(CARGO) clippy --all-targets --features tailsampling-tests/test-panic -- -D warnings
	$(CARGO) clippy -p tailsampling-python --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --quiet

# `test-panic` adds the C ABI's test-only `ts__test_panic` (tests/it/ffi_panic.rs); `capi-stage`
# then reuses this dev build of the dependencies for the C and Go tests' static library.
rust-test:
	$(CARGO) test --features tailsampling-tests/test-panic

# ----------------------------------------------------------------------------------------------
# C (crates/tailsampling-ffi, include/tailsampling.h, bindings/c): the header, the static library
# and its pkg-config file, and the C tests.

CBINDGEN ?= cbindgen
PREFIX ?= /usr/local
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR ?= $(PREFIX)/lib
# `install` ships the release build. The C and Go tests stage a dev build with the `test-panic`
# feature instead: the dependencies are the ones `cargo test` already built, so only the
# tailsampling crates compile again (seconds, not minutes).
CAPI_PROFILE ?= release
# A release install carries no debuginfo (the release profile has none; this strips what the
# precompiled standard library brings).
STRIP ?= strip
CAPI_FEATURES ?=
CAPI_OUT := $(TARGET_DIR)/capi
CAPI_STAGE := $(abspath $(CAPI_OUT))/stage
CAPI_LIB_DIR := $(TARGET_DIR)/$(if $(filter dev,$(CAPI_PROFILE)),debug,$(CAPI_PROFILE))
CAPI_LOG := $(CAPI_OUT)/rustc-$(CAPI_PROFILE).log
ABI_VERSION := $(shell sed -n 's/^.define TS_ABI_VERSION //p' include/tailsampling.h)
# What a bare `cbindgen` run in crates/tailsampling-ffi gives: the header is what anyone gets
# from a fresh run, and it holds that crate's items only.
CBINDGEN_RUN = cd crates/tailsampling-ffi && $(CBINDGEN) --quiet --config cbindgen.toml \
  --crate tailsampling-ffi --output

.PHONY: header header-check cbindgen-version install capi-stage c-test

cbindgen-version:
	@v="$$($(CBINDGEN) --version 2>/dev/null)"; [ "$$v" = "cbindgen $(CBINDGEN_VERSION)" ] || { \
	  echo "need cbindgen $(CBINDGEN_VERSION), found '$$v':" \
	    "cargo install cbindgen --version =$(CBINDGEN_VERSION) --locked" >&2; exit 1; }

header: cbindgen-version
	$(CBINDGEN_RUN) $(CURDIR)/include/tailsampling.h
	cp include/tailsampling.h bindings/go/tailsampling.h

header-check: cbindgen-version
	@mkdir -p $(CAPI_OUT)
	$(CBINDGEN_RUN) $(abspath $(CAPI_OUT))/tailsampling.h
	@diff -u include/tailsampling.h $(CAPI_OUT)/tailsampling.h || { \
	  echo "include/tailsampling.h differs from a fresh generation: run 'make header'" >&2; exit 1; }

# One cargo build gives both the library and, from rustc, the system libraries it needs
# (cargo replays the note when the build is fresh). The crate's library is
# libtailsampling_ffi.a; it is installed under the C name, libtailsampling.a.
install:
	@mkdir -p $(CAPI_OUT)
	$(CARGO) rustc -p tailsampling-ffi --lib --profile $(CAPI_PROFILE) \
	  $(if $(CAPI_FEATURES),--features $(CAPI_FEATURES)) \
	  -- --print native-static-libs > $(CAPI_LOG) 2>&1 || { cat $(CAPI_LOG); exit 1; }
	@native="$$(sed -n 's/^note: native-static-libs: //p' $(CAPI_LOG))"; \
	[ -n "$$native" ] || { cat $(CAPI_LOG); echo "no native-static-libs note from rustc" >&2; exit 1; }; \
	echo "native-static-libs: $$native"; \
	set -x; \
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig && \
	install -m 644 include/tailsampling.h $(DESTDIR)$(INCLUDEDIR)/tailsampling.h && \
	install -m 644 $(CAPI_LIB_DIR)/libtailsampling_ffi.a $(DESTDIR)$(LIBDIR)/libtailsampling.a && \
	$(if $(filter release,$(CAPI_PROFILE)),$(STRIP) --strip-debug $(DESTDIR)$(LIBDIR)/libtailsampling.a &&) \
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@VERSION@|$(CARGO_VERSION)|' -e 's|@ABI@|$(ABI_VERSION)|' -e "s|@NATIVE_LIBS@|$$native|" \
	    bindings/c/tailsampling.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/tailsampling.pc

# The staged install the C, Go and conformance tests link: one dev build with `test-panic`,
# made once per `make` run whichever of them asks first.
capi-stage:
	@rm -rf $(CAPI_STAGE)
	@$(MAKE) --no-print-directory install PREFIX=$(CAPI_STAGE) CAPI_PROFILE=dev \
	  CAPI_FEATURES=test-panic

# The C tests run against the staged install, exactly as an integrator builds: header,
# libtailsampling.a and `pkg-config --cflags --libs tailsampling`.
c-test: header-check capi-stage
	CARGO_VERSION=$(CARGO_VERSION) bindings/c/tests/run.sh $(CAPI_STAGE) \
	  $(abspath $(CAPI_OUT))/build $(abspath $(CAPI_OUT))/rustc-dev.log

# ----------------------------------------------------------------------------------------------
# Go (bindings/go): the package, the Dataway host (cmd/dataway) and their tests.
#
# The package links the library in a directory of its own (cgo.go): bindings/go/lib (the
# release library, put there by `make`), or bindings/go/lib/testpanic under the build tag
# tailsampling_testpanic (the staged dev library, put there by the targets below). A Go
# developer outside this repository installs the library (`make install`) and builds with
# `-tags tailsampling_pkgconfig`.

GO_DIR := bindings/go
GO_LIB := $(GO_DIR)/lib
GO_TESTPANIC_LIB := $(GO_LIB)/testpanic
# tailsampling_testpanic: the tests link the staged library and may call its ts__test_panic.
GO_TEST_TAGS := tailsampling_testpanic
GO_RELEASE := $(abspath $(CAPI_OUT))/release
GO_ENV := RUST_BACKTRACE=0

# Go does not track files outside its sources, so a test binary or program linked against an
# older libtailsampling.a is reused from the build cache when only the Rust code changed. Every
# go command here passes a checksum of the library it links (cgo.go's linkedLibrary), which
# makes Go relink whenever the library changes. $(1): the library.
go_lib = -ldflags=-X=github.com/tailsampling/tailsampling-go.linkedLibrary=$$(cksum < $(1) | cut -d' ' -f1)

.PHONY: go-lib go-testpanic-lib go-test go-release go-bench

## go-lib: the release library into bindings/go/lib (what `go build` links by default).
go-lib: go-release
	@mkdir -p $(GO_LIB)
	cp $(GO_RELEASE)/lib/libtailsampling.a $(GO_LIB)/libtailsampling.a

go-testpanic-lib: capi-stage
	@mkdir -p $(GO_TESTPANIC_LIB)
	cp $(CAPI_STAGE)/lib/libtailsampling.a $(GO_TESTPANIC_LIB)/libtailsampling.a

# gofmt, go vet, every Go test under -race, then once more under GOEXPERIMENT=cgocheck2 (with
# the benchmarks run once as a smoke test), and a build in pkg-config mode.
go-test: go-testpanic-lib
	@cd $(GO_DIR) && out="$$(gofmt -l .)" && [ -z "$$out" ] || { \
	  echo "gofmt -l: needs formatting: $$out" >&2; exit 1; }
	cd $(GO_DIR) && $(GO_ENV) $(GO) vet -tags $(GO_TEST_TAGS) $(call go_lib,lib/testpanic/libtailsampling.a) ./...
	cd $(GO_DIR) && $(GO_ENV) $(GO) test -race -count=1 -tags $(GO_TEST_TAGS) $(call go_lib,lib/testpanic/libtailsampling.a) ./...
	@if GOEXPERIMENT=cgocheck2 $(GO) env GOEXPERIMENT >/dev/null 2>&1; then \
	  echo "cd $(GO_DIR) && GOEXPERIMENT=cgocheck2 $(GO) test -count=1 -tags $(GO_TEST_TAGS) -bench . -benchtime 1x ./..."; \
	  cd $(GO_DIR) && $(GO_ENV) GOEXPERIMENT=cgocheck2 $(GO) test -count=1 -tags $(GO_TEST_TAGS) \
	    $(call go_lib,lib/testpanic/libtailsampling.a) -bench . -benchtime 1x ./...; \
	else echo "go-test: this Go toolchain has no GOEXPERIMENT=cgocheck2: skipped"; fi
	cd $(GO_DIR) && PKG_CONFIG_PATH=$(CAPI_STAGE)/lib/pkgconfig $(GO) build -buildvcs=false \
	  -tags tailsampling_pkgconfig $(call go_lib,$(CAPI_STAGE)/lib/libtailsampling.a) ./...

go-release:
	@rm -rf $(GO_RELEASE)
	@$(MAKE) --no-print-directory install PREFIX=$(GO_RELEASE)

## go-bench: the Go benchmarks against the release library.
go-bench: go-release
	cd $(GO_DIR) && PKG_CONFIG_PATH=$(GO_RELEASE)/lib/pkgconfig $(GO) test -tags tailsampling_pkgconfig \
	  $(call go_lib,$(GO_RELEASE)/lib/libtailsampling.a) -run '^$$' -bench . -benchmem .

# ----------------------------------------------------------------------------------------------
# The Guance reference engine (Go module github.com/GuanceCloud/cliutils), for the Go modules
# that run it next to ours: the conformance suite (bindings/go/conformance) and the benchmark
# (bindings/go/benchcompare).
#
# Their committed go.mod files keep the ordinary requirement, which builds anywhere the module
# proxy serves cliutils. Where a local copy of the module exists (REFERENCE_DIR; its default,
# below, is a copy next to this checkout), the go commands here run on a temporary copy of the
# go.mod with a replace pointing at it (go's -modfile), made at run time; the other
# dependencies come from the module proxy as usual.

REFERENCE_MODULE := github.com/GuanceCloud/cliutils
REFERENCE_DIR ?= $(abspath ../shared/reference/cliutils)
REFERENCE_MODS := $(abspath $(TARGET_DIR))/go-reference

# $(call ref_modfile,DIR,NAME): shell commands that write $(REFERENCE_MODS)/NAME.mod (and its
# go.sum) from DIR/go.mod, with the replace when REFERENCE_DIR exists, and tidy it. Pass
# -modfile=$(REFERENCE_MODS)/NAME.mod to the go commands that follow.
ref_modfile = mkdir -p $(REFERENCE_MODS) && \
  cp $(1)/go.mod $(REFERENCE_MODS)/$(2).mod && \
  { [ ! -f $(1)/go.sum ] || cp $(1)/go.sum $(REFERENCE_MODS)/$(2).sum; } && \
  if [ -f $(REFERENCE_DIR)/go.mod ]; then \
    echo "$(2): the reference engine from $(REFERENCE_DIR)"; \
    cd $(1) && $(GO) mod edit -modfile=$(REFERENCE_MODS)/$(2).mod \
      -replace $(REFERENCE_MODULE)=$(REFERENCE_DIR) && cd - >/dev/null; \
  else echo "$(2): the reference engine from the module proxy ($(REFERENCE_DIR) is absent)"; fi && \
  cd $(1) && GOFLAGS=-mod=mod $(GO) mod tidy -modfile=$(REFERENCE_MODS)/$(2).mod && cd - >/dev/null

# conformance: the reference engine and ours side by side on identical traffic (part of
# `make test`): gofmt, go vet and go test -count=1 on the module, over the staged library.
#
#   make conformance CONFORMANCE_REQUIRED=1  fail instead of skipping when the reference
#                                            engine is not available
#   make conformance CONFORMANCE_RUN=REGEXP  only the scenarios matching (go test -run)
#
# The reference comes from REFERENCE_DIR or else from the module proxy. When neither has it, the
# target prints a `conformance: SKIPPED: ...` line and succeeds, unless CONFORMANCE_REQUIRED=1.
CONFORMANCE_DIR := $(GO_DIR)/conformance
CONFORMANCE_REQUIRED ?= 0
CONFORMANCE_RUN ?= .
CONFORMANCE_MOD := $(REFERENCE_MODS)/conformance.mod
# The reference version the committed go.mod requires.
CONFORMANCE_REFERENCE_VERSION = $(shell sed -n 's|^[[:space:]]*$(REFERENCE_MODULE) \(v[^[:space:]]*\).*|\1|p' $(CONFORMANCE_DIR)/go.mod | head -n 1)

.PHONY: conformance conformance-run bench-compare

conformance: go-testpanic-lib
	@cd $(CONFORMANCE_DIR) && out="$$(gofmt -l .)" && [ -z "$$out" ] || { \
	  echo "gofmt -l: needs formatting: $$out" >&2; exit 1; }
	@if [ -f $(REFERENCE_DIR)/go.mod ] || \
	    (cd $(abspath $(TARGET_DIR)) && GOWORK=off $(GO) mod download \
	      $(REFERENCE_MODULE)@$(CONFORMANCE_REFERENCE_VERSION) >/dev/null 2>&1); then \
	  $(MAKE) --no-print-directory conformance-run; \
	elif [ "$(CONFORMANCE_REQUIRED)" = 1 ]; then \
	  echo "conformance: FAILED: the reference engine $(REFERENCE_MODULE)@$(CONFORMANCE_REFERENCE_VERSION) is not available (no $(REFERENCE_DIR), and the module proxy does not serve it)" >&2; \
	  exit 1; \
	else \
	  echo "************************************************************************"; \
	  echo "conformance: SKIPPED: the reference engine $(REFERENCE_MODULE)@$(CONFORMANCE_REFERENCE_VERSION) is not available"; \
	  echo "conformance: SKIPPED: (no $(REFERENCE_DIR), and the module proxy does not serve it);"; \
	  echo "conformance: SKIPPED: set REFERENCE_DIR, or CONFORMANCE_REQUIRED=1 to make this an error"; \
	  echo "************************************************************************"; \
	fi

# The run itself, once the reference is known to be available (called by `conformance`).
conformance-run:
	@$(call ref_modfile,$(CONFORMANCE_DIR),conformance)
	cd $(CONFORMANCE_DIR) && $(GO_ENV) $(GO) vet -modfile=$(CONFORMANCE_MOD) -tags $(GO_TEST_TAGS) \
	  $(call go_lib,../lib/testpanic/libtailsampling.a) ./...
	cd $(CONFORMANCE_DIR) && $(GO_ENV) $(GO) test -count=1 -modfile=$(CONFORMANCE_MOD) -tags $(GO_TEST_TAGS) \
	  $(call go_lib,../lib/testpanic/libtailsampling.a) -run '$(CONFORMANCE_RUN)' ./...

# bench-compare: our engine (the Go package over the release library) next to OpenTelemetry's
# tailsamplingprocessor and the Guance reference engine, on one generated workload; ends with
# the line `speedup_vs_reference: X` (BENCHMARKS.md). BENCH_RUNS=1: one run per row instead of
# three (the median is shown). Not part of `make test`: the benchmark module depends on
# OpenTelemetry Collector modules and on the reference engine's, which `go mod tidy` downloads
# on first use.
BENCH_GO_DIR := $(GO_DIR)/benchcompare
BENCH_OUT := $(abspath $(TARGET_DIR))/bench-compare
BENCH_RUNS ?= 3
# The workload, written by `tailsampling gen`: 5 tenants, 20000 traces of 1-200 spans, 200
# logging groups, no RUM, 30% zstd.
BENCH_WORKLOAD_ARGS ?= --seed 1 --tenants 5 --traces 20000 --log-groups 200 --rum-sessions 0 \
  --zstd-share 0.3
# The configs of the rows next to the reference engine (config.json is that of the rows next to
# OpenTelemetry): Guance's usual rules, which the reference decides from the packets' predicate
# hints, then a regular expression, which makes it walk every point. speedup_vs_reference is on
# the first.
BENCH_REFERENCE_CONFIGS ?= $(BENCH_GO_DIR)/config-guance.json,$(BENCH_GO_DIR)/config-regex.json
BENCH_MODFILE := -modfile=$(REFERENCE_MODS)/benchcompare.mod
BENCH_GO = cd $(BENCH_GO_DIR) && PKG_CONFIG_PATH=$(GO_RELEASE)/lib/pkgconfig $(GO)
BENCH_GO_FLAGS = $(BENCH_MODFILE) -tags tailsampling_pkgconfig $(call go_lib,$(GO_RELEASE)/lib/libtailsampling.a)

bench-compare: go-release
	@mkdir -p $(BENCH_OUT)
	$(CARGO) run --release --quiet --bin tailsampling -- gen --out $(BENCH_OUT)/workload.tscap \
	  $(BENCH_WORKLOAD_ARGS)
	@cd $(BENCH_GO_DIR) && out="$$(gofmt -l .)" && [ -z "$$out" ] || { \
	  echo "gofmt -l: needs formatting: $$out" >&2; exit 1; }
	@$(call ref_modfile,$(BENCH_GO_DIR),benchcompare) || { \
	  echo "bench-compare: cannot resolve the benchmark's modules, the reference engine's among them:" \
	    "$(REFERENCE_MODULE) is neither in REFERENCE_DIR=$(REFERENCE_DIR) nor served by the module proxy" \
	    "(BENCHMARKS.md, \"The reference engine's row\")" >&2; exit 1; }
	$(BENCH_GO) vet $(BENCH_GO_FLAGS) .
	$(BENCH_GO) build $(BENCH_GO_FLAGS) -o $(BENCH_OUT)/benchcompare .
	@# Once, a build reused from Go's cache linked an unoptimised library (9x slower, with the
	@# debug-assertion checks of core's slice functions in it); the release library has none.
	@# Such a binary is rebuilt from scratch (-a) rather than measured.
	@if nm $(BENCH_OUT)/benchcompare | grep -q precondition_check; then \
	  echo "benchcompare links an unoptimised libtailsampling (stale Go build cache): rebuilding with -a"; \
	  $(BENCH_GO) build $(BENCH_GO_FLAGS) -a -o $(BENCH_OUT)/benchcompare . && \
	  if nm $(BENCH_OUT)/benchcompare | grep -q precondition_check; then \
	    echo "benchcompare still links an unoptimised libtailsampling" >&2; exit 1; fi; \
	fi
	$(BENCH_OUT)/benchcompare -capture $(BENCH_OUT)/workload.tscap -config $(BENCH_GO_DIR)/config.json \
	  -reference-configs $(BENCH_REFERENCE_CONFIGS) -runs $(BENCH_RUNS) -work $(BENCH_OUT)

# ----------------------------------------------------------------------------------------------
# Python (python/): a wheel built by the pinned maturin, installed into a fresh virtual
# environment, tested there with pytest and mypy.stubtest. Everything lives in target/python/;
# the wheel's Rust build shares target/ with the Rust builds.

PY := target/python
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: py-tools py-test

## py-tools: the pinned maturin (in a build venv) and the pinned test tools (as wheels for
## offline installs), from PyPI; redone only when a requirements file changes.
py-tools: $(PY)/tools.stamp

$(PY)/tools.stamp: python/requirements-build.txt python/requirements-test.txt
	rm -rf $(PY)/build-venv $(PY)/wheelhouse
	$(PYTHON) -m venv $(PY)/build-venv
	$(PY)/build-venv/bin/pip install $(PIP_FLAGS) -r python/requirements-build.txt
	$(PY)/build-venv/bin/pip download $(PIP_FLAGS) -d $(PY)/wheelhouse -r python/requirements-test.txt
	touch $@

## py-test: build the wheel, install it into a fresh venv, run pytest against the installed
## package, check the stubs against the extension (mypy.stubtest) and the tests against the
## stubs (mypy --strict). stubtest runs in target/python/ because it keeps its cache in the
## working directory.
py-test: py-tools
	rm -rf $(PY)/wheels $(PY)/venv
	CARGO_TARGET_DIR=$(CURDIR)/target $(PY)/build-venv/bin/maturin build --profile dev \
		-m python/Cargo.toml -o $(PY)/wheels
	$(PYTHON) -m venv $(PY)/venv
	$(PY)/venv/bin/pip install $(PIP_FLAGS) --no-index --find-links $(PY)/wheelhouse \
		-r python/requirements-test.txt $(PY)/wheels/*.whl
	PYTHONDONTWRITEBYTECODE=1 $(PY)/venv/bin/python -m pytest -p no:cacheprovider -q python/tests
	cd $(PY) && venv/bin/python -m mypy.stubtest tailsampling
	MYPY_CACHE_DIR=$(PY)/mypy-cache $(PY)/venv/bin/python -m mypy --strict python/tests

# ----------------------------------------------------------------------------------------------
# Fuzzing (fuzz/, RELIABILITY.md): cargo-fuzz targets over the decoders, the parsers and the C
# ABI. fuzz-smoke builds every target once and runs each for FUZZ_SECONDS over its committed
# seeds and the inputs that once found a bug, fuzz/regressions/TARGET (part of `make test`).

FUZZ_TARGETS := packet_decode points_walk zstd_payload config_json condition schema_rules ffi_session wal_recover
FUZZ_SECONDS ?= 10
# cargo-fuzz needs nightly rustc flags (sanitizers, coverage). The smoke uses the same toolchain
# as the rest of the build, with RUSTC_BOOTSTRAP=1, and never names another one: asking rustup
# for `+nightly` on a machine without it makes rustup download whatever nightly is newest, and a
# red CI run then depends on the day. RUSTUP_AUTO_INSTALL=0 keeps a toolchain file from doing so.
FUZZ_CARGO = RUSTC_BOOTSTRAP=1 RUSTUP_AUTO_INSTALL=0 $(CARGO)
FUZZ_TRIPLE = $(shell rustc -vV | sed -n 's/^host: //p')
FUZZ_SMOKE := fuzz/target/smoke

.PHONY: fuzz-smoke

# The smoke build is unoptimised (with debug assertions and AddressSanitizer): it compiles in
# about half the time of `-O`, and ten seconds is about coverage of the seeds' neighbourhood,
# not throughput. A fresh corpus each time keeps runs comparable (and the committed seeds
# untouched: libFuzzer writes new inputs to the first directory); crashes go to fuzz/artifacts.
fuzz-smoke:
	cd fuzz && $(FUZZ_CARGO) fuzz build --dev --target $(FUZZ_TRIPLE)
	rm -rf $(FUZZ_SMOKE)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_SMOKE)/$$t fuzz/artifacts/$$t; \
	  if fuzz/target/$(FUZZ_TRIPLE)/debug/$$t -max_total_time=$(FUZZ_SECONDS) \
	      -artifact_prefix=fuzz/artifacts/$$t/ $(FUZZ_SMOKE)/$$t fuzz/seeds/$$t \
	      $$(test -d fuzz/regressions/$$t && echo fuzz/regressions/$$t) \
	      >$(FUZZ_SMOKE)/$$t.log 2>&1; then \
	    echo "fuzz-smoke $$t: $$(grep -E '^#[0-9]+' $(FUZZ_SMOKE)/$$t.log | tail -n 1)"; \
	  else \
	    tail -n 40 $(FUZZ_SMOKE)/$$t.log; echo "fuzz-smoke $$t: FAILED"; exit 1; \
	  fi; \
	done
