# SPDX-License-Identifier: GPL-2.0
# user/crdt: delta-state CRDTs (LWW map, add-wins set, PN counter), their
# strict binary encoding, the keyspace store and the anti-entropy protocol
# as pure code (no I/O), so the simulator and the daemon run the same logic.
crdt_DEPS := lib
