# SPDX-License-Identifier: GPL-2.0
# user/lib: small pieces every other part shares (checksums, PRNG,
# durable file writes, generic netlink client, output formatting).
# Depends on nothing else.
lib_LDLIBS := -lmnl
