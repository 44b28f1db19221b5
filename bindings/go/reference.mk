# The Guance reference engine (Go module github.com/GuanceCloud/cliutils) for the Go modules
# that run it next to ours: the conformance suite (bindings/go/conformance) and the benchmark
# (bindings/go/benchcompare). Included by the top-level Makefile, after bindings/go/go.mk.
#
# Their committed go.mod files keep the ordinary requirement, which builds anywhere the module
# proxy serves cliutils. Where a local copy of the module exists (REFERENCE_DIR; its default,
# below, is a copy next to this checkout), the go commands here run on a temporary
# copy of the go.mod with a replace pointing at it (go's -modfile), made at run time; the other
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
