# The differential conformance suite (bindings/go/conformance): the Guance reference engine
# (github.com/GuanceCloud/cliutils) and ours (the Go package over the staged dev library) run
# side by side on identical traffic. Included by the top-level Makefile, after
# bindings/go/reference.mk; part of `make test`.
#
#   make conformance                        gofmt, go vet and go test -count=1 on the module
#   make conformance CONFORMANCE_REQUIRED=1 fail instead of skipping when the reference engine
#                                           is not available
#   make conformance CONFORMANCE_RUN=REGEXP only the scenarios matching (go test -run)
#
# The reference comes from REFERENCE_DIR (a local copy, see reference.mk) or else from the module
# proxy. When neither has it, the target prints a `conformance: SKIPPED: ...` line and succeeds,
# unless CONFORMANCE_REQUIRED=1.

CONFORMANCE_DIR := $(GO_DIR)/conformance
CONFORMANCE_REQUIRED ?= 0
CONFORMANCE_RUN ?= .
CONFORMANCE_MOD := $(REFERENCE_MODS)/conformance.mod
# The reference version the committed go.mod requires.
CONFORMANCE_REFERENCE_VERSION = $(shell sed -n 's|^[[:space:]]*$(REFERENCE_MODULE) \(v[^[:space:]]*\).*|\1|p' $(CONFORMANCE_DIR)/go.mod | head -n 1)

.PHONY: conformance conformance-run

conformance: capi-stage
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
	cd $(CONFORMANCE_DIR) && $(GO_ENV) $(GO) vet -modfile=$(CONFORMANCE_MOD) $(call go_lib,$(GO_STAGE)) ./...
	cd $(CONFORMANCE_DIR) && $(GO_ENV) $(GO) test -count=1 -modfile=$(CONFORMANCE_MOD) $(call go_lib,$(GO_STAGE)) \
	  -run '$(CONFORMANCE_RUN)' ./...
