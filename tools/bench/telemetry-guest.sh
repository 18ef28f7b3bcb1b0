# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Runs inside tools/vmtest/vmtest (see tools/bench/telemetry):
#
#	1 [to2] ---- [to1] 2 [to3] ---- [to2] 3
#	iperf3 client    forwards        iperf3 server
#
# TCP throughput from node 1 to node 3 over bat0 (BATMAN_IV), forwarded
# by node 2; no link limit, so the emulated CPU is the bottleneck and
# whatever the programs cost per frame shows up as lost throughput.
#   baseline: no telemetry.
#   x0tta:    telemetry attached to node 2's to1 and to3, so every data
#             frame runs the ingress program on to1 and the egress
#             program on to3 (and node 2's routing frames both too).
# tools/bench/telemetry runs the guest with an instruction-counting
# clock, so the host's load does not move the figures; the flow still
# settles now and then at a slower "operating point" for a whole run
# (Documentation/benchmarks.rst, overhead), so a run is many short
# rounds, attached and detached in ABBA order; the RESULT is the medians of
# each, and the median of the per-round ratios (the two runs of a round
# are back to back, so their ratio is the least exposed to drift) is
# printed beside it. One more attached run afterwards reports the
# programs' own run time (bpf_stats) against the run's length: with the
# one vCPU saturated, that share is what they take from forwarding. Only
# that run has the accounting on: it costs two clock reads per frame.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."

SECS=${BENCH_SECS:-3}
ROUNDS=${BENCH_ROUNDS:-10}

. tools/bench/lib/guest.sh

ctl=$(realpath build/default/bin/x0ttactl)

# Not `n`: ip netns exec remounts /sys, hiding /sys/fs/bpf.
on2() {
	nsenter --net="/run/netns/$(mesh_ns 2)" "$@"
}

trap 'on2 "$ctl" telemetry detach >/dev/null 2>&1; mesh_teardown' EXIT

run() {
	bench_iperf_server 3
	# -O 1: TCP's slow start is not part of the forwarding rate.
	bench_iperf 1 "$(mesh_ip4 3)" "$SECS" -O 1
}

# Unicast frames node 2's programs saw coming in on to1: proof that the
# attached run was measured with the programs in the path.
unicast_seen() {
	on2 "$ctl" -j telemetry neighbours | python3 -c '
import json, sys
print(sum(e["unicast"] for e in json.load(sys.stdin)
          if e["ifname"] == "to1" and e["dir"] == "in"))'
}

# Nanoseconds spent in all runs of our programs (data frames, ACKs,
# routing frames, both interfaces), from the kernel's own accounting
# (kernel.bpf_stats_enabled): a cost that does not depend on how fast
# the guest happens to run the rest.
prog_ns() {
	bpftool -j prog show | python3 -c '
import json, sys
print(sum(p.get("run_time_ns", 0) for p in json.load(sys.stdin)
          if p.get("name") in ("tm_ingress", "tm_egress")))'
}

# An attached run; prints "Mbit/s program-ns run-ns": the programs' time
# against the run's whole time. The one vCPU is saturated by the
# transfer, so their ratio is the share of the CPU the programs took
# from forwarding.
attached_run() {
	local mbit frames ns

	on2 "$ctl" telemetry attach dev to1 dev to3
	mbit=$(run)
	frames=$(unicast_seen)
	ns=$(prog_ns)
	on2 "$ctl" telemetry detach
	if ((frames == 0)); then
		bench_err "the programs saw no data frame: not measuring them"
		return 1
	fi
	echo "$mbit $ns $((SECS * 1000000000))"
}

why=$(mesh_require) || { bench_err "$why"; exit 1; }
for tool in iperf3 python3 nsenter; do
	command -v "$tool" >/dev/null || { bench_err "needs $tool"; exit 1; }
done
[[ -x $ctl ]] || { bench_err "no $ctl"; exit 1; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mesh_line 3
mesh_wait_converged 60
mesh_wait_ping 1 3 4 30

base=()
with=()
paired=()
for ((r = 0; r < ROUNDS; r++)); do
	if ((r % 4 == 0 || r % 4 == 3)); then
		base+=("$(run)")
		res=$(attached_run)
	else
		res=$(attached_run)
		base+=("$(run)")
	fi
	read -r mbit ns run_ns <<<"$res"
	with+=("$mbit")
	paired+=("$(bench_ratio "${with[r]}" "${base[r]}")")
	echo "round $((r + 1)): without ${base[r]} Mbit/s, with ${with[r]} Mbit/s," \
		"ratio ${paired[r]}" >&2
done
echo "median of the per-round ratios: $(printf '%s\n' "${paired[@]}" | bench_median)" >&2
# The programs' own run time, from one more attached run with the kernel
# accounting it: kept out of the rounds above, since timing every run of
# a program costs two clock reads per frame, which users do not pay.
sysctl -qw kernel.bpf_stats_enabled=1
read -r mbit ns run_ns <<<"$(attached_run)"
sysctl -qw kernel.bpf_stats_enabled=0
echo "share of the CPU spent in the programs (bpf_stats on, $mbit Mbit/s):" \
	"$(bench_ratio "$ns" "$run_ns")" >&2
b=$(printf '%s\n' "${base[@]}" | bench_median)
x=$(printf '%s\n' "${with[@]}" | bench_median)
echo "RESULT telemetry-forwarding x0tta=${x}Mbit/s baseline=${b}Mbit/s" \
	"ratio=$(bench_ratio "$x" "$b")"
