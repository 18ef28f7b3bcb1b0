# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# guest.sh - helpers shared by the datapath benchmarks' guest scripts
# (tools/bench/lib/*-guest.sh), which run inside tools/vmtest/vmtest.
# Source from the top of the tree, after setting MESH_* variables:
# it brings in selftests/lib/mesh.sh and selftests/lib/x0tta.sh.

. selftests/lib/mesh.sh
. selftests/lib/x0tta.sh

bench_err() {
	echo "bench: $*" >&2
}

# bench_require - stop the run (exit 1: a benchmark that cannot run has
# no figure to give) unless this is a guest that can build a mesh with
# x0tta.ko.
bench_require() {
	local why

	why=$(mesh_require) || { bench_err "$why"; exit 1; }
	why=$(x0tta_require) || { bench_err "$why"; exit 1; }
	for tool in iperf3 python3; do
		command -v "$tool" >/dev/null || { bench_err "needs $tool"; exit 1; }
	done
}

# bench_check_counts NAME... - stop the run (exit 2, a usage error)
# unless each named variable holds a positive whole number: the settings
# come from the user's environment and end up in netem, iperf3 and
# arithmetic.
bench_check_counts() {
	local name

	for name in "$@"; do
		if [[ ! ${!name} =~ ^[1-9][0-9]{0,5}$ ]]; then
			bench_err "$name must be a positive whole number, not '${!name}'"
			exit 2
		fi
	done
}

# bench_median - the median of the numbers on stdin, one a line (the
# lower middle one for an even count).
bench_median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# bench_ratio A B - A / B with 3 decimals, "inf" when B is 0.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b == 0) print "inf"; else printf "%.3f\n", a / b }'
}

# bench_iperf NODE DST SECONDS [IPERF3 ARGS...] - TCP throughput from
# NODE to DST (which runs `iperf3 -s`), in Mbit/s as received.
bench_iperf() {
	local node=$1 dst=$2 secs=$3
	shift 3

	n "$node" iperf3 -J -t "$secs" -c "$dst" "$@" | python3 -c '
import json, sys
r = json.load(sys.stdin)
if "error" in r:
    sys.exit("iperf3: " + r["error"])
print("%.2f" % (r["end"]["sum_received"]["bits_per_second"] / 1e6))'
}

# bench_iperf_server NODE - a one-shot iperf3 server on NODE, ready when
# this returns.
bench_iperf_server() {
	local i

	n "$1" iperf3 -s -D -1 >/dev/null 2>&1
	for ((i = 0; i < 50; i++)); do
		n "$1" ss -Hltn 'sport = :5201' | grep -q . && return 0
		sleep 0.1
	done
	bench_err "iperf3 server on node $1 did not start"
	return 1
}
