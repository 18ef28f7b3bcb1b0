#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Liveness as a controller sees it: a neighbour that stops answering echo
# requests is reported down on the events group, and up again when it
# answers; a neighbour without x0tta is never reported down. A missed
# reply starts fast probing (echo_fast_ms), which finds a cut long before
# detect_mult regular intervals pass, yet a link that is merely slow is
# not taken for a dead one. So does an overdue request of the neighbour's
# own, which costs one probe when it is merely late, and none when it is
# only as late as a timer tick makes it.
#
#   node 1 [to2] ---- [to1] node 2 [to3] ---- [to2] node 3
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
. selftests/lib/mesh.sh
. selftests/lib/x0tta.sh

x0tta_test_start
mesh_line 3
mesh_wait_converged || tap_bail "mesh did not converge"
MAC2=$(mesh_hardif_mac 2 1)

# A monitor on node 1 that exits after the down and up events of one cut.
EVENTS=${TMPDIR:-/tmp}/events.$$

cut_reported_down_then_up() {
	x0tta_wait_neigh 1 to2 up 10
	ctl 1 monitor count 2 >"$EVENTS" &
	local mon=$!
	sleep 0.5
	mesh_link_cut 1 2
	x0tta_wait_neigh 1 to2 down 10
	mesh_link_restore 1 2
	x0tta_wait_neigh 1 to2 up 10
	timeout 10 tail --pid="$mon" -f /dev/null
	cat "$EVENTS"
	tap_assert_eq "neigh to2 $MAC2 down
neigh to2 $MAC2 up" "$(cat "$EVENTS")" "events"
}

json_events_parse() {
	ctl 1 -j monitor count 1 >"$EVENTS" &
	local mon=$!
	sleep 0.5
	mesh_link_cut 1 2
	timeout 10 tail --pid="$mon" -f /dev/null
	mesh_link_restore 1 2
	python3 -c '
import json, sys
e = json.loads(open(sys.argv[1]).read())
assert e == {"event": "neigh", "ifname": "to2", "addr": sys.argv[2], "state": "down"}, e
' "$EVENTS" "$MAC2"
}

neighbour_without_x0tta_never_down() {
	# Reloading gives every neighbour a fresh state. With the 2-3 link
	# cut first, node 3 never answers node 2, as if it ran no x0tta; a
	# path entry makes node 2 track it all the same. After ten echo
	# intervals it must still be unknown, not down.
	x0tta_unload
	mesh_link_cut 2 3
	x0tta_load
	ctl 2 path add "$(x0tta_orig 3)" via to3 "$(mesh_hardif_mac 3 2)"
	sleep 1
	tap_assert_eq unknown "$(ctl 2 -j neighbours | python3 -c '
import json, sys
for n in json.load(sys.stdin):
    if n["ifname"] == "to3":
        print(n["state"])')" "node 2's neighbour on to3"
	mesh_link_restore 2 3
}

# cut_found_within MS1 MS2 WAIT [UPWAIT] - with node 1 asking every MS1
# and node 2 every MS2 milliseconds, node 1 must see node 2 down within
# WAIT seconds of a cut of their link, and (given UPWAIT) up again
# within UPWAIT seconds of its repair. Both timers run at the new pace
# before the cut, and node 2's last request has told node 1 its
# interval.
cut_found_within() {
	local rc=0 start

	x0tta_wait_neigh 1 to2 up 10 || return 1
	ctl 1 config set echo_interval_ms "$1" || return 1
	ctl 2 config set echo_interval_ms "$2" || return 1
	sleep 0.5
	start=$EPOCHREALTIME
	mesh_link_cut 1 2
	x0tta_wait_neigh 1 to2 down "$3" || rc=1
	awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "down %.2f s after the cut\n", b - a }'
	mesh_link_restore 1 2
	if [[ -n ${4:-} ]]; then
		x0tta_wait_neigh 1 to2 up "$4" || rc=1
	fi
	ctl 1 config set echo_interval_ms 100
	ctl 2 config set echo_interval_ms 100
	x0tta_wait_neigh 1 to2 up 10 || rc=1
	return $rc
}

cut_found_by_fast_probes_within_one_interval() {
	# Node 1 asks every 5 s: at that pace alone, detect_mult (3) missed
	# requests take at least 15 s to add up. With fast probing its first
	# request after the cut and two 10 ms probes are enough, so node 2 is
	# down within the 5 s until that first request. Node 2 asks every
	# 10 s, so its own overdue request comes too late to be what finds
	# the cut within the 8 s this waits.
	tap_assert_eq 10 "$(ctl 1 -j config | python3 -c '
import json, sys
print(json.load(sys.stdin)["echo_fast_ms"])')" "default echo_fast_ms" || return 1
	cut_found_within 5000 10000 8
}

cut_found_from_the_neighbours_requests() {
	# Node 1 asks every 10 s (7.5 to 10 s, jittered), node 2 every
	# 100 ms: node 1's own requests cannot find the cut for more than
	# 7 s. Node 2's requests stop coming, and the first one overdue
	# starts node 1's fast probing, so node 2 must be down within the
	# 5 s this waits. Once the link is mended, node 2's next request
	# makes node 1 probe it at once: up within 3 s, still before node
	# 1's own next request.
	cut_found_within 10000 100 5 3
}

late_request_costs_a_probe_not_a_down() {
	# Node 2's requests stop reaching node 1 while its replies still
	# do (a tc filter drops echo frames of type 1 leaving node 2). The
	# request node 2 announced becomes overdue: node 1 probes node 2
	# once, is answered, and leaves it at that: no down, and no probe
	# after probe for a promise nobody keeps. Node 1 asks every 10 s,
	# so in these 3 s it sends nothing of its own.
	local rc=0 sent changes

	x0tta_wait_neigh 1 to2 up 10 || return 1
	ctl 1 config set echo_interval_ms 10000 || return 1
	sleep 0.5
	changes=$(x0tta_neigh_changes 1)
	sent=$(x0tta_neigh_field 1 to2 echo_sent)
	n 2 tc qdisc add dev to1 clsact || rc=1
	n 2 tc filter add dev to1 egress protocol 0x88b5 u32 \
		match u8 1 0xff at 1 action drop || rc=1
	sleep 3
	sent=$(($(x0tta_neigh_field 1 to2 echo_sent) - sent))
	n 2 tc qdisc del dev to1 clsact
	ctl 1 config set echo_interval_ms 100
	((rc == 0)) || return 1
	tap_assert_eq "$changes" "$(x0tta_neigh_changes 1)" \
		"node 1's up/down changes" || return 1
	echo "node 1 sent $sent requests to node 2 in 3 s"
	((sent >= 1 && sent <= 2)) ||
		{ echo "expected one probe (two if a reply was slow)"; return 1; }
}

punctual_requests_cost_no_probe() {
	# Node 2 asks every 10 ms, node 1 every 10 s and probes at 2 ms.
	# Node 2's timer runs on its tick, so its requests come a few ms
	# off now and then; that is not news of a cut, and a healthy link
	# must not cost node 1 a probe per request. Some slip is allowed: a
	# tick of the emulated guest can come very late.
	local rc=0 sent asked

	x0tta_wait_neigh 1 to2 up 10 || return 1
	ctl 1 config set echo_interval_ms 10000 || rc=1
	ctl 1 config set echo_fast_ms 2 || rc=1
	ctl 2 config set echo_interval_ms 10 || rc=1
	sleep 0.5
	sent=$(x0tta_neigh_field 1 to2 echo_sent)
	asked=$(x0tta_neigh_field 2 to1 echo_sent)
	sleep 3
	sent=$(($(x0tta_neigh_field 1 to2 echo_sent) - sent))
	asked=$(($(x0tta_neigh_field 2 to1 echo_sent) - asked))
	ctl 1 config set echo_fast_ms 10
	ctl 1 config set echo_interval_ms 100
	ctl 2 config set echo_interval_ms 100
	((rc == 0)) || return 1
	echo "node 2 sent $asked requests, node 1 $sent probes in 3 s"
	((asked >= 100)) || { echo "node 2 asked too little"; return 1; }
	((sent * 10 <= asked)) ||
		{ echo "more than one probe per 10 requests"; return 1; }
}

slow_link_is_not_declared_down() {
	# 30 ms each way: every reply comes long after the 10 ms fast probe
	# interval. The first replies may arrive after a down (the RTT jumped
	# from almost nothing); once the RTT estimate has them, a request's
	# deadline is the retransmission timeout and the link stays up.
	local mon events

	x0tta_wait_neigh 1 to2 up 10 || return 1
	mesh_link_set 1 2 delay 30ms || return 1
	sleep 2
	x0tta_wait_neigh 1 to2 up 10 || return 1
	ctl 1 monitor >"$EVENTS" &
	mon=$!
	sleep 3
	kill "$mon"
	wait "$mon" 2>/dev/null || true
	events=$(cat "$EVENTS")
	mesh_link_set 1 2
	tap_assert_eq "" "$events" "events in 3 s on a link with a 60 ms RTT" &&
		tap_assert_eq "to1=up to3=up" "$(x0tta_neigh_states 2)" \
			"node 2's neighbours"
}

tap_run cut_reported_down_then_up cut_reported_down_then_up
tap_run json_events_parse json_events_parse
tap_run cut_found_by_fast_probes_within_one_interval \
	cut_found_by_fast_probes_within_one_interval
tap_run cut_found_from_the_neighbours_requests \
	cut_found_from_the_neighbours_requests
tap_run late_request_costs_a_probe_not_a_down \
	late_request_costs_a_probe_not_a_down
tap_run punctual_requests_cost_no_probe punctual_requests_cost_no_probe
tap_run slow_link_is_not_declared_down slow_link_is_not_declared_down
tap_run neighbour_without_x0tta_never_down neighbour_without_x0tta_never_down
tap_done
