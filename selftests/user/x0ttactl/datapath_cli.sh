#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0ttactl path, neighbours, quarantine and monitor as an operator meets
# them without the module: a wrong command line is a usage error (exit
# 2) and reaches no kernel, a right one gets as far as the family lookup
# (exit 1, "not loaded"). The order of the two is what this proves.
set -u

. selftests/lib/tap.sh
. selftests/lib/ctl.sh
ctl_init "${X0TTA_BUILD:-build/default}/bin/x0ttactl"

o=02:00:00:00:00:0d
nb=02:00:00:00:00:0b

ctl_expect "path add needs a next hop" 2 "path add: no next hop" path add $o
ctl_expect "path add refuses a bad ORIG" 2 \
	"ORIG '02:00:00:00:0d' is not a MAC" \
	path add 02:00:00:00:0d via lo $nb
ctl_expect "path add refuses an unknown interface" 2 \
	"via: no interface 'nosuch0' in this namespace" \
	path add $o via nosuch0 $nb
ctl_expect "path add refuses a short neighbour MAC" 2 \
	"via lo: '2:0:0:0:0:b' is not a MAC address" path add $o via lo 2:0:0:0:0:b
ctl_expect "path add refuses a weight beyond u8" 2 \
	"weight: '256' is too large" \
	path add $o via lo $nb weight 256
ctl_expect "path add refuses stray words" 2 "unexpected 'dev'" \
	path add $o via lo $nb dev lo
ctl_expect "path del takes ORIG alone" 2 "path del: unexpected argument" \
	path del $o $o
ctl_expect "path has add, del and show" 2 "path: unknown subcommand 'list'" \
	path list
ctl_expect "path usage shows every form" 2 "x0ttactl path del ORIG" path list
ctl_expect "neighbours takes no arguments" 2 "unexpected argument 'all'" \
	neighbours all
ctl_expect "quarantine add needs a MAC" 2 "quarantine add: MAC missing" \
	quarantine add
ctl_expect "quarantine refuses a bad MAC" 2 "'02:00' is not a MAC address" \
	quarantine del 02:00
ctl_expect "monitor count must be positive" 2 "count '0' is not a number" \
	monitor count 0
ctl_expect "monitor takes only count" 2 "unexpected argument 'follow'" \
	monitor follow

for cmd in path neighbours quarantine monitor; do
	ctl_expect "$cmd --help succeeds" 0 "" "$cmd" --help
done
ctl_expect "path --help says add replaces" 0 "" path --help
tap_run "path help says add replaces the entry" \
	ctl_stdout_has "replacing the entry ORIG had"
ctl_expect "help lists the commands" 0 "" --help
for cmd in path neighbours quarantine monitor; do
	tap_run "help lists $cmd" ctl_stdout_has "^  $cmd "
done

# Right command lines go as far as the kernel, and say it is missing.
if [ -d /sys/module/x0tta ]; then
	tap_skip "valid lines reach the kernel" "x0tta is loaded"
else
	nl="x0tta kernel module is not loaded"
	ctl_expect "path add with 3 hops and weights" 1 "$nl" \
		path add $o via lo $nb weight 3 via lo 02:00:00:00:00:0c \
		via lo 02:00:00:00:00:0e weight 255
	ctl_expect "path add weight 0 is the kernel's to refuse" 1 "$nl" \
		path add $o via lo $nb weight 0
	ctl_expect "path del" 1 "$nl" path del $o
	ctl_expect "path show" 1 "$nl" -j path show
	ctl_expect "neighbours" 1 "$nl" -j neighbours
	ctl_expect "quarantine add" 1 "$nl" quarantine add $nb
	ctl_expect "quarantine show" 1 "$nl" quarantine
	ctl_expect "monitor count 1" 1 "$nl" monitor count 1
fi

tap_done
