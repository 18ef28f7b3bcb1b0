#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Link telemetry on a real BATMAN_V mesh (Debian's batman-adv 2022.3),
# ELP and OGM2 every 100 ms:
#
#   node 1 [to2] ---- [to1] node 2 [to3] ---- [to2] node 3
#   telemetry
#
# Telemetry runs on node 1 only; what it learns about node 3 was
# advertised by node 2. telemetry_mesh.sh covers the rest on BATMAN_IV.
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
MESH_ALGO=BATMAN_V
MESH_ORIG_INTERVAL=100
MESH_ELP_INTERVAL=100
. selftests/lib/mesh.sh
. selftests/kernel/telemetry/lib.sh

export N2 N3
N2=$(mesh_hardif_mac 2 1)
N3=$(mesh_hardif_mac 3 2)

tm_require
trap 'tm_cleanup 1; mesh_teardown' EXIT

setup() {
	tm_mount_bpffs
	mesh_line 3
	mesh_wait_converged 60
	tm_ctl 1 telemetry attach dev to2
	sleep 2
}

# Node 2's ELP probes are counted in, ours out to the broadcast
# address, and its ELP sequence numbers are tracked without restarts.
elp_counted_and_sequenced() {
	tm_ctl 1 telemetry neighbours
	tm_json_has 1 neighbours 'e["neighbour"] == N2 and e["dir"] == "in" and e["elp"] >= 5'
	tm_json_has 1 neighbours 'e["neighbour"] == BCAST and e["dir"] == "out" and e["elp"] >= 5'
	tm_ctl 1 telemetry loss
	tm_json_has 1 loss 'e["kind"] == "elp" and e["originator"] == N2 and e["neighbour"] == N2 and e["received"] >= 5 and e["restarts"] == 0'
}

# batctl o's throughput column of node N for originator ORIG, in
# batman-adv's unit of 100 kbit/s (batctl prints Mbit/s, one decimal).
batctl_throughput() {
	n "$1" batctl meshif bat0 originators -H |
		awk -v o="$2" '$1 == "*" && $2 == o {
			for (i = 3; i <= NF; i++)
				if ($i ~ /^[0-9]+\.[0-9]\)?$/) {
					sub(/\)/, "", $i); printf "%d\n", $i * 10 + 0.5; exit
				}
		}'
}

# OGM2 carries no prev_sender. Node 2 forwards node 3's OGM2 with its
# own path throughput to node 3, hop penalty applied. Node 1's table
# (batctl o, the default originator table) shows min(that, its link to
# node 2) without the penalty (batadv_v_forward_penalty() skips it for
# BATADV_IF_DEFAULT), so what node 2 advertised can only be equal or
# more; the penalty node 1 adds when it forwards is what makes the
# controller's loop-free test strict.
ogm2_throughput_of_node3_through_node2() {
	local ours

	ours=$(batctl_throughput 1 "$N3")
	echo "node 1's throughput for node 3: $ours x 100 kbit/s"
	[[ $ours =~ ^[1-9][0-9]*$ ]]
	tm_ctl 1 telemetry origs
	tm_json_has 1 origs "e['originator'] == N3 and e['neighbour'] == N2 and \
		e['algo'] == 'BATMAN_V' and e['prev_sender'] is None and \
		$ours <= e['metric'] < 0xffffffff"
	! tm_json_has 1 origs 'e["originator"] == N3 and e["neighbour"] != N2'
	tm_json_has 1 loss 'e["kind"] == "ogm" and e["originator"] == N3 and e["neighbour"] == N2 and e["received"] >= 3'
}

# Node 2's own OGM2 go out with the largest throughput batman-adv has.
own_ogm2_carry_max_throughput() {
	tm_json_has 1 origs 'e["originator"] == N2 and e["neighbour"] == N2 and e["algo"] == "BATMAN_V" and e["metric"] == 0xffffffff'
}

tap_plan 4
tap_run "a 3-node BATMAN_V line converges with telemetry on node 1" setup
tap_run "ELP is counted both ways and its sequence numbers tracked" elp_counted_and_sequenced
tap_run "origs show node 2's OGM2 throughput for node 3, at least ours" ogm2_throughput_of_node3_through_node2
tap_run "a neighbour's own OGM2 advertise the maximum throughput" own_ogm2_carry_max_throughput
tap_done
