#!/usr/bin/env bash
# The C tests, against a staged install (header, libtailsampling.a built with the `test-panic`
# feature, tailsampling.pc). Run by `make c-test`:
#
#   run.sh STAGE BUILD RUSTC_LOG
#
# STAGE is the install prefix, BUILD a scratch directory, RUSTC_LOG the output of the cargo
# build that made the library (it holds rustc's native-static-libs note).
set -euo pipefail

stage=$1 build=$2 rustc_log=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
CC=${CC:-cc} CXX=${CXX:-c++}
export PKG_CONFIG_PATH=$stage/lib/pkgconfig
lib=$stage/lib/libtailsampling.a
header=$stage/include/tailsampling.h

C_FLAGS=(-std=c99 -Wall -Wextra -Werror -pedantic -g -I"$here" -DTS_CARGO_VERSION="\"${CARGO_VERSION:?}\"")
CXX_FLAGS=(-std=c++11 -Wall -Wextra -Werror -pedantic -g)
SAN_FLAGS=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
VALGRIND=(valgrind --quiet --error-exitcode=1 --errors-for-leak-kinds=definite --leak-check=full)
read -r -a PC_CFLAGS <<<"$(pkg-config --cflags tailsampling)"
read -r -a PC_LIBS <<<"$(pkg-config --libs tailsampling)"

# test_api's poisoning test panics on purpose: keep its message short.
export RUST_BACKTRACE=0

step() { printf '\n== %s  [%ss]\n' "$*" "$SECONDS"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$build" && mkdir -p "$build"

step "link flags: pkg-config prints what rustc --print native-static-libs says"
native=$(sed -n 's/^note: native-static-libs: //p' "$rustc_log")
[ -n "$native" ] || fail "no native-static-libs note in $rustc_log"
want="-L$stage/lib -ltailsampling $native"
got=$(pkg-config --libs tailsampling)
[ "$(echo $got)" = "$(echo $want)" ] || fail "pkg-config --libs: '$got', rustc says: '$want'"
echo "$got"
if [ "$(uname -s)" = Linux ] && ldd --version 2>&1 | grep -qi 'glibc\|gnu libc'; then
  # The header documents the Linux/glibc flags: keep that sentence true.
  grep -qF -- "$native" "$header" || fail "the header's documented link flags are not '$native'"
fi

step "exported symbols: every one is ts_-prefixed, and they are exactly the header's functions"
# Exported = GLOBAL/WEAK, defined, default visibility. Rust-mangled symbols (_ZN…, _R…) and
# the Rust runtime's own (rust_eh_personality, …) aside; bundled C code (zstd) is hidden.
readelf -sW "$lib" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $6 == "DEFAULT" && $7 != "UND" { print $8 }' |
  grep -Ev '^(_ZN|_R|rust_eh_personality$|__rustc_debug_gdb_scripts_section__$|__rust_|rust_)' |
  sort -u >"$build/exported.txt"
grep -v '^ts_' "$build/exported.txt" && fail "unprefixed exported symbols (above)"
grep -oE '\bts_[a-z0-9_]+\(' "$header" | tr -d '(' | sort -u >"$build/declared.txt"
echo ts__test_panic >>"$build/declared.txt" # the test-panic build's extra export
sort -o "$build/declared.txt" "$build/declared.txt"
diff -u "$build/declared.txt" "$build/exported.txt" || fail "exports differ from the header's functions"
echo "$(wc -l <"$build/exported.txt") symbols, all ts_"

step "compile: C99 and C++11, -Wall -Wextra -Werror -pedantic"
support=("$here/support.c")
for t in test_api test_stress gen_packets; do
  $CC "${C_FLAGS[@]}" "${PC_CFLAGS[@]}" -pthread "$here/$t.c" "${support[@]}" -o "$build/$t" "${PC_LIBS[@]}"
  $CC "${C_FLAGS[@]}" "${SAN_FLAGS[@]}" "${PC_CFLAGS[@]}" -pthread "$here/$t.c" "${support[@]}" \
    -o "$build/$t-san" "${PC_LIBS[@]}"
done
$CC "${C_FLAGS[@]}" "${PC_CFLAGS[@]}" "$root/bindings/c/example.c" -o "$build/example" "${PC_LIBS[@]}"
$CC "${C_FLAGS[@]}" "${SAN_FLAGS[@]}" "${PC_CFLAGS[@]}" "$root/bindings/c/example.c" -o "$build/example-san" "${PC_LIBS[@]}"
$CC "${C_FLAGS[@]}" "${PC_CFLAGS[@]}" "$here/test_header.c" -o "$build/test_header_c" "${PC_LIBS[@]}"
$CXX "${CXX_FLAGS[@]}" "${PC_CFLAGS[@]}" "$here/test_header.cpp" -o "$build/test_header_cpp" "${PC_LIBS[@]}"
"$build/test_header_c"
"$build/test_header_cpp"

# The example on generated packets: 9 traces, 3 with an error, kept by the config.
"$build/gen_packets" "$build" 9 # writes packet-0.pb … packet-8.pb
cat >"$build/config.json" <<'JSON'
{"version": 1, "trace": {"pipelines": [
  {"name": "keep-errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}]}}
JSON
run_example() {
  "$@" --token tkn_demo --config "$build/config.json" "$build"/packet-*.pb >"$build/example.out"
  grep -q 'POST /v1/write/tracing?token=tkn_demo  Content-Type: application/protobuf; proto=com.guance.Point  [0-9]* bytes, 3 points' \
    "$build/example.out" || { cat "$build/example.out"; fail "example: no kept delivery of 3 points"; }
  "$@" --token tkn_demo --config "$build/config.json" - <"$build/packet-0.pb" >/dev/null
}

step "plain: test_api, test_stress, example"
"$build/test_api"
"$build/test_stress" 3000
run_example "$build/example"
head -n 14 "$build/example.out" | cut -c 1-160

step "ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$build/test_api-san"
"$build/test_stress-san" 3000
run_example "$build/example-san"

step "valgrind (definite leaks are errors)"
"${VALGRIND[@]}" "$build/test_api"
"${VALGRIND[@]}" "$build/test_stress" 300
run_example "${VALGRIND[@]}" "$build/example"

printf "\nC tests: ok  [%ss]\n" "$SECONDS"
