#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Loss estimated by the telemetry programs from ELP sequence-number gaps
# on a BATMAN_V link with netem loss, against the configured loss:
#
#   node 1 [to2] <---- veth, netem loss P% both ways ----> [to1] node 2
#
# Telemetry runs on both ends (node 1's to2 and node 2's to1, feeding the
# same pinned maps) and counts the sequence numbers of each node's own
# ELP and OGM2 frames as heard by the other: they cross only this link,
# each direction through its own netem, so the sum of their gaps is this
# link's loss, from four streams of samples. With 1500-2000 samples the
# binomial standard deviation is 0.8-1.0 points, against the 3 points
# the estimate must meet.
#
# Time: the emulated guest sends about 30 ELP a second per node, not the
# 100 configured, and half that when tools/run-vm-tests runs two VMs on
# this 2-core host; four streams instead of two collect the samples in
# about 30 s per case alone and 60 s with another VM beside it, within
# the 120 s deadline below.
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh

# Its own two-node topology rather than selftests/lib/mesh.sh: one veth,
# nothing else, so the sample rate depends on nothing but ELP and OGM2.
ns1=x0tl1-$$
ns2=x0tl2-$$
node1_mac=02:00:00:00:01:02
node2_mac=02:00:00:00:02:01

n() {
	local node=$1
	shift
	ip netns exec "x0tl$node-$$" "$@"
}

topo_down() {
	ip netns del "$ns1" 2>/dev/null
	ip netns del "$ns2" 2>/dev/null
}

# node N: bat0 (BATMAN_V, OGM2 every 20 ms) over its veth end, ELP
# every 10 ms.
topo_node() {
	local node=$1 ifname=$2

	n "$node" ip link add bat0 type batadv ra BATMAN_V
	n "$node" batctl meshif bat0 orig_interval 20
	n "$node" ip link set "$ifname" master bat0
	n "$node" ip link set "$ifname" up
	n "$node" batctl hardif "$ifname" elp_interval 10
	n "$node" ip link set bat0 up
}

topo_up() {
	modprobe batman-adv && modprobe sch_netem && modprobe veth
	ip netns add "$ns1"
	ip netns add "$ns2"
	ip -n "$ns1" link add to2 address "$node1_mac" type veth \
		peer name to1 netns "$ns2" address "$node2_mac"
	topo_node 1 to2
	topo_node 2 to1
}

# netem on both ends, as a lossy radio link would be.
link_loss() {
	n 1 tc qdisc replace dev to2 root netem loss "$1%"
	n 2 tc qdisc replace dev to1 root netem loss "$1%"
}

ctl=$(realpath "${X0TTA_BUILD:-build/default}/bin/x0ttactl")

if [[ $(id -u) != 0 ]] || ! modprobe batman-adv 2>/dev/null; then
	tap_skip_all "needs root and batman-adv (run in tools/vmtest/vmtest)"
fi
if [[ ! -x $ctl ]]; then
	tap_skip_all "no $ctl: run make user"
fi
trap 'detach_both >/dev/null 2>&1; topo_down' EXIT

# Not `n`: ip netns exec remounts /sys, hiding /sys/fs/bpf.
on() {
	local node=$1
	shift
	nsenter --net="/run/netns/x0tl$node-$$" "$@"
}

detach_both() {
	on 1 "$ctl" telemetry detach
	on 2 "$ctl" telemetry detach
}

# "received lost" over each node's own ELP and OGM2 entries as heard by
# the other (the maps are shared; the MACs tell the directions apart).
link_counts() {
	on 1 "$ctl" -j telemetry loss | python3 -c '
import json, sys
r = l = 0
for e in json.load(sys.stdin):
    if e["neighbour"] in sys.argv[1:] and e["originator"] == e["neighbour"]:
        r += e["received"]
        l += e["lost"]
print(r, l)' "$node1_mac" "$node2_mac"
}

# loss_within PERCENT SAMPLES - attach fresh telemetry with netem loss
# PERCENT on the link, wait for SAMPLES sequence numbers, compare.
loss_within() {
	local pct=$1 want=$2 rcv=0 lost=0 deadline est

	link_loss "$pct"
	detach_both >/dev/null 2>&1 || true
	on 1 "$ctl" telemetry attach dev to2
	on 2 "$ctl" telemetry attach dev to1
	deadline=$((SECONDS + 120))
	while ((rcv + lost < want)); do
		if ((SECONDS >= deadline)); then
			echo "only $((rcv + lost)) of $want seqnos in 120 s" \
				"($rcv received, $lost lost)"
			return 1
		fi
		sleep 1
		read -r rcv lost <<<"$(link_counts)"
		rcv=${rcv:-0} lost=${lost:-0}
	done
	est=$(awk -v r="$rcv" -v l="$lost" 'BEGIN { printf "%.2f", 100 * l / (r + l) }')
	echo "netem loss $pct%: estimated $est% from $rcv received, $lost lost" \
		"in $((SECONDS - deadline + 120)) s"
	awk -v e="$est" -v p="$pct" 'BEGIN { d = e - p; exit !(d <= 3 && d >= -3) }'
}

mount_bpffs() {
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

# batman-adv has its neighbour once node 2 shows in node 1's table.
setup() {
	local deadline=$((SECONDS + 30))

	mount_bpffs
	topo_up
	until n 1 batctl meshif bat0 neighbors | grep -q "$node2_mac"; do
		((SECONDS < deadline)) || { echo "no neighbour in 30 s"; return 1; }
		sleep 0.5
	done
}

tap_plan 3
tap_run "two BATMAN_V nodes see each other" setup
tap_run "loss estimate within 3 points of netem loss 10%" loss_within 10 1500
tap_run "loss estimate within 3 points of netem loss 30%" loss_within 30 2000
tap_done
