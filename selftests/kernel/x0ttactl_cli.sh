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

. selftests/lib/tap.sh
. selftests/lib/ctl.sh

if [ "$(id -u)" -ne 0 ] ||
   { [ ! -d /sys/module/x0tta ] && ! insmod kernel/x0tta.ko 2>/dev/null; }; then
	tap_skip_all "needs root and x0tta.ko loaded (run in the test VM)"
fi
ctl_init "${X0TTA_BUILD:-build/default}/bin/x0ttactl"
ns=x0ctl-$$
CTL_WRAP=(ip netns exec "$ns")

cleanup() {
	ip netns del "$ns" 2>/dev/null
	ctl_cleanup
}
trap cleanup EXIT
ip netns add "$ns" || tap_bail "cannot add namespace $ns"

defaults='{"echo_interval_ms":100,"detect_mult":3,"holdq_limit":1000,"holdq_timeout_ms":1000,"multipath":true,"echo_fast_ms":10}'

ctl_expect_exact "a new namespace has the documented defaults" 0 "$defaults" "" \
	-j config
ctl_expect_exact "text config lists every key" 0 "echo_interval_ms  100
detect_mult       3
holdq_limit       1000
holdq_timeout_ms  1000
multipath         on
echo_fast_ms      10" "" config

# Every out-of-range value: the kernel's message, the key, the range.
refuse() {
	local key=$1 value=$2 range=$3
	ctl_expect_exact "$key $value is refused with the kernel's range" 1 "" \
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
refuse echo_fast_ms 1001 0..1000
ctl_expect_exact "a refused set changes nothing, good keys included" 1 "" \
	"x0ttactl: detect_mult: integer out of range (2..20)" \
	config set echo_interval_ms 200 detect_mult 50
ctl_expect_exact "config is still the default" 0 "$defaults" "" -j config

ctl_expect_exact "a valid set succeeds silently" 0 "" "" \
	config set echo_interval_ms 250 multipath off holdq_limit 0 \
	echo_fast_ms 0
ctl_expect_exact "and shows in config" 0 \
	'{"echo_interval_ms":250,"detect_mult":3,"holdq_limit":0,"holdq_timeout_ms":1000,"multipath":false,"echo_fast_ms":0}' \
	"" -j config

# ctl_run without CAP_NET_ADMIN, in the test namespace.
unprivileged() {
	CTL_WRAP=(ip netns exec "$ns" setpriv --inh-caps=-net_admin
		  --bounding-set=-net_admin)
	ctl_run "$@"
}

set_needs_net_admin() {
	local rc=0

	unprivileged config set detect_mult 4 || rc=$?
	tap_assert_eq 1 "$rc" "exit status"
	grep -q "Operation not permitted" "$CTL_ERR"
}

if command -v setpriv >/dev/null; then
	tap_run "set without CAP_NET_ADMIN is refused" set_needs_net_admin
	tap_run "reading needs no CAP_NET_ADMIN" unprivileged config
fi

ctl_expect_exact "no interface: empty JSON array" 0 "[]" "" -j interfaces

# Whether the listing exits 0 is not what these cases are about.
enslaved_is_listed() {
	ctl_run -j interfaces || true
	ctl_stdout_has '^\[{"ifname":"veth0","ifindex":[0-9]*,"mesh_ifname":"bat0","mesh_ifindex":[0-9]*,"rx_frames":[0-9]*,"rx_bytes":[0-9]*,"tx_frames":[0-9]*,"tx_bytes":[0-9]*}\]$'
}

stats_has_every_type() {
	ctl_run -j stats || true
	ctl_stdout_has '^{"interfaces":1,"counters":\[{"type":"iv_ogm",'
	tap_assert_eq 11 "$(grep -o '"type"' "$CTL_OUT" | wc -l)" "types"
}

stats_dev_shows_one() {
	ctl_run stats dev veth0
	head -1 "$CTL_OUT" | grep -q '^ifname  veth0$'
}

modprobe batman-adv 2>/dev/null
if ip -n "$ns" link add bat0 type batadv 2>/dev/null; then
	ip -n "$ns" link add veth0 type veth peer name veth1
	ip -n "$ns" link set veth0 master bat0
	ip -n "$ns" link set veth0 up
	ip -n "$ns" link set veth1 up
	ip -n "$ns" link set bat0 up
	tap_run "an enslaved interface is listed with its mesh" \
		enslaved_is_listed
	tap_run "stats has every packet type and the interface count" \
		stats_has_every_type
	tap_run "stats dev shows one interface" stats_dev_shows_one
	ctl_expect_exact "stats dev of another interface fails" 1 "" \
		"x0ttactl: stats: x0tta is not attached to veth1" \
		stats dev veth1
else
	tap_skip interfaces "no batman-adv"
fi

valid_json() {
	ctl_run -j "$1" || true
	python3 -c 'import json,sys; json.load(sys.stdin)' <"$CTL_OUT"
}

if command -v python3 >/dev/null; then
	for cmd in version config interfaces stats; do
		tap_run "-j $cmd is valid JSON" valid_json "$cmd"
	done
fi

tap_done
