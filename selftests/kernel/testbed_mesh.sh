#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the mesh testbed itself (selftests/lib/mesh.sh): every kernel
# test builds on it, so it must build the topologies it claims, converge,
# and cut links the way a radio link dies. Needs batman-adv, so it runs in
# the VM:
#
#	tools/vmtest/vmtest -- selftests/kernel/testbed_mesh.sh

# The test cases run through tap_run, which shellcheck cannot follow.
# shellcheck disable=SC2317

LIB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../lib" && pwd)
# shellcheck source=selftests/lib/tap.sh
. "$LIB_DIR/tap.sh"
# shellcheck source=selftests/lib/mesh.sh
. "$LIB_DIR/mesh.sh"

# rx_packets A B - frames node A has received on its link to node B.
rx_packets() {
	n "$1" cat "/sys/class/net/$(mesh_ifname "$1" "$2")/statistics/rx_packets"
}

# Node A's interfaces, sorted, on one line.
hardifs() {
	ip -n "$(mesh_ns "$1")" -o link show master bat0 |
		awk -F': ' '{ sub("@.*", "", $2); print $2 }' | sort | xargs
}

# --- a line of three: the simplest multi-hop mesh -------------------------

test_line_converges() {
	mesh_line 3
	mesh_wait_converged 30
}

test_line_ping4() {
	mesh_wait_ping 1 3 4
}

test_line_ping6() {
	mesh_wait_ping 1 3 6
}

test_line_two_hops() {
	tap_assert_eq 2 "$(mesh_nexthop 1 3)" "next hop from 1 to 3"
}

test_teardown_removes_nodes() {
	mesh_teardown
	tap_assert_eq "" "$(mesh_nodes)" "nodes left after teardown"
}

# --- a diamond: two paths, one of them gets cut ---------------------------

test_diamond_converges() {
	mesh_diamond
	mesh_wait_converged 30
	mesh_wait_ping 1 4 4
}

# The link carrying 1->4 is cut; batman-adv must notice by itself (no
# carrier loss) and the traffic must take the other path.
test_diamond_cut_reroutes() {
	local via other deadline

	via=$(mesh_nexthop 1 4)
	other=$((via == 2 ? 3 : 2))
	mesh_link_cut 1 "$via"
	deadline=$((SECONDS + 20))
	until [[ $(mesh_nexthop 1 4) == "$other" ]]; do
		((SECONDS < deadline)) || { echo "1->4 still routed via $(mesh_nexthop 1 4)"; return 1; }
		sleep 0.2
	done
	mesh_wait_ping 1 4 4 10
	mesh_wait_ping 1 4 6 10
	echo "$via" >"$MESH_STATE_DIR/test.cut_peer"
}

cut_peer() {
	cat "$MESH_STATE_DIR/test.cut_peer"
}

test_cut_keeps_carrier() {
	local peer

	peer=$(cut_peer)
	tap_assert_eq up "$(mesh_operstate 1 "$peer")" "operstate of 1->$peer"
	tap_assert_eq up "$(mesh_operstate "$peer" 1)" "operstate of $peer->1"
}

# OGMs go out every MESH_ORIG_INTERVAL: a second of silence on both ends
# means nothing gets through either way.
test_cut_link_is_silent() {
	local peer a1 b1

	peer=$(cut_peer)
	a1=$(rx_packets 1 "$peer") b1=$(rx_packets "$peer" 1)
	sleep 1
	tap_assert_eq "$a1" "$(rx_packets 1 "$peer")" "frames received by 1 from $peer"
	tap_assert_eq "$b1" "$(rx_packets "$peer" 1)" "frames received by $peer from 1"
}

test_restore_revives_link() {
	local peer a1 deadline

	peer=$(cut_peer)
	a1=$(rx_packets 1 "$peer")
	mesh_link_restore 1 "$peer"
	deadline=$((SECONDS + 10))
	until (($(rx_packets 1 "$peer") > a1)); do
		((SECONDS < deadline)) || { echo "no frame from $peer after restore"; return 1; }
		sleep 0.2
	done
	mesh_wait_ping 1 "$peer" 4 10
}

# Both links out of node 1 get 40 ms each way, so any path costs at
# least 80 ms of round trip; a cut and a restore must not lose it.
test_link_set_delay() {
	local rtt

	mesh_link_set 1 2 delay 40ms
	mesh_link_set 1 3 delay 40ms
	rtt=$(n 1 ping -c 1 -W 2 10.42.0.4 | sed -n 's/.*time=\([0-9]*\).*/\1/p')
	((rtt >= 80)) || { echo "rtt ${rtt}ms, expected >= 80ms"; return 1; }
	mesh_link_cut 1 2
	mesh_link_restore 1 2
	tc -n "$(mesh_ns 1)" qdisc show dev "$(mesh_ifname 1 2)" | grep -q 'delay 40ms' ||
		{ echo "the delay did not survive cut and restore"; return 1; }
	mesh_link_set 1 2
	mesh_link_set 1 3
}

test_cut_unknown_link_fails() {
	! mesh_link_cut 2 3 2>/dev/null
}

# --- the other builders ---------------------------------------------------

# 1 --- 2 --- 3
# |     |     |
# 4 --- 5 --- 6
test_grid_shape() {
	mesh_teardown
	mesh_grid 2 3
	tap_assert_eq "1 2 3 4 5 6" "$(mesh_nodes | xargs)" "grid nodes"
	tap_assert_eq "to2 to4" "$(hardifs 1)" "node 1 links"
	tap_assert_eq "to2 to4 to6" "$(hardifs 5)" "node 5 links"
	tap_assert_eq "to3 to5" "$(hardifs 6)" "node 6 links"
	mesh_teardown
}

test_ring_shape() {
	mesh_ring 4
	tap_assert_eq "to2 to4" "$(hardifs 1)" "ring node 1 links"
	tap_assert_eq "to1 to3" "$(hardifs 4)" "ring node 4 links"
	mesh_teardown
}

test_batman_v_converges() {
	MESH_ALGO=BATMAN_V
	mesh_line 3
	n 1 batctl meshif bat0 originators | head -n 1 | grep -q BATMAN_V ||
		{ echo "bat0 does not run BATMAN_V"; return 1; }
	mesh_wait_converged 30
	mesh_wait_ping 1 3 4
	mesh_teardown
}

reason=$(mesh_require) || tap_skip_all "$reason"
trap mesh_teardown EXIT

tap_run "line of 3 converges" test_line_converges
tap_run "line: node 1 reaches node 3 over IPv4" test_line_ping4
tap_run "line: node 1 reaches node 3 over IPv6" test_line_ping6
tap_run "line: node 1 sends to node 3 through node 2" test_line_two_hops
tap_run "teardown removes every node" test_teardown_removes_nodes
tap_run "diamond converges" test_diamond_converges
tap_run "diamond: cutting the used link moves traffic to the other path" test_diamond_cut_reroutes
tap_run "a cut link keeps its carrier" test_cut_keeps_carrier
tap_run "a cut link carries no frames either way" test_cut_link_is_silent
tap_run "a restored link carries frames again" test_restore_revives_link
tap_run "link delay applies and survives cut and restore" test_link_set_delay
tap_run "cutting a link that does not exist fails" test_cut_unknown_link_fails
tap_run "grid 2x3 has the right links" test_grid_shape
tap_run "ring of 4 closes on node 1" test_ring_shape
tap_run "BATMAN_V line of 3 converges" test_batman_v_converges
tap_done
