#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Routing and echo frames leave with TC_PRIO_CONTROL, so a priority qdisc
# sends them ahead of data. With prio's default priomap, priority 7
# (TC_PRIO_CONTROL) is band 0 (class 1:1) and priority 0 is band 1 (class
# 1:2). batman-adv itself gives BATMAN_IV's OGMs TC_PRIO_CONTROL, but not
# BATMAN_V's ELP and OGM2 frames: this runs BATMAN_V, where x0tta makes
# the difference.
#
#   node 1 [to2] ---- [to1] node 2      prio qdisc on node 1's to2
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
MESH_ALGO=BATMAN_V
. selftests/lib/mesh.sh
. selftests/lib/x0tta.sh

why=$(mesh_require) || tap_skip_all "$why"
why=$(x0tta_require) || tap_skip_all "$why"
trap 'mesh_teardown; x0tta_unload' EXIT
x0tta_unload
mesh_line 2
mesh_wait_converged || tap_bail "mesh did not converge"
# The kernel's own MLD reports leave with TC_PRIO_CONTROL too; a batman
# hard interface needs no IPv6, so only batman and echo frames remain.
n 1 sysctl -qw net.ipv6.conf.to2.disable_ipv6=1
n 1 tc qdisc replace dev to2 root handle 1: prio

# band_packets CLASS - packets the prio qdisc's band sent so far.
band_packets() {
	n 1 tc -s class show dev to2 classid "$1" |
		sed -n 's/^ *Sent [0-9]* bytes \([0-9]*\) pkt.*/\1/p'
}

without_x0tta_batman_v_routing_frames_are_best_effort() {
	local b0 b1
	b0=$(band_packets 1:1)
	b1=$(band_packets 1:2)
	sleep 2
	tap_assert_eq 0 $(($(band_packets 1:1) - b0)) "band 0 packets in 2 s"
	(($(band_packets 1:2) - b1 >= 10))
}

with_x0tta_routing_and_echo_frames_go_first() {
	local b0 b1 elp ogm
	x0tta_load
	sleep 1
	b0=$(band_packets 1:1)
	b1=$(band_packets 1:2)
	elp=$(x0tta_counter 1 dev to2 elp tx_frames)
	ogm=$(x0tta_counter 1 dev to2 ogm2 tx_frames)
	sleep 2
	elp=$(($(x0tta_counter 1 dev to2 elp tx_frames) - elp))
	ogm=$(($(x0tta_counter 1 dev to2 ogm2 tx_frames) - ogm))
	b0=$(($(band_packets 1:1) - b0))
	b1=$(($(band_packets 1:2) - b1))
	echo "2 s: $elp ELP and $ogm OGM2 sent, band 0: $b0 packets, band 1: $b1"
	# Every ELP and OGM2, and the echo requests and replies besides.
	((elp >= 5 && ogm >= 5 && b0 >= elp + ogm + 10))
}

data_stays_best_effort() {
	local b1
	b1=$(band_packets 1:2)
	n 1 ping -c 20 -i 0.01 -q "$(mesh_ip4 2)" >/dev/null
	(($(band_packets 1:2) - b1 >= 20))
}

tap_run without_x0tta_batman_v_routing_frames_are_best_effort without_x0tta_batman_v_routing_frames_are_best_effort
tap_run with_x0tta_routing_and_echo_frames_go_first with_x0tta_routing_and_echo_frames_go_first
tap_run data_stays_best_effort data_stays_best_effort
tap_done
