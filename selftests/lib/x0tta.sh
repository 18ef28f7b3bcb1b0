# SPDX-License-Identifier: GPL-2.0
#
# shellcheck shell=bash
#
# x0tta.sh - load x0tta.ko and read it through x0ttactl, for the VM tests.
# Source after tap.sh; X0TTA_BUILD picks the userspace build (default
# build/default).

X0TTA_KO=${X0TTA_KO:-kernel/x0tta.ko}
X0TTA_CTL=$(realpath "${X0TTA_BUILD:-build/default}/bin/x0ttactl" 2>/dev/null)

# x0tta_require - why this file cannot run here, if it cannot.
x0tta_require() {
	if [[ ! -f $X0TTA_KO ]]; then
		echo "no $X0TTA_KO: run make"
		return 1
	fi
	if [[ ! -x $X0TTA_CTL ]]; then
		echo "no x0ttactl: run make"
		return 1
	fi
	if [[ $(uname -r) != "$(modinfo -F vermagic "$X0TTA_KO" | cut -d' ' -f1)" ]]; then
		echo "x0tta.ko is not built for $(uname -r) (run in tools/vmtest/vmtest)"
		return 1
	fi
}

x0tta_load() {
	[[ -d /sys/module/x0tta ]] || insmod "$X0TTA_KO"
}

x0tta_unload() {
	[[ ! -d /sys/module/x0tta ]] || rmmod x0tta
}

# ctl [NODE] ARGS... - x0ttactl, in mesh node NODE's namespace if the
# first argument is a number.
ctl() {
	if [[ $1 =~ ^[0-9]+$ ]]; then
		local node=$1
		shift
		n "$node" "$X0TTA_CTL" "$@"
	else
		"$X0TTA_CTL" "$@"
	fi
}

# x0tta_ifaces [NODE] - the attached interfaces, sorted, space-separated,
# each as IFNAME@MESH_IFNAME.
x0tta_ifaces() {
	ctl "$@" -j interfaces | python3 -c '
import json, sys
print(" ".join(sorted(i["ifname"] + "@" + i["mesh_ifname"] for i in json.load(sys.stdin))))'
}

# x0tta_counter [NODE] [dev IFNAME] TYPE FIELD - one counter of "stats",
# e.g. x0tta_counter 1 dev to2 coded tx_frames.
x0tta_counter() {
	local args=() type field
	if [[ $1 =~ ^[0-9]+$ ]]; then
		args+=("$1")
		shift
	fi
	args+=(-j stats)
	if [[ $1 == dev ]]; then
		args+=(dev "$2")
		shift 2
	fi
	type=$1 field=$2
	ctl "${args[@]}" | python3 -c '
import json, sys
for c in json.load(sys.stdin)["counters"]:
    if c["type"] == sys.argv[1]:
        print(c[sys.argv[2]])' "$type" "$field"
}

# x0tta_orig NODE - node's originator address (its primary interface's
# MAC), as batman-adv's unicast headers name it.
x0tta_orig() {
	n "$1" batctl meshif bat0 originators 2>/dev/null |
		sed -n 's/.*MainIF\/MAC: [^/]*\/\([0-9a-f:]\{17\}\).*/\1/p'
}

# x0tta_udp_flows NODE DST FLOWS COUNT - from NODE, COUNT datagrams on
# each of FLOWS UDP flows (source ports 20000 + i) to DST port 9.
x0tta_udp_flows() {
	n "$1" python3 - "$2" "$3" "$4" <<'PY'
import socket, sys
dst, flows, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for i in range(flows):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", 20000 + i))
    socks.append(s)
for _ in range(count):
    for s in socks:
        s.sendto(b"x" * 64, (dst, 9))
PY
}

# x0tta_hop_field NODE ORIG IFNAME FIELD - FIELD ("frames", "state",
# ...) of the next hop on IFNAME of NODE's path entry for ORIG.
x0tta_hop_field() {
	ctl "$1" -j path | python3 -c '
import json, sys
orig, ifname, field = sys.argv[1:4]
for p in json.load(sys.stdin):
    if p["orig"] == orig:
        for h in p["hops"]:
            if h["ifname"] == ifname:
                print(h[field])' "$2" "$3" "$4"
}

# x0tta_hop_frames NODE ORIG IFNAME - frames x0tta sent to ORIG through
# the next hop on IFNAME.
x0tta_hop_frames() {
	x0tta_hop_field "$1" "$2" "$3" frames
}

# x0tta_stat NODE FIELD - one namespace total of "stats" (rerouted,
# holdq_queued, holdq_sent, holdq_overflow, holdq_expired, holdq_len,
# quarantine_dropped).
x0tta_stat() {
	ctl "$1" -j stats | python3 -c '
import json, sys
print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}

# x0tta_test_start [CMD...] - the start of a kernel test file with
# x0tta.ko: skip the file where there is no mesh, no module or no CMD,
# tear the mesh down and unload the module on exit, load the module.
x0tta_test_start() {
	local why cmd

	why=$(mesh_require) || tap_skip_all "$why"
	why=$(x0tta_require) || tap_skip_all "$why"
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null || tap_skip_all "needs $cmd"
	done
	trap 'mesh_teardown; x0tta_unload' EXIT
	x0tta_load || tap_bail "cannot load $X0TTA_KO"
}

# x0tta_neigh_states NODE - "IFNAME=STATE" for every neighbour x0tta
# tracks on NODE, sorted, space-separated (e.g. "to2=down to3=up").
x0tta_neigh_states() {
	ctl "$1" -j neighbours | python3 -c '
import json, sys
print(" ".join(sorted(n["ifname"] + "=" + n["state"] for n in json.load(sys.stdin))))'
}

# x0tta_neigh_field NODE IFNAME FIELD - FIELD ("state", "echo_sent",
# ...) of the neighbour x0tta on NODE tracks on IFNAME.
x0tta_neigh_field() {
	ctl "$1" -j neighbours | python3 -c '
import json, sys
ifname, field = sys.argv[1:3]
for n in json.load(sys.stdin):
    if n["ifname"] == ifname:
        print(n[field])' "$2" "$3"
}

# x0tta_neigh_changes NODE - up/down transitions of all the neighbours
# x0tta tracks on NODE, summed.
x0tta_neigh_changes() {
	ctl "$1" -j neighbours | python3 -c '
import json, sys
print(sum(n["changes"] for n in json.load(sys.stdin)))'
}

# x0tta_wait_neigh NODE IFNAME STATE [TIMEOUT] - wait until x0tta on
# NODE says the neighbour on IFNAME is STATE (up, down); default 20 s.
# Each look costs a process start under TCG, so it looks every 0.2 s.
x0tta_wait_neigh() {
	local node=$1 ifname=$2 state=$3 timeout=${4:-20} deadline

	deadline=$((SECONDS + timeout))
	until [[ " $(x0tta_neigh_states "$node") " == *" $ifname=$state "* ]]; do
		if ((SECONDS >= deadline)); then
			echo "x0tta: neighbour on $ifname of node $node not $state" \
				"after ${timeout}s: $(x0tta_neigh_states "$node")" >&2
			return 1
		fi
		sleep 0.2
	done
}

# x0tta_seq_recv_start NODE PORT COUNT OUT [IDLE] - in the background on
# NODE, receive sequence-numbered datagrams (from x0tta_seq_send) on UDP
# PORT until COUNT arrived or none came for IDLE seconds (default 5),
# then write one line to OUT:
#	received=N reordered=R missing=M flows=F
# reordered counts datagrams whose sequence number was not above the
# last one of their flow (source address and port); missing counts the
# gaps below the highest number seen of each flow. Returns once the
# socket is bound, so nothing sent afterwards is missed.
x0tta_seq_recv_start() {
	local node=$1 port=$2 count=$3 out=$4 idle=${5:-5} deadline

	rm -f "$out" "$out.ready"
	n "$node" python3 - "$port" "$count" "$out" "$idle" <<'PY' &
import os, socket, struct, sys
port, count, out, idle = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# A burst must wait in the socket, not be dropped while Python starts
# up: FORCE (we are root) goes past net.core.rmem_max.
s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 16 << 20)
s.bind(("", port))
s.settimeout(idle)
open(out + ".ready", "w").close()
last, seen = {}, {}
received = reordered = 0
while received < count:
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        break
    if len(data) < 4:
        continue
    seq = struct.unpack("!I", data[:4])[0]
    received += 1
    if peer in last and seq <= last[peer]:
        reordered += 1
    last[peer] = max(seq, last.get(peer, seq))
    seen.setdefault(peer, set()).add(seq)
missing = sum(last[p] + 1 - len(seen[p]) for p in last)
with open(out + ".tmp", "w") as f:
    f.write("received=%d reordered=%d missing=%d flows=%d\n" %
            (received, reordered, missing, len(last)))
os.rename(out + ".tmp", out)
PY
	deadline=$((SECONDS + 20))
	until [[ -e $out.ready ]]; do
		if ((SECONDS >= deadline)); then
			echo "x0tta: receiver on node $node did not start" >&2
			return 1
		fi
		sleep 0.1
	done
}

# x0tta_seq_result OUT [TIMEOUT] - wait for the receiver's line and print
# it (default 60 s).
x0tta_seq_result() {
	local out=$1 timeout=${2:-60} deadline

	deadline=$((SECONDS + timeout))
	until [[ -e $out ]]; do
		if ((SECONDS >= deadline)); then
			echo "x0tta: no receiver result in $out after ${timeout}s" >&2
			return 1
		fi
		sleep 0.2
	done
	cat "$out"
}

# x0tta_seq_field LINE KEY - one value of a receiver's line.
x0tta_seq_field() {
	local word

	for word in $1; do
		if [[ $word == "$2="* ]]; then
			echo "${word#*=}"
			return 0
		fi
	done
	return 1
}

# x0tta_seq_send NODE DST PORT COUNT [FLOWS] - from NODE, COUNT
# datagrams numbered 0..COUNT-1 on each of FLOWS UDP flows (source ports
# 30000 + i, default 1) to DST:PORT, the flows taking turns.
x0tta_seq_send() {
	n "$1" python3 - "$2" "$3" "$4" "${5:-1}" <<'PY'
import socket, struct, sys
dst, port, count, flows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
socks = []
for i in range(flows):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", 30000 + i))
    socks.append(s)
for seq in range(count):
    for s in socks:
        s.sendto(struct.pack("!I", seq) + b"x" * 60, (dst, port))
PY
}
