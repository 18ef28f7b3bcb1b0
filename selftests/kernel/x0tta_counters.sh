#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0tta.ko's counters equal the frames that crossed the link, per
# direction and batman-adv packet type, on both ends, and the namespace
# totals keep what interfaces counted after they leave.
#
#   node 1 [to2] ------ [to1] node 2
#
# batframe.py sends frames of types batman-adv never sends by itself
# here (0x02 coded with network coding off, 0x7f unknown), so the counts
# are exact; batctl ping is the only source of ICMP (0x43) frames.
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
. selftests/lib/mesh.sh
. selftests/lib/x0tta.sh

x0tta_test_start
mesh_line 2
mesh_wait_converged || tap_bail "mesh did not converge"

FRAME_LEN=60	# batframe.py pads to the Ethernet minimum

# delta NODE IFNAME TYPE FIELD CMD... - how much CMD moved one counter.
delta() {
	local node=$1 ifname=$2 type=$3 field=$4 before after
	shift 4
	before=$(x0tta_counter "$node" dev "$ifname" "$type" "$field")
	"$@" >/dev/null
	after=$(x0tta_counter "$node" dev "$ifname" "$type" "$field")
	echo $((after - before))
}

# send_counted TYPE NAME COUNT - COUNT frames from node 1 to node 2: each
# is counted once sent on node 1 and once received on node 2.
send_counted() {
	local ptype=$1 name=$2 count=$3 tx1 rx2 txb1 rxb2
	local dst
	dst=$(mesh_hardif_mac 2 1)

	tx1=$(x0tta_counter 1 dev to2 "$name" tx_frames)
	txb1=$(x0tta_counter 1 dev to2 "$name" tx_bytes)
	rx2=$(x0tta_counter 2 dev to1 "$name" rx_frames)
	rxb2=$(x0tta_counter 2 dev to1 "$name" rx_bytes)
	n 1 selftests/kernel/batframe.py to2 "$ptype" "$count" "$dst"
	# Frames are received in softirq after send returns; give them a moment.
	sleep 0.5
	tap_assert_eq "$count" $(($(x0tta_counter 1 dev to2 "$name" tx_frames) - tx1)) "node 1 tx $name frames"
	tap_assert_eq $((count * FRAME_LEN)) $(($(x0tta_counter 1 dev to2 "$name" tx_bytes) - txb1)) "node 1 tx $name bytes"
	tap_assert_eq "$count" $(($(x0tta_counter 2 dev to1 "$name" rx_frames) - rx2)) "node 2 rx $name frames"
	tap_assert_eq $((count * FRAME_LEN)) $(($(x0tta_counter 2 dev to1 "$name" rx_bytes) - rxb2)) "node 2 rx $name bytes"
}

coded_frames_counted_exactly() {
	send_counted 0x02 coded 37
}

unknown_type_counted_as_other() {
	send_counted 0x7f other 13
}

batctl_ping_counted_as_icmp() {
	local tx rx
	tx=$(x0tta_counter 1 dev to2 icmp tx_frames)
	rx=$(x0tta_counter 1 dev to2 icmp rx_frames)
	n 1 batctl ping -c 3 "$(mesh_bat_mac 2)" >/dev/null
	tap_assert_eq 3 $(($(x0tta_counter 1 dev to2 icmp tx_frames) - tx)) "icmp requests sent"
	tap_assert_eq 3 $(($(x0tta_counter 1 dev to2 icmp rx_frames) - rx)) "icmp replies received"
}

routing_frames_counted() {
	# OGMs flow both ways every MESH_ORIG_INTERVAL (100 ms) on BATMAN_IV.
	local d
	d=$(delta 1 to2 iv_ogm rx_frames sleep 2)
	((d >= 5)) || { echo "only $d OGMs received in 2 s"; return 1; }
	d=$(delta 1 to2 iv_ogm tx_frames sleep 2)
	((d >= 5)) || { echo "only $d OGMs sent in 2 s"; return 1; }
}

totals_keep_detached_interfaces() {
	local before after
	before=$(x0tta_counter 2 coded rx_frames)
	n 2 ip link set to1 nomaster
	after=$(x0tta_counter 2 coded rx_frames)
	tap_assert_eq "$before" "$after" "node 2 rx coded after to1 left the mesh"
	((after >= 37))
	n 2 ip link set to1 master bat0
}

tap_run coded_frames_counted_exactly coded_frames_counted_exactly
tap_run unknown_type_counted_as_other unknown_type_counted_as_other
tap_run batctl_ping_counted_as_icmp batctl_ping_counted_as_icmp
tap_run routing_frames_counted routing_frames_counted
tap_run totals_keep_detached_interfaces totals_keep_detached_interfaces
tap_done
