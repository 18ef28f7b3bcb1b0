# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# ctl.sh - x0ttactl command line cases on top of tap.sh: run x0ttactl,
# check its exit status and what it printed, report one TAP case.
#
#	. selftests/lib/tap.sh
#	. selftests/lib/ctl.sh
#	ctl_init "${X0TTA_BUILD:-build/default}/bin/x0ttactl"
#	ctl_expect "unknown command is a usage error" 2 \
#		"unknown command 'frob'" frob
#	tap_done
#
# The stdout and stderr of the last x0ttactl run stay in $CTL_OUT and
# $CTL_ERR, so a later case can look at them (ctl_stdout_has). Set
# CTL_WRAP to a command to run x0ttactl under, e.g.
# CTL_WRAP=(ip netns exec "$ns").

CTL=
CTL_TMP=
CTL_OUT=
CTL_ERR=
CTL_WRAP=()

# ctl_init PROGRAM - skip the whole file unless PROGRAM is built; make
# the scratch directory, removed on exit (this sets the EXIT trap: a
# caller that needs its own calls ctl_cleanup from it).
ctl_init() {
	[[ -x $1 ]] || tap_skip_all "$1 not built"
	CTL=$(realpath "$1")
	CTL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/x0tta-ctl.XXXXXX")
	CTL_OUT=$CTL_TMP/out
	CTL_ERR=$CTL_TMP/err
	trap ctl_cleanup EXIT
}

ctl_cleanup() {
	[[ -n $CTL_TMP ]] && rm -rf "$CTL_TMP"
}

# ctl_run ARGS... - run x0ttactl, output in $CTL_OUT and $CTL_ERR.
ctl_run() {
	"${CTL_WRAP[@]}" "$CTL" "$@" >"$CTL_OUT" 2>"$CTL_ERR"
}

# What x0ttactl printed, as TAP diagnostics of a failing case.
ctl_show() {
	sed 's/^/stdout: /' "$CTL_OUT"
	sed 's/^/stderr: /' "$CTL_ERR"
}

# ctl_check STATUS STDERR-TEXT ARGS... - a case: x0ttactl exits with
# STATUS, a line of its stderr contains STDERR-TEXT (a fixed string;
# empty: any), and when it fails it prints nothing on stdout.
ctl_check() {
	local status=$1 text=$2 rc=0
	shift 2

	ctl_run "$@" || rc=$?
	if [[ $rc -ne $status ]]; then
		echo "x0ttactl $* exited $rc, expected $status"
	elif [[ -n $text ]] && ! grep -qF -- "$text" "$CTL_ERR"; then
		echo "stderr lacks: $text"
	elif [[ $status -ne 0 && -s $CTL_OUT ]]; then
		echo "a failure printed on stdout"
	else
		return 0
	fi
	ctl_show
	return 1
}

# ctl_check_exact STATUS STDOUT STDERR ARGS... - a case: x0ttactl exits
# with STATUS and prints exactly STDOUT and STDERR.
ctl_check_exact() {
	local status=$1 out=$2 err=$3 rc=0
	shift 3

	ctl_run "$@" || rc=$?
	tap_assert_eq "$status" "$rc" "exit status of x0ttactl $*"
	tap_assert_eq "$out" "$(cat "$CTL_OUT")" stdout
	tap_assert_eq "$err" "$(cat "$CTL_ERR")" stderr
}

# ctl_stdout_has REGEX - a case: the last run printed a line matching
# REGEX (grep's basic syntax).
ctl_stdout_has() {
	grep -q -- "$1" "$CTL_OUT" && return 0
	echo "stdout has no line matching: $1"
	ctl_show
	return 1
}

# ctl_expect NAME STATUS STDERR-TEXT ARGS... - ctl_check as one case.
ctl_expect() {
	local name=$1
	shift
	tap_run "$name" ctl_check "$@"
}

# ctl_expect_exact NAME STATUS STDOUT STDERR ARGS... - ctl_check_exact
# as one case.
ctl_expect_exact() {
	local name=$1
	shift
	tap_run "$name" ctl_check_exact "$@"
}
