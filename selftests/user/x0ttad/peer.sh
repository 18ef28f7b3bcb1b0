#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A peer that authenticates (it holds node 2's SVID) and then sends
# frames no x0ttad would send, on every channel: each is counted and
# dropped, and node 1 keeps serving.
#
#   x0ttad 1 --- mTLS dial ---> fakepeer.py (node 2's address and SVID)
set -u

. selftests/lib/tap.sh
. selftests/user/x0ttad/cluster.sh

cl_init 2

hostile_frames_dropped() {
	local f=$CL_DIR/fake
	mkdir -p "$f"
	python3 selftests/user/x0ttad/fakepeer.py "${CL_PORT[2]}" \
		"$CL_DIR/ca/n2.pem" "$CL_DIR/ca/n2.key" "$CL_DIR/ca/ca.pem" \
		"$f/ready" >"$f/log" 2>&1 &
	echo $! >"$f/pid"
	cl_poll 5 test -e "$f/ready"
	cl_start 1
	# 2 raft frames, 2 forward frames and 1 on an unknown channel.
	cl_poll 10 dropped_at_least raft 5 || {
		cat "$f/log" "$CL_DIR/n1/log"
		n 1 raft status
		return 1
	}
	cl_poll 5 dropped_at_least crdt 1
	n 1 raft status >/dev/null
	n 1 crdt put after x hostile
	tap_assert_eq hostile "$(n 1 crdt get after x)" "value"
	grep -q "peer 2 up" "$CL_DIR/n1/log"
}

dropped_at_least() {
	local got
	got=$(cl_field 1 "$1" dropped)
	[[ $got =~ ^[0-9]+$ ]] && ((got >= $2))
}

tap_run "hostile frames from an authenticated peer are counted and dropped" \
	hostile_frames_dropped
tap_run "SIGTERM stops the node cleanly" cl_stop_clean 1

tap_done
