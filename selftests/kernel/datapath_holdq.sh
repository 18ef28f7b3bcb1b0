#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hold queue: when every next hop of a destination is down, x0tta.ko
# keeps its frames instead of sending them into dead links, sends them
# in order as soon as a next hop answers again, counts what it had to
# drop (past holdq_limit, or older than holdq_timeout_ms) and asks the
# controller for a route.
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
# Both 1-2 and 1-3 are cut (carrier up) until x0tta on node 1 declares
# both neighbours down; then node 1 sends sequence-numbered datagrams to
# node 4. batman-adv still has its router to node 4 (it forgets one only
# after minutes), so the frames reach x0tta's egress hook. Node 1 knows
# node 4's MAC statically: no ARP on the way.
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
. selftests/lib/mesh.sh
. selftests/lib/x0tta.sh

x0tta_test_start python3
mesh_diamond
mesh_wait_converged || tap_bail "mesh did not converge"
mesh_wait_ping 1 4 || tap_bail "node 1 cannot reach node 4"
n 1 ip neigh replace "$(mesh_ip4 4)" lladdr "$(mesh_bat_mac 4)" dev bat0 nud permanent

ORIG4=$(x0tta_orig 4)
DST4=$(mesh_ip4 4)
PORT=7000
N=50

# all_hops_down HOLDQ_LIMIT HOLDQ_TIMEOUT_MS - a fresh entry for node 4
# (so its route-needed event may go out again), both links cut, both
# next hops down, and the hold queue configured.
all_hops_down() {
	ctl 1 config set holdq_limit "$1" holdq_timeout_ms "$2" >/dev/null
	ctl 1 path add "$ORIG4" via to2 "$(mesh_hardif_mac 2 1)" \
		via to3 "$(mesh_hardif_mac 3 1)"
	mesh_link_cut 1 2
	mesh_link_cut 1 3
	x0tta_wait_neigh 1 to2 down
	x0tta_wait_neigh 1 to3 down
	tap_assert_eq 0 "$(x0tta_stat 1 holdq_len)" "frames held before sending"
}

# counters - "QUEUED SENT OVERFLOW EXPIRED" of node 1's hold queue.
counters() {
	ctl 1 -j stats | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(*(s["holdq_" + k] for k in ("queued", "sent", "overflow", "expired")))'
}

# counted WHAT BEFORE AFTER - the hold queue counter WHAT moved by.
counted() {
	local i=0 name
	local -a b a

	for name in queued sent overflow expired; do
		[[ $name == "$1" ]] && break
		i=$((i + 1))
	done
	read -r -a b <<<"$2"
	read -r -a a <<<"$3"
	echo $((a[i] - b[i]))
}

# The timeout is far above the time the test needs to restore a link,
# even on an emulated CPU: only the restore can release the frames.
held_frames_all_delivered_in_order() {
	local out=/tmp/holdq.seq.$$ before after res

	all_hops_down 1000 30000
	before=$(counters)
	x0tta_seq_recv_start 4 "$PORT" "$N" "$out" 40
	x0tta_seq_send 1 "$DST4" "$PORT" "$N"
	tap_assert_eq "$N" "$(x0tta_stat 1 holdq_len)" "frames held"
	mesh_link_restore 1 3
	res=$(x0tta_seq_result "$out")
	after=$(counters)
	echo "$res"
	tap_assert_eq "$N" "$(x0tta_seq_field "$res" received)" "datagrams received"
	tap_assert_eq 0 "$(x0tta_seq_field "$res" reordered)" "datagrams out of order"
	tap_assert_eq "$N" "$(counted queued "$before" "$after")" "holdq_queued"
	tap_assert_eq "$N" "$(counted sent "$before" "$after")" "holdq_sent"
	tap_assert_eq 0 "$(counted overflow "$before" "$after")" "holdq_overflow"
	tap_assert_eq 0 "$(counted expired "$before" "$after")" "holdq_expired"
}

# The first LIMIT frames are held and delivered; every later one is
# counted as overflow (the counters prove none of them left).
frames_past_limit_counted_as_overflow() {
	local out=/tmp/holdq.limit.$$ limit=20 before after res

	all_hops_down "$limit" 30000
	before=$(counters)
	x0tta_seq_recv_start 4 "$PORT" "$limit" "$out" 10
	x0tta_seq_send 1 "$DST4" "$PORT" "$N"
	tap_assert_eq "$limit" "$(x0tta_stat 1 holdq_len)" "frames held"
	mesh_link_restore 1 3
	res=$(x0tta_seq_result "$out")
	after=$(counters)
	echo "$res"
	tap_assert_eq $((N - limit)) "$(counted overflow "$before" "$after")" "holdq_overflow"
	tap_assert_eq "$limit" "$(counted queued "$before" "$after")" "holdq_queued"
	tap_assert_eq "$limit" "$(counted sent "$before" "$after")" "holdq_sent"
	# The receiver saw datagrams 0..limit-1: none missing below the last.
	tap_assert_eq "$limit" "$(x0tta_seq_field "$res" received)" "datagrams received"
	tap_assert_eq 0 "$(x0tta_seq_field "$res" missing)" "datagrams missing"
	tap_assert_eq 0 "$(x0tta_seq_field "$res" reordered)" "datagrams out of order"
}

frames_held_too_long_counted_as_expired() {
	local before after deadline

	all_hops_down 1000 200
	before=$(counters)
	x0tta_seq_send 1 "$DST4" "$PORT" "$N"
	deadline=$((SECONDS + 30))
	until [[ $(x0tta_stat 1 holdq_len) == 0 ]]; do
		((SECONDS < deadline)) || { echo "frames still held after 30 s"; return 1; }
		sleep 0.2
	done
	after=$(counters)
	tap_assert_eq "$N" "$(counted queued "$before" "$after")" "holdq_queued"
	tap_assert_eq "$N" "$(counted expired "$before" "$after")" "holdq_expired"
	tap_assert_eq 0 "$(counted sent "$before" "$after")" "holdq_sent"
}

# The event may go out once per holdq_timeout_ms: with a short timeout,
# a datagram every half second renews it until the monitor, whose start
# nothing signals, has seen it.
held_destination_announced_as_route_needed() {
	local out=/tmp/holdq.monitor.$$ deadline

	all_hops_down 1000 200
	rm -f "$out"
	n 1 timeout 60 "$X0TTA_CTL" monitor count 1 >"$out" 2>&1 &
	deadline=$((SECONDS + 40))
	until [[ -s $out ]]; do
		((SECONDS < deadline)) || { echo "no event within 40 s"; return 1; }
		x0tta_seq_send 1 "$DST4" "$PORT" 1
		sleep 0.5
	done
	wait
	tap_assert_eq "route-needed $ORIG4" "$(cat "$out")" "event"
}

tap_run held_frames_all_delivered_in_order held_frames_all_delivered_in_order
tap_run frames_past_limit_counted_as_overflow frames_past_limit_counted_as_overflow
tap_run frames_held_too_long_counted_as_expired frames_held_too_long_counted_as_expired
tap_run held_destination_announced_as_route_needed held_destination_announced_as_route_needed
tap_done
