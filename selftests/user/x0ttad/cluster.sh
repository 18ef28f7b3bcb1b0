# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# cluster.sh - x0ttad clusters on loopback for the TAP tests of this
# directory (sourced, not run: it is not executable).
#
#	. selftests/lib/tap.sh
#	. selftests/user/x0ttad/cluster.sh
#	cl_init 3           # CA, SVIDs and configs for nodes 1..3
#	cl_start_all
#	cl_wait_leader
#	n 2 raft put k v    # x0ttactl against node 2
#
# Everything lives in one mktemp -d directory; every daemon started is
# killed on exit, even when a case fails. Cases run in subshells (tap_run),
# so what must outlive a case (pids, a leader's id) lives in files there:
# $CL_DIR/nID/pid, and whatever a test keeps with cl_set/cl_get. Ports: the kernel picks free
# ones (bind to port 0, read it back, close), so runs in parallel do not
# collide; the tiny window before x0ttad binds again is covered by a
# retry in cl_start.

CL_DIR=
CL_N=0
CL_BUILD=
CL_TD=mesh.test
declare -a CL_PORT

cl_cleanup() {
	local f
	[[ -n $CL_DIR ]] || return 0
	# Every daemon a case started left its pid in a pid file here.
	for f in "$CL_DIR"/*/pid; do
		[[ -s $f ]] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	{ wait; } 2>/dev/null
	rm -rf "$CL_DIR"
}

# cl_set NAME VALUE / cl_get NAME - state shared between cases.
cl_set() {
	echo "$2" >"$CL_DIR/state.$1"
}

cl_get() {
	cat "$CL_DIR/state.$1"
}

# cl_pid ID - node ID's daemon, if it runs.
cl_pid() {
	local pid
	pid=$(cat "$CL_DIR/n$1/pid" 2>/dev/null) || return 1
	[[ -n $pid ]] && ! cl_gone "$pid" && echo "$pid"
}

# cl_free_port - a TCP port on 127.0.0.1 nobody listens on right now.
cl_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# cl_ctl ARGS... - x0ttactl of this build.
cl_ctl() {
	"$CL_BUILD/bin/x0ttactl" "$@"
}

# n ID ARGS... - x0ttactl against node ID's control socket.
n() {
	local id=$1
	shift
	"$CL_BUILD/bin/x0ttactl" -s "$CL_DIR/n$id/ctl.sock" "$@"
}

# cl_config ID [TD [CA_DIR]] - write node ID's configuration.
cl_config() {
	local id=$1 td=${2:-$CL_TD} ca=${3:-$CL_DIR/ca} j
	{
		echo "# node $id of a test cluster"
		echo "node_id $id"
		echo "data_dir $CL_DIR/n$id/data"
		echo "listen 127.0.0.1:${CL_PORT[$id]}"
		echo "control_socket $CL_DIR/n$id/ctl.sock"
		echo "svid $ca/n$id.pem"
		echo "svid_key $ca/n$id.key"
		echo "bundle $ca/ca.pem"
		echo "trust_domain $td"
		echo "raft_tick_ms 50"
		echo "gossip_ms 100"
		echo "identity_check_ms 500"
		echo "snapshot_entries ${CL_SNAP:-1024}"
		echo "fsync always"
		for ((j = 1; j <= CL_N; j++)); do
			((j == id)) && continue
			echo "peer $j 127.0.0.1:${CL_PORT[$j]} spiffe://$CL_TD/node/n$j"
		done
	} >"$CL_DIR/n$id/x0ttad.conf"
}

# cl_init N - a trust domain, N node SVIDs, ports and configurations.
cl_init() {
	local i
	CL_BUILD=$(realpath "${X0TTA_BUILD:-build/default}")
	[[ -x $CL_BUILD/bin/x0ttad && -x $CL_BUILD/bin/x0ttactl ]] ||
		tap_skip_all "x0ttad or x0ttactl not built"
	command -v python3 >/dev/null || tap_skip_all "python3 needed to pick ports"
	CL_N=$1
	CL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/x0ttad-test.XXXXXX")
	trap cl_cleanup EXIT
	cl_ctl ca init --trust-domain "$CL_TD" --dir "$CL_DIR/ca" >/dev/null ||
		tap_bail "ca init failed"
	for ((i = 1; i <= CL_N; i++)); do
		mkdir -p "$CL_DIR/n$i"
		cl_ctl ca issue --dir "$CL_DIR/ca" --name "n$i" --lifetime 1h \
			>/dev/null || tap_bail "ca issue n$i failed"
		CL_PORT[$i]=$(cl_free_port)
	done
	for ((i = 1; i <= CL_N; i++)); do
		cl_config "$i"
	done
}

# cl_start ID - start node ID in the background; wait for its socket.
cl_start() {
	local id=$1 i
	"$CL_BUILD/bin/x0ttad" -c "$CL_DIR/n$id/x0ttad.conf" \
		>>"$CL_DIR/n$id/log" 2>&1 &
	echo $! >"$CL_DIR/n$id/pid"
	# No "Killed" notice from this shell when a case crashes it.
	disown $!
	for ((i = 0; i < 200; i++)); do
		[[ -S $CL_DIR/n$id/ctl.sock ]] && n "$id" raft status \
			>/dev/null 2>&1 && return 0
		if ! cl_pid "$id" >/dev/null; then
			echo "x0ttad $id exited:" >&2
			tail -n 5 "$CL_DIR/n$id/log" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "x0ttad $id did not come up" >&2
	return 1
}

cl_start_all() {
	local i
	for ((i = 1; i <= CL_N; i++)); do
		cl_start "$i" || return 1
	done
}

# cl_kill ID [SIGNAL] - stop node ID (default: SIGKILL, a crash).
cl_kill() {
	local id=$1 sig=${2:-KILL} pid
	pid=$(cl_pid "$id") || return 0
	kill "-$sig" "$pid"
	# Not our child when started by another case: poll, do not wait.
	cl_poll 10 cl_gone "$pid"
	: >"$CL_DIR/n$id/pid"
}

# A zombie (killed, not yet reaped by the shell that started it) is gone.
cl_gone() {
	local state
	kill -0 "$1" 2>/dev/null || return 0
	state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)
	[[ $state == Z || -z $state ]]
}

# cl_field ID CMD FIELD - one field of `x0ttactl -j raft|crdt status`.
cl_field() {
	n "$1" -j "$2" status 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d[sys.argv[1]].get(sys.argv[2]))' "$2" "$3"
}

# cl_leader [ID...] - the leader all the given nodes (default all
# running) agree on, or nothing.
cl_leader() {
	local ids=("$@") id l first=
	((${#ids[@]})) || for ((id = 1; id <= CL_N; id++)); do
		cl_pid "$id" >/dev/null && ids+=("$id")
	done
	for id in "${ids[@]}"; do
		l=$(cl_field "$id" raft leader) || return 1
		[[ $l =~ ^[1-9][0-9]*$ ]] || return 1
		[[ -z $first ]] && first=$l
		[[ $l == "$first" ]] || return 1
	done
	# The one named must itself say it leads.
	[[ $(cl_field "$first" raft role) == leader ]] || return 1
	echo "$first"
}

# cl_poll SECONDS CMD... - run CMD until it succeeds, for at most SECONDS.
cl_poll() {
	tap_poll "$@"
}

# cl_refused EXPECTED-STDERR ARGS... - ARGS (an x0ttactl command line)
# fails with exit status 1, saying EXPECTED; cl_usage_refused the same
# for a command line x0ttactl itself refuses (exit status 2).
cl_refused() {
	cl_refused_with 1 "$@"
}

cl_usage_refused() {
	cl_refused_with 2 "$@"
}

cl_refused_with() {
	local status=$1 want=$2 rc=0
	shift 2
	"$@" 2>"$CL_DIR/err" >/dev/null || rc=$?
	tap_assert_eq "$status" "$rc" "exit status of $*"
	grep -qF -- "$want" "$CL_DIR/err" || { cat "$CL_DIR/err"; return 1; }
}

# cl_wait_leader [ID...] - print the agreed leader, within 10 s.
cl_wait_leader() {
	local l
	cl_poll 10 cl_leader "$@" >/dev/null || {
		echo "no leader agreed on by ${*:-all nodes}" >&2
		return 1
	}
	cl_leader "$@"
}

# cl_stop_clean ID - SIGTERM stops node ID, and it reported no memory
# error or leak on the way out (sanitizer builds print them in its log).
cl_stop_clean() {
	local id=$1
	cl_kill "$id" TERM
	grep -q "shutting down" "$CL_DIR/n$id/log" || {
		echo "node $id did not shut down cleanly" >&2
		return 1
	}
	if grep -Eq "Sanitizer|runtime error" "$CL_DIR/n$id/log"; then
		grep -E -A20 "Sanitizer|runtime error" "$CL_DIR/n$id/log" >&2
		return 1
	fi
}
