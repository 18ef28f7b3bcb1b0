#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0ttactl's command line as an operator or a script meets it: exit
# status 0 ok / 1 failure / 2 usage error, errors on stderr with nothing
# on stdout, and a clear word when the module is not loaded. Needs no
# module: everything here is refused before or at the family lookup.
set -u

ctl=${X0TTA_BUILD:-build/default}/bin/x0ttactl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

echo "TAP version 13"
if [ ! -x "$ctl" ]; then
	echo "1..0 # SKIP $ctl not built"
	exit 4
fi

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $1"
	sed 's/^/# /' "$tmp/out" "$tmp/err"
}

# expect NAME STATUS STDERR-PATTERN ARGS...: exit status, a line of stderr
# matching the pattern (empty: don't care), and for failures no stdout.
expect() {
	local name=$1 status=$2 pattern=$3 rc
	shift 3
	"$ctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$status" ]; then
		echo "# x0ttactl $* exited $rc, expected $status"
		not_ok "$name"
	elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$tmp/err"; then
		echo "# stderr lacks: $pattern"
		not_ok "$name"
	elif [ "$status" -ne 0 ] && [ -s "$tmp/out" ]; then
		echo "# a failure printed on stdout"
		not_ok "$name"
	else
		ok "$name"
	fi
}

expect "no command is a usage error" 2 "no command given"
expect "unknown command is a usage error" 2 "unknown command 'frob'" frob
expect "unknown option is a usage error" 2 "unknown option '-x'" -x version
expect "options go before the command" 2 "unexpected argument '-j'" \
	version -j
expect "version takes no arguments" 2 "unexpected argument 'now'" \
	version now
expect "interfaces takes no arguments" 2 "Usage: x0ttactl" interfaces all
expect "stats dev needs a name" 2 "dev needs an interface name" stats dev
expect "config has only set" 2 "unknown subcommand 'get'" config get
expect "config set needs a pair" 2 "nothing to set" config set
expect "config set needs a value" 2 "detect_mult: value missing" \
	config set detect_mult
expect "config set refuses junk after a number" 2 \
	"detect_mult: '3x' is not an unsigned decimal integer" \
	config set detect_mult 3x
expect "config set refuses numbers beyond u32" 2 "is too large" \
	config set holdq_limit 4294967296
expect "config set refuses a repeated key" 2 "multipath: given twice" \
	config set multipath on multipath off
expect "config set names the valid keys" 2 \
	"one of: echo_interval_ms, detect_mult, holdq_limit, holdq_timeout_ms, multipath" \
	config set echo 100
expect "multipath takes on/off/1/0" 2 "is not on, off, 1 or 0" \
	config set multipath yes

# Help goes to stdout and succeeds, for the program and each command.
expect "help succeeds" 0 "" --help
for cmd in version config interfaces stats; do
	if ! grep -q "^  $cmd " "$tmp/out"; then
		echo "# --help does not list $cmd"
		not_ok "help lists $cmd"
	else
		ok "help lists $cmd"
	fi
done
for cmd in version config interfaces stats; do
	expect "$cmd --help succeeds" 0 "" "$cmd" --help
done
expect "-V prints the version" 0 "" -V
if grep -q '^x0ttactl [0-9][0-9.]*' "$tmp/out"; then
	ok "-V output is 'x0ttactl VERSION'"
else
	not_ok "-V output is 'x0ttactl VERSION'"
fi

# Without the module every kernel command fails the same clear way.
if [ -d /sys/module/x0tta ]; then
	for cmd in version config interfaces stats; do
		echo "ok $((n += 1)) - $cmd without module # SKIP x0tta is loaded"
	done
else
	for cmd in version config interfaces stats; do
		expect "$cmd without the module says so" 1 \
			"x0tta kernel module is not loaded (modprobe x0tta / insmod x0tta.ko)" \
			-j "$cmd"
	done
	expect "a valid config set without the module fails, not usage" 1 \
		"kernel module is not loaded" config set detect_mult 5
fi

echo "1..$n"
exit $failed
