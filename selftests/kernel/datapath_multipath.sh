#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Multipath: with both next hops of node 4 installed on node 1, x0tta.ko
# spreads distinct flows over them in proportion to the weights, and
# never reorders the frames of one flow.
#
#	        [to1] 2 [to4]
#	       /             \
#	   [to2]             [to2]
#	      1                 4
#	   [to3]             [to3]
#	       \             /
#	        [to1] 3 [to4]
#
# Node 1's path entry for node 4: via to2 (node 2) and via to3 (node 3).
# The ordering cases delay the 3-4 link by 10 ms, so a flow whose frames
# were spread over both paths would arrive reordered. The last case
# takes node 1's to3 out of the mesh and back.
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
. selftests/lib/mesh.sh
. selftests/lib/x0tta.sh

x0tta_test_start python3
mesh_diamond
mesh_wait_converged || tap_bail "mesh did not converge"
mesh_wait_ping 1 4 || tap_bail "node 1 cannot reach node 4"

ORIG4=$(x0tta_orig 4)
DST4=$(mesh_ip4 4)
FLOWS=256
PER_FLOW=4
SEQ_PORT=7000

# install_paths W2 W3 - node 1's entry for node 4 with these weights.
install_paths() {
	ctl 1 path add "$ORIG4" via to2 "$(mesh_hardif_mac 2 1)" weight "$1" \
		via to3 "$(mesh_hardif_mac 3 1)" weight "$2"
	x0tta_wait_neigh 1 to2 up
	x0tta_wait_neigh 1 to3 up
}

# hop_frames - "FRAMES_VIA_2 FRAMES_VIA_3" sent so far through the entry.
hop_frames() {
	echo "$(x0tta_hop_frames 1 "$ORIG4" to2) $(x0tta_hop_frames 1 "$ORIG4" to3)"
}

# flows_split - FLOWS UDP flows from node 1 to node 4; prints the frames
# the entry sent through each hop meanwhile: "VIA_2 VIA_3".
flows_split() {
	local before after

	read -r -a before <<<"$(hop_frames)"
	x0tta_udp_flows 1 "$DST4" "$FLOWS" "$PER_FLOW"
	read -r -a after <<<"$(hop_frames)"
	echo "$((after[0] - before[0])) $((after[1] - before[1]))"
}

# split_matches_weights W2 W3 - FLOWS UDP flows from node 1 to node 4:
# node 2's share of their frames is W2 / (W2 + W3) within 10 points.
split_matches_weights() {
	local w2=$1 w3=$2 via2 via3 share want

	install_paths "$w2" "$w3"
	read -r via2 via3 <<<"$(flows_split)"
	echo "frames via node 2: $via2, via node 3: $via3"
	# Every datagram went through the entry (batman-adv may add a
	# few frames of its own to node 4).
	((via2 + via3 >= FLOWS * PER_FLOW))
	share=$((100 * via2 / (via2 + via3)))
	want=$((100 * w2 / (w2 + w3)))
	((share >= want - 10 && share <= want + 10)) ||
		{ echo "node 2 got $share% of the frames, weights say $want%"; return 1; }
}

udp_flows_split_evenly_at_equal_weights() {
	split_matches_weights 1 1
}

udp_flows_split_three_to_one_at_weights_3_1() {
	split_matches_weights 3 1
}

# Eight flows on fixed source ports: the hash puts them on both hops, so
# the order is checked on both paths at once.
udp_sequence_flows_arrive_in_order() {
	local out=/tmp/seq.$$ before after res

	install_paths 1 1
	mesh_link_set 3 4 delay 10ms
	read -r -a before <<<"$(hop_frames)"
	x0tta_seq_recv_start 4 "$SEQ_PORT" 800 "$out"
	x0tta_seq_send 1 "$DST4" "$SEQ_PORT" 100 8
	res=$(x0tta_seq_result "$out")
	read -r -a after <<<"$(hop_frames)"
	echo "$res; frames via node 2: $((after[0] - before[0])), via node 3: $((after[1] - before[1]))"
	((after[0] - before[0] > 0 && after[1] - before[1] > 0)) ||
		{ echo "the flows did not use both next hops"; return 1; }
	tap_assert_eq 800 "$(x0tta_seq_field "$res" received)" "datagrams received"
	tap_assert_eq 0 "$(x0tta_seq_field "$res" reordered)" "datagrams out of order"
	mesh_link_set 3 4
}

# tcp_counter NODE NAME - one of NODE's TCP counters (nstat names).
tcp_counter() {
	n "$1" nstat -asz "$2" | awk -v name="$2" '$1 == name { print $2 }'
}

# The receiver queues every segment that arrives ahead of a missing one
# (TCPOFOQueue); the sender counts every reordering it detects from
# SACKs, timestamps or duplicate ACKs. Both stay at zero.
tcp_flows_arrive_in_order() {
	local before after c ofo=TcpExtTCPOFOQueue
	local -a reorder=(TcpExtTCPSACKReorder TcpExtTCPTSReorder TcpExtTCPRenoReorder)
	local -A base

	command -v iperf3 >/dev/null || tap_skip_case "needs iperf3"
	install_paths 1 1
	mesh_link_set 3 4 delay 10ms
	n 4 iperf3 -s -1 -D --logfile /tmp/iperf3.$$
	for _ in $(seq 50); do
		n 4 ss -ltnH 'sport = :5201' | grep -q . && break
		sleep 0.1
	done
	base[$ofo]=$(tcp_counter 4 $ofo)
	for c in "${reorder[@]}" TcpRetransSegs; do
		base[$c]=$(tcp_counter 1 "$c")
	done
	base[changes]=$(x0tta_neigh_changes 1)
	read -r -a before <<<"$(hop_frames)"
	n 1 iperf3 -c "$DST4" -t 3 -P 4 >/dev/null
	read -r -a after <<<"$(hop_frames)"
	echo "frames via node 2: $((after[0] - before[0])), via node 3: $((after[1] - before[1]))"
	# What explains a failure: segments lost, or a neighbour taken for
	# down (its flows then move, and may overtake their own frames).
	echo "retransmitted segments: $(($(tcp_counter 1 TcpRetransSegs) - base[TcpRetransSegs]))," \
		"neighbour up/down changes on node 1: $(($(x0tta_neigh_changes 1) - base[changes]))"
	# The data went through the entry, or this proves nothing.
	((after[0] + after[1] - before[0] - before[1] > 1000))
	tap_assert_eq 0 $(($(tcp_counter 4 $ofo) - base[$ofo])) "node 4 $ofo"
	for c in "${reorder[@]}"; do
		tap_assert_eq 0 $(($(tcp_counter 1 "$c") - base[$c])) "node 1 $c"
	done
	mesh_link_set 3 4
}

# A hop whose interface leaves the mesh is down, and its flows move to
# the other hop; when the interface rejoins, its neighbour is tracked
# again and takes its flows back.
hops_follow_their_interface_out_of_and_into_the_mesh() {
	local via2 via3

	install_paths 1 1
	n 1 ip link set to3 nomaster
	tap_assert_eq down "$(x0tta_hop_field 1 "$ORIG4" to3 state)" \
		"state of the hop on the released interface"
	read -r via2 via3 <<<"$(flows_split)"
	echo "released: frames via node 2: $via2, via node 3: $via3"
	((via2 >= FLOWS * PER_FLOW)) ||
		{ echo "the flows did not all move to node 2"; return 1; }
	tap_assert_eq 0 "$via3" "frames via the released interface"

	n 1 ip link set to3 master bat0
	n 1 ip link set to3 up
	x0tta_wait_neigh 1 to3 up || { echo "node 3 is not watched again"; return 1; }
	tap_assert_eq up "$(x0tta_hop_field 1 "$ORIG4" to3 state)" \
		"state of the hop on the rejoined interface"
	read -r via2 via3 <<<"$(flows_split)"
	echo "rejoined: frames via node 2: $via2, via node 3: $via3"
	((via3 > 0)) || { echo "no flow went back to node 3"; return 1; }
}

tap_run udp_flows_split_evenly_at_equal_weights udp_flows_split_evenly_at_equal_weights
tap_run udp_flows_split_three_to_one_at_weights_3_1 udp_flows_split_three_to_one_at_weights_3_1
tap_run udp_sequence_flows_arrive_in_order udp_sequence_flows_arrive_in_order
tap_run tcp_flows_arrive_in_order tcp_flows_arrive_in_order
tap_run hops_follow_their_interface_out_of_and_into_the_mesh \
	hops_follow_their_interface_out_of_and_into_the_mesh
tap_done
