#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the raft fuzzers with clang's libFuzzer (ASan + UBSan) and run
# each briefly: a smoke run for make check, in the asan variant only.
# fuzz_msg feeds the wire decoder, fuzz_step a node through it,
# fuzz_conf the configuration entry decoder. For a
# long run:
#   FUZZ_SECONDS=600 X0TTA_BUILD=build/asan selftests/user/raft/fuzz.sh
# Crashes are kept in $X0TTA_BUILD/fuzz/raft/ to replay by hand.
# TAP output; exit 4 (skip) without clang or outside the asan variant.
set -u

. selftests/lib/tap.sh
. selftests/lib/fuzz.sh
fuzz_init raft msg step conf
corpus=$FUZZ_CORPUS

# Little-endian integers, for seed frames laid out as msg.h describes.
le() {
	local v=$1 bytes=$2 i
	for ((i = 0; i < bytes; i++)); do
		printf "\\x$(printf %02x $((v & 255)))"
		v=$((v >> 8))
	done
}

# frame TYPE FLAGS N FROM TO TERM LOGTERM INDEX COMMIT HINT CTX
frame() {
	printf '\x02'
	le "$1" 1
	le "$2" 1
	printf '\x00'
	le "$3" 4
	for v in "${@:4}"; do
		le "$v" 8
	done
}

# Seeds: one frame of each kind a peer sends, and a script of them.
frame 1 0 0 2 1 1 0 0 0 0 0 >"$corpus/msg/prevote"
frame 3 0 0 2 1 1 0 0 0 0 0 >"$corpus/msg/vote"
frame 4 0 0 2 1 1 0 0 0 0 0 >"$corpus/msg/vote_resp"
frame 6 1 0 2 1 2 0 3 0 1 0 >"$corpus/msg/append_reject"
frame 7 0 0 2 1 2 0 0 1 0 3 >"$corpus/msg/heartbeat"
frame 8 0 0 2 1 2 0 0 0 0 3 >"$corpus/msg/heartbeat_resp"
frame 9 0 0 2 1 2 0 0 0 0 0 >"$corpus/msg/timeout_now"
frame 3 2 0 2 1 3 0 0 0 0 0 >"$corpus/msg/vote_transfer"
{ frame 10 0 0 2 1 2 1 5 0 0 0; le 0 8; printf 'state'; } \
	>"$corpus/msg/snapshot"
# ... and one with a configuration: voters 1 2 3, learner 4
{ frame 10 0 0 2 1 2 1 5 0 0 0; le 3 1; le 1 1; le 0 6
  for id in 1 2 3 4; do le $id 8; done; printf 'state'; } \
	>"$corpus/msg/snapshot_conf"
{ frame 5 0 1 2 1 2 0 0 1 0 0; le 2 8; le 1 1; printf '\x00\x00\x00';
  le 2 4; printf 'kv'; } >"$corpus/msg/append"
# An append carrying a configuration entry: learner 4 joins voters 1-3.
{ frame 5 0 1 2 1 2 0 0 1 0 0; le 2 8; le 3 1; printf '\x00\x00\x00'
  le 56 4; le 1 1; le 2 1; le 0 6; le 4 8; le 3 1; le 1 1; le 0 6
  for id in 1 2 3 4; do le $id 8; done; } >"$corpus/msg/append_conf"
# Configuration entries: learner 4 joins voters 1-3 (with a context),
# and voter 3 leaves voters 1-3.
{ le 1 1; le 2 1; le 3 2; le 0 4; le 4 8; le 3 1; le 1 1; le 0 6
  for id in 1 2 3 4; do le $id 8; done; printf 'abc'; } >"$corpus/conf/add"
{ le 1 1; le 3 1; le 0 2; le 0 4; le 3 8; le 2 1; le 0 1; le 0 6
  for id in 1 2; do le $id 8; done; } >"$corpus/conf/remove"
for f in "$corpus"/msg/*; do
	le "$(stat -c %s "$f")" 2
	cat "$f"
	le 0 2
done >"$corpus/step/script"
# Win an election (a 1-byte record first: an odd first byte campaigns),
# commit the no-op, then propose adding learner 4 (0x12) and see it
# acknowledged.
frame 2 0 0 2 1 1 0 0 0 0 0 >"$corpus/prevote_resp"
frame 6 0 0 2 1 1 0 1 0 0 0 >"$corpus/ack1"
frame 6 0 0 2 1 1 0 2 0 0 0 >"$corpus/ack2"
{ le 1 2; printf '\x12'
  for f in prevote_resp msg/vote_resp ack1; do
	le "$(stat -c %s "$corpus/$f")" 2
	cat "$corpus/$f"
  done
  le 1 2; printf '\x12'
  le "$(stat -c %s "$corpus/ack2")" 2
  cat "$corpus/ack2"; } >"$corpus/step/lead_and_change"
rm "$corpus/prevote_resp" "$corpus/ack1" "$corpus/ack2"
for f in vote_resp append heartbeat; do
	le "$(stat -c %s "$corpus/msg/$f")" 2
	cat "$corpus/msg/$f"
done >"$corpus/step/follow"

fuzz_run 4096
tap_done
