# The two commands a newcomer runs are `make demo` and `make test` (see README.md).
# Everything here builds once into target/ and reuses that build.

CARGO ?= cargo

.PHONY: demo test lint rust-test build

## demo: generated multi-tenant traffic through the engine, with a readable report.
demo:
	$(CARGO) run --release --quiet --bin tailsampling -- demo

## test: every test and lint (Rust today; C, Go and Python join as their issues land).
test: lint rust-test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

rust-test:
	$(CARGO) test

build:
	$(CARGO) build --release
