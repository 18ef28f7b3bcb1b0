# SPDX-License-Identifier: GPL-2.0
# user/raft: the Raft core (pure state machine), its wire codec and its
# durable storage. The deterministic simulator in selftests/sim is built
# here too, as the program $(O)/bin/raft-sim.
raft_DEPS := lib
raft_LDLIBS :=

RAFT_SIM_SRCS := $(wildcard selftests/sim/*.c)
RAFT_SIM_OBJS := $(RAFT_SIM_SRCS:%.c=$(O)/%.o)
PROGS += $(O)/bin/raft-sim
ALL_OBJS += $(RAFT_SIM_OBJS)

$(O)/bin/raft-sim: $(RAFT_SIM_OBJS) $(O)/lib/libraft.a $(O)/lib/liblib.a
	@mkdir -p $(@D)
	$(CC) $(USER_LDFLAGS) -o $@ $^

# The linearizability checker has its own unit test.
$(O)/tests/raft/test_lin: $(O)/selftests/sim/lin.o
$(O)/tests/raft/test_lin: raft_LDLIBS += $(O)/selftests/sim/lin.o
