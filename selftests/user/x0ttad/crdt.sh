#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0ttad's CRDT store: writes on any node reach the others by gossip over
# mTLS, each keyspace keeps the type its first write gave it, and an
# acknowledged write survives a crash of the node that took it.
#
#   x0ttad 1 <--- gossip (TP_CH_CRDT) ---> x0ttad 2 <---> x0ttad 3
#     n1/data/crdt (snapshot + journal)      ...            ...
set -u

. selftests/lib/tap.sh
. selftests/user/x0ttad/cluster.sh

cl_init 3
cl_start_all || tap_bail "cannot start the cluster"

# sees ID EXPECTED CRDT-GET-ARGS... - node ID reads EXPECTED.
sees() {
	local id=$1 want=$2
	shift 2
	[[ $(n "$id" crdt get "$@" 2>/dev/null) == "$want" ]]
}

lacks() {
	local id=$1
	shift
	! n "$id" crdt get "$@" >/dev/null 2>&1
}

map_gossip() {
	n 1 crdt put nodes n1 alive
	sees 1 alive nodes n1
	cl_poll 5 sees 3 alive nodes n1
	cl_poll 5 sees 2 alive nodes n1
}

last_writer_wins() {
	n 2 crdt put nodes n1 suspect
	cl_poll 5 sees 3 suspect nodes n1
	cl_poll 5 sees 1 suspect nodes n1
}

set_add_remove() {
	n 2 crdt add suspects mac-1
	cl_poll 5 sees 1 mac-1 suspects mac-1
	n 1 crdt remove suspects mac-1
	cl_poll 5 lacks 3 suspects mac-1
}

counter_sum() {
	n 1 crdt incr incidents
	n 2 crdt incr incidents 5
	n 3 crdt incr incidents -2
	for id in 1 2 3; do cl_poll 5 sees "$id" 4 incidents; done
}

map_delete() {
	n 3 crdt put nodes gone soon
	cl_poll 5 sees 1 soon nodes gone
	n 1 crdt del nodes gone
	cl_poll 5 lacks 3 nodes gone
}

dump_lists() {
	n 2 crdt dump >"$CL_DIR/out"
	grep -Eq "^nodes +map +n1 +suspect\$" "$CL_DIR/out"
	grep -Eq "^incidents +counter +- +4\$" "$CL_DIR/out"
	n 2 -j crdt dump nodes | grep -q '"key":"n1","value":"suspect"'
}

type_is_kept() {
	local rc=0
	n 1 crdt add nodes x 2>"$CL_DIR/err" || rc=$?
	tap_assert_eq 1 "$rc" "exit status"
	grep -q "keyspace 'nodes' is a map, not a set" "$CL_DIR/err"
}

missing_things() {
	n 1 crdt get nodes nobody 2>&1 | grep -q "no such key"
	n 1 crdt get nothing here 2>&1 | grep -q "no such keyspace 'nothing'"
	n 1 crdt del nodes nobody 2>&1 | grep -q "no such key"
}

status_shows_keyspaces() {
	n 3 crdt status >"$CL_DIR/out"
	grep -Eq "^node_id +3\$" "$CL_DIR/out"
	grep -Eq "^suspects +set +0\$" "$CL_DIR/out"
	grep -Eq "^incidents +counter +1\$" "$CL_DIR/out"
}

# Only node 2's own disk can give the value back: the others are down.
survives_crash() {
	n 2 crdt put nodes durable yes
	for id in 1 2 3; do cl_kill "$id"; done
	cl_start 2
	sees 2 yes nodes durable
	sees 2 4 incidents
	cl_start 1
	cl_start 3
	cl_poll 5 sees 3 yes nodes durable
}

stop_clean() {
	for id in 1 2 3; do cl_stop_clean "$id"; done
}

tap_run "a put on node 1 is visible on nodes 2 and 3 after gossip" map_gossip
tap_run "the later write of a key wins everywhere" last_writer_wins
tap_run "set add and remove reach the other nodes" set_add_remove
tap_run "counter increments from every node add up" counter_sum
tap_run "a map delete reaches the other nodes" map_delete
tap_run "dump lists entries of every keyspace" dump_lists
tap_run "a keyspace keeps the type of its first write" type_is_kept
tap_run "missing keys and keyspaces are clear errors" missing_things
tap_run "status lists keyspaces with type and size" status_shows_keyspaces
tap_run "an acknowledged write survives a crash of every node" survives_crash
tap_run "SIGTERM stops every node cleanly" stop_clean

tap_done
