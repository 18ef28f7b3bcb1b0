#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0ttactl path, neighbours, quarantine and monitor as an operator meets
# them without the module: a wrong command line is a usage error (exit
# 2) and reaches no kernel, a right one gets as far as the family lookup
# (exit 1, "not loaded"). The order of the two is what this proves.
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
	elif [ -n "$pattern" ] && ! grep -qF -- "$pattern" "$tmp/err"; then
		echo "# stderr lacks: $pattern"
		not_ok "$name"
	elif [ "$status" -ne 0 ] && [ -s "$tmp/out" ]; then
		echo "# a failure printed on stdout"
		not_ok "$name"
	else
		ok "$name"
	fi
}

o=02:00:00:00:00:0d
nb=02:00:00:00:00:0b

expect "path add needs a next hop" 2 "path add: no next hop" path add $o
expect "path add refuses a bad ORIG" 2 "ORIG '02:00:00:00:0d' is not a MAC" \
	path add 02:00:00:00:0d via lo $nb
expect "path add refuses an unknown interface" 2 \
	"via: no interface 'nosuch0' in this namespace" \
	path add $o via nosuch0 $nb
expect "path add refuses a short neighbour MAC" 2 \
	"via lo: '2:0:0:0:0:b' is not a MAC address" path add $o via lo 2:0:0:0:0:b
expect "path add refuses a weight beyond u8" 2 "weight: '256' is too large" \
	path add $o via lo $nb weight 256
expect "path add refuses stray words" 2 "unexpected 'dev'" \
	path add $o via lo $nb dev lo
expect "path del takes ORIG alone" 2 "path del: unexpected argument" \
	path del $o $o
expect "path has add, del and show" 2 "path: unknown subcommand 'list'" \
	path list
expect "path usage shows every form" 2 "x0ttactl path del ORIG" path list
expect "neighbours takes no arguments" 2 "unexpected argument 'all'" \
	neighbours all
expect "quarantine add needs a MAC" 2 "quarantine add: MAC missing" \
	quarantine add
expect "quarantine refuses a bad MAC" 2 "'02:00' is not a MAC address" \
	quarantine del 02:00
expect "monitor count must be positive" 2 "count '0' is not a number" \
	monitor count 0
expect "monitor takes only count" 2 "unexpected argument 'follow'" \
	monitor follow

for cmd in path neighbours quarantine monitor; do
	expect "$cmd --help succeeds" 0 "" "$cmd" --help
done
expect "path --help says add replaces" 0 "" path --help
if grep -q "replacing the entry ORIG had" "$tmp/out"; then
	ok "path help says add replaces the entry"
else
	not_ok "path help says add replaces the entry"
fi
expect "help lists the commands" 0 "" --help
for cmd in path neighbours quarantine monitor; do
	if grep -q "^  $cmd " "$tmp/out"; then
		ok "help lists $cmd"
	else
		not_ok "help lists $cmd"
	fi
done

# Right command lines go as far as the kernel, and say it is missing.
if [ -d /sys/module/x0tta ]; then
	echo "ok $((n += 1)) - valid lines reach the kernel # SKIP x0tta is loaded"
else
	nl="x0tta kernel module is not loaded"
	expect "path add with 3 hops and weights" 1 "$nl" \
		path add $o via lo $nb weight 3 via lo 02:00:00:00:00:0c \
		via lo 02:00:00:00:00:0e weight 255
	expect "path add weight 0 is the kernel's to refuse" 1 "$nl" \
		path add $o via lo $nb weight 0
	expect "path del" 1 "$nl" path del $o
	expect "path show" 1 "$nl" -j path show
	expect "neighbours" 1 "$nl" -j neighbours
	expect "quarantine add" 1 "$nl" quarantine add $nb
	expect "quarantine show" 1 "$nl" quarantine
	expect "monitor count 1" 1 "$nl" monitor count 1
fi

echo "1..$n"
exit $failed
