#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Quarantine: x0tta.ko on node 1 drops every frame from and to a
# quarantined node, in both directions, while the rest of the mesh keeps
# working around it; lifting the quarantine lets the node back in.
#
#	        [to1] 2 [to4]
#	       /             \
#	   [to2]             [to2]
#	      1                 4
#	   [to3]             [to3]
#	       \             /
#	        [to1] 3 [to4]
#
# Node 1 quarantines node 2: its interface on the 1-2 link and its
# originator address (the same MAC when to1 is node 2's primary
# interface). batman-adv on node 1 then hears nothing from node 2 and
# routes to node 4 through node 3.
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
. selftests/lib/mesh.sh
. selftests/lib/x0tta.sh

x0tta_test_start python3
mesh_diamond
mesh_wait_converged || tap_bail "mesh did not converge"
for node in 2 3 4; do
	mesh_wait_ping 1 "$node" || tap_bail "node 1 cannot reach node $node"
done

# The addresses that name node 2 to node 1, each once.
# Node 2's addresses: its interface towards node 1, its originator, and
# its client address (bat0), which relayed unicast frames carry inside.
mapfile -t NODE2 < <(printf '%s\n' "$(mesh_hardif_mac 2 1)" "$(x0tta_orig 2)" \
	"$(mesh_bat_mac 2)" | sort -u)

# dropped_of ADDR - the quarantine entry's dropped counter.
dropped_of() {
	ctl 1 -j quarantine | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    if e["addr"] == sys.argv[1]:
        print(e["dropped"])' "$1"
}

quarantined_node_unreachable_both_ways() {
	local addr total

	for addr in "${NODE2[@]}"; do
		ctl 1 quarantine add "$addr"
	done
	total=$(x0tta_stat 1 quarantine_dropped)
	# `! cmd` would not trip errexit: test the status explicitly.
	if n 1 ping -c 3 -i 0.2 -W 1 -q "$(mesh_ip4 2)"; then
		echo "node 1 still reaches node 2"
		return 1
	fi
	if n 2 ping -c 3 -i 0.2 -W 1 -q "$(mesh_ip4 1)"; then
		echo "node 2 still reaches node 1"
		return 1
	fi
	(($(x0tta_stat 1 quarantine_dropped) > total)) ||
		{ echo "quarantine_dropped did not grow"; return 1; }
	(($(dropped_of "$(mesh_hardif_mac 2 1)") > 0)) ||
		{ echo "the entry of node 2's interface dropped nothing"; return 1; }
}

# Node 2 is still up and routes to node 1 around the quarantine (through
# 4 and 3) once node 1 stops answering it directly: its one-way
# datagrams must not be delivered either.
quarantined_node_cannot_send_to_node() {
	local out=/tmp/quarantine.seq.$$ res

	# A relayed plain unicast frame (0x40) names only its destination
	# originator; node 2's client address inside gives it away.
	mesh_wait_converged
	x0tta_seq_recv_start 1 7000 20 "$out" 5
	x0tta_seq_send 2 "$(mesh_ip4 1)" 7000 20
	res=$(x0tta_seq_result "$out")
	echo "$res"
	tap_assert_eq 0 "$(x0tta_seq_field "$res" received)" "datagrams from node 2 received on node 1"
}

rest_of_mesh_keeps_working() {
	# batman-adv may still route through node 2 until its metric decays.
	mesh_wait_ping 1 4 4 30
	mesh_wait_ping 4 1 4 30
	mesh_wait_ping 1 3
	mesh_wait_ping 3 1
}

lifting_quarantine_lets_node_back() {
	local addr

	for addr in "${NODE2[@]}"; do
		ctl 1 quarantine del "$addr"
	done
	tap_assert_eq "[]" "$(ctl 1 -j quarantine)" "quarantine list"
	mesh_wait_ping 1 2 4 30
	mesh_wait_ping 2 1 4 30
}

tap_run quarantined_node_unreachable_both_ways quarantined_node_unreachable_both_ways
tap_run quarantined_node_cannot_send_to_node quarantined_node_cannot_send_to_node
tap_run rest_of_mesh_keeps_working rest_of_mesh_keeps_working
tap_run lifting_quarantine_lets_node_back lifting_quarantine_lets_node_back
tap_done
