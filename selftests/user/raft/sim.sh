#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The deterministic Raft simulation (selftests/sim) as TAP tests: many
# seeds of 3- and 5-node clusters under loss, duplication, reordering,
# partitions, crashes and torn writes, every step checked for Raft's
# safety properties and every history for linearizability. A failing
# seed is printed with the command that replays it.
set -u -o pipefail

. selftests/lib/tap.sh

sim=${X0TTA_BUILD:-build/default}/bin/raft-sim
[ -x "$sim" ] || tap_skip_all "$sim not built"
tap_plan 8

# Real storage runs in a directory of its own. tmpfs when there is one:
# fsync there costs nothing.
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
dir=$(mktemp -d "$base/x0tta-raft-sim.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# sim_case NAME ARGS... - a case: raft-sim ARGS succeeds. Its summary
# (seeds, failures, messages, crashes) is printed as a diagnostic.
sim_case() {
	local name=$1
	shift
	tap_run "$name" sim_to "$dir/summary" "$@"
	tap_diag "$(cat "$dir/summary")"
}

sim_to() {
	local out=$1
	shift
	"$sim" "$@" >"$out"
}

sim_case "three_nodes_stay_safe_and_linearizable_over_2000_seeds" \
	--nodes 3 --seeds 2000 --ticks 1000
sim_case "five_nodes_stay_safe_and_linearizable_over_1500_seeds" \
	--nodes 5 --seeds 1500 --ticks 1000

# Real storage under the same faults, checked against the model disk at
# every restart.
sim_case "three_nodes_real_storage_recovers_what_the_model_kept_over_300_seeds" \
	--nodes 3 --seeds 300 --storage "$dir"
sim_case "five_nodes_real_storage_recovers_what_the_model_kept_over_200_seeds" \
	--nodes 5 --seeds 200 --storage "$dir"

# The checkers must notice a replica that diverges; else they prove nothing.
divergence_is_caught() {
	local out rc=0

	out=$("$sim" --nodes 3 --seeds 30 --mutate-kv) || rc=$?
	tap_assert_eq 1 "$rc" "exit status"
	echo "$out" | grep -q '^FAIL seed .*linearizab\|^FAIL seed .*state machine'
}
tap_run "checker_catches_a_deliberately_divergent_replica" divergence_is_caught

# A seed replays exactly: same trace, byte for byte (whether the seed
# passes is the other cases' business).
seed_replays() {
	local a b

	a=$("$sim" --nodes 5 --seed 11 --verbose=2 | md5sum) || true
	b=$("$sim" --nodes 5 --seed 11 --verbose=2 | md5sum) || true
	tap_assert_eq "$a" "$b" "trace checksum"
}
tap_run "a_seed_replays_exactly" seed_replays

# usage_error ARGS... - a case: raft-sim ARGS exits 2.
usage_error() {
	local rc=0

	"$sim" "$@" >/dev/null 2>&1 || rc=$?
	tap_assert_eq 2 "$rc" "exit status"
}
tap_run "bad_node_count_is_a_usage_error" usage_error --nodes 4
tap_run "malformed_number_is_a_usage_error" usage_error --seeds 1x

tap_done
