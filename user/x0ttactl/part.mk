# SPDX-License-Identifier: GPL-2.0
# x0ttactl: the command line client. Kernel tables over generic netlink.
x0ttactl_DEPS := identity telemetry lib
