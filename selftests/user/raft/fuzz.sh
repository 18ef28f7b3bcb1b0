#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the raft fuzzers with clang's libFuzzer (ASan + UBSan) and run
# each briefly: a smoke run for make check, in the asan variant only.
# fuzz_msg feeds the wire decoder, fuzz_step a node through it. For a
# long run:
#   FUZZ_SECONDS=600 X0TTA_BUILD=build/asan selftests/user/raft/fuzz.sh
# Crashes are kept in $X0TTA_BUILD/fuzz/raft/ to replay by hand.
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

src=selftests/user/raft/fuzz
out=$build/fuzz/raft
mkdir -p "$out"
out=$(cd "$out" && pwd)
# Compiled again with clang: gcc's and clang's sanitizer runtimes cannot
# share one binary.
lib="$(ls user/raft/*.c) user/lib/prng.c user/lib/crc32c.c user/lib/fileio.c"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-D_GNU_SOURCE -Iuser -Iinclude/uapi"

corpus=$(mktemp -d /tmp/x0tta-fuzz.XXXXXX)
trap 'rm -rf "$corpus"' EXIT

# Little-endian integers, for seed frames laid out as msg.h describes.
le() {
	local v=$1 bytes=$2 i
	for ((i = 0; i < bytes; i++)); do
		printf "\\x$(printf %02x $((v & 255)))"
		v=$((v >> 8))
	done
}

# frame TYPE FLAGS N FROM TO TERM LOGTERM INDEX COMMIT HINT CTX
frame() {
	printf '\x01'
	le "$1" 1
	le "$2" 1
	printf '\x00'
	le "$3" 4
	for v in "${@:4}"; do
		le "$v" 8
	done
}

# Seeds: one frame of each kind a peer sends, and a script of them.
mkdir -p "$corpus/msg" "$corpus/step"
frame 1 0 0 2 1 1 0 0 0 0 0 >"$corpus/msg/prevote"
frame 3 0 0 2 1 1 0 0 0 0 0 >"$corpus/msg/vote"
frame 4 0 0 2 1 1 0 0 0 0 0 >"$corpus/msg/vote_resp"
frame 6 1 0 2 1 2 0 3 0 1 0 >"$corpus/msg/append_reject"
frame 7 0 0 2 1 2 0 0 1 0 3 >"$corpus/msg/heartbeat"
frame 8 0 0 2 1 2 0 0 0 0 3 >"$corpus/msg/heartbeat_resp"
frame 9 0 0 2 1 2 0 0 0 0 0 >"$corpus/msg/timeout_now"
frame 3 2 0 2 1 3 0 0 0 0 0 >"$corpus/msg/vote_transfer"
{ frame 10 0 0 2 1 2 1 5 0 0 0; printf 'state'; } >"$corpus/msg/snapshot"
{ frame 5 0 1 2 1 2 0 0 1 0 0; le 2 8; le 1 1; printf '\x00\x00\x00';
  le 2 4; printf 'kv'; } >"$corpus/msg/append"
for f in "$corpus"/msg/*; do
	le "$(stat -c %s "$f")" 2
	cat "$f"
	le 0 2
done >"$corpus/step/script"
for f in vote_resp append heartbeat; do
	le "$(stat -c %s "$corpus/msg/$f")" 2
	cat "$corpus/msg/$f"
done >"$corpus/step/follow"

echo "TAP version 13"
echo "1..2"
failed=0
n=0
for target in msg step; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	if ! nice clang $flags -o "$out/fuzz_$target" "$src/fuzz_$target.c" \
		$lib >"$out/build_$target.log" 2>&1; then
		echo "not ok $n fuzz_$target builds"
		sed 's/^/# /' "$out/build_$target.log"
		failed=$((failed + 1))
		continue
	fi
	if ASAN_OPTIONS=detect_leaks=1 "$out/fuzz_$target" \
		-max_total_time="$seconds" -max_len=4096 \
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
