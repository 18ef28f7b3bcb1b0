#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0ttactl's command line as an operator or a script meets it: exit
# status 0 ok / 1 failure / 2 usage error, errors on stderr with nothing
# on stdout, and a clear word when the module is not loaded. Needs no
# module: everything here is refused before or at the family lookup.
set -u

. selftests/lib/tap.sh
. selftests/lib/ctl.sh
ctl_init "${X0TTA_BUILD:-build/default}/bin/x0ttactl"

ctl_expect "no command is a usage error" 2 "no command given"
ctl_expect "unknown command is a usage error" 2 "unknown command 'frob'" frob
ctl_expect "unknown option is a usage error" 2 "unknown option '-x'" -x version
ctl_expect "options go before the command" 2 "unexpected argument '-j'" \
	version -j
ctl_expect "version takes no arguments" 2 "unexpected argument 'now'" \
	version now
ctl_expect "interfaces takes no arguments" 2 "Usage: x0ttactl" interfaces all
ctl_expect "stats dev needs a name" 2 "dev needs an interface name" stats dev
ctl_expect "config has only set" 2 "unknown subcommand 'get'" config get
ctl_expect "config set needs a pair" 2 "nothing to set" config set
ctl_expect "config set needs a value" 2 "detect_mult: value missing" \
	config set detect_mult
ctl_expect "config set refuses junk after a number" 2 \
	"detect_mult: '3x' is not an unsigned decimal integer" \
	config set detect_mult 3x
ctl_expect "config set refuses numbers beyond u32" 2 "is too large" \
	config set holdq_limit 4294967296
ctl_expect "config set refuses a repeated key" 2 "multipath: given twice" \
	config set multipath on multipath off
ctl_expect "config set names the valid keys" 2 \
	"one of: echo_interval_ms, detect_mult, holdq_limit, holdq_timeout_ms, multipath, echo_fast_ms" \
	config set echo 100
ctl_expect "multipath takes on/off/1/0" 2 "is not on, off, 1 or 0" \
	config set multipath yes

# Help goes to stdout and succeeds, for the program and each command.
ctl_expect "help succeeds" 0 "" --help
for cmd in version config interfaces stats; do
	tap_run "help lists $cmd" ctl_stdout_has "^  $cmd "
done
for cmd in version config interfaces stats; do
	ctl_expect "$cmd --help succeeds" 0 "" "$cmd" --help
done
ctl_expect "-V prints the version" 0 "" -V
tap_run "-V output is 'x0ttactl VERSION'" \
	ctl_stdout_has '^x0ttactl [0-9][0-9.]*'

# Without the module every kernel command fails the same clear way.
if [ -d /sys/module/x0tta ]; then
	for cmd in version config interfaces stats; do
		tap_skip "$cmd without the module says so" "x0tta is loaded"
	done
else
	for cmd in version config interfaces stats; do
		ctl_expect "$cmd without the module says so" 1 \
			"x0tta kernel module is not loaded (modprobe x0tta / insmod x0tta.ko)" \
			-j "$cmd"
	done
	ctl_expect "a valid config set without the module fails, not usage" 1 \
		"kernel module is not loaded" config set detect_mult 5
fi

tap_done
