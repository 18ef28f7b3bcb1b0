#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the identity fuzzers with clang's libFuzzer (ASan + UBSan) and run
# each briefly from a seed corpus of real SVIDs: a smoke run for make
# check, in the asan variant only. For a long run:
#   FUZZ_SECONDS=600 X0TTA_BUILD=build/asan selftests/user/identity/fuzz.sh
# Crashes are kept in $X0TTA_BUILD/fuzz/identity/ to replay by hand.
# TAP output; exit 4 (skip) without clang or outside the asan variant.
set -u

build=${X0TTA_BUILD:-build/asan}
seconds=${FUZZ_SECONDS:-5}
case $build in
*asan*) ;;
*)
	echo "1..0 # SKIP fuzzers run in the asan variant"
	exit 4
	;;
esac
if ! command -v clang >/dev/null; then
	echo "1..0 # SKIP clang not installed"
	exit 4
fi

src=selftests/user/identity/fuzz
out=$build/fuzz/identity
mkdir -p "$out"
out=$(cd "$out" && pwd)
# Sources are compiled again with clang: gcc's and clang's sanitizer
# runtimes cannot share one binary.
lib="$(ls user/identity/*.c) user/lib/fileio.c"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-D_GNU_SOURCE -Iuser -Iinclude/uapi"

corpus=$(mktemp -d /tmp/x0tta-fuzz.XXXXXX)
trap 'rm -rf "$corpus"' EXIT
mkdir -p "$corpus/cert" "$corpus/spiffe"

echo "TAP version 13"
echo "1..2"
n=0
failed=0
for target in spiffe cert; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	if ! nice clang $flags -o "$out/fuzz_$target" "$src/fuzz_$target.c" \
		$lib -lgnutls >"$out/build_$target.log" 2>&1; then
		echo "not ok $n fuzz_$target builds"
		sed 's/^/# /' "$out/build_$target.log"
		failed=$((failed + 1))
		continue
	fi
	echo "# fuzz_$target: built"
done

# Seeds: IDs of each shape, and SVIDs as x0ttactl writes them.
printf 'spiffe://mesh.test/node/a' >"$corpus/spiffe/1"
printf 'spiffe://td' >"$corpus/spiffe/2"
printf 'spiffe://a.b-c_d/x/Y/0.1' >"$corpus/spiffe/3"
x0ttactl=$build/bin/x0ttactl
if [ -x "$x0ttactl" ]; then
	"$x0ttactl" ca init --trust-domain mesh.test --dir "$corpus/ca" \
		>/dev/null 2>&1
	"$x0ttactl" ca issue --name a --dir "$corpus/ca" >/dev/null 2>&1
	cp "$corpus/ca/ca.pem" "$corpus/cert/ca"
	cp "$corpus/ca/a.pem" "$corpus/cert/leaf"
	cat "$corpus/ca/a.pem" "$corpus/ca/ca.pem" >"$corpus/cert/chain"
	certtool --certificate-info --infile "$corpus/ca/a.pem" \
		--outder --outfile "$corpus/cert/der" >/dev/null 2>&1
fi

n=0
for target in spiffe cert; do
	n=$((n + 1))
	[ -x "$out/fuzz_$target" ] || continue
	if ASAN_OPTIONS=detect_leaks=1 "$out/fuzz_$target" \
		-max_total_time="$seconds" -max_len=8192 \
		-artifact_prefix="$out/crash_${target}_" \
		"$corpus/$target" >"$out/run_$target.log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$out/run_$target.log")
		echo "ok $n fuzz_$target: $runs in ${seconds}s"
	else
		echo "not ok $n fuzz_$target found a crash"
		tail -n 40 "$out/run_$target.log" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
