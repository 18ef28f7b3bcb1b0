# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Runs inside tools/vmtest/vmtest (see tools/bench/failover):
#
#	        2
#	  to2  / \
#	      1   4     udpseq.py stream 1 -> 4 (RATE datagrams/s)
#	  to3  \ /
#	        3
#
# For each routing algorithm, a fresh diamond per run (so no run inherits
# another's link state or metric history), batman-adv at its default
# originator interval of 1000 ms (ELP 500 ms), node 3 with a higher hop
# penalty so that batman-adv's route 1 -> 4 is via node 2. A sequence-numbered UDP stream flows
# from node 1 to node 4; PRE seconds in, the link from node 1 to the
# neighbour that carries the stream is cut (netem loss 100% at both ends,
# carrier up), and the stream goes on for POST seconds. The loss is what
# the receiver did not get.
#   baseline: x0tta.ko loaded, no path entry: batman-adv's own router.
#   x0tta:    node 1 has a path entry to node 4 via to2 and to3, with
#             echo_interval_ms 100 or 20 (detect_mult 3, the default).
# One baseline per algorithm serves both echo intervals: echo settings
# do not change what batman-adv does. batman-adv's outage depends on
# where in its 1 s OGM cycle the cut falls (0.1 s to 5 s were seen), so
# the baseline is the median of BASE_RUNS runs, each a cut of
# batman-adv's best path (via node 2: a run whose router had moved to
# node 3 before the cut, or that lost nothing, is run again). Seven, as
# BATMAN_IV with the close backup recovers within 0.7 s from about one
# cut in five (14 of 65 logged): three such among five runs made the
# median one of them in about 8% of bench runs, among seven about 5%
# (Documentation/benchmarks.rst). x0tta's loss is its detection time, up to
# about echo_interval_ms + detect_mult * echo_fast_ms, and depends on
# where the cut falls in the echo cycles of nodes 1 and 2: it is the
# median of X_RUNS runs. Each figure is a median of its own
# runs, so one lucky or unlucky cut on either side does not make the
# ratio.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../../.."

RATE=${BENCH_RATE:-500}
PRE=${BENCH_PRE:-3}
POST=${BENCH_POST:-8}
BASE_RUNS=${BENCH_BASE_RUNS:-7}
X_RUNS=${BENCH_X_RUNS:-3}
HOP_PENALTY=${BENCH_HOP_PENALTY:-60}
# Nodes 2 to 4 ask at node 1's interval unless told otherwise: a long
# one (10000) leaves node 1 to its own requests alone.
PEER_INTERVAL=${BENCH_PEER_INTERVAL:-}
ALGOS=${BENCH_ALGOS:-BATMAN_IV BATMAN_V}
INTERVALS=${BENCH_INTERVALS:-100 20}
PORT=9000

# batman-adv's defaults, as in a real mesh.
MESH_ORIG_INTERVAL=1000
MESH_ELP_INTERVAL=500
. tools/bench/lib/guest.sh
bench_check_counts RATE PRE POST BASE_RUNS X_RUNS HOP_PENALTY
if ((HOP_PENALTY > 255)); then
	bench_err "BENCH_HOP_PENALTY must be 1 to 255, not $HOP_PENALTY"
	exit 2
fi
for interval in $INTERVALS $PEER_INTERVAL; do
	bench_check_counts interval
done
for algo in $ALGOS; do
	if [[ $algo != BATMAN_IV && $algo != BATMAN_V ]]; then
		bench_err "unknown routing algorithm '$algo' (BATMAN_IV, BATMAN_V)"
		exit 2
	fi
done

udpseq=$(realpath tools/bench/lib/udpseq.py)
work=$(mktemp -d)
trap 'mesh_teardown; x0tta_unload; rm -rf "$work"' EXIT

# The next hop (2 or 3) node 1's x0tta entry sends the stream to: the one
# whose frame counter grew.
x0tta_hop() {
	local f2 f3

	f2=$(x0tta_hop_frames 1 "$(x0tta_orig 4)" to2)
	f3=$(x0tta_hop_frames 1 "$(x0tta_orig 4)" to3)
	if ((f2 + f3 == 0)); then
		bench_err "the x0tta entry carried no frame"
		return 1
	fi
	if ((f2 > f3)); then echo 2; else echo 3; fi
}

# neighbours_up NODE COUNT - wait until NODE's x0tta has COUNT neighbours
# up (answering echoes): before that, x0tta cannot tell a dead one.
neighbours_up() {
	local node=$1 want=$2 i have

	for ((i = 0; i < 100; i++)); do
		have=$(ctl "$node" -j neighbours | python3 -c '
import json, sys
print(sum(1 for n in json.load(sys.stdin) if n["state"] == "up"))')
		((have >= want)) && return 0
		sleep 0.2
	done
	bench_err "node $node: only $have of $want neighbours up"
	return 1
}

# Two exactly equal paths make batman-adv change its router to node 4
# back and forth as OGM copies race, so a cut often finds the stream on
# the surviving path already and measures luck. A real mesh has a best
# path and a backup: a higher hop penalty on node 3 (routing metric only,
# the data path is untouched) makes 1-2-4 batman-adv's choice. At 60 (of
# 255; node 2 has the default 30) the backup is a close second: one OGM
# of node 4 that comes via node 3 alone after the cut is enough for
# BATMAN_IV to switch, and a late or lost OGM now and then makes it
# switch without a cut. At 200 it is a distant second, as in the VM test
# (selftests/kernel/datapath_failover.sh): about 4 such OGMs.
wait_router_2() {
	local i

	for ((i = 0; i < 150; i++)); do
		[[ $(mesh_nexthop 1 4 || true) == 2 ]] && return 0
		sleep 0.2
	done
	bench_err "batman-adv on node 1 does not route to node 4 via node 2"
	return 1
}

diamond_up() {
	local algo=$1 interval=$2 node

	MESH_ALGO=$algo
	mesh_diamond
	n 3 batctl meshif bat0 hop_penalty "$HOP_PENALTY"
	ctl 1 config set echo_interval_ms "$interval" >/dev/null
	for node in 2 3 4; do
		ctl "$node" config set echo_interval_ms \
			"${PEER_INTERVAL:-$interval}" >/dev/null
	done
	mesh_wait_converged 60
	wait_router_2
	mesh_wait_ping 1 4 4 30
}

# field NAME "A=1 B=2 ..." - the value of NAME.
field() {
	sed -n "s/.*\\b$1=\\([0-9-]*\\).*/\\1/p" <<<"$2"
}

# run ALGO MODE INTERVAL - one stream through one cut; prints
# "lost=N sent=N maxgap=N reordered=N last=SEQ hop=N".
run() {
	local algo=$1 mode=$2 interval=$3 rpid spid hop sent r

	diamond_up "$algo" "$interval"
	if [[ $mode == x0tta ]]; then
		ctl 1 path add "$(x0tta_orig 4)" \
			via to2 "$(mesh_hardif_mac 2 1)" via to3 "$(mesh_hardif_mac 3 1)"
		neighbours_up 1 2
	fi
	# nsenter, not n: it execs, so $! is the receiver itself, which
	# prints its counts on SIGTERM (ip netns exec would forward nothing).
	nsenter --net="/run/netns/$(mesh_ns 4)" python3 "$udpseq" recv "$PORT" >"$work/recv" &
	rpid=$!
	sleep 1
	n 1 python3 "$udpseq" send "$(mesh_ip4 4)" "$PORT" "$RATE" $((PRE + POST)) >"$work/send" &
	spid=$!
	sleep "$PRE"
	if [[ $mode == x0tta ]]; then
		hop=$(x0tta_hop)
	else
		hop=$(mesh_nexthop 1 4)
	fi
	# The baseline is a cut of batman-adv's best path. If its router has
	# moved to node 3 meanwhile (OGM copies still race now and then),
	# a cut there measures how soon it flaps back, not how it recovers.
	if [[ $mode == baseline && $hop != 2 ]]; then
		kill "$spid" "$rpid"
		wait "$spid" "$rpid" || true
		mesh_teardown
		echo "moved hop=$hop"
		return 0
	fi
	mesh_link_cut 1 "$hop"
	wait "$spid"
	sleep 1
	# The receiver drains what it has not read yet when told to stop.
	kill -TERM "$rpid"
	wait "$rpid" || true
	sent=$(sed -n 's/^sent=//p' "$work/send")
	r=$(cat "$work/recv")
	if [[ -z $sent || $r != received=* ]]; then
		bench_err "the stream gave no counts"
		return 1
	fi
	mesh_teardown
	res="lost=$((sent - $(field received "$r"))) sent=$sent"
	res+=" maxgap=$(field maxgap "$r") reordered=$(field reordered "$r")"
	res+=" last=$(field last "$r") hop=$hop"
	# The router is read a few hundred ms before the cut, and can still
	# flap to node 3 in between: then the cut does not touch the stream,
	# and not one datagram is lost. A cut of the path the stream takes
	# costs some (at 500/s, unless batman-adv switches within 2 ms of
	# it): the quickest recovery it can make is on an OGM that comes via
	# node 3 alone, after the cut.
	if [[ $mode == baseline && $(field lost "$res") == 0 ]]; then
		res="moved $res"
	fi
	echo "$res"
}

# baseline ALGO - the median loss of BASE_RUNS baseline runs; a run
# whose cut missed the stream (router not node 2 just before it, or no
# datagram lost) is run again. In some guests
# most runs find it at node 3 (3 of 4 in one), so up to 5 * BASE_RUNS
# runs are redone before giving up on ALGO: then "none". (A status would
# not do: set -e does not act inside a function called as a condition.)
baseline() {
	local algo=$1 i res tries=0 lost=()

	for ((i = 0; i < BASE_RUNS; i++)); do
		res=$(run "$algo" baseline 100)
		if [[ $res == moved* ]]; then
			if [[ $res == moved\ lost=* ]]; then
				echo "$algo baseline: the cut missed the stream" \
					"($res): batman-adv's router left node 2" \
					"just before it: run again" >&2
			else
				echo "$algo baseline: batman-adv's router was node" \
					"$(field hop "$res") just before the cut," \
					"not node 2: run again" >&2
			fi
			if ((++tries > 5 * BASE_RUNS)); then
				bench_err "$algo: the cut missed batman-adv's" \
					"router in $tries runs: no baseline"
				echo none
				return 0
			fi
			i=$((i - 1))
			continue
		fi
		echo "$algo baseline: $res (stream of $RATE/s, cut after ${PRE}s)" >&2
		if (($(field last "$res") < $(field sent "$res") - RATE)); then
			echo "$algo baseline: the stream had not recovered ${POST}s" \
				"after the cut: its loss is a lower bound" >&2
		fi
		lost+=("$(field lost "$res")")
	done
	printf '%s\n' "${lost[@]}" | bench_median
}

bench_require
x0tta_load
echo "node 3's hop penalty: $HOP_PENALTY; echo_interval_ms of nodes 2 to 4:" \
	"${PEER_INTERVAL:-as node 1}" >&2
status=0
for algo in $ALGOS; do
	# Without a baseline for one algorithm, still measure the other.
	b=$(baseline "$algo")
	if [[ $b == none ]]; then
		status=1
		continue
	fi
	for interval in $INTERVALS; do
		lost=()
		for ((i = 0; i < X_RUNS; i++)); do
			res=$(run "$algo" x0tta "$interval")
			echo "$algo x0tta echo ${interval}ms: $res" >&2
			lost+=("$(field lost "$res")")
		done
		x=$(printf '%s\n' "${lost[@]}" | bench_median)
		lower=${algo#BATMAN_}
		echo "RESULT failover-${lower,,}-${interval}ms x0tta=${x}frames" \
			"baseline=${b}frames ratio=$(bench_ratio "$b" "$x")"
	done
done
exit $status
