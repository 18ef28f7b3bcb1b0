#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The deterministic Raft simulation (selftests/sim) as TAP tests: many
# seeds of 3- and 5-node clusters under loss, duplication, reordering,
# partitions, crashes and torn writes, every step checked for Raft's
# safety properties and every history for linearizability. A failing
# seed is printed with the command that replays it.
set -u -o pipefail

sim=${X0TTA_BUILD:-build/default}/bin/raft-sim
n=0
fail=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fail=1
	fi
}

if [ ! -x "$sim" ]; then
	echo "1..0 # SKIP $sim not built"
	exit 4
fi
echo "1..8"

out=$("$sim" --nodes 3 --seeds 2000 --ticks 1000)
ok $? "three_nodes_stay_safe_and_linearizable_over_2000_seeds"
echo "$out" | sed 's/^/# /'

out=$("$sim" --nodes 5 --seeds 1500 --ticks 1000)
ok $? "five_nodes_stay_safe_and_linearizable_over_1500_seeds"
echo "$out" | sed 's/^/# /'

# Real storage under the same faults, checked against the model disk at
# every restart. tmpfs when there is one: fsync there costs nothing.
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
dir=$(mktemp -d "$base/x0tta-raft-sim.XXXXXX")
trap 'rm -rf "$dir"' EXIT
out=$("$sim" --nodes 3 --seeds 300 --storage "$dir")
ok $? "three_nodes_real_storage_recovers_what_the_model_kept_over_300_seeds"
echo "$out" | sed 's/^/# /'
out=$("$sim" --nodes 5 --seeds 200 --storage "$dir")
ok $? "five_nodes_real_storage_recovers_what_the_model_kept_over_200_seeds"
echo "$out" | sed 's/^/# /'

# The checkers must notice a replica that diverges; else they prove nothing.
out=$("$sim" --nodes 3 --seeds 30 --mutate-kv)
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q '^FAIL seed .*linearizab\|^FAIL seed .*state machine'
ok $? "checker_catches_a_deliberately_divergent_replica"

# A seed replays exactly: same trace, byte for byte.
a=$("$sim" --nodes 5 --seed 11 --verbose=2 | md5sum)
b=$("$sim" --nodes 5 --seed 11 --verbose=2 | md5sum)
[ "$a" = "$b" ]
ok $? "a_seed_replays_exactly"

"$sim" --nodes 4 >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "bad_node_count_is_a_usage_error"

"$sim" --seeds 1x >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "malformed_number_is_a_usage_error"

exit $fail
