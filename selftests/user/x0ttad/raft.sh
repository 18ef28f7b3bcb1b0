#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0ttad's raft key-value service as an operator meets it: three daemons
# on loopback, each with its own data directory and SVID, driven with
# x0ttactl. Writes go through any node; a crashed leader is replaced; a
# restarted node catches up from its disk and from the others.
#
#   x0ttactl -s n1/ctl.sock        x0ttactl -s n2/ctl.sock  ...
#        |                               |
#   x0ttad 1 <--- mTLS (raft) ---> x0ttad 2 <---> x0ttad 3
#      n1/data/raft                  n2/data/raft    n3/data/raft
set -u

. selftests/lib/tap.sh
. selftests/user/x0ttad/cluster.sh

# Small snapshots, so that a few dozen writes compact the log.
CL_SNAP=16
cl_init 3
cl_start_all || tap_bail "cannot start the cluster"

elect() {
	local l
	l=$(cl_wait_leader)
	cl_set leader "$l"
	for id in 1 2 3; do
		[[ $id == "$l" ]] || { cl_set follower "$id"; break; }
	done
}

# get ID KEY EXPECTED - node ID reads KEY as EXPECTED.
get() {
	tap_assert_eq "$3" "$(n "$1" raft get "$2")" "node $1: get $2"
}

put_on_follower() {
	n "$(cl_get follower)" raft put colour blue
	for id in 1 2 3; do get "$id" colour blue; done
}

put_on_leader() {
	n "$(cl_get leader)" raft put shape round
	for id in 1 2 3; do get "$id" shape round; done
}

# Every node's own state machine has both keys, not only the leader's.
keys_on() {
	[[ $(cl_field "$1" raft keys) == "$2" ]]
}

applied_everywhere() {
	for id in 1 2 3; do
		cl_poll 5 keys_on "$id" 2 || {
			echo "node $id has $(cl_field "$id" raft keys) keys"
			return 1
		}
	done
}

missing_key() {
	local rc=0
	n 2 raft get no-such-key 2>"$CL_DIR/err" || rc=$?
	tap_assert_eq 1 "$rc" "exit status"
	grep -q "raft get: no such key" "$CL_DIR/err"
}

del_key() {
	local rc=0
	n 3 raft put doomed yes
	n 1 raft del doomed
	n 2 raft get doomed 2>/dev/null && return 1
	n 2 raft del doomed 2>"$CL_DIR/err" || rc=$?
	tap_assert_eq 1 "$rc" "exit status of a second del"
	grep -q "no such key" "$CL_DIR/err"
}

leader_killed() {
	local old new
	old=$(cl_get leader)
	cl_kill "$old"
	new=$(cl_wait_leader)
	[[ $new != "$old" ]]
	cl_set leader "$new"
	for id in 1 2 3; do
		[[ $id == "$old" ]] && continue
		n "$id" raft put during-outage "written-via-$id"
		get "$id" during-outage "written-via-$id"
	done
	cl_set dead "$old"
}

restart_catches_up() {
	local id
	id=$(cl_get dead)
	cl_start "$id"
	# Its own disk gives back what it had, the others what it missed.
	cl_poll 10 keys_on "$id" 3
	get "$id" colour blue
	cl_wait_leader >/dev/null
}

follower_forwards_to_leader() {
	local l f
	l=$(cl_wait_leader)
	for f in 1 2 3; do [[ $f != "$l" ]] && break; done
	n "$f" raft put via-follower ok
	get "$l" via-follower ok
}

whole_cluster_restart() {
	for id in 1 2 3; do cl_kill "$id" TERM; done
	cl_start_all
	cl_wait_leader >/dev/null
	get 1 colour blue
	get 2 shape round
	get 3 via-follower ok
}

status_names_leader() {
	local l
	l=$(cl_wait_leader)
	n 1 raft status >"$CL_DIR/out"
	grep -Eq "^leader +$l\$" "$CL_DIR/out"
	grep -Eq "^role +(leader|follower)\$" "$CL_DIR/out"
}

# A follower down while the log is compacted past it gets the leader's
# snapshot, then keeps everything across its own restart.
snapshot_catch_up() {
	local l f i
	l=$(cl_wait_leader)
	for f in 1 2 3; do [[ $f != "$l" ]] && break; done
	cl_kill "$f"
	for ((i = 0; i < 40; i++)); do n "$l" raft put "bulk$i" "v$i"; done
	[[ $(cl_field "$l" raft snap_index) -gt 0 ]]
	cl_start "$f"
	cl_poll 10 keys_on "$f" 44
	[[ $(cl_field "$f" raft snap_index) -gt 0 ]]
	cl_kill "$f"
	cl_start "$f"
	tap_assert_eq 44 "$(cl_field "$f" raft keys)" "keys after restart"
	get "$f" bulk39 v39
}

cl_stop_all_clean() {
	for id in 1 2 3; do cl_stop_clean "$id"; done
}

tap_run "three nodes elect one leader" elect
tap_run "a put through a follower is read back from every node" put_on_follower
tap_run "a put on the leader is read back from every node" put_on_leader
tap_run "every node applies the writes to its own state machine" \
	applied_everywhere
tap_run "get of a missing key fails with 'no such key'" missing_key
tap_run "del removes a key; a second del says no such key" del_key
tap_run "after the leader is killed the other two elect and serve" \
	leader_killed
tap_run "a restarted node catches up and keeps its values" restart_catches_up
tap_run "a follower forwards writes to the leader" follower_forwards_to_leader
tap_run "values survive a restart of the whole cluster" whole_cluster_restart
tap_run "status shows role and leader" status_names_leader
tap_run "a node behind the compacted log catches up by snapshot" \
	snapshot_catch_up
tap_run "SIGTERM stops every node cleanly" cl_stop_all_clean

tap_done
