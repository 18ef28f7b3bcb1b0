# SPDX-License-Identifier: GPL-2.0
# x0ttad: the controller daemon. Wires identity, the mTLS transport, the
# raft key-value service and the CRDT store into one epoll loop, and
# serves x0ttactl on a Unix control socket (ctlmsg.c is that protocol's
# codec, which x0ttactl links too).
x0ttad_DEPS := raft crdt transport identity lib
x0ttad_LDLIBS :=
