# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# mesh.sh - batman-adv mesh testbeds built from network namespaces.
#
# Each node is a network namespace (x0n<N>-<pid>, so parallel runs do not
# clash) with a batman-adv mesh interface bat0. Each edge is a veth pair
# whose ends are hard interfaces of the two nodes' bat0, named after the
# peer: on node 1 the link to node 2 is "to2". bat0 of node N carries
# 10.42.0.N/24 and fd42::N/64.
#
#	. selftests/lib/mesh.sh
#	trap mesh_teardown EXIT
#	mesh_diamond
#	mesh_wait_converged
#	n 1 ping -c 1 10.42.0.4
#	mesh_link_cut 1 2          # the radio link dies; carrier stays up
#
# Configuration, read when a topology is built:
#	MESH_ALGO          BATMAN_IV (default) or BATMAN_V
#	MESH_ORIG_INTERVAL OGM interval in ms (default 100; batman-adv's
#	                   own default of 1000 makes tests slow)
#	MESH_ELP_INTERVAL  BATMAN_V neighbour discovery interval in ms
#	                   (default 100)
#	MESH_BLA           1 keeps bridge loop avoidance on (default 0)
#
# State that must survive the subshells tap_run starts (link shaping) is
# kept in $MESH_STATE_DIR; the node list is the set of namespaces.

MESH_ALGO=${MESH_ALGO:-BATMAN_IV}
MESH_ORIG_INTERVAL=${MESH_ORIG_INTERVAL:-100}
MESH_ELP_INTERVAL=${MESH_ELP_INTERVAL:-100}
MESH_BLA=${MESH_BLA:-0}
# $$ is the test script's pid, also inside its subshells.
MESH_NS_SUFFIX=-$$
MESH_STATE_DIR=${TMPDIR:-/tmp}/x0mesh$MESH_NS_SUFFIX
# Room for batman-adv's unicast header so bat0 keeps a 1500 byte MTU
# without fragmenting.
MESH_HARDIF_MTU=1560

mesh_err() {
	echo "mesh: $*" >&2
}

# mesh_require - fail with a reason when this system cannot run a mesh:
# callers turn that into a kselftest skip.
mesh_require() {
	local tool

	if [[ $(id -u) != 0 ]]; then
		echo "needs root"
		return 1
	fi
	for tool in ip tc batctl ping; do
		if ! command -v "$tool" >/dev/null; then
			echo "needs $tool"
			return 1
		fi
	done
	if ! modprobe batman-adv 2>/dev/null || ! modprobe sch_netem 2>/dev/null; then
		echo "cannot load batman-adv and sch_netem (run in tools/vmtest/vmtest)"
		return 1
	fi
	modprobe veth
}

# mesh_ns N - the namespace of node N.
mesh_ns() {
	echo "x0n$1$MESH_NS_SUFFIX"
}

# n N CMD [ARGS...] - run CMD on node N.
n() {
	local node=$1
	shift
	ip netns exec "$(mesh_ns "$node")" "$@"
}

# mesh_nodes - the node numbers of the current mesh, ascending.
mesh_nodes() {
	ip netns list | awk -v s="$MESH_NS_SUFFIX" '
		$1 ~ "^x0n[0-9]+" s "$" {
			sub("^x0n", "", $1); sub(s "$", "", $1); print $1
		}' | sort -n
}

# mesh_ifname A B - the hard interface on node A towards node B.
mesh_ifname() {
	echo "to$2"
}

# mesh_ip4 N / mesh_ip6 N - the address of node N's bat0.
mesh_ip4() {
	echo "10.42.0.$1"
}

mesh_ip6() {
	echo "fd42::$1"
}

# Locally administered MACs that say where they are: 02:00:00:00:AA:BB is
# node AA's interface to node BB, 02:00:00:00:AA:00 node AA's bat0. They
# make `batctl o` and packet dumps readable.
mesh_hardif_mac() {
	printf '02:00:00:00:%02x:%02x\n' "$1" "$2"
}

mesh_bat_mac() {
	printf '02:00:00:00:%02x:00\n' "$1"
}

mesh_check_node() {
	if [[ ! $1 =~ ^[1-9][0-9]*$ ]] || (($1 > 254)); then
		mesh_err "bad node number '$1' (1..254)"
		return 1
	fi
}

# Building a mesh. Under TCG every process costs tens of milliseconds, so
# the builder batches: one `ip -batch` for all namespaces, one for all
# veth pairs, one per node for the rest of its links; only batctl, which
# has no batch mode, runs per setting.

# The veth pair for edge A-B, created in the root namespace straight into
# the two nodes.
mesh_veth_batch_line() {
	local a=$1 b=$2

	echo "link add $(mesh_ifname "$a" "$b") netns $(mesh_ns "$a")" \
		"address $(mesh_hardif_mac "$a" "$b") mtu $MESH_HARDIF_MTU" \
		"type veth peer name $(mesh_ifname "$b" "$a") netns $(mesh_ns "$b")" \
		"address $(mesh_hardif_mac "$b" "$a") mtu $MESH_HARDIF_MTU"
}

# Node N's own configuration once its veth ends exist: bat0 with the
# routing algorithm (fixed at creation: batman-adv cannot change it
# later), its hard interfaces, its addresses. $2.. are its peers.
mesh_node_batch() {
	local node=$1 peer ifname
	shift

	echo "link set lo up"
	echo "link add bat0 address $(mesh_bat_mac "$node") type batadv ra $MESH_ALGO"
	for peer in "$@"; do
		ifname=$(mesh_ifname "$node" "$peer")
		# A hard interface needs no address of its own: no IPv6
		# link-local address spares DAD and router solicitations.
		echo "link set $ifname addrgenmode none"
		echo "link set $ifname master bat0"
		echo "link set $ifname up"
	done
	echo "link set bat0 up"
	echo "addr add $(mesh_ip4 "$node")/24 dev bat0"
	echo "addr add $(mesh_ip6 "$node")/64 dev bat0 nodad"
}

# batman-adv settings of node N, whose peers are $2...
mesh_node_tune() {
	local node=$1 peer
	shift

	n "$node" batctl meshif bat0 orig_interval "$MESH_ORIG_INTERVAL" || return 1
	# Bridge loop avoidance only matters when bat0 is bridged to a LAN,
	# which a testbed node never is, and it holds back broadcasts (ARP)
	# from the mesh for about half a minute after bat0 appears.
	if [[ $MESH_BLA != 1 ]]; then
		n "$node" batctl meshif bat0 bridge_loop_avoidance 0 || return 1
	fi
	[[ $MESH_ALGO == BATMAN_V ]] || return 0
	for peer in "$@"; do
		n "$node" batctl hardif "$(mesh_ifname "$node" "$peer")" \
			elp_interval "$MESH_ELP_INTERVAL" || return 1
	done
}

# mesh_edges "A-B C-D ..." - build a mesh from an edge list; the nodes are
# the numbers that appear in it. Every named topology below ends here.
mesh_edges() {
	local edges=$1 edge a b node
	local -A peers=()
	local -a nodes

	if [[ -n $(mesh_nodes) ]]; then
		mesh_err "a mesh already exists; call mesh_teardown first"
		return 1
	fi
	for edge in $edges; do
		if [[ ! $edge =~ ^([0-9]+)-([0-9]+)$ ]]; then
			mesh_err "bad edge '$edge' (want A-B)"
			return 1
		fi
		a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]}
		mesh_check_node "$a" && mesh_check_node "$b" || return 1
		if ((a == b)) || [[ " ${peers[$a]-} " == *" $b "* ]]; then
			mesh_err "edge '$edge' is a loop or appears twice"
			return 1
		fi
		peers[$a]+=" $b" peers[$b]+=" $a"
	done
	if ((${#peers[@]} < 2)); then
		mesh_err "a mesh needs at least one edge"
		return 1
	fi
	mapfile -t nodes < <(printf '%s\n' "${!peers[@]}" | sort -n)
	mkdir -p "$MESH_STATE_DIR"

	for node in "${nodes[@]}"; do
		echo "netns add $(mesh_ns "$node")"
	done | ip -batch - || { mesh_err "cannot create the namespaces"; return 1; }
	for edge in $edges; do
		mesh_veth_batch_line "${edge%-*}" "${edge#*-}"
	done | ip -batch - || { mesh_err "cannot create the links"; return 1; }
	for node in "${nodes[@]}"; do
		# shellcheck disable=SC2086 # the peer list is one number a word
		if ! mesh_node_batch "$node" ${peers[$node]} | ip -n "$(mesh_ns "$node")" -batch - ||
			! mesh_node_tune "$node" ${peers[$node]}; then
			mesh_err "cannot set up node $node"
			return 1
		fi
	done
}

# Line of N nodes:
#
#	1 --- 2 --- 3 --- ... --- N
mesh_line_edges() {
	local i

	for ((i = 1; i < $1; i++)); do
		printf '%d-%d ' "$i" $((i + 1))
	done
}

mesh_line() {
	(($1 >= 2)) || { mesh_err "a line needs at least 2 nodes"; return 1; }
	mesh_edges "$(mesh_line_edges "$1")"
}

# Ring of N nodes:
#
#	1 --- 2 --- ... --- N
#	|                   |
#	+-------------------+
mesh_ring() {
	(($1 >= 3)) || { mesh_err "a ring needs at least 3 nodes"; return 1; }
	mesh_edges "$(mesh_line_edges "$1") $1-1"
}

# Diamond: two disjoint two-hop paths from node 1 to node 4.
#
#	    2
#	   / \
#	  1   4
#	   \ /
#	    3
mesh_diamond() {
	mesh_edges "1-2 1-3 2-4 3-4"
}

# Grid of R rows and C columns, numbered row by row (R=2, C=3 shown):
#
#	1 --- 2 --- 3
#	|     |     |
#	4 --- 5 --- 6
mesh_grid() {
	local rows=$1 cols=$2 r c node edges=

	((rows * cols >= 2)) || { mesh_err "a grid needs at least 2 nodes"; return 1; }
	for ((r = 0; r < rows; r++)); do
		for ((c = 0; c < cols; c++)); do
			node=$((r * cols + c + 1))
			((c + 1 < cols)) && edges+="$node-$((node + 1)) "
			((r + 1 < rows)) && edges+="$node-$((node + cols)) "
		done
	done
	mesh_edges "$edges"
}

# Link shaping. Each end of a link has one netem root qdisc holding the
# link's configured impairment (delay, loss, rate; kept in the state
# directory) plus, while the link is cut, loss 100%. A cut link keeps its
# carrier: a radio link that fades away does not go down, and the mesh
# must notice by itself, exactly as in the field.

mesh_link_key() {
	if (($1 < $2)); then echo "$1-$2"; else echo "$2-$1"; fi
}

mesh_link_exists() {
	ip -n "$(mesh_ns "$1")" link show dev "$(mesh_ifname "$1" "$2")" >/dev/null 2>&1 ||
		{ mesh_err "no link between node $1 and node $2"; return 1; }
}

# Apply netem options (none: remove the qdisc) to NODE's end of its link
# to PEER.
mesh_link_apply_end() {
	local node=$1 peer=$2
	shift 2

	if (($#)); then
		tc -n "$(mesh_ns "$node")" qdisc replace dev "$(mesh_ifname "$node" "$peer")" root netem "$@" ||
			{ mesh_err "netem $* on node $node failed"; return 1; }
	else
		tc -n "$(mesh_ns "$node")" qdisc del dev "$(mesh_ifname "$node" "$peer")" root 2>/dev/null || true
	fi
}

# Apply netem options (none: remove the qdisc) to both ends of A-B at
# once: a link that dies dies both ways at the same moment, while one
# end after the other would leave it one-way for as long as a tc takes
# to start (about 0.1 s under TCG).
mesh_link_apply() {
	local a=$1 b=$2 pa pb rc=0
	shift 2

	mesh_link_apply_end "$a" "$b" "$@" &
	pa=$!
	mesh_link_apply_end "$b" "$a" "$@" &
	pb=$!
	wait "$pa" || rc=1
	wait "$pb" || rc=1
	return $rc
}

# The impairment configured on a link by mesh_link_set, as netem words.
mesh_link_netem() {
	local file

	file=$MESH_STATE_DIR/link.$(mesh_link_key "$1" "$2")
	[[ -f $file ]] && cat "$file"
	return 0
}

mesh_link_is_cut() {
	[[ -f $MESH_STATE_DIR/cut.$(mesh_link_key "$1" "$2") ]]
}

# mesh_link_set A B [NETEM OPTIONS...] - impair the link in both
# directions, e.g. `mesh_link_set 1 2 delay 20ms loss 5% rate 10mbit`.
# No options: a clean link again.
mesh_link_set() {
	local a=$1 b=$2
	local -a opts
	shift 2

	mesh_link_exists "$a" "$b" || return 1
	printf '%s\n' "$*" >"$MESH_STATE_DIR/link.$(mesh_link_key "$a" "$b")"
	mesh_link_is_cut "$a" "$b" && return 0
	read -ra opts <<<"$*"
	mesh_link_apply "$a" "$b" "${opts[@]}"
}

# mesh_link_cut A B - drop everything on the link, both ways, carrier up.
mesh_link_cut() {
	local a=$1 b=$2
	local -a opts

	mesh_link_exists "$a" "$b" || return 1
	read -ra opts <<<"$(mesh_link_netem "$a" "$b")"
	mesh_link_apply "$a" "$b" "${opts[@]}" loss 100% || return 1
	touch "$MESH_STATE_DIR/cut.$(mesh_link_key "$a" "$b")"
}

# mesh_link_restore A B - undo mesh_link_cut; the configured impairment
# (if any) stays.
mesh_link_restore() {
	local a=$1 b=$2
	local -a opts

	mesh_link_exists "$a" "$b" || return 1
	read -ra opts <<<"$(mesh_link_netem "$a" "$b")"
	mesh_link_apply "$a" "$b" "${opts[@]}" || return 1
	rm -f "$MESH_STATE_DIR/cut.$(mesh_link_key "$a" "$b")"
}

# Convergence.

# mesh_originators N - the originators node N has a route to, one per
# line (batman-adv marks the selected next hop with '*').
mesh_originators() {
	n "$1" batctl meshif bat0 originators -H 2>/dev/null |
		awk '$1 == "*" { print $2 }' | sort -u
}

# mesh_nexthop A B - the node through which node A currently sends to
# node B, as batman-adv chose it. Relies on the MACs above: byte 5 of an
# interface MAC is the number of the node that owns it. The metric column
# may hold one or two words, so the next hop is found by its shape.
mesh_nexthop() {
	local hop

	hop=$(n "$1" batctl meshif bat0 originators -H 2>/dev/null |
		awk -v want="$(printf '%02x' "$2")" '
			$1 == "*" && split($2, orig, ":") == 6 && orig[5] == want {
				for (i = 3; i <= NF; i++)
					if (length($i) == 17 && split($i, hop, ":") == 6) {
						print hop[5]; exit
					}
			}')
	[[ -n $hop ]] || return 1
	echo $((16#$hop))
}

# True when every node has a route to every other node.
mesh_converged() {
	local -a nodes
	local node want have

	mapfile -t nodes < <(mesh_nodes)
	want=$((${#nodes[@]} - 1))
	for node in "${nodes[@]}"; do
		have=$(mesh_originators "$node" | wc -l)
		((have >= want)) || return 1
	done
}

# mesh_wait_converged [TIMEOUT] - wait until every node has every other
# node as an originator with a selected next hop (default 30 s).
mesh_wait_converged() {
	local timeout=${1:-30} deadline node

	deadline=$((SECONDS + timeout))
	until mesh_converged; do
		if ((SECONDS >= deadline)); then
			mesh_err "not converged after ${timeout}s; originator tables:"
			for node in $(mesh_nodes); do
				echo "node $node:" >&2
				n "$node" batctl meshif bat0 originators >&2
			done
			return 1
		fi
		sleep 0.2
	done
}

# mesh_ping A B [4|6] - one ping from node A to node B's bat0 address.
mesh_ping() {
	local a=$1 b=$2 family=${3:-4}

	if [[ $family == 6 ]]; then
		n "$a" ping -6 -c 1 -W 1 -q "$(mesh_ip6 "$b")" >/dev/null 2>&1
	else
		n "$a" ping -4 -c 1 -W 1 -q "$(mesh_ip4 "$b")" >/dev/null 2>&1
	fi
}

# mesh_wait_ping A B [4|6] [TIMEOUT] - ping until node B answers (the
# first packets may be spent on ARP/ND and batman-adv's translation
# tables); default 20 s.
mesh_wait_ping() {
	local a=$1 b=$2 family=${3:-4} timeout=${4:-20} deadline

	deadline=$((SECONDS + timeout))
	until mesh_ping "$a" "$b" "$family"; do
		if ((SECONDS >= deadline)); then
			mesh_err "node $a cannot reach node $b over IPv$family within ${timeout}s"
			return 1
		fi
		# An immediate error (no route yet) must not spin.
		sleep 0.1
	done
}

# mesh_operstate A B - operstate of node A's interface towards B.
mesh_operstate() {
	n "$1" cat "/sys/class/net/$(mesh_ifname "$1" "$2")/operstate"
}

# mesh_teardown - kill what runs in the nodes and delete them. Safe to
# call twice and with no mesh; meant for `trap mesh_teardown EXIT`.
mesh_teardown() {
	local node ns pids

	for node in $(mesh_nodes); do
		ns=$(mesh_ns "$node")
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid per word
		[[ -n $pids ]] && kill -KILL $pids 2>/dev/null
		echo "netns del $ns"
	done | ip -force -batch - >/dev/null
	rm -rf "$MESH_STATE_DIR"
	return 0
}
