# SPDX-License-Identifier: GPL-2.0
# user/transport: framed messages between controller peers over the
# identity layer's mutual TLS 1.3, shared by raft and the CRDT
# anti-entropy. One epoll fd, no threads.
transport_DEPS := identity lib
transport_LDLIBS :=
