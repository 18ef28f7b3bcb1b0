# SPDX-License-Identifier: GPL-2.0
#
# x0tta top-level build.
#
#   make            kernel module, BPF objects and userspace programs
#   make deps       install every Debian package the project needs
#   make check      every test (host, sanitizers, checkpatch, VM)
#   make demo       boot the test VM and show a 3-node mesh running x0tta
#   make bench      run tools/bench/* and print their RESULT lines
#
# Userspace is built here without recursion. Each directory user/<part>/
# with a part.mk is a part: its .c files, main.c excepted, make
# build/<variant>/lib/lib<part>.a; a main.c makes the program
# build/<variant>/bin/<part>. part.mk may set
#   <part>_DEPS    parts it links against, dependants before dependencies
#   <part>_LDLIBS  system libraries it needs
# Host tests are selftests/user/<part>/test_*.c, kselftest_harness
# programs linked with lib<part>.a and its dependencies.
#
# VARIANT=asan builds the same tree with AddressSanitizer and
# UndefinedBehaviorSanitizer into build/asan.

X0TTA_VERSION := 0.1.0

KVER ?= $(shell tools/kver)
KDIR ?= /lib/modules/$(KVER)/build

VARIANT ?= default
O := build/$(VARIANT)
KSELFTEST := build/kselftest

CC := cc
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
USER_CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE \
	-DX0TTA_VERSION='"$(X0TTA_VERSION)"' -Iinclude/uapi -Iuser \
	-I$(O)/gen $(CFLAGS)
USER_LDFLAGS := $(LDFLAGS)
# kselftest_harness.h's FIXTURE_SETUP() defines functions without
# prototypes.
TEST_CFLAGS = $(USER_CFLAGS) -Wno-missing-prototypes -isystem $(KSELFTEST)

ifeq ($(VARIANT),asan)
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
USER_CFLAGS += $(SANITIZE)
USER_LDFLAGS += $(SANITIZE)
endif

.PHONY: all module user tests deps check demo bench clean checkpatch fuzz
all: module user

# ---- kernel module -------------------------------------------------------

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) X0TTA_VERSION=$(X0TTA_VERSION) modules

# ---- userspace -----------------------------------------------------------

PARTS := $(patsubst user/%/part.mk,%,$(wildcard user/*/part.mk))
include $(wildcard user/*/part.mk)
# BPF objects and their skeletons (into $(O)/gen, on the include path).
include $(wildcard bpf/*.mk)

lib_of = $(O)/lib/lib$(1).a
part_libs = $(call lib_of,$(1)) $(foreach d,$($(1)_DEPS),$(call lib_of,$(d)))
part_ldlibs = $($(1)_LDLIBS) $(foreach d,$($(1)_DEPS),$($(d)_LDLIBS))

define PART_RULES
$(1)_SRCS := $$(filter-out user/$(1)/main.c,$$(wildcard user/$(1)/*.c))
$(1)_OBJS := $$($(1)_SRCS:%.c=$(O)/%.o)
$(1)_TESTS := $$(patsubst selftests/user/$(1)/%.c,$(O)/tests/$(1)/%,\
	$$(wildcard selftests/user/$(1)/test_*.c))
ALL_OBJS += $$($(1)_OBJS)
TEST_BINS += $$($(1)_TESTS)

$(call lib_of,$(1)): $$($(1)_OBJS)
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^

ifneq ($$(wildcard user/$(1)/main.c),)
PROGS += $(O)/bin/$(1)
ALL_OBJS += $(O)/user/$(1)/main.o
$(O)/bin/$(1): $(O)/user/$(1)/main.o $$(call part_libs,$(1))
	@mkdir -p $$(@D)
	$$(CC) $$(USER_LDFLAGS) -o $$@ $$^ $$(call part_ldlibs,$(1))
endif

$(O)/tests/$(1)/%: selftests/user/$(1)/%.c $$(call part_libs,$(1)) \
		| $(KSELFTEST)/kselftest_harness.h
	@mkdir -p $$(@D)
	$$(CC) $$(TEST_CFLAGS) -MMD -MP -o $$@ $$< \
		$$(call part_libs,$(1)) $$(USER_LDFLAGS) $$(call part_ldlibs,$(1))
endef
$(foreach p,$(PARTS),$(eval $(call PART_RULES,$(p))))

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -MMD -MP -c -o $@ $<

# Test programs that run in the VM against x0tta.ko (selftests/kernel/).
KTEST_BINS := $(patsubst selftests/kernel/%.c,$(O)/ktests/%,\
	$(wildcard selftests/kernel/*.c))
$(O)/ktests/%: selftests/kernel/%.c $(call lib_of,lib) \
		| $(KSELFTEST)/kselftest_harness.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -MMD -MP -o $@ $< \
		$(call lib_of,lib) $(USER_LDFLAGS) $(lib_LDLIBS)

user: $(PROGS) $(foreach p,$(PARTS),$(call lib_of,$(p)))
tests: $(TEST_BINS) $(KTEST_BINS)

-include $(ALL_OBJS:.o=.d) $(addsuffix .d,$(TEST_BINS) $(KTEST_BINS))

# kselftest_harness.h comes from Debian's linux-source package at build
# time; it is never copied into the repository.
$(KSELFTEST)/kselftest_harness.h:
	tools/kselftest-headers $(KSELFTEST)

# ---- set-up, tests, demo -------------------------------------------------

deps:
	tools/deps

check:
	tools/check

checkpatch:
	tools/checkpatch

demo: deps all
	tools/vmtest/vmtest --timeout 300 -- tools/demo

bench: deps all
	tools/bench/run-all

# Longer fuzzing runs than make check's short ones (FUZZ_SECONDS each).
fuzz: deps
	$(MAKE) VARIANT=asan user tests
	for f in selftests/user/*/fuzz.sh; do \
		FUZZ_SECONDS=$${FUZZ_SECONDS:-600} X0TTA_BUILD=build/asan $$f || exit 1; \
	done

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf build
