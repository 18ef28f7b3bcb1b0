# SPDX-License-Identifier: GPL-2.0
# x0ttactl: the command line client. Kernel tables over generic netlink;
# x0ttad's state over its control socket, whose codec (ctlmsg.c) comes
# from libx0ttad.
x0ttactl_DEPS := x0ttad identity telemetry lib
