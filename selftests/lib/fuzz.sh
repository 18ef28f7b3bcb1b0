# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# fuzz.sh - build one part's libFuzzer targets with clang (ASan + UBSan)
# and run each briefly from a seed corpus, one TAP case a target: a smoke
# run for make check, in the asan variant only. On top of tap.sh.
#
#	. selftests/lib/tap.sh
#	. selftests/lib/fuzz.sh
#	fuzz_init raft msg step		# the part, then its targets
#	printf ... >"$FUZZ_CORPUS/msg/seed"	# a seed directory a target
#	fuzz_run 4096			# libFuzzer's -max_len
#	tap_done
#
# Target T is selftests/user/<part>/fuzz/fuzz_T.c, linked with every
# user/<part>/*.c and user/lib/*.c but main.c, compiled again with clang
# (gcc's and clang's sanitizer runtimes cannot share one binary), and
# with $FUZZ_LDLIBS and libmnl (user/lib's own).
#
# Environment: X0TTA_BUILD (default build/asan; another variant skips the
# file), FUZZ_SECONDS a target (default 5). Binaries, build and run logs
# and crashes (crash_<target>_*) stay in $X0TTA_BUILD/fuzz/<part>/ to
# replay by hand. Exit 4 (skip) without clang or outside the asan variant.

FUZZ_BUILD=${X0TTA_BUILD:-build/asan}
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
FUZZ_LDLIBS=${FUZZ_LDLIBS:-}
FUZZ_PART=
FUZZ_TARGETS=()
FUZZ_OUT=
FUZZ_CORPUS=

# fuzz_init PART TARGET... - skip the file if fuzzers cannot run here,
# else announce one case a target and make $FUZZ_CORPUS/TARGET for the
# seeds (removed on exit: this sets the EXIT trap).
fuzz_init() {
	local t

	FUZZ_PART=$1
	shift
	FUZZ_TARGETS=("$@")
	case $FUZZ_BUILD in
	*asan*) ;;
	*) tap_skip_all "fuzzers run in the asan variant" ;;
	esac
	command -v clang >/dev/null || tap_skip_all "clang not installed"
	# libFuzzer takes a malformed time for 0, which means forever.
	[[ $FUZZ_SECONDS =~ ^[1-9][0-9]*$ ]] ||
		tap_bail "FUZZ_SECONDS: '$FUZZ_SECONDS' is not a whole number"
	FUZZ_OUT=$FUZZ_BUILD/fuzz/$FUZZ_PART
	mkdir -p "$FUZZ_OUT"
	FUZZ_OUT=$(cd "$FUZZ_OUT" && pwd)
	FUZZ_CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/x0tta-fuzz.XXXXXX")
	trap fuzz_cleanup EXIT
	for t in "${FUZZ_TARGETS[@]}"; do
		mkdir -p "$FUZZ_CORPUS/$t"
	done
	tap_plan ${#FUZZ_TARGETS[@]}
}

fuzz_cleanup() {
	[[ -n $FUZZ_CORPUS ]] && rm -rf "$FUZZ_CORPUS"
}

fuzz_sources() {
	ls user/"$FUZZ_PART"/*.c user/lib/*.c | grep -v '/main\.c$'
}

# fuzz_build TARGET - compile it; a failure is the target's case.
fuzz_build() {
	local t=$1 log=$FUZZ_OUT/build_$1.log
	local flags="-g -O1 -fsanitize=fuzzer,address,undefined
		-fno-sanitize-recover=all -D_GNU_SOURCE -Iuser -Iinclude/uapi"

	# shellcheck disable=SC2046,SC2086
	nice clang $flags -o "$FUZZ_OUT/fuzz_$t" \
		"selftests/user/$FUZZ_PART/fuzz/fuzz_$t.c" $(fuzz_sources) \
		$FUZZ_LDLIBS -lmnl >"$log" 2>&1 && return 0
	tap_not_ok "fuzz_$t builds" "$(cat "$log")"
	return 1
}

# fuzz_one TARGET MAX_LEN - run it for FUZZ_SECONDS from its corpus.
fuzz_one() {
	local t=$1 max_len=$2 log=$FUZZ_OUT/run_$1.log runs

	if ASAN_OPTIONS=detect_leaks=1 "$FUZZ_OUT/fuzz_$t" \
		-max_total_time="$FUZZ_SECONDS" -max_len="$max_len" \
		-artifact_prefix="$FUZZ_OUT/crash_${t}_" \
		"$FUZZ_CORPUS/$t" >"$log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$log")
		tap_ok "fuzz_$t: $runs in ${FUZZ_SECONDS}s"
	else
		tap_not_ok "fuzz_$t found a crash" "$(tail -n 40 "$log")"
	fi
}

# fuzz_run MAX_LEN - build and run every target, one case each.
fuzz_run() {
	local t

	for t in "${FUZZ_TARGETS[@]}"; do
		fuzz_build "$t" && fuzz_one "$t" "$1"
	done
	return 0
}
