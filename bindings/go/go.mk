# The Go package and the reference Dataway host (bindings/go). Included by the top-level
# Makefile, after bindings/c/c.mk.
#
#   make go-test     gofmt, go vet, every Go test under -race, then once more under
#                    GOEXPERIMENT=cgocheck2 (with the benchmarks run once as a smoke test), and a
#                    build in pkg-config mode; against the dev library `capi-stage` stages in
#                    target/capi/stage (part of `make test`)
#   make go-header   copy include/tailsampling.h into the module (after `make header`)
#   make go-bench    the benchmarks against a release build (installed in target/capi/release
#                    by `make go-release`, which `make bench-compare` reuses)
#
# Afterwards `go test -race ./...` works in bindings/go: cgo.go links target/capi/stage by
# default. A Go developer outside this repository installs the library (`make install`) and
# builds with `-tags tailsampling_pkgconfig`.

GO ?= go
GO_DIR := bindings/go
# tailsampling_testpanic: the tests may call the stage's test-only ts__test_panic.
GO_TEST_TAGS := tailsampling_testpanic
GO_STAGE := $(abspath $(CAPI_OUT))/stage
GO_RELEASE := $(abspath $(CAPI_OUT))/release
# cgo.go's default library path is target/capi/stage; point the linker at the stage elsewhere.
GO_ENV := RUST_BACKTRACE=0 $(if $(CARGO_TARGET_DIR),CGO_LDFLAGS=-L$(GO_STAGE)/lib)

# Go does not track files outside the module, so a test binary or program linked against an
# older libtailsampling.a is reused from the build cache when only the Rust code changed. Every
# go command here passes a checksum of the library it links (cgo.go's linkedLibrary), which
# makes Go relink whenever the library changes. $(1): the install prefix.
go_lib = -ldflags=-X=github.com/tailsampling/tailsampling-go.linkedLibrary=$$(cksum < $(1)/lib/libtailsampling.a | cut -d' ' -f1)

.PHONY: go-test go-header go-release go-bench

go-test: capi-stage
	@cd $(GO_DIR) && out="$$(gofmt -l .)" && [ -z "$$out" ] || { \
	  echo "gofmt -l: needs formatting: $$out" >&2; exit 1; }
	cd $(GO_DIR) && $(GO_ENV) $(GO) vet -tags $(GO_TEST_TAGS) $(call go_lib,$(GO_STAGE)) ./...
	cd $(GO_DIR) && $(GO_ENV) $(GO) test -race -count=1 -tags $(GO_TEST_TAGS) $(call go_lib,$(GO_STAGE)) ./...
	@if GOEXPERIMENT=cgocheck2 $(GO) env GOEXPERIMENT >/dev/null 2>&1; then \
	  echo "cd $(GO_DIR) && GOEXPERIMENT=cgocheck2 $(GO) test -count=1 -tags $(GO_TEST_TAGS) -bench . -benchtime 1x ./..."; \
	  cd $(GO_DIR) && $(GO_ENV) GOEXPERIMENT=cgocheck2 $(GO) test -count=1 -tags $(GO_TEST_TAGS) $(call go_lib,$(GO_STAGE)) \
	    -bench . -benchtime 1x ./...; \
	else echo "go-test: this Go toolchain has no GOEXPERIMENT=cgocheck2: skipped"; fi
	cd $(GO_DIR) && PKG_CONFIG_PATH=$(GO_STAGE)/lib/pkgconfig $(GO) build -buildvcs=false -tags tailsampling_pkgconfig $(call go_lib,$(GO_STAGE)) ./...

go-header:
	cp include/tailsampling.h $(GO_DIR)/tailsampling.h

go-release:
	@rm -rf $(GO_RELEASE)
	@$(MAKE) --no-print-directory install PREFIX=$(GO_RELEASE)

go-bench: go-release
	cd $(GO_DIR) && PKG_CONFIG_PATH=$(GO_RELEASE)/lib/pkgconfig $(GO) test -tags tailsampling_pkgconfig $(call go_lib,$(GO_RELEASE)) \
	  -run '^$$' -bench . -benchmem .
