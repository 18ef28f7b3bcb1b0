#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Liveness as a controller sees it: a neighbour that stops answering echo
# requests is reported down on the events group, and up again when it
# answers; a neighbour without x0tta is never reported down. A missed
# reply starts fast probing (echo_fast_ms), which finds a cut long before
# detect_mult regular intervals pass, yet a link that is merely slow is
# not taken for a dead one.
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

cut_found_by_fast_probes_within_one_interval() {
	# One regular request every 5 s: at that pace alone, detect_mult (3)
	# missed requests take at least 15 s to add up. With fast probing the
	# first request after the cut and two 10 ms probes are enough, so the
	# neighbour is down within the 5 s until that first request (the
	# bound leaves room for slow looks under emulation).
	local rc=0 start

	tap_assert_eq 10 "$(ctl 1 -j config | python3 -c '
import json, sys
print(json.load(sys.stdin)["echo_fast_ms"])')" "default echo_fast_ms" || return 1
	x0tta_wait_neigh 1 to2 up 10 || return 1
	ctl 1 config set echo_interval_ms 5000 || return 1
	start=$EPOCHREALTIME
	mesh_link_cut 1 2
	x0tta_wait_neigh 1 to2 down 12 || rc=1
	awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "down %.2f s after the cut\n", b - a }'
	mesh_link_restore 1 2
	ctl 1 config set echo_interval_ms 100
	x0tta_wait_neigh 1 to2 up 10 || rc=1
	return $rc
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
tap_run slow_link_is_not_declared_down slow_link_is_not_declared_down
tap_run neighbour_without_x0tta_never_down neighbour_without_x0tta_never_down
tap_done
