# The two commands a newcomer runs are `make demo` and `make test` (see README.md).
# Everything here builds once into target/ and reuses that build.

CARGO ?= cargo

.PHONY: demo test lint rust-test build

## demo: generated multi-tenant traffic through the engine, with a readable report.
demo:
	$(CARGO) run --release --quiet --bin tailsampling -- demo

## test: every test and lint (Rust and C today; Go and Python join as their issues land).
test: lint rust-test c-test

# Clippy runs twice: the default features, and with the test-only `test-panic` export.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --all-targets --features test-panic -- -D warnings

# `test-panic` adds the C ABI's test-only `ts__test_panic` (tests/ffi_panic.rs); `c-test` then
# reuses this dev build of the dependencies for the C tests' static library.
rust-test:
	$(CARGO) test --features test-panic

build:
	$(CARGO) build --release

## header, install, c-test: the C ABI (see bindings/c/c.mk).
include bindings/c/c.mk
