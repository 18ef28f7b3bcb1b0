#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad and good configuration requests straight over generic netlink
# (netlink_config.c), with x0tta.ko loaded, in both builds.
set -u
cd "$(dirname "$0")/../.." || exit 1
. selftests/lib/tap.sh
. selftests/lib/x0tta.sh

why=$(x0tta_require) || tap_skip_all "$why"
trap x0tta_unload EXIT
x0tta_load || tap_bail "cannot load $X0TTA_KO"
rc=0
for variant in default asan; do
	prog=build/$variant/ktests/netlink_config
	[[ -x $prog ]] || tap_bail "no $prog: run make tests"
	echo "# $prog"
	"$prog" || rc=1
done
exit "$rc"
