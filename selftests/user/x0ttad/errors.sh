#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What x0ttad refuses, and how clearly: bad configuration files, bad
# control requests (from x0ttactl and raw ones x0ttactl would never
# send), clients that misbehave, and a node whose certificate belongs to
# another trust domain. Two nodes on loopback, plus the rogue:
#
#   x0ttad 1 <--- mTLS ---> x0ttad 2 <--X-- rogue (spiffe://evil.test/node/n1)
set -u

. selftests/lib/tap.sh
. selftests/user/x0ttad/cluster.sh

cl_init 2
cl_start_all || tap_bail "cannot start the cluster"
RAW=(python3 selftests/user/x0ttad/rawctl.py "$CL_DIR/n1/ctl.sock")

# ---- configuration --------------------------------------------------------

# bad_config NAME EXPECTED-STDERR [LINES...] - a case: x0ttad -t refuses
# node 1's configuration with LINES appended, saying EXPECTED-STDERR.
bad_config() {
	local f=$CL_DIR/bad.conf rc=0
	shift
	local want=$1
	shift
	cp "$CL_DIR/n1/x0ttad.conf" "$f"
	printf '%s\n' "$@" >>"$f"
	"$CL_BUILD/bin/x0ttad" -t -c "$f" 2>"$CL_DIR/err" || rc=$?
	tap_assert_eq 1 "$rc" "exit status"
	grep -qF -- "$want" "$CL_DIR/err" || { cat "$CL_DIR/err"; return 1; }
}

config_case() {
	tap_run "config: $1" bad_config "$@"
}

good_config() {
	"$CL_BUILD/bin/x0ttad" -t -c "$CL_DIR/n1/x0ttad.conf"
}

lines=$(wc -l <"$CL_DIR/n1/x0ttad.conf")
tap_run "config: the test configuration is valid" good_config
config_case "an unknown key is refused with file:line" \
	"bad.conf:$((lines + 1)): unknown key 'frobnicate'" "frobnicate 1"
config_case "a repeated key is refused" "node_id given twice" "node_id 7"
config_case "a bad number is refused" \
	"election_ticks: '5x' is not a number from 3 to 1000" "election_ticks 5x"
config_case "a bad address is refused" "peer address: '127.0.0.1' is not" \
	"peer 9 127.0.0.1 spiffe://mesh.test/node/n9"
config_case "a peer of another trust domain is refused" \
	"is not in trust domain mesh.test" \
	"peer 9 127.0.0.1:9 spiffe://evil.test/node/n9"
config_case "a peer with our own id is refused" "peer 1 is this node" \
	"peer 1 127.0.0.1:9 spiffe://mesh.test/node/n9"
config_case "a wrong number of values is refused" "fsync takes 1 value" \
	"fsync always now"

missing_key() {
	local rc=0
	grep -v '^listen ' "$CL_DIR/n1/x0ttad.conf" >"$CL_DIR/bad.conf"
	"$CL_BUILD/bin/x0ttad" -t -c "$CL_DIR/bad.conf" 2>"$CL_DIR/err" || rc=$?
	tap_assert_eq 1 "$rc" "exit status"
	grep -q "listen missing" "$CL_DIR/err"
}
tap_run "config: a missing required key is refused" missing_key

# ---- the control socket ---------------------------------------------------

socket_private() {
	tap_assert_eq 600 "$(stat -c %a "$CL_DIR/n1/ctl.sock")" "socket mode"
}

no_daemon() {
	local rc=0
	"$CL_BUILD/bin/x0ttactl" -s "$CL_DIR/nowhere.sock" raft status \
		2>"$CL_DIR/err" || rc=$?
	tap_assert_eq 1 "$rc" "exit status"
	grep -q "x0ttad is not running (no daemon at $CL_DIR/nowhere.sock" \
		"$CL_DIR/err"
}

second_daemon_refused() {
	local rc=0
	"$CL_BUILD/bin/x0ttad" -c "$CL_DIR/n1/x0ttad.conf" 2>"$CL_DIR/err" ||
		rc=$?
	tap_assert_eq 1 "$rc" "exit status"
	n 1 raft status >/dev/null
}

# refused EXPECTED RAWCTL-ARGS... - the daemon answers with EXPECTED.
refused() {
	local want=$1 got
	shift
	got=$("${RAW[@]}" "$@")
	[[ $got == *"$want"* ]] || { echo "got: $got"; return 1; }
	# ... and keeps serving.
	n 1 raft status >/dev/null
}

long_key() {
	local key rc=0
	key=$(printf 'k%.0s' {1..300})
	n 1 raft put "$key" v 2>"$CL_DIR/err" || rc=$?
	tap_assert_eq 1 "$rc" "exit status"
	grep -q "raft put: bad request: key: 300 bytes, at most 256" "$CL_DIR/err"
}

long_keyspace() {
	n 1 crdt put "$(printf 'a%.0s' {1..40})" k v 2>&1 |
		grep -q "keyspace: 40 bytes, at most 32"
}

idle_client_blocks_nobody() {
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
time.sleep(3)' "$CL_DIR/n1/ctl.sock" &
	local idle=$!
	sleep 0.2
	n 1 raft put while-idle yes
	tap_assert_eq yes "$(n 2 raft get while-idle)" "value"
	kill "$idle"
	wait "$idle" 2>/dev/null || true
}

many_clients() {
	local i pids=()
	for ((i = 0; i < 20; i++)); do
		n $((i % 2 + 1)) raft put "many$i" "$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	tap_assert_eq 19 "$(n 1 raft get many19)" "value"
}

tap_run "the control socket is private to its owner (0600)" socket_private
tap_run "no daemon: x0ttactl says x0ttad is not running" no_daemon
tap_run "a second daemon on the same socket is refused" second_daemon_refused
tap_run "an over-long key is refused by the daemon" long_key
tap_run "an over-long keyspace name is refused" long_keyspace
tap_run "raw: an unknown command" refused "errno=95 msg=bad request: unknown command 99" 99
tap_run "raw: an unknown attribute" refused "unknown attribute 60" 1 60:00
tap_run "raw: an attribute the command does not take" refused \
	"raft status: attribute key not allowed" 1 4:6b
tap_run "raw: a required attribute missing" refused \
	"raft put: attribute value missing" 2 4:6b
tap_run "raw: a u64 of the wrong length" refused \
	"amount: wrong length 4" 12 6:6e6f6e6500 7:01000000
tap_run "raw: an attribute given twice" refused "key: given twice" 3 4:6b 4:6b
tap_run "raw: a string without its NUL" refused \
	"keyspace: not a NUL-terminated string" 7 6:6e6f
tap_run "raw: another protocol version" refused \
	"protocol version 9, expected 1" 1 --version 9
tap_run "raw: a truncated attribute" refused "malformed attribute" 1 \
	--raw 010001000800040061
tap_run "raw: a header cut short" refused "shorter than its header" 1 \
	--raw 0100
tap_run "raw: a request over 64 KiB" refused "at most 65536" 2 \
	--pad 40000 --pad 30000
tap_run "a client that never sends blocks nobody" idle_client_blocks_nobody
tap_run "20 clients at once through both nodes all succeed" many_clients

# ---- identity ---------------------------------------------------------------

# A daemon of trust domain evil.test dials node 2 (the lower id dials)
# claiming to be node 1. Neither trusts the other's CA; whichever side
# says so first, node 2 counts the connection as refused and never
# takes the rogue for a peer.
rogue_refused() {
	local r=$CL_DIR/rogue
	mkdir -p "$r"
	cl_ctl ca init --trust-domain evil.test --dir "$r/ca" >/dev/null
	cl_ctl ca issue --dir "$r/ca" --name n1 >/dev/null
	cat >"$r/x0ttad.conf" <<-CONF
		node_id 1
		data_dir $r/data
		listen 127.0.0.1:0
		control_socket $r/ctl.sock
		svid $r/ca/n1.pem
		svid_key $r/ca/n1.key
		bundle $r/ca/ca.pem
		trust_domain evil.test
		raft_tick_ms 50
		peer 2 127.0.0.1:${CL_PORT[2]} spiffe://evil.test/node/n2
	CONF
	"$CL_BUILD/bin/x0ttad" -c "$r/x0ttad.conf" >"$r/log" 2>&1 &
	echo $! >"$r/pid"
	cl_poll 10 refused_on_2
	n 2 raft status | grep -E "^tp_last_refusal +[a-z_]+: "
	kill "$(cat "$r/pid")"
	wait "$(cat "$r/pid")" 2>/dev/null || true
	if grep -q "peer 2 up" "$r/log"; then
		echo "the rogue was taken for node 1"
		return 1
	fi
	# The cluster itself is untouched.
	n 1 raft put after-rogue yes
}

refused_on_2() {
	[[ $(cl_field 2 raft tp_refused) -gt 0 ]]
}

tap_run "a node of another trust domain is refused (status shows it)" \
	rogue_refused

# A new SVID on disk is picked up without a restart, and the handshakes
# that follow (node 1 restarted, so it dials again) accept it.
rotation() {
	cl_ctl ca issue --dir "$CL_DIR/ca" --name n2 --lifetime 2h >/dev/null
	cl_poll 10 grep -q "identity rotated (generation 2)" "$CL_DIR/n2/log"
	cl_kill 1
	cl_start 1
	cl_wait_leader >/dev/null
	n 1 raft put after-rotation yes
	tap_assert_eq yes "$(n 2 raft get after-rotation)" "value"
}

tap_run "a rotated SVID is used without a restart" rotation

stop_clean() {
	for id in 1 2; do cl_stop_clean "$id"; done
}
tap_run "SIGTERM stops every node cleanly" stop_clean

tap_done
