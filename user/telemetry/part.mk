# SPDX-License-Identifier: GPL-2.0
# user/telemetry: loads bpf/telemetry.bpf.c through its libbpf skeleton,
# pins its maps, attaches it to batman-adv hard interfaces with tc, and
# reads the maps. Used by x0ttactl now and by x0ttad's monitor later.
telemetry_LDLIBS := -lbpf -lelf -lz -lmnl
telemetry_DEPS := lib
