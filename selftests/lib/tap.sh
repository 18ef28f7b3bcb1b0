# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tap.sh - TAP output for kselftest-style shell tests.
#
# A test file is many small cases, each a shell function or a command.
# tap_run runs one case in a subshell with `set -e`, so every command in
# it is an assertion, and a failing case is reported and left behind
# while the next one runs. What a failing case printed is shown as TAP
# diagnostics ("# ..."). Exit codes follow kselftest: 0 pass, 1 fail,
# 4 skip.
#
#	. selftests/lib/tap.sh
#	test_addition() { [ $((1 + 1)) -eq 2 ]; }
#	tap_run "one plus one is two" test_addition
#	tap_done
#
# Inside a case, `exit 4` (or tap_skip_case REASON) marks it skipped.
#
# Set TAP_VERBOSE=1 to see the output of passing cases too.

# Note: this file is sourced; it must not change the caller's shell
# options, so each function saves and restores what it touches.

TAP_PASS=0
TAP_FAIL=0
TAP_SKIP=0
TAP_COUNT=0
TAP_PLANNED=

readonly TAP_EXIT_PASS=0 TAP_EXIT_FAIL=1 TAP_EXIT_SKIP=4

echo "TAP version 13"

# tap_plan N - announce N cases up front (optional: without it, the plan
# is printed at the end, which TAP allows too).
tap_plan() {
	TAP_PLANNED=$1
	echo "1..$1"
}

# tap_diag MSG... - a diagnostic line, ignored by TAP parsers.
tap_diag() {
	local line

	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

tap_ok() {
	TAP_COUNT=$((TAP_COUNT + 1))
	TAP_PASS=$((TAP_PASS + 1))
	echo "ok $TAP_COUNT $1"
}

# tap_not_ok NAME [DIAG...]
tap_not_ok() {
	TAP_COUNT=$((TAP_COUNT + 1))
	TAP_FAIL=$((TAP_FAIL + 1))
	echo "not ok $TAP_COUNT $1"
	shift
	(($#)) && tap_diag "$@"
	return 0
}

# tap_skip NAME REASON
tap_skip() {
	TAP_COUNT=$((TAP_COUNT + 1))
	TAP_SKIP=$((TAP_SKIP + 1))
	echo "ok $TAP_COUNT $1 # SKIP ${2:-}"
}

# tap_skip_all REASON - nothing in this file can run here: say why and
# exit with kselftest's skip code.
tap_skip_all() {
	echo "1..0 # SKIP $*"
	exit "$TAP_EXIT_SKIP"
}

# tap_bail REASON - the fixture itself is broken: stop everything.
tap_bail() {
	echo "Bail out! $*"
	exit "$TAP_EXIT_FAIL"
}

# tap_skip_case REASON - inside a case run by tap_run: skip it.
tap_skip_case() {
	echo "$*" >&2
	exit "$TAP_EXIT_SKIP"
}

# tap_run NAME CMD [ARGS...] - run one case and report it.
#
# The case runs in a subshell with errexit on, started as a plain
# statement: bash ignores `set -e` inside anything that is the left side
# of `||`, `&&` or an `if`, so the status is collected afterwards.
# Changes the case makes to the system (netns, links) persist; shell
# variables it sets do not.
tap_run() {
	local name=$1 log rc start errexit=0
	shift

	log=$(mktemp "${TMPDIR:-/tmp}/tap.XXXXXX")
	[[ $- == *e* ]] && errexit=1
	set +e
	start=$EPOCHREALTIME
	(
		set -e
		"$@"
	) >"$log" 2>&1
	rc=$?
	((errexit)) && set -e

	case $rc in
	0) tap_ok "$name" ;;
	"$TAP_EXIT_SKIP") tap_skip "$name" "$(tail -n 1 "$log")" ;;
	*) tap_not_ok "$name" "exit status $rc; output:" ;;
	esac
	if [[ $rc != 0 && $rc != "$TAP_EXIT_SKIP" ]] || [[ ${TAP_VERBOSE:-0} == 1 ]]; then
		[[ -s $log ]] && tap_diag "$(sed 's/^/  /' "$log")"
	fi
	tap_diag "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2fs", b - a }')"
	rm -f "$log"
	return 0
}

# tap_poll SECONDS CMD... - run CMD every 0.1 s until it succeeds; fail
# after SECONDS. For waiting on a condition: never a fixed sleep.
tap_poll() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# tap_assert_eq EXPECTED ACTUAL [WHAT] - fail with a readable message.
tap_assert_eq() {
	[[ $1 == "$2" ]] && return 0
	echo "${3:-value}: expected '$1', got '$2'" >&2
	return 1
}

# tap_done - print the totals in kselftest's format and exit with the
# kselftest status of the whole file.
tap_done() {
	[[ -n $TAP_PLANNED ]] || echo "1..$TAP_COUNT"
	echo "# Totals: pass:$TAP_PASS fail:$TAP_FAIL xfail:0 xpass:0 skip:$TAP_SKIP error:0"
	if [[ -n $TAP_PLANNED && $TAP_PLANNED != "$TAP_COUNT" ]]; then
		echo "# planned $TAP_PLANNED cases but ran $TAP_COUNT"
		exit "$TAP_EXIT_FAIL"
	fi
	((TAP_FAIL == 0)) || exit "$TAP_EXIT_FAIL"
	((TAP_PASS == 0 && TAP_SKIP > 0)) && exit "$TAP_EXIT_SKIP"
	exit "$TAP_EXIT_PASS"
}
