# Fuzzing (fuzz/, RELIABILITY.md): cargo-fuzz targets over the decoders, the parsers and the C
# ABI. Included by the top-level Makefile.
#
#   make fuzz-smoke                    build every target once, run each for FUZZ_SECONDS over
#                                      its committed seeds and the inputs that once found a
#                                      bug, fuzz/regressions/TARGET (part of `make test`)
#   fuzz/campaign.sh TARGET SECONDS    a long run, with the figures RELIABILITY.md records

# The pinned cargo-fuzz (installed by .ci/run):
#   cargo install cargo-fuzz --version =$(CARGO_FUZZ_VERSION) --locked
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_TARGETS := packet_decode points_walk zstd_payload config_json condition schema_rules ffi_session
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
