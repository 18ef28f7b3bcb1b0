# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Runs inside tools/vmtest/vmtest (see tools/bench/overhead):
#
#	1 [to2] -- [to1] 2 [to3] -- [to2] 3 [to4] -- [to3] 4
#	iperf3 client      forwards         forwards       iperf3 server
#
# TCP throughput from node 1 to node 4 over three hops, no link limit:
# the emulated CPU is the bottleneck, so whatever x0tta.ko costs per
# frame shows up as lost throughput.
#   baseline: x0tta.ko not loaded.
#   x0tta:    x0tta.ko loaded (hooks on all six hard interfaces, echo
#             liveness running), and every node has a path entry towards
#             node 4 and towards node 1 (its one next hop on the line),
#             so every data frame takes the path lookup and the rewrite.
# Rounds alternate the order (ABBA) so that drift of the emulated CPU and
# any first-run effect hit both alike; the medians are reported.
#
# The guest is CPU-bound during the transfer (under 2% idle in
# /proc/stat; a profile that shows it halted was taken while no transfer
# ran), so the throughput is the emulated CPU's cost per byte. With
# BENCH_CLOCK=instructions (tools/vmtest --icount) the guest's clock
# counts instructions and the host's load cannot move the figure; with
# the host's clock it can, by a factor of 2. Even so, a run now and then
# settles in a slower operating point of the TCP flow (about 170 instead
# of 220 Mbit/s, with or without x0tta.ko): read the medians, not one
# round's ratio.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../../.."

# Many short rounds rather than a few long ones: the two runs of a round
# are then close in time, and a load spike on the shared host spoils one
# round's ratio instead of shifting a whole median.
SECS=${BENCH_SECS:-3}
ROUNDS=${BENCH_ROUNDS:-10}

. tools/bench/lib/guest.sh
bench_check_counts SECS ROUNDS

trap 'mesh_teardown; x0tta_unload' EXIT

# path NODE DEST_NODE NEXT_NODE - NODE's entry towards DEST_NODE via its
# link to NEXT_NODE.
path() {
	ctl "$1" path add "${orig[$2]}" via "to$3" "$(mesh_hardif_mac "$3" "$1")"
}

x0tta_on() {
	x0tta_load
	path 1 4 2
	path 2 4 3
	path 3 4 4
	path 4 1 3
	path 3 1 2
	path 2 1 1
}

# The first second (slow start) is left out: the figure is the steady
# forwarding rate.
run() {
	bench_iperf_server 4
	bench_iperf 1 "$(mesh_ip4 4)" "$SECS" -O 1
}

x0tta_run() {
	local mbit frames

	x0tta_on
	mbit=$(run)
	# Proof that the entries were used: node 2 forwarded the data.
	frames=$(x0tta_hop_frames 2 "${orig[4]}" to3)
	x0tta_unload
	echo "$mbit $frames"
}

bench_require
mesh_line 4
mesh_wait_converged 60
mesh_wait_ping 1 4 4 30
declare -A orig
for node in 1 4; do
	orig[$node]=$(x0tta_orig "$node")
done

base=()
x0=()
# Each round's two runs are back to back: their ratio is the least
# exposed to the host's load changing under the emulated CPU.
paired=()
for ((r = 0; r < ROUNDS; r++)); do
	if ((r % 2 == 0)); then
		base+=("$(run)")
		res=$(x0tta_run)
	else
		res=$(x0tta_run)
		base+=("$(run)")
	fi
	read -r mbit frames <<<"$res"
	x0+=("$mbit")
	paired+=("$(bench_ratio "$mbit" "${base[r]}")")
	echo "round $((r + 1)): without x0tta.ko ${base[r]} Mbit/s," \
		"with ${x0[r]} Mbit/s, ratio ${paired[r]}" \
		"(node 2 forwarded $frames frames by its entry)" >&2
	if ((frames == 0)); then
		bench_err "the path entries carried no frame: not measuring x0tta"
		exit 1
	fi
done
echo "guest clock: ${BENCH_CLOCK:-host}" >&2
echo "median of the per-round ratios: $(printf '%s\n' "${paired[@]}" | bench_median)" >&2
b=$(printf '%s\n' "${base[@]}" | bench_median)
x=$(printf '%s\n' "${x0[@]}" | bench_median)
echo "RESULT overhead-forwarding x0tta=${x}Mbit/s baseline=${b}Mbit/s" \
	"ratio=$(bench_ratio "$x" "$b")"
