# The C ABI (docs/architecture.md, "The C ABI"): the header, the static library and its pkg-config
# file, and the C tests. Included by the top-level Makefile.
#
#   make header                   regenerate include/tailsampling.h (commit it)
#   make install PREFIX=/opt/ts   install the header, libtailsampling.a, tailsampling.pc
#   make c-test                   header drift check + every C test (part of `make test`)

# include/tailsampling.h is committed, so its generator is pinned:
#   cargo install cbindgen --version =$(CBINDGEN_VERSION) --locked
CBINDGEN_VERSION := 0.29.4
CBINDGEN ?= cbindgen

PREFIX ?= /usr/local
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR ?= $(PREFIX)/lib
# `install` ships the release build. `c-test` stages a dev build with the `test-panic`
# feature instead: the dependencies are the ones `cargo test` already built, so only the
# tailsampling crate itself compiles again (seconds, not minutes).
CAPI_PROFILE ?= release
# A release install carries no debuginfo (the release profile has none; this strips what the
# precompiled standard library brings).
STRIP ?= strip
CAPI_FEATURES ?=

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
CAPI_OUT := $(TARGET_DIR)/capi
CAPI_LIB_DIR := $(TARGET_DIR)/$(if $(filter dev,$(CAPI_PROFILE)),debug,$(CAPI_PROFILE))
CAPI_LOG := $(CAPI_OUT)/rustc-$(CAPI_PROFILE).log
CARGO_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
ABI_VERSION := $(shell sed -n 's/^.define TS_ABI_VERSION //p' include/tailsampling.h)
# Crate mode, as a bare `cbindgen --config cbindgen.toml` in the repository runs it: the header is
# what anyone gets from a fresh run. cbindgen.toml keeps the Rust API's own items out.
CBINDGEN_RUN = $(CBINDGEN) --quiet --config cbindgen.toml --crate tailsampling --output

.PHONY: header header-check cbindgen-version install capi-stage c-test

cbindgen-version:
	@v="$$($(CBINDGEN) --version 2>/dev/null)"; [ "$$v" = "cbindgen $(CBINDGEN_VERSION)" ] || { \
	  echo "need cbindgen $(CBINDGEN_VERSION), found '$$v':" \
	    "cargo install cbindgen --version =$(CBINDGEN_VERSION) --locked" >&2; exit 1; }

header: cbindgen-version
	$(CBINDGEN_RUN) include/tailsampling.h

header-check: cbindgen-version
	@mkdir -p $(CAPI_OUT)
	$(CBINDGEN_RUN) $(CAPI_OUT)/tailsampling.h
	@diff -u include/tailsampling.h $(CAPI_OUT)/tailsampling.h || { \
	  echo "include/tailsampling.h differs from a fresh generation: run 'make header'" >&2; exit 1; }

# One cargo build gives both the library and, from rustc, the system libraries it needs
# (cargo replays the note when the build is fresh).
install:
	@mkdir -p $(CAPI_OUT)
	$(CARGO) rustc --lib --profile $(CAPI_PROFILE) $(if $(CAPI_FEATURES),--features $(CAPI_FEATURES)) \
	  -- --print native-static-libs > $(CAPI_LOG) 2>&1 || { cat $(CAPI_LOG); exit 1; }
	@native="$$(sed -n 's/^note: native-static-libs: //p' $(CAPI_LOG))"; \
	[ -n "$$native" ] || { cat $(CAPI_LOG); echo "no native-static-libs note from rustc" >&2; exit 1; }; \
	echo "native-static-libs: $$native"; \
	set -x; \
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig && \
	install -m 644 include/tailsampling.h $(DESTDIR)$(INCLUDEDIR)/tailsampling.h && \
	install -m 644 $(CAPI_LIB_DIR)/libtailsampling.a $(DESTDIR)$(LIBDIR)/libtailsampling.a && \
	$(if $(filter release,$(CAPI_PROFILE)),$(STRIP) --strip-debug $(DESTDIR)$(LIBDIR)/libtailsampling.a &&) \
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@VERSION@|$(CARGO_VERSION)|' -e 's|@ABI@|$(ABI_VERSION)|' -e "s|@NATIVE_LIBS@|$$native|" \
	    bindings/c/tailsampling.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/tailsampling.pc

# The staged install the C and Go tests link against (bindings/go/go.mk): one dev build with
# `test-panic`, made once per `make` run whichever of them asks first.
capi-stage:
	@rm -rf $(CAPI_OUT)/stage
	@$(MAKE) --no-print-directory install PREFIX=$(abspath $(CAPI_OUT))/stage CAPI_PROFILE=dev \
	  CAPI_FEATURES=test-panic

# The C tests run against a staged install, exactly as an integrator builds: header,
# libtailsampling.a and `pkg-config --cflags --libs tailsampling`.
c-test: header-check capi-stage
	CARGO_VERSION=$(CARGO_VERSION) bindings/c/tests/run.sh $(abspath $(CAPI_OUT))/stage \
	  $(abspath $(CAPI_OUT))/build $(abspath $(CAPI_OUT))/rustc-dev.log
