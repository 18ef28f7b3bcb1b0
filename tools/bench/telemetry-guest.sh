# SPDX-License-Identifier: GPL-2.0
#
# Runs inside tools/vmtest/vmtest (see tools/bench/telemetry):
#
#   node 1 [to2] ---- [to1] node 2 [to3] ---- [to2] node 3
#   iperf3 client       forwards            iperf3 server
#
# TCP throughput from node 1 to node 3 over bat0 (BATMAN_IV), forwarded
# by node 2, alternating runs without and with telemetry on node 2's
# to1 and to3 (interleaved so that drift of the emulated CPU hits both
# alike); the median of each is reported.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-5}
rounds=${2:-3}
ctl=$(realpath build/default/bin/x0ttactl)

n() {
	local node=$1
	shift
	ip netns exec "x0tb$node-$$" "$@"
}

# Not `n`: ip netns exec remounts /sys, hiding /sys/fs/bpf.
on2() {
	nsenter --net="/run/netns/x0tb2-$$" "$@"
}

cleanup() {
	on2 "$ctl" telemetry detach >/dev/null 2>&1 || true
	for i in 1 2 3; do
		ip netns pids "x0tb$i-$$" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "x0tb$i-$$" 2>/dev/null || true
	done
}
trap cleanup EXIT

topo_up() {
	local i

	modprobe batman-adv
	modprobe veth
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	for i in 1 2 3; do
		ip netns add "x0tb$i-$$"
		n "$i" ip link set lo up
		n "$i" ip link add bat0 type batadv ra BATMAN_IV
	done
	ip -n "x0tb1-$$" link add to2 mtu 1560 type veth \
		peer name to1 netns "x0tb2-$$" mtu 1560
	ip -n "x0tb2-$$" link add to3 mtu 1560 type veth \
		peer name to2 netns "x0tb3-$$" mtu 1560
	for link in 1:to2 2:to1 2:to3 3:to2; do
		n "${link%:*}" ip link set "${link#*:}" master bat0
		n "${link%:*}" ip link set "${link#*:}" up
	done
	for i in 1 2 3; do
		n "$i" ip link set bat0 up
		n "$i" ip addr add "10.43.0.$i/24" dev bat0
	done
	for ((i = 0; i < 600; i++)); do
		n 1 ping -c 1 -W 1 -q 10.43.0.3 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "telemetry bench: node 3 unreachable" >&2
	return 1
}

# One run: Mbit/s received by node 3.
run() {
	n 3 iperf3 -s -D -1 >/dev/null 2>&1
	sleep 0.5
	n 1 iperf3 -J -t "$secs" -c 10.43.0.3 | python3 -c '
import json, sys
print("%.1f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

topo_up
off=()
on=()
for ((r = 0; r < rounds; r++)); do
	off+=("$(run)")
	on2 "$ctl" telemetry attach dev to1 dev to3
	on+=("$(run)")
	on2 "$ctl" telemetry detach
	echo "round $((r + 1)): without ${off[r]} Mbit/s, with ${on[r]} Mbit/s" >&2
done
b=$(printf '%s\n' "${off[@]}" | median)
x=$(printf '%s\n' "${on[@]}" | median)
echo "RESULT telemetry-forwarding x0tta=${x}Mbit/s baseline=${b}Mbit/s" \
	"ratio=$(awk -v x="$x" -v b="$b" 'BEGIN { printf "%.3f", x / b }')"
