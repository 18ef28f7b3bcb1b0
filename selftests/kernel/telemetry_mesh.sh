#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Link telemetry on a real BATMAN_IV mesh (Debian's batman-adv 2022.3):
#
#   node 1 [to2] ---- [to1] node 2 [to3] ---- [to2] node 3
#   telemetry
#
# Telemetry runs on node 1 only. Node 3 is two hops away, so everything
# node 1 learns about it was advertised by node 2. Each case is a fact an
# operator reads through x0ttactl or bpftool.
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
MESH_ALGO=BATMAN_IV
MESH_ORIG_INTERVAL=100
. selftests/lib/mesh.sh
. selftests/kernel/telemetry/lib.sh

export N2 N3
N2=$(mesh_hardif_mac 2 1)
N3=$(mesh_hardif_mac 3 2)

tm_require
trap 'tm_cleanup 1; mesh_teardown' EXIT

setup() {
	tm_mount_bpffs
	mesh_line 3
	mesh_wait_converged 60
}

# No dev: x0ttactl finds node 1's batman-adv hard interfaces in sysfs.
attach_finds_the_hardif() {
	tm_ctl_sysfs 1 telemetry attach
	tm_ctl 1 -j telemetry list | grep -q '"ifname":"to2","ingress_prog_id":[1-9]'
	tc_filter_has 1 to2 ingress tm_ingress
	tc_filter_has 1 to2 egress tm_egress
}

# OGMs every 100 ms: after 2 s node 2's are counted in, ours out (to
# the broadcast address).
ogms_counted_both_ways() {
	sleep 2
	tm_json_has 1 neighbours 'e["neighbour"] == N2 and e["dir"] == "in" and e["ogm"] >= 5'
	tm_json_has 1 neighbours 'e["neighbour"] == BCAST and e["dir"] == "out" and e["ogm"] >= 5'
}

# batctl o's "(TQ)" column of node N for originator ORIG.
batctl_tq() {
	n "$1" batctl meshif bat0 originators -H |
		awk -v o="$2" '$1 == "*" && $2 == o { gsub(/[()]/, "", $4); print $4 }'
}

# Node 3's OGMs reach node 1 only through node 2, which rebroadcasts
# them with its own TQ towards node 3 and itself as prev_sender's
# successor: prev_sender is node 3's address (node 2 heard it from
# node 3). What node 2 advertises must be strictly better than node 1's
# own TQ for node 3, which is the controller's loop-free condition.
origs_show_what_node2_advertises() {
	local ours deadline=$((SECONDS + 15))

	# Both TQs move while batman-adv's windows fill after convergence,
	# and they are read a moment apart: compare again until they settle.
	while :; do
		ours=$(batctl_tq 1 "$N3")
		[[ $ours =~ ^[0-9]+$ ]]
		if tm_json_has 1 origs "e['originator'] == N3 and e['neighbour'] == N2 and \
			e['algo'] == 'BATMAN_IV' and e['prev_sender'] == N3 and \
			$ours < e['metric'] < 255"; then
			break
		fi
		if ((SECONDS >= deadline)); then
			echo "node 1's TQ for node 3: $ours"
			tm_ctl 1 telemetry origs
			return 1
		fi
		sleep 1
	done
	echo "node 1's TQ for node 3: $ours"
	# Node 2's own OGMs: TQ 255, never heard through anyone else.
	tm_json_has 1 origs 'e["originator"] == N2 and e["neighbour"] == N2 and e["metric"] == 255'
	! tm_json_has 1 origs 'e["originator"] == N3 and e["neighbour"] != N2'
}

# Types batman-adv never sends by itself: 0x02 (coded; network coding
# is off) and 0x99 (no such type). The receiver drops them, so nothing
# else follows from them; each frame is 60 bytes.
frames_counted_exactly() {
	n 2 python3 selftests/kernel/batframe.py to1 0x02 23 "$(mesh_hardif_mac 1 2)"
	n 2 python3 selftests/kernel/batframe.py to1 0x99 37 "$(mesh_hardif_mac 1 2)"
	n 1 python3 selftests/kernel/batframe.py to2 0x99 11 "$N2"
	sleep 0.5
	tap_assert_eq "23 1380
37 2220
11 660" "$(tm_link_slots 1 to2 "$N2" in 2 "$N2" in 10 "$N2" out 10)" \
		"frames and bytes: coded in, other in, other out"
}

bpftool_names_fields() {
	local m

	for m in tm_link tm_orig tm_loss tm_rtt; do
		bpftool map show pinned "/sys/fs/bpf/x0tta/$m" | grep -q "name $m"
	done
	bpftool map dump pinned /sys/fs/bpf/x0tta/tm_orig | grep -q '"prev_sender": \['
	bpftool map dump pinned /sys/fs/bpf/x0tta/tm_link | grep -q '"last_seen_ns": [1-9]'
	bpftool map dump pinned /sys/fs/bpf/x0tta/tm_loss | grep -q '"win_prev_lost": '
}

# The link to node 2 fades (carrier up, every frame lost): its entries
# stop being refreshed and prune removes them; those of the live
# direction (our own broadcasts) stay. When the link comes back, node 2
# appears again.
silent_neighbour_ages_out_and_returns() {
	mesh_link_cut 1 2
	sleep 3
	tm_ctl 1 telemetry prune 2
	! tm_json_has 1 neighbours 'e["neighbour"] == N2'
	! tm_json_has 1 origs 'e["neighbour"] == N2'
	! tm_json_has 1 loss 'e["neighbour"] == N2'
	tm_json_has 1 neighbours 'e["neighbour"] == BCAST and e["dir"] == "out"'
	mesh_link_restore 1 2
	sleep 1.5
	tm_json_has 1 neighbours 'e["neighbour"] == N2 and e["dir"] == "in" and e["ogm"] > 0'
	tm_json_has 1 origs 'e["originator"] == N3 and e["neighbour"] == N2'
}

# 3000 ELP frames from random source MACs, each a new neighbour key in
# tm_link and a new sender key in tm_loss, against maps sized 64: they
# all pass our ingress program (the interface counted them), the maps
# hold at most 64 entries, and node 2, still sending OGMs, is recorded.
# (How many flood entries remain is not asserted: LRU eviction frees in
# batches, so the real neighbours' next frames may flush them all.)
flood_stays_within_bound() {
	local m count rx0 rx1

	tm_ctl 1 telemetry detach
	tm_ctl 1 telemetry attach dev to2 link-entries 64 loss-entries 64
	rx0=$(n 1 cat /sys/class/net/to2/statistics/rx_packets)
	n 2 python3 - to1 3000 <<'EOF'
import os, socket, sys
ifname, count = sys.argv[1], int(sys.argv[2])
with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
    s.bind((ifname, 0x4305))
    for _ in range(count):
        src = bytes([0x02]) + os.urandom(5)
        # ELP: type 3, version 15, then zeros (orig, seqno, interval).
        s.send(b"\xff" * 6 + src + b"\x43\x05" + bytes([3, 15]).ljust(46, b"\0"))
EOF
	rx1=$(n 1 cat /sys/class/net/to2/statistics/rx_packets)
	echo "to2 received $((rx1 - rx0)) frames during the flood"
	((rx1 - rx0 >= 3000))
	tc_filter_has 1 to2 ingress tm_ingress
	sleep 1
	for m in tm_link tm_loss; do
		bpftool map show pinned "/sys/fs/bpf/x0tta/$m" | grep -q 'max_entries 64 '
		count=$(tm_dump "$m" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
		echo "$m: $count entries after the flood"
		((count >= 1 && count <= 64))
	done
	tm_json_has 1 neighbours 'e["neighbour"] == N2 and e["dir"] == "in" and e["ogm"] > 0'
}

# Without dev: from every interface. Nothing attached, nothing pinned;
# a fresh attach counts again, from zero.
detach_leaves_nothing_reattach_works() {
	n 2 python3 selftests/kernel/batframe.py to1 0x99 5 "$(mesh_hardif_mac 1 2)"
	sleep 0.5
	tap_assert_eq "5 300" "$(tm_link_slots 1 to2 "$N2" in 10)" "before detach"
	tm_ctl 1 telemetry detach
	[[ ! -e /sys/fs/bpf/x0tta ]]
	[[ -z $(n 1 tc filter show dev to2 ingress) ]]
	[[ -z $(n 1 tc filter show dev to2 egress) ]]
	[[ $(tm_ctl 1 -j telemetry list) == "[]" ]]
	tm_ctl 1 telemetry attach dev to2
	tc_filter_has 1 to2 ingress tm_ingress
	tc_filter_has 1 to2 egress tm_egress
	sleep 1
	tm_json_has 1 neighbours 'e["neighbour"] == N2 and e["dir"] == "in" and e["ogm"] > 0'
	tap_assert_eq "0 0" "$(tm_link_slots 1 to2 "$N2" in 10)" "after reattach"
}

tap_plan 10
# rtt_samples - echo round trips recorded for node 2 on node 1.
rtt_samples() {
	tm_ctl 1 -j telemetry rtt | python3 -c '
import json, sys
print(sum(e["samples"] for e in json.load(sys.stdin) if e["neighbour"] == sys.argv[1]))' "$N2"
}

# x0tta.ko's liveness echo replies fill the histogram; nothing else does.
echo_replies_fill_rtt_histogram() {
	local before after
	[[ ! -d /sys/module/x0tta ]] || rmmod x0tta
	before=$(rtt_samples)
	tap_assert_eq 0 "$before" "RTT samples without x0tta.ko"
	insmod kernel/x0tta.ko
	sleep 2
	after=$(rtt_samples)
	rmmod x0tta
	echo "$after echo round trips in 2 s"
	# An echo request every 100 ms: about 20; allow a slow guest.
	((after >= 5))
}

tap_run "a 3-node BATMAN_IV line converges" setup
tap_run "attach without dev takes node 1's batman hard interface" attach_finds_the_hardif
tap_run "OGMs are counted from the neighbour and to the broadcast address" ogms_counted_both_ways
tap_run "origs show node 2's TQ and prev_sender for node 3, better than ours" origs_show_what_node2_advertises
tap_run "frames of types batman-adv never sends are counted exactly" frames_counted_exactly
tap_run "bpftool prints the maps with field names" bpftool_names_fields
tap_run "a silent neighbour ages out with prune and reappears" silent_neighbour_ages_out_and_returns
tap_run "a flood of random source MACs stays within the configured bound" flood_stays_within_bound
tap_run "x0tta.ko's echo replies fill the RTT histogram" echo_replies_fill_rtt_histogram
tap_run "detach leaves nothing attached or pinned; reattach works" detach_leaves_nothing_reattach_works
tap_done
