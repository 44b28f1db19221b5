# The two commands a newcomer runs are `make demo` and `make test` (see README.md).
# Everything here builds once into target/ and reuses that build.

CARGO ?= cargo

.PHONY: demo test lint rust-test build

## demo: generated multi-tenant traffic through the engine, with a readable report.
demo:
	@echo "The engine demo arrives with issue 3 (the engine). Today you can validate a config:"
	$(CARGO) run --quiet --bin tailsampling -- check examples/config.json

## test: every test and lint (Rust today; C, Go and Python join as their issues land).
test: lint rust-test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

rust-test:
	$(CARGO) test

build:
	$(CARGO) build --release
