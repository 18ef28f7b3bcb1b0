#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Revocation through raft, as an operator uses it: the leader's
# certificate is revoked with `x0ttactl identity revoke` on a follower,
# and every other node cuts the leader off and refuses its handshakes,
# while the rest elect another leader and keep serving. Nodes restarted
# from their log or from a snapshot still refuse it; a new certificate
# for the revoked node is accepted. Malformed serials and
# attempts to write x0ttad's own keys with `raft put|del` are refused and
# change nothing.
set -u

. selftests/lib/tap.sh
. selftests/user/x0ttad/cluster.sh

CL_SNAP=16
cl_init 3
cl_start_all || tap_bail "cannot start the nodes"

# serial_of PEM - a certificate's serial, as x0ttactl ca inspect says.
serial_of() {
	cl_ctl -j ca inspect "$1" | python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["serial"])'
}

# revoked_on ID - "serial:reason" of each revocation node ID applied.
revoked_on() {
	n "$1" -j identity revoked 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%s:%s" % (r["serial"], r["reason"]) for r in d["revoked"]))'
}

revoked_is() {
	[[ $(revoked_on "$1") == "$2" ]]
}

# peer_state ID PEER - "up" or node ID's last error with PEER.
peer_state() {
	n "$1" -j raft status 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
p = [p for p in d["peers"] if p["id"] == int(sys.argv[1])][0]
print("up" if p["up"] else p.get("last_error"))' "$2"
}

peer_state_is() {
	[[ $(peer_state "$1" "$2") == "$3" ]]
}

# refuses ID PEER - node ID has no connection with PEER, and the last
# one failed (we dialled) or was refused (it dialled) as revoked.
refuses() {
	n "$1" -j raft status 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
p = [p for p in d["peers"] if p["id"] == int(sys.argv[1])][0]
why = (d["raft"].get("tp_last_refusal") or "").split(":")[0]
sys.exit(p["up"] or "revoked" not in (p.get("last_error"), why))' "$2"
}

# others_lead - the nodes not revoked agree on a leader among them.
others_lead() {
	local l
	l=$(cl_leader "${OTHERS[@]}") && [[ " ${OTHERS[*]} " == *" $l "* ]]
}

# The revoked node (the leader when it was revoked), and the other two.
R=
OTHERS=()
revoked_node() {
	R=$(cl_get revoked)
	OTHERS=()
	for id in 1 2 3; do [[ $id == "$R" ]] || OTHERS+=("$id"); done
}

elect() {
	cl_set revoked "$(cl_wait_leader)"
	n 1 raft put before yes
}

bad_serials() {
	cl_refused 'serial "zz" is not hex' n 1 identity revoke zz
	cl_refused 'empty serial' n 2 identity revoke 0x
	cl_refused 'serial longer than 20 octets' \
		n 1 identity revoke "$(printf '1%.0s' {1..42})"
	cl_refused "$CL_DIR/nothing.pem" \
		n 1 identity revoke --cert "$CL_DIR/nothing.pem"
	cl_usage_refused "takes one SERIAL or --cert FILE" n 1 identity revoke
	cl_usage_refused "takes one SERIAL or --cert FILE" \
		n 1 identity revoke 01 --cert "$CL_DIR/ca/n3.pem"
	cl_usage_refused "--reason: at most 200 bytes" n 1 identity revoke 01 \
		--reason "$(printf 'x%.0s' {1..201})"
	for id in 1 2 3; do revoked_is "$id" "" || return 1; done
}

reserved_keys() {
	cl_refused "are x0ttad's own" n 1 raft put x0tta/revoked/01 x
	cl_refused "are x0ttad's own" n 2 raft put x0tta/anything x
	cl_refused "are x0ttad's own" n 3 raft del x0tta/revoked/01
	for id in 1 2 3; do revoked_is "$id" "" || return 1; done
	peer_state_is 1 2 up
}

# Through a follower, to the very leader it revokes: answered all the
# same, though the leader's own answer cannot reach the follower.
revoke_leader() {
	local serial id
	revoked_node
	serial=$(serial_of "$CL_DIR/ca/n$R.pem")
	cl_set serial "$serial"
	n "${OTHERS[0]}" identity revoke --cert "$CL_DIR/ca/n$R.pem" \
		--reason leaked
	for id in "${OTHERS[@]}"; do
		cl_poll 10 revoked_is "$id" "$serial:leaked" || return 1
		cl_poll 10 refuses "$id" "$R" || return 1
	done
	grep -q "certificate serial $serial revoked" \
		"$CL_DIR/n${OTHERS[1]}/log"
}

rest_serves() {
	revoked_node
	cl_poll 10 others_lead
	n "${OTHERS[0]}" raft put after yes
	tap_assert_eq yes "$(n "${OTHERS[1]}" raft get after)" "value"
}

again_is_fine() {
	local serial
	serial=$(cl_get serial)
	revoked_node
	n "${OTHERS[1]}" identity revoke "0x$(tr a-f A-F <<<"$serial")" \
		--reason again
	# The same serial, in another spelling: still one revocation.
	cl_poll 10 revoked_is "${OTHERS[0]}" "$serial:again"
}

# The node replays the entry from its log before its first handshake.
restart_from_log() {
	local seen id
	revoked_node
	id=${OTHERS[0]}
	cl_kill "$id"
	seen=$(wc -l <"$CL_DIR/n$id/log")
	cl_start "$id"
	revoked_is "$id" "$(cl_get serial):again"
	cl_poll 10 refuses "$id" "$R"
	! tail -n "+$((seen + 1))" "$CL_DIR/n$id/log" | grep -q "peer $R up"
}

# The node finds it in the snapshot it compacted its log into.
restart_from_snapshot() {
	local i id
	revoked_node
	id=${OTHERS[1]}
	cl_poll 10 others_lead
	for ((i = 0; i < 20; i++)); do n "$id" raft put "k$i" "v$i"; done
	[[ $(cl_field "$id" raft snap_index) -gt 0 ]] || return 1
	cl_kill "$id"
	cl_start "$id"
	revoked_is "$id" "$(cl_get serial):again"
	cl_poll 10 refuses "$id" "$R"
}

# Revocation is of a certificate: a new one for the node is accepted.
new_certificate() {
	local id
	revoked_node
	cl_ctl ca issue --dir "$CL_DIR/ca" --name "n$R" --lifetime 1h >/dev/null
	[[ $(serial_of "$CL_DIR/ca/n$R.pem") != "$(cl_get serial)" ]] ||
		return 1
	for id in "${OTHERS[@]}"; do
		cl_poll 20 peer_state_is "$id" "$R" up || return 1
	done
	cl_poll 10 eval "[[ \$(n $R raft get k19 2>/dev/null) == v19 ]]"
}

stop_clean() {
	local id
	for id in 1 2 3; do cl_stop_clean "$id" || return 1; done
}

tap_plan 10
tap_run "three nodes elect a leader and take writes" elect
tap_run "a malformed serial is refused and nothing is revoked" bad_serials
tap_run "raft put and del cannot write x0ttad's own keys" reserved_keys
tap_run "a revoked leader is cut off by every other node" revoke_leader
tap_run "the other nodes elect a leader and serve" rest_serves
tap_run "revoking the same serial again changes nothing" again_is_fine
tap_run "a node restarted from its log still refuses it" restart_from_log
tap_run "a node restarted from its snapshot still refuses it" \
	restart_from_snapshot
tap_run "a new certificate for the node is accepted" new_certificate
tap_run "SIGTERM stops every node cleanly" stop_clean
tap_done
