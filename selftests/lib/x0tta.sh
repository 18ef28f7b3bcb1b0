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

# x0tta_hop_frames NODE ORIG IFNAME - frames x0tta sent to ORIG through
# the next hop on IFNAME.
x0tta_hop_frames() {
	ctl "$1" -j path | python3 -c '
import json, sys
orig, ifname = sys.argv[1], sys.argv[2]
for p in json.load(sys.stdin):
    if p["orig"] == orig:
        for h in p["hops"]:
            if h["ifname"] == ifname:
                print(h["frames"])' "$2" "$3"
}
