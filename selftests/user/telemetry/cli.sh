#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0ttactl telemetry on the host kernel, in a private network and mount
# namespace (own sysfs and bpffs), on a veth pair:
#
#   tma (02:..:0a) <---- veth ----> tmb (02:..:0b)
#
# TAP output; exit 4 (skip) without root or namespaces.
set -u

if [ -z "${TM_CLI_INNER:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -n -m true 2>/dev/null; then
		echo "1..0 # SKIP needs root and unshare"
		exit 4
	fi
	TM_CLI_INNER=1 exec unshare -n -m "$0" "$@"
fi

build=$(realpath "${X0TTA_BUILD:-build/default}")
ctl=$build/bin/x0ttactl
batframe=$(dirname "$0")/../../kernel/batframe.py
n=0
failed=0

ok() {	# description command...
	local what=$1
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n $what"
	else
		echo "not ok $n $what"
		printf '%s\n' "$out" | sed 's/^/# /'
		failed=1
	fi
}

mount --make-rprivate /
mount -t sysfs sysfs /sys
mount -t bpf bpf /sys/fs/bpf
ip link add tma address 02:00:00:00:00:0a type veth \
	peer name tmb address 02:00:00:00:00:0b
ip link set tma up
ip link set tmb up

echo "1..9"

ok "attach to two interfaces shows both in list" sh -c \
	"$ctl telemetry attach dev tma dev tmb link-entries 256 &&
	 [ \$($ctl -j telemetry list | grep -o '\"ifname\"' | wc -l) = 2 ]"

python3 "$batframe" tma 0x03 5
python3 "$batframe" tma 0x40 7 02:00:00:00:00:0b
sleep 0.3

ok "neighbours shows exact ELP and unicast frames received" sh -c \
	"$ctl -j telemetry neighbours | grep -q '\"ifname\":\"tmb\",\"neighbour\":\"02:00:00:00:00:0a\",\"dir\":\"in\",\"frames\":12,\"bytes\":720,\"ogm\":0,\"elp\":5,\"bcast\":0,\"unicast\":7'"

ok "bpftool prints the map's field names" sh -c \
	"bpftool map dump pinned /sys/fs/bpf/x0tta/tm_link | grep -q '\"last_seen_ns\"' &&
	 bpftool map dump pinned /sys/fs/bpf/x0tta/tm_loss | grep -q '\"win_cur_received\"'"

ok "attach with other map sizes is refused while pinned" sh -c \
	"out=\$($ctl telemetry attach dev tma link-entries 512 2>&1);
	 [ \$? = 1 ] && echo \"\$out\" | grep -q 'detach first'"

ok "out-of-range map size is a usage error" sh -c \
	"$ctl telemetry attach dev tma link-entries 5; [ \$? = 2 ]"

ok "unknown interface fails without loading" sh -c \
	"! $ctl telemetry attach dev nosuch0"

ok "detach removes every filter and pin" sh -c \
	"$ctl telemetry detach && [ ! -e /sys/fs/bpf/x0tta ] &&
	 [ -z \"\$(tc filter show dev tma ingress)\" ] &&
	 [ -z \"\$(tc filter show dev tmb egress)\" ]"

ok "reading maps when detached says so" sh -c \
	"$ctl telemetry 2>&1 | grep -q 'not attached'"

ok "reattach counts from zero" sh -c \
	"$ctl telemetry attach dev tmb &&
	 python3 $batframe tma 0x01 3 && sleep 0.3 &&
	 $ctl -j telemetry | grep -q '\"frames\":3,\"bytes\":180,\"ogm\":0,\"elp\":0,\"bcast\":3'"

exit $failed
