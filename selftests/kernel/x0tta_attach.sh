#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0tta.ko attaches to exactly the hard interfaces enslaved to a batadv
# interface, whenever they got there, and lets go of them however they
# leave: released, deleted, or their batadv interface deleted. Module
# unload with interfaces attached leaves the mesh working.
#
#   node 1 [to2] ------ [to1] node 2      (built before x0tta.ko is loaded)
#     + extra/extrap, br0 and more added by the cases
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
. selftests/lib/mesh.sh
. selftests/lib/x0tta.sh

why=$(mesh_require) || tap_skip_all "$why"
why=$(x0tta_require) || tap_skip_all "$why"
trap 'mesh_teardown; x0tta_unload' EXIT
x0tta_unload
mesh_line 2

enslaved_before_load_attached() {
	x0tta_load
	tap_assert_eq "to2@bat0" "$(x0tta_ifaces 1)" "node 1"
	tap_assert_eq "to1@bat0" "$(x0tta_ifaces 2)" "node 2"
}

enslaved_after_load_attached() {
	n 1 ip link add extra type veth peer name extrap
	n 1 ip link set extra master bat0
	tap_assert_eq "extra@bat0 to2@bat0" "$(x0tta_ifaces 1)"
}

batctl_if_add_and_del() {
	n 1 batctl meshif bat0 interface add extrap
	tap_assert_eq "extra@bat0 extrap@bat0 to2@bat0" "$(x0tta_ifaces 1)"
	n 1 batctl meshif bat0 interface del extrap
	tap_assert_eq "extra@bat0 to2@bat0" "$(x0tta_ifaces 1)"
}

released_detached() {
	n 1 ip link set extra nomaster
	tap_assert_eq "to2@bat0" "$(x0tta_ifaces 1)"
}

deleted_detached() {
	n 1 ip link set extra master bat0
	tap_assert_eq "extra@bat0 to2@bat0" "$(x0tta_ifaces 1)"
	n 1 ip link del extra
	tap_assert_eq "to2@bat0" "$(x0tta_ifaces 1)"
}

other_masters_ignored() {
	n 1 ip link add br0 type bridge
	n 1 ip link add brp type veth peer name brq
	n 1 ip link set brp master br0
	tap_assert_eq "to2@bat0" "$(x0tta_ifaces 1)"
	n 1 ip link del br0
	n 1 ip link del brp
}

second_mesh_interface_reported() {
	n 1 ip link add bat1 type batadv
	n 1 ip link add m1 type veth peer name m2
	n 1 ip link set m1 master bat1
	tap_assert_eq "m1@bat1 to2@bat0" "$(x0tta_ifaces 1)"
	n 1 ip link del bat1
	tap_assert_eq "to2@bat0" "$(x0tta_ifaces 1)"
	n 1 ip link del m1
}

mesh_interface_deleted_detaches_all() {
	n 2 ip link add spare type veth peer name sparep
	n 2 ip link set spare master bat0
	n 2 ip link set sparep master bat0
	tap_assert_eq "spare@bat0 sparep@bat0 to1@bat0" "$(x0tta_ifaces 2)"
	n 2 ip link del bat0
	tap_assert_eq "" "$(x0tta_ifaces 2)"
	tap_assert_eq 0 "$(ctl 2 -j stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["interfaces"])')"
	# Node 1 is untouched.
	tap_assert_eq "to2@bat0" "$(x0tta_ifaces 1)"
}

unload_attached_leaves_mesh_working() {
	# Rebuild node 2's mesh interface as it was (same MAC, or node 1's
	# ARP entry would point at a vanished address) for a working link.
	n 2 ip link add bat0 address "$(mesh_bat_mac 2)" type batadv
	n 2 batctl meshif bat0 orig_interval "$MESH_ORIG_INTERVAL"
	n 2 ip link set to1 master bat0
	n 2 ip link set bat0 up
	n 2 ip addr add "$(mesh_ip4 2)/24" dev bat0
	mesh_wait_ping 1 2 4 30
	rmmod x0tta
	[[ ! -d /sys/module/x0tta ]]
	mesh_ping 1 2
	# x0ttactl says what is wrong when the module is gone.
	local out rc=0
	out=$(ctl 1 interfaces 2>&1) || rc=$?
	tap_assert_eq 1 "$rc" "exit status without the module"
	[[ $out == *"x0tta kernel module is not loaded"* ]]
	x0tta_load
	tap_assert_eq "to2@bat0" "$(x0tta_ifaces 1)"
	tap_assert_eq "to1@bat0" "$(x0tta_ifaces 2)"
	mesh_ping 1 2
}

tap_run enslaved_before_load_attached enslaved_before_load_attached
tap_run enslaved_after_load_attached enslaved_after_load_attached
tap_run batctl_if_add_and_del batctl_if_add_and_del
tap_run released_detached released_detached
tap_run deleted_detached deleted_detached
tap_run other_masters_ignored other_masters_ignored
tap_run second_mesh_interface_reported second_mesh_interface_reported
tap_run mesh_interface_deleted_detaches_all mesh_interface_deleted_detaches_all
tap_run unload_attached_leaves_mesh_working unload_attached_leaves_mesh_working
tap_done
