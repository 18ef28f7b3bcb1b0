#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0ttactl against the real x0tta.ko: what Documentation/x0ttactl.rst
# promises, checked in a namespace of its own (the module's state is per
# namespace, so this starts from the defaults and disturbs nothing).
# Runs in the test VM (tools/run-vm-tests selftests/kernel/x0ttactl_cli.sh),
# which loads x0tta.ko first; elsewhere it skips.
#
#   netns x0ctl-$$:  bat0 (batadv) <- veth0 ~~~ veth1
set -u

ctl=$(realpath "${X0TTA_BUILD:-build/default}/bin/x0ttactl")
ns=x0ctl-$$
tmp=$(mktemp -d)
n=0
failed=0

echo "TAP version 13"
if [ "$(id -u)" -ne 0 ] ||
   { [ ! -d /sys/module/x0tta ] && ! insmod kernel/x0tta.ko 2>/dev/null; }; then
	echo "1..0 # SKIP needs root and x0tta.ko loaded (run in the test VM)"
	exit 4
fi

cleanup() {
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" || exit 1

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $1"
	sed 's/^/# /' "$tmp/out" "$tmp/err" 2>/dev/null
}

# run ARGS...: x0ttactl in the test namespace, output in $tmp/{out,err}.
run() {
	ip netns exec "$ns" "$ctl" "$@" >"$tmp/out" 2>"$tmp/err"
}

# check NAME STATUS EXPECTED-STDOUT STDERR ARGS...
check() {
	local name=$1 status=$2 want_out=$3 want_err=$4 rc
	shift 4
	run "$@"
	rc=$?
	if [ "$rc" -ne "$status" ]; then
		echo "# x0ttactl $* exited $rc, expected $status"
		not_ok "$name"
	elif [ "$(cat "$tmp/out")" != "$want_out" ]; then
		echo "# stdout differs; expected: $want_out"
		not_ok "$name"
	elif [ "$(cat "$tmp/err")" != "$want_err" ]; then
		echo "# stderr differs; expected: $want_err"
		not_ok "$name"
	else
		ok "$name"
	fi
}

defaults='{"echo_interval_ms":100,"detect_mult":3,"holdq_limit":1000,"holdq_timeout_ms":1000,"multipath":true}'

check "a new namespace has the documented defaults" 0 "$defaults" "" \
	-j config
check "text config lists every key" 0 "echo_interval_ms  100
detect_mult       3
holdq_limit       1000
holdq_timeout_ms  1000
multipath         on" "" config

# Every out-of-range value: the kernel's message, the key, the range.
refuse() {
	local key=$1 value=$2 range=$3
	check "$key $value is refused with the kernel's range" 1 "" \
		"x0ttactl: $key: integer out of range ($range)" \
		config set "$key" "$value"
}
refuse echo_interval_ms 9 10..10000
refuse echo_interval_ms 10001 10..10000
refuse detect_mult 1 2..20
refuse detect_mult 21 2..20
refuse holdq_limit 100001 0..100000
refuse holdq_timeout_ms 9 10..60000
refuse holdq_timeout_ms 60001 10..60000
check "a refused set changes nothing, good keys included" 1 "" \
	"x0ttactl: detect_mult: integer out of range (2..20)" \
	config set echo_interval_ms 200 detect_mult 50
check "config is still the default" 0 "$defaults" "" -j config

check "a valid set succeeds silently" 0 "" "" \
	config set echo_interval_ms 250 multipath off holdq_limit 0
check "and shows in config" 0 \
	'{"echo_interval_ms":250,"detect_mult":3,"holdq_limit":0,"holdq_timeout_ms":1000,"multipath":false}' \
	"" -j config

if command -v setpriv >/dev/null; then
	ip netns exec "$ns" setpriv --inh-caps=-net_admin \
		--bounding-set=-net_admin "$ctl" config set detect_mult 4 \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "Operation not permitted" "$tmp/err"; then
		ok "set without CAP_NET_ADMIN is refused"
	else
		not_ok "set without CAP_NET_ADMIN is refused"
	fi
	ip netns exec "$ns" setpriv --inh-caps=-net_admin \
		--bounding-set=-net_admin "$ctl" config >"$tmp/out" 2>"$tmp/err"
	if [ $? -eq 0 ]; then
		ok "reading needs no CAP_NET_ADMIN"
	else
		not_ok "reading needs no CAP_NET_ADMIN"
	fi
fi

check "no interface: empty JSON array" 0 "[]" "" -j interfaces

modprobe batman-adv 2>/dev/null
if ip -n "$ns" link add bat0 type batadv 2>/dev/null; then
	ip -n "$ns" link add veth0 type veth peer name veth1
	ip -n "$ns" link set veth0 master bat0
	ip -n "$ns" link set veth0 up
	ip -n "$ns" link set veth1 up
	ip -n "$ns" link set bat0 up
	run -j interfaces
	if grep -q '^\[{"ifname":"veth0","ifindex":[0-9]*,"mesh_ifname":"bat0","mesh_ifindex":[0-9]*,"rx_frames":[0-9]*,"rx_bytes":[0-9]*,"tx_frames":[0-9]*,"tx_bytes":[0-9]*}\]$' "$tmp/out"; then
		ok "an enslaved interface is listed with its mesh"
	else
		not_ok "an enslaved interface is listed with its mesh"
	fi
	run -j stats
	if grep -q '^{"interfaces":1,"counters":\[{"type":"iv_ogm",' "$tmp/out" &&
	   [ "$(grep -o '"type"' "$tmp/out" | wc -l)" -eq 11 ]; then
		ok "stats has every packet type and the interface count"
	else
		not_ok "stats has every packet type and the interface count"
	fi
	run stats dev veth0
	if [ $? -eq 0 ] && head -1 "$tmp/out" | grep -q '^ifname  veth0$'; then
		ok "stats dev shows one interface"
	else
		not_ok "stats dev shows one interface"
	fi
	check "stats dev of another interface fails" 1 "" \
		"x0ttactl: stats: x0tta is not attached to veth1" \
		stats dev veth1
else
	echo "ok $((n += 1)) - interfaces # SKIP no batman-adv"
fi

if command -v python3 >/dev/null; then
	for cmd in version config interfaces stats; do
		run -j "$cmd"
		if python3 -c 'import json,sys; json.load(sys.stdin)' \
			<"$tmp/out" 2>>"$tmp/err"; then
			ok "-j $cmd is valid JSON"
		else
			not_ok "-j $cmd is valid JSON"
		fi
	done
fi

echo "1..$n"
exit $failed
