# SPDX-License-Identifier: GPL-2.0
# bpf/: the link telemetry programs, built with clang -target bpf against
# vmlinux.h of the Debian kernel the module targets (tools/kver), and
# turned into a libbpf skeleton that user/telemetry includes. vmlinux.h
# depends only on that kernel, so it is cached in build/ for every
# variant; the object and skeleton go to $(O).

BPF_CLANG ?= clang
BPFTOOL ?= bpftool
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	-I$(O)/gen -Ibpf

BPF_VMLINUX_H := build/btf/vmlinux-$(KVER).h

$(BPF_VMLINUX_H): bpf/gen-vmlinux-h
	@mkdir -p $(@D)
	bpf/gen-vmlinux-h /boot/vmlinuz-$(KVER) $@

$(O)/gen/vmlinux.h: $(BPF_VMLINUX_H)
	@mkdir -p $(@D)
	cp $< $@

$(O)/bpf/%.bpf.o: bpf/%.bpf.c bpf/%.h $(O)/gen/vmlinux.h
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -c -o $@ $<

$(O)/gen/%.skel.h: $(O)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< name $* >$@.tmp
	mv $@.tmp $@

# The telemetry library and whoever includes its header see the shared
# map structs (bpf/telemetry.h) and the skeleton.
TM_USERS := $(O)/user/telemetry/%.o $(O)/user/x0ttactl/telemetry.o \
	$(O)/tests/telemetry/%
$(TM_USERS): USER_CFLAGS += -Ibpf
# (Explicit targets: a pattern rule without a recipe would cancel the
# compile rule instead of adding a prerequisite.)
TM_OBJS := $(patsubst %.c,$(O)/%.o,$(wildcard user/telemetry/*.c \
	user/x0ttactl/telemetry.c))
$(TM_OBJS): $(O)/gen/telemetry.skel.h

bpf: $(O)/bpf/telemetry.bpf.o
.PHONY: bpf
