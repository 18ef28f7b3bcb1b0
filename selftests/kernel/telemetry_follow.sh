#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `x0ttactl telemetry follow` keeps the programs on exactly the batman-adv
# hard interfaces of a node while interfaces join and leave its mesh, as
# the controller will:
#
#   node 1 [to2] ---- [to1] node 2      plus, on node 1, a veth pair
#                                       extra/extrap enslaved and released
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
MESH_ALGO=BATMAN_IV
. selftests/lib/mesh.sh
. selftests/kernel/telemetry/lib.sh

tm_require
FOLLOW_OUT=${TMPDIR:-/tmp}/follow.$$
follow_pid=

cleanup() {
	[[ -n $follow_pid ]] && kill "$follow_pid" 2>/dev/null
	wait 2>/dev/null
	tm_cleanup 1
	mesh_teardown
	rm -f "$FOLLOW_OUT"
}
trap cleanup EXIT

# has_filters NODE IFNAME - our programs are on both hooks of IFNAME.
has_filters() {
	tc_filter_has "$1" "$2" ingress tm_ingress &&
		tc_filter_has "$1" "$2" egress tm_egress
}

not() {
	! "$@"
}

tm_mount_bpffs
mesh_line 2
mesh_wait_converged 60 || tap_bail "mesh did not converge"
n 1 ip link add extra type veth peer name extrap ||
	tap_bail "cannot add a veth pair on node 1"

# Started here, not in a case: cases run in subshells, and the process
# must outlive each. nsenter execs x0ttactl, so $! is x0ttactl itself.
nsenter --net="/run/netns/$(mesh_ns 1)" "$TM_CTL" telemetry follow \
	>"$FOLLOW_OUT" 2>&1 &
follow_pid=$!

# lines PATTERN - how many lines of follow's output are exactly PATTERN.
lines() {
	grep -cx "$1" "$FOLLOW_OUT"
}

# lines_are PATTERN N
lines_are() {
	[[ $(lines "$1") == "$2" ]]
}

follow_takes_the_hard_interfaces_there_are() {
	tap_poll 20 lines_are "attached to2" 1 || return 1
	has_filters 1 to2 && not has_filters 1 extra
}

interface_joining_the_mesh_gets_the_programs() {
	n 1 ip link set extra master bat0 || return 1
	n 1 ip link set extra up
	tap_poll 20 has_filters 1 extra &&
		tap_poll 5 lines_are "attached extra" 1
}

interface_leaving_the_mesh_loses_them() {
	n 1 ip link set extra nomaster || return 1
	tap_poll 20 not has_filters 1 extra &&
		tap_poll 5 lines_are "detached extra" 1 && has_filters 1 to2
}

deleted_hard_interface_is_reported_gone() {
	n 1 ip link set extra master bat0 || return 1
	tap_poll 20 lines_are "attached extra" 2 || return 1
	n 1 ip link del extra || return 1
	tap_poll 20 lines_are "detached extra" 2 && has_filters 1 to2
}

sigterm_ends_it_and_the_programs_stay() {
	kill -TERM "$follow_pid" || return 1
	tap_poll 10 not kill -0 "$follow_pid" || return 1
	tap_assert_eq "" "$(grep -v -e '^attached ' -e '^detached ' \
		"$FOLLOW_OUT")" "anything but attached/detached lines" &&
		has_filters 1 to2
}

tap_run follow_takes_the_hard_interfaces_there_are \
	follow_takes_the_hard_interfaces_there_are
tap_run interface_joining_the_mesh_gets_the_programs \
	interface_joining_the_mesh_gets_the_programs
tap_run interface_leaving_the_mesh_loses_them \
	interface_leaving_the_mesh_loses_them
tap_run deleted_hard_interface_is_reported_gone \
	deleted_hard_interface_is_reported_gone
tap_run sigterm_ends_it_and_the_programs_stay \
	sigterm_ends_it_and_the_programs_stay
tap_done
