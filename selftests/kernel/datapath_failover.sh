#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fast failover: when the link to batman-adv's chosen router dies without
# carrier loss, x0tta.ko notices by its echo frames within detect_mult
# echo intervals and sends the traffic over the other next hop of its
# path entry, long before batman-adv itself (at its field default of one
# OGM a second) gives up on the dead router. Both outages are measured
# in the same run, with and without the path entry, as pings lost out of
# a 10 ms ping stream from node 1 to node 4.
#
#	        [to1] 2 [to4]
#	       /             \
#	   [to2]             [to2]
#	      1                 4
#	   [to3]             [to3]
#	       \             /
#	        [to1] 3 [to4]
#
# Node 3 forwards OGMs with a high hop penalty (200 of 255), so the path
# through it is batman-adv's distant second choice, as a detour usually
# is: batman-adv routes through node 2 and holds on to it after the 1-2
# link dies, for seconds, until node 2's metric has decayed below node
# 3's. (With a penalty of 100 batman-adv sometimes switched before a
# loaded test guest had even read x0tta's neighbour table.) Multipath is off, so
# the ping stream follows batman-adv's choice until x0tta sees node 2
# down.
#
# A ping counts as lost when its echo request never reached node 4:
# x0tta on node 1 repairs the direction node 1 sends in, while replies
# cross the dead link until batman-adv on node 2 or node 4 gives up on
# it (repairing that direction is node 2's x0tta's job, with a path
# entry there).
set -u
cd "$(dirname "$0")/../.." || exit 1
MESH_ORIG_INTERVAL=1000
. selftests/lib/tap.sh
. selftests/lib/mesh.sh
. selftests/lib/x0tta.sh

x0tta_test_start
mesh_diamond
n 3 batctl meshif bat0 hop_penalty 200 || tap_bail "cannot set node 3's hop penalty"
mesh_wait_converged 60 || tap_bail "mesh did not converge"
mesh_wait_ping 1 4 4 30 || tap_bail "node 1 cannot reach node 4"
# No ARP in the measured stream: only the outage counts.
n 1 ip neigh replace "$(mesh_ip4 4)" lladdr "$(mesh_bat_mac 4)" dev bat0 nud permanent
n 4 ip neigh replace "$(mesh_ip4 1)" lladdr "$(mesh_bat_mac 1)" dev bat0 nud permanent
ctl 1 config set multipath 0 >/dev/null || tap_bail "cannot turn multipath off"

ORIG4=$(x0tta_orig 4)
DST4=$(mesh_ip4 4)
PINGS=800	# 8 s at 10 ms: long enough for batman-adv to switch
FIGURES=$MESH_STATE_DIR/figures

# echo_requests_in - echo requests node 4 has received so far.
echo_requests_in() {
	n 4 nstat -asz IcmpInEchos | awk '$1 == "IcmpInEchos" { print $2 }'
}

# ping_start OUT - the ping stream from node 1 to node 4, in the
# background; OUT.base keeps node 4's count of requests before it.
ping_start() {
	echo_requests_in >"$1.base"
	n 1 ping -q -n -i 0.01 -c "$PINGS" -w 60 "$DST4" >"$1" 2>&1 &
}

# ping_lost OUT - how many requests of the finished stream never reached
# node 4.
ping_lost() {
	local out=$1 sent

	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out")
	[[ -n $sent ]] || { cat "$out" >&2; return 1; }
	echo $((sent - ($(echo_requests_in) - $(cat "$out.base"))))
}

# wait_router_2 - until batman-adv on node 1 routes to node 4 through
# node 2 (after a restore, its metric must climb back past node 3's).
wait_router_2() {
	local deadline=$((SECONDS + 60))

	until [[ $(mesh_nexthop 1 4) == 2 ]]; do
		if ((SECONDS >= deadline)); then
			echo "batman-adv on node 1 does not route to node 4 via node 2" >&2
			n 1 batctl meshif bat0 originators >&2
			return 1
		fi
		sleep 0.5
	done
}

traffic_moves_before_batman_adv_switches() {
	local out=/tmp/ping.x0tta.$$ via3 rerouted lost

	ctl 1 path add "$ORIG4" via to2 "$(mesh_hardif_mac 2 1)" \
		via to3 "$(mesh_hardif_mac 3 1)"
	x0tta_wait_neigh 1 to2 up
	x0tta_wait_neigh 1 to3 up
	wait_router_2
	via3=$(x0tta_hop_frames 1 "$ORIG4" to3)
	rerouted=$(x0tta_stat 1 rerouted)

	ping_start "$out"
	sleep 1
	mesh_link_cut 1 2
	x0tta_wait_neigh 1 to2 down 10
	# x0tta has moved the stream; batman-adv has not noticed yet.
	tap_assert_eq 2 "$(mesh_nexthop 1 4)" "batman-adv's router once x0tta saw node 2 down"
	wait
	lost=$(ping_lost "$out")
	echo "x0tta: $lost of $PINGS echo requests lost on the way to node 4" | tee -a "$FIGURES"
	(($(x0tta_hop_frames 1 "$ORIG4" to3) > via3)) ||
		{ echo "nothing went via node 3"; return 1; }
	(($(x0tta_stat 1 rerouted) > rerouted)) ||
		{ echo "x0tta rerouted nothing"; return 1; }
	((lost < PINGS / 2))
	echo "$lost" >"$MESH_STATE_DIR/lost.x0tta"
}

fewer_pings_lost_than_with_batman_adv_alone() {
	local out=/tmp/ping.plain.$$ lost ours

	[[ -f $MESH_STATE_DIR/lost.x0tta ]] || tap_skip_case "no x0tta figure to compare with"
	ours=$(cat "$MESH_STATE_DIR/lost.x0tta")
	mesh_link_restore 1 2
	ctl 1 path del "$ORIG4"
	x0tta_wait_neigh 1 to2 up
	wait_router_2
	mesh_wait_ping 1 4 4 30

	ping_start "$out"
	sleep 1
	mesh_link_cut 1 2
	wait
	lost=$(ping_lost "$out")
	echo "batman-adv alone: $lost of $PINGS echo requests lost on the way to node 4" | tee -a "$FIGURES"
	((ours < lost)) || { echo "x0tta lost $ours, batman-adv alone $lost"; return 1; }
}

# figures - the measured outages as TAP diagnostics, pass or fail.
figures() {
	[[ -f $FIGURES ]] && tap_diag "$(cat "$FIGURES")"
	rm -f "$FIGURES"
}

tap_run traffic_moves_before_batman_adv_switches traffic_moves_before_batman_adv_switches
figures
tap_run fewer_pings_lost_than_with_batman_adv_alone fewer_pings_lost_than_with_batman_adv_alone
figures
tap_done
