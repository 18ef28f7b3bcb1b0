# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the telemetry VM tests (selftests/kernel/telemetry_*.sh),
# sourced after selftests/lib/tap.sh and selftests/lib/mesh.sh. Kept out
# of selftests/kernel/*.sh so that tools/run-vm-tests does not run it.
#
# Reading the maps: `ip netns exec` (mesh.sh's `n`) remounts /sys for the
# node and so hides /sys/fs/bpf, where the maps are pinned. tm_ctl joins
# only the node's network namespace instead; tm_ctl_sysfs also shows the
# node's own sysfs, for `attach` without dev, which finds the batman-adv
# hard interfaces there.

TM_CTL=$(realpath "${X0TTA_BUILD:-build/default}/bin/x0ttactl")
TM_PIN=/sys/fs/bpf/x0tta
export BCAST=ff:ff:ff:ff:ff:ff

# tm_require - skip the file where it cannot run.
tm_require() {
	local why

	why=$(mesh_require) || tap_skip_all "$why"
	[[ -x $TM_CTL ]] || tap_skip_all "no $TM_CTL: run make user"
	command -v bpftool >/dev/null || tap_skip_all "needs bpftool"
	command -v nsenter >/dev/null || tap_skip_all "needs nsenter"
}

tm_mount_bpffs() {
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

# tm_cleanup NODE - for the EXIT trap: detach from everything on NODE.
tm_cleanup() {
	tm_ctl "$1" telemetry detach >/dev/null 2>&1
	return 0
}

# tm_ctl NODE ARGS... - x0ttactl ARGS in node NODE's network namespace.
tm_ctl() {
	local node=$1
	shift
	nsenter --net="/run/netns/$(mesh_ns "$node")" "$TM_CTL" "$@"
}

# tm_ctl_sysfs NODE ARGS... - the same, with node NODE's sysfs on /sys
# and the guest's bpffs bound back onto /sys/fs/bpf, in a private mount
# namespace (as the controller will run: its own netns, shared bpffs).
tm_ctl_sysfs() {
	local node=$1 keep
	shift

	keep=$(mktemp -d "${TMPDIR:-/tmp}/x0tm.XXXXXX") || return 1
	nsenter --net="/run/netns/$(mesh_ns "$node")" unshare -m sh -c '
		mount --bind /sys/fs/bpf "$0" &&
		mount -t sysfs sysfs /sys &&
		mount --bind "$0" /sys/fs/bpf &&
		exec "$@"' "$keep" "$TM_CTL" "$@"
	local rc=$?
	rmdir "$keep"
	return $rc
}

# tm_json_has NODE VIEW CONDITION - some entry `e` of `x0ttactl -j
# telemetry VIEW` on NODE satisfies the Python CONDITION, which may use
# exported shell variables (N2, BCAST, ...) by name.
tm_json_has() {
	tm_ctl "$1" -j telemetry "$2" | python3 -c '
import json, os, sys
env = dict(os.environ)
sys.exit(0 if any(eval(sys.argv[1], {}, dict(env, e=e))
                  for e in json.load(sys.stdin)) else 1)' "$3"
}

# tc_filter_has NODE IFNAME ingress|egress PROGNAME - our filter is
# there, running PROGNAME.
tc_filter_has() {
	n "$1" tc filter show dev "$2" "$3" | grep -q "$4"
}

# tm_dump MAP - the pinned map as JSON with field names (bpftool prints
# BTF-formatted entries without -j; with -j they sit under "formatted").
tm_dump() {
	bpftool map dump pinned "$TM_PIN/$1" | python3 -c '
import json, sys
print(json.dumps([e.get("formatted", e) for e in json.load(sys.stdin)]))'
}

# tm_link_slots NODE IFNAME NEIGH in|out SLOT [NEIGH in|out SLOT]... -
# for each triple, a line "frames bytes" of packet type slot SLOT (enum
# tm_ptype_slot) in NODE's tm_link entry for neighbour NEIGH on IFNAME
# ("0 0" without an entry). One dump for all: each process is slow under
# TCG.
tm_link_slots() {
	local ifindex

	ifindex=$(n "$1" cat "/sys/class/net/$2/ifindex") || return 1
	shift 2
	tm_dump tm_link | python3 -c '
import json, sys
entries = json.load(sys.stdin)
ifindex, args = int(sys.argv[1]), sys.argv[2:]
for neigh, d, slot in zip(args[0::3], args[1::3], args[2::3]):
    mac = [int(x, 16) for x in neigh.split(":")]
    d, slot = (0 if d == "in" else 1), int(slot)
    found = [e["value"] for e in entries if e["key"]["ifindex"] == ifindex
             and e["key"]["neigh"] == mac and e["key"]["dir"] == d]
    print(*(found[0]["frames"][slot], found[0]["bytes"][slot]) if found else (0, 0))' \
		"$ifindex" "$@"
}
