# The two commands a newcomer runs are `make demo` and `make test` (see README.md).
# Everything here builds once into target/ and reuses that build.

CARGO ?= cargo

# A plain `make` builds; the README's two commands are targets below.
.DEFAULT_GOAL := build

.PHONY: demo test lint rust-test build py-tools py-test

## demo: generated multi-tenant traffic through the engine, with a readable report.
demo:
	$(CARGO) run --release --quiet --bin tailsampling -- demo

## test: every test and lint (Rust, C, Go and Python, and a short run of each fuzz target).
test: lint rust-test c-test go-test conformance py-test fuzz-smoke

# Clippy runs twice: the default features, and with the test-only `test-panic` export.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --all-targets --features test-panic -- -D warnings
	$(CARGO) clippy -p tailsampling-python --all-targets -- -D warnings

# `test-panic` adds the C ABI's test-only `ts__test_panic` (tests/it/ffi_panic.rs); `c-test` then
# reuses this dev build of the dependencies for the C tests' static library.
rust-test:
	$(CARGO) test --features test-panic

## build (plain `make`): the release CLI (target/release/tailsampling) and the staged C library
## that bindings/go links by default (target/capi/stage), so that afterwards
## `cd bindings/go && go test -race ./...` works.
build: capi-stage
	$(CARGO) build --release

## header, install, c-test: the C ABI (see bindings/c/c.mk).
include bindings/c/c.mk

## fuzz-smoke: every fuzz target for a few seconds (see fuzz/fuzz.mk, RELIABILITY.md).
include fuzz/fuzz.mk

# Python (python/): a wheel built by the pinned maturin, installed into a fresh virtual
# environment, tested there with pytest and mypy.stubtest. Everything lives in target/python/;
# the wheel's Rust build shares target/ with the Rust builds.
PYTHON ?= python3
PY := target/python
PIP_FLAGS := --quiet --disable-pip-version-check

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

## go-test, go-header, go-bench: the Go package and Dataway host (see bindings/go/go.mk).
include bindings/go/go.mk

## The reference engine's module for the conformance suite and bench-compare (bindings/go/reference.mk).
include bindings/go/reference.mk

## conformance: the reference engine and ours side by side (see bindings/go/conformance/conformance.mk).
include bindings/go/conformance/conformance.mk

## bench-compare: our engine side by side with the Guance reference engine and OpenTelemetry's
## tailsamplingprocessor (see bindings/go/benchcompare/bench.mk and BENCHMARKS.md).
include bindings/go/benchcompare/bench.mk
