#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the CRDT fuzzers with clang's libFuzzer (ASan + UBSan) and run
# each briefly from seeds that are real encodings: a smoke run for make
# check, in the asan variant only. fuzz_join feeds a store state or delta
# to crdt_store_check and crdt_store_join, fuzz_ae an anti-entropy
# message to crdt_ae_receive; both check that a refusal changes nothing
# and that an accepted message applied twice equals it applied once.
# For a long run:
#   FUZZ_SECONDS=600 X0TTA_BUILD=build/asan selftests/user/crdt/fuzz.sh
# Crashes are kept in $X0TTA_BUILD/fuzz/crdt/ to replay by hand.
# TAP output; exit 4 (skip) without clang or outside the asan variant.
set -u

. selftests/lib/tap.sh
. selftests/lib/fuzz.sh
fuzz_init crdt join ae

# The seed writer shares the targets' replicas (fuzz/replica.h) and is
# built the same way, minus libFuzzer's main.
seeds=$FUZZ_OUT/seeds
# shellcheck disable=SC2046
if ! nice clang -g -O1 -fsanitize=address,undefined -D_GNU_SOURCE \
	-Iuser -Iinclude/uapi -o "$seeds" selftests/user/crdt/fuzz/seeds.c \
	$(fuzz_sources) -lmnl >"$FUZZ_OUT/build_seeds.log" 2>&1 ||
	! "$seeds" "$FUZZ_CORPUS" >>"$FUZZ_OUT/build_seeds.log" 2>&1; then
	tap_bail "seed corpus: $(cat "$FUZZ_OUT/build_seeds.log")"
fi

# Seeds are a few hundred bytes; 8 KiB leaves room for many entries.
fuzz_run 8192
tap_done
