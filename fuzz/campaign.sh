#!/usr/bin/env bash
# One fuzzing run of one target, as recorded in RELIABILITY.md:
#   fuzz/campaign.sh TARGET SECONDS [extra libFuzzer flags...]
# Runs `cargo fuzz run` (nice, -jobs=1, an input running over 10 s is a finding) over
# fuzz/corpus/TARGET (kept between runs, not committed) and the committed seeds
# fuzz/seeds/TARGET, then prints the figures: wall time (build included), fuzzing time and
# executions (libFuzzer's final stats), corpus size and crash artifacts.
# Uses the default toolchain with RUSTC_BOOTSTRAP=1, as `make fuzz-smoke` does; set
# FUZZ_TOOLCHAIN=nightly to use an installed nightly instead.
set -euo pipefail
cd "$(dirname "$0")"
target=$1 seconds=$2
shift 2

if [ -n "${FUZZ_TOOLCHAIN:-}" ]; then
  fuzz=(cargo "+$FUZZ_TOOLCHAIN" fuzz)
else
  fuzz=(env RUSTC_BOOTSTRAP=1 RUSTUP_AUTO_INSTALL=0 cargo fuzz)
fi

mkdir -p "corpus/$target" "artifacts/$target" logs
log="logs/$target.log"
before=$(find "artifacts/$target" -type f | wc -l)
start=$(date +%s)
# -jobs=1 runs the fuzzer in one child process whose output goes to fuzz-0.log.
nice "${fuzz[@]}" run -O "$target" "corpus/$target" "seeds/$target" -- \
  -jobs=1 -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "$@" || true
end=$(date +%s)
mv -f fuzz-0.log "$log" 2>/dev/null || true

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
fuzz_s=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
after=$(find "artifacts/$target" -type f | wc -l)
echo "target=$target wall_s=$((end - start)) fuzz_s=${fuzz_s:-?} execs=${execs:-?}" \
  "corpus=$(find "corpus/$target" -type f | wc -l) new_artifacts=$((after - before))"
grep -E '^#[0-9]+ +DONE|^==[0-9]+==ERROR|panicked at|^SUMMARY' "$log" | tail -5 || true
