# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Runs inside tools/vmtest/vmtest (see tools/bench/multipath):
#
#	        2
#	  to2  / \  RATE
#	      1   4     iperf3 -P 8 from node 1 to node 4
#	  to3  \ /  RATE
#	        3
#
# The 2-4 and 3-4 links are limited to RATE (netem, both directions), so
# the two paths from node 1 to node 4 are disjoint and equal. Rounds
# alternate, so that drift of the emulated CPU hits both alike:
#   baseline: no path entry: batman-adv sends everything on its one
#             chosen path.
#   x0tta:    node 1 has a path entry to node 4 via to2 and to3 (equal
#             weights): x0tta spreads the 8 flows over both.
# The median of each is reported. A control run first checks that the
# emulated CPU can forward twice RATE on one path; if it cannot, the CPU
# and not the links would cap the x0tta figure, and the run says so.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../../.."

RATE=${BENCH_RATE:-20}
SECS=${BENCH_SECS:-5}
ROUNDS=${BENCH_ROUNDS:-5}
FLOWS=8

. tools/bench/lib/guest.sh
bench_check_counts RATE SECS ROUNDS

trap 'mesh_teardown; x0tta_unload' EXIT

# shape MBIT - limit both paths to MBIT. A short queue (100 frames) keeps
# the links from hiding seconds of data in netem's default 1000.
shape() {
	mesh_link_set 2 4 rate "${1}mbit" limit 100
	mesh_link_set 3 4 rate "${1}mbit" limit 100
}

# run - aggregate Mbit/s of FLOWS TCP flows from node 1 to node 4. The
# first second (slow start into the queue) is left out.
run() {
	bench_iperf_server 4
	bench_iperf 1 "$(mesh_ip4 4)" "$SECS" -P "$FLOWS" -O 1
}

hop_frames() {
	echo "to2 $(x0tta_hop_frames 1 "$orig4" to2) frames," \
		"to3 $(x0tta_hop_frames 1 "$orig4" to3) frames"
}

bench_require
x0tta_load
mesh_diamond
mesh_wait_converged 60
mesh_wait_ping 1 4 4 30
orig4=$(x0tta_orig 4)

shape $((2 * RATE))
control=$(run)
echo "control: one path limited to $((2 * RATE)) Mbit/s carried $control Mbit/s" >&2
if awk -v c="$control" -v r="$RATE" 'BEGIN { exit !(c < 1.8 * r) }'; then
	echo "control: the emulated CPU cannot forward twice the link rate:" \
		"the x0tta figure is capped by the CPU, lower BENCH_RATE" >&2
fi
shape "$RATE"

base=()
x0=()
for ((r = 0; r < ROUNDS; r++)); do
	base+=("$(run)")
	ctl 1 path add "$orig4" via to2 "$(mesh_hardif_mac 2 1)" \
		via to3 "$(mesh_hardif_mac 3 1)"
	x0+=("$(run)")
	echo "round $((r + 1)): one path ${base[r]} Mbit/s, x0tta ${x0[r]} Mbit/s" \
		"($(hop_frames))" >&2
	if [[ $(hop_frames) == *" 0 frames"* ]]; then
		echo "round $((r + 1)): one next hop carried nothing:" >&2
		ctl 1 path >&2
		ctl 1 neighbours >&2
		n 1 ss -tn dst "$(mesh_ip4 4)" >&2
	fi
	ctl 1 path del "$orig4"
done
b=$(printf '%s\n' "${base[@]}" | bench_median)
x=$(printf '%s\n' "${x0[@]}" | bench_median)
echo "RESULT multipath-tcp${FLOWS} x0tta=${x}Mbit/s baseline=${b}Mbit/s" \
	"ratio=$(bench_ratio "$x" "$b")"
