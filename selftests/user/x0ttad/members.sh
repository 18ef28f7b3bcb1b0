#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Membership changes as an operator makes them with x0ttactl raft
# add|remove|members: three daemons on loopback grow to four (node 4
# joins empty, is added as a learner, catches up, is promoted), then a
# follower and the leader are removed while the rest keep serving; and
# every change the daemon must refuse, with its message.
#
#   x0ttad 1 <---> x0ttad 2 <---> x0ttad 3       founders (peer lines)
#        \            |            /
#         +------ x0ttad 4 -------+              join yes, added at run time
set -u

. selftests/lib/tap.sh
. selftests/user/x0ttad/cluster.sh

CL_SNAP=16
cl_init 3
# Node 4: an SVID, a port, and a file naming the founders, joining.
mkdir -p "$CL_DIR/n4"
cl_ctl ca issue --dir "$CL_DIR/ca" --name n4 --lifetime 1h >/dev/null ||
	tap_bail "ca issue n4 failed"
CL_PORT[4]=$(cl_free_port)
CL_N=4
cl_config 4
echo "join yes" >>"$CL_DIR/n4/x0ttad.conf"
# A leader keeps its lease for a second without a quorum (refuse_pending).
for id in 1 2 3 4; do echo "election_ticks 20" >>"$CL_DIR/n$id/x0ttad.conf"; done
for id in 1 2 3; do cl_start "$id" || tap_bail "cannot start node $id"; done

ADDR4=127.0.0.1:${CL_PORT[4]}
SID4=spiffe://$CL_TD/node/n4

# members_of ID - "id:role" of every member in node ID's view, sorted.
members_of() {
	n "$1" -j raft members 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%d:%s" % (m["id"], m["role"]) for m in d["members"]))'
}

# member_is ID WANT - node ID's view of the members is WANT.
member_is() {
	[[ $(members_of "$1") == "$2" ]]
}

keys_on() {
	[[ $(cl_field "$1" raft keys) == "$2" ]]
}

# A follower of node $1's leader, other than the ones given.
follower_of() {
	local l=$1 id
	shift
	for id in 1 2 3 4; do
		[[ $id == "$l" ]] && continue
		[[ " $* " == *" $id "* ]] && continue
		cl_pid "$id" >/dev/null && { echo "$id"; return; }
	done
}

founders() {
	local l
	l=$(cl_wait_leader 1 2 3)
	cl_set leader "$l"
	for ((i = 0; i < 20; i++)); do n 1 raft put "k$i" "v$i"; done
	member_is 1 "1:voter 2:voter 3:voter"
}

join_as_learner() {
	local f
	cl_start 4
	# Joining: no configuration, no campaign, no leader.
	member_is 4 ""
	f=$(follower_of "$(cl_get leader)" 4)
	# Through a follower: forwarded to the leader like a put.
	n "$f" raft add 4 "$ADDR4" "$SID4" --learner
	cl_poll 10 member_is 4 "1:voter 2:voter 3:voter 4:learner"
	cl_poll 10 keys_on 4 20
	tap_assert_eq v7 "$(n 4 raft get k7)" "learner reads through the leader"
}

promote() {
	n 3 raft add 4 "$ADDR4" "$SID4"
	for id in 1 2 3 4; do
		cl_poll 10 member_is "$id" "1:voter 2:voter 3:voter 4:voter"
	done
	n 4 -j raft members | grep -q "\"addr\":\"$ADDR4\""
}

new_node_serves() {
	n 4 raft put from-4 yes
	for id in 1 2 3 4; do
		tap_assert_eq yes "$(n "$id" raft get from-4)" "node $id"
	done
}

new_node_restarts() {
	cl_kill 4
	for ((i = 20; i < 40; i++)); do n 1 raft put "k$i" "v$i"; done
	cl_start 4
	cl_poll 10 keys_on 4 41
	tap_assert_eq v33 "$(n 4 raft get k33)" "after restart"
	member_is 4 "1:voter 2:voter 3:voter 4:voter"
	cl_wait_leader 1 2 3 4 >/dev/null
}

# Founders restarted find node 4 in their snapshot and log, not their file.
founder_restarts() {
	local f
	f=$(follower_of "$(cl_wait_leader)" 4)
	cl_kill "$f"
	cl_start "$f"
	cl_poll 10 member_is "$f" "1:voter 2:voter 3:voter 4:voter"
	n "$f" -j raft status | grep -q "\"id\":4,\"addr\":\"$ADDR4\""
	cl_poll 10 keys_on "$f" 41
}

refuse_existing() {
	cl_refused "node 4 is already a voter" n 1 raft add 4 "$ADDR4" "$SID4"
	cl_refused "node 2 is already a voter" n 1 raft add 2 "$ADDR4" \
		"spiffe://$CL_TD/node/n9" --learner
	cl_refused "is node 4's SPIFFE ID" n 1 raft add 7 127.0.0.1:1 "$SID4" \
		--learner
}

refuse_unknown() {
	cl_refused "node 9 is not a member" n 2 raft remove 9
}

refuse_malformed() {
	cl_refused "address '127.0.0.1' is not IPV4:PORT" \
		n 1 raft add 5 127.0.0.1 "spiffe://$CL_TD/node/n5"
	cl_refused "address 'host:80' is not" \
		n 1 raft add 5 host:80 "spiffe://$CL_TD/node/n5"
	cl_refused "is not in trust domain $CL_TD" \
		n 1 raft add 5 127.0.0.1:9 spiffe://other.test/node/n5
	cl_refused "SPIFFE ID 'spiffe://Mesh.test/n5'" \
		n 1 raft add 5 127.0.0.1:9 spiffe://Mesh.test/n5
	cl_refused "has no path" n 1 raft add 5 127.0.0.1:9 "spiffe://$CL_TD"
	cl_usage_refused "node id 'x' is not a number" n 1 raft remove x
	cl_usage_refused "takes ID ADDR SPIFFE-ID" n 1 raft add 5 127.0.0.1:9
	member_is 1 "1:voter 2:voter 3:voter 4:voter"
}

# A change cannot commit while two of four voters are stopped; a second
# one is refused while it is pending.
refuse_pending() {
	local l a b pid i
	l=$(cl_wait_leader)
	a=$(follower_of "$l")
	b=$(follower_of "$l" "$a")
	kill -STOP "$(cl_pid "$a")" "$(cl_pid "$b")"
	n "$l" raft add 5 127.0.0.1:9 "spiffe://$CL_TD/node/n5" --learner \
		2>/dev/null &
	pid=$!
	# Quickly, before the leader's lease runs out without a quorum.
	for ((i = 0; i < 20; i++)); do
		n "$l" raft remove 5 2>"$CL_DIR/err.pending" && break
		grep -q "is not a member" "$CL_DIR/err.pending" || break
		sleep 0.02
	done
	kill -CONT "$(cl_pid "$a")" "$(cl_pid "$b")"
	kill "$pid" 2>/dev/null
	grep -qF "another membership change is in progress; retry" \
		"$CL_DIR/err.pending" || { cat "$CL_DIR/err.pending"; return 1; }
}

# What the case above left: node 5 (which never ran) is removed again.
pending_cleanup() {
	local l
	l=$(cl_wait_leader)
	member_is "$l" "1:voter 2:voter 3:voter 4:voter" && return 0
	n "$l" raft remove 5 2>/dev/null || true
	member_is "$l" "1:voter 2:voter 3:voter 4:voter"
}

no_leader_known() {
	# A node that joins and is never added knows no leader.
	mkdir -p "$CL_DIR/n6"
	cl_ctl ca issue --dir "$CL_DIR/ca" --name n6 --lifetime 1h >/dev/null
	CL_PORT[6]=$(cl_free_port)
	cl_config 6
	echo "join yes" >>"$CL_DIR/n6/x0ttad.conf"
	cl_start 6
	cl_refused "no leader elected yet; retry" n 6 raft remove 2
	cl_kill 6
}

remove_follower() {
	local l f before
	l=$(cl_wait_leader 1 2 3 4)
	f=$(follower_of "$l" 4)
	n 4 raft remove "$f"
	cl_set removed "$f"
	before=$(cl_field "$f" raft last_index)
	for ((i = 0; i < 10; i++)); do n "$l" raft put "after$i" "v$i"; done
	for id in 1 2 3 4; do
		[[ $id == "$f" ]] && continue
		tap_assert_eq v9 "$(n "$id" raft get after9)" "node $id"
	done
	# Well past the removal, the removed node got none of it.
	[[ $(cl_field "$l" raft commit) -gt $((before + 5)) ]]
	tap_assert_eq "$before" "$(cl_field "$f" raft last_index)" \
		"removed node's last index"
	[[ $(members_of "$l") != *"$f:"* ]]
}

remove_leader() {
	local l rest=() new
	for id in 1 2 3 4; do
		[[ $id == "$(cl_get removed)" ]] || rest+=("$id")
	done
	l=$(cl_wait_leader "${rest[@]}")
	n "$l" raft remove "$l"
	rest=("${rest[@]/$l/}")
	rest=(${rest[@]})
	new=$(cl_wait_leader "${rest[@]}")
	[[ $new != "$l" ]]
	n "${rest[0]}" raft put after-leader gone
	tap_assert_eq gone "$(n "${rest[1]}" raft get after-leader)" "get"
	# The old leader applied its own removal: it says so and refuses.
	cl_poll 5 test "$(cl_field "$l" raft removed)" = True
	cl_refused "was removed from the raft group" n "$l" raft put x y
	cl_set rest "${rest[*]}"
}

refuse_last_voter() {
	local rest l f
	read -ra rest <<<"$(cl_get rest)"
	l=$(cl_wait_leader "${rest[@]}")
	f=${rest[0]}
	[[ $f == "$l" ]] && f=${rest[1]}
	n "$l" raft remove "$f"
	cl_refused "node $l is the last voter" n "$l" raft remove "$l"
	n "$l" raft put alone yes
}

stop_clean() {
	local id
	for id in 1 2 3 4; do
		cl_pid "$id" >/dev/null && cl_stop_clean "$id"
	done
	return 0
}

tap_run "three founders elect a leader and take writes" founders
tap_run "a joining node is added as a learner and catches up" join_as_learner
tap_run "the learner is promoted to voter on every node" promote
tap_run "the new node takes writes and serves reads" new_node_serves
tap_run "the new node keeps its data and members across a restart" \
	new_node_restarts
tap_run "a restarted founder knows the new node from its log" \
	founder_restarts
tap_run "adding an existing member or SPIFFE ID is refused" refuse_existing
tap_run "removing an unknown node is refused" refuse_unknown
tap_run "a malformed address, SPIFFE ID or id is refused" refuse_malformed
tap_run "a second change while one is pending is refused" refuse_pending
tap_run "with its quorum back the group undoes the pending change" \
	cl_poll 10 pending_cleanup
tap_run "a node that knows no leader says so" no_leader_known
tap_run "a removed follower gets no new entries; the rest commit" \
	remove_follower
tap_run "a removed leader steps down; the rest elect and serve" remove_leader
tap_run "the last voter cannot be removed" refuse_last_voter
tap_run "SIGTERM stops every node cleanly" stop_clean

tap_done
