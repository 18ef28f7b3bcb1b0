#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad path and quarantine requests straight over generic netlink
# (datapath_netlink.c), with x0tta.ko loaded, in both builds. The
# program runs in a namespace of its own holding
#
#   bat0 <- x0m0 (veth, enslaved: x0tta attaches to it)
#           x0m1 (its peer: a veth in no mesh)
#   br0  <- x0b0 (veth, a bridge port: in no mesh either)
#           x0b1
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
. selftests/lib/x0tta.sh

ns=x0dp-$$

why=$(x0tta_require) || tap_skip_all "$why"
modprobe batman-adv 2>/dev/null || tap_skip_all "cannot load batman-adv"
modprobe -a veth bridge || tap_skip_all "cannot load veth and bridge"
trap 'ip netns del "$ns" 2>/dev/null; x0tta_unload' EXIT
x0tta_load || tap_bail "cannot load $X0TTA_KO"
ip netns add "$ns" || tap_bail "cannot create namespace $ns"
ip -n "$ns" -batch - <<EOB || tap_bail "cannot build the interfaces"
link set lo up
link add bat0 type batadv
link add x0m0 type veth peer name x0m1
link set x0m0 master bat0
link add br0 type bridge
link add x0b0 type veth peer name x0b1
link set x0b0 master br0
link set x0m0 up
link set x0m1 up
link set x0b0 up
link set x0b1 up
link set br0 up
link set bat0 up
EOB
[[ $(ip netns exec "$ns" "$X0TTA_CTL" -j interfaces) == *x0m0* ]] ||
	tap_bail "x0tta did not attach to x0m0"

rc=0
for variant in default asan; do
	prog=build/$variant/ktests/datapath_netlink
	[[ -x $prog ]] || tap_bail "no $prog: run make tests"
	echo "# $prog"
	ip netns exec "$ns" "$prog" || rc=1
done
exit "$rc"
