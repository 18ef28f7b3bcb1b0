#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the identity fuzzers with clang's libFuzzer (ASan + UBSan) and run
# each briefly from a seed corpus of real SVIDs: a smoke run for make
# check, in the asan variant only. For a long run:
#   FUZZ_SECONDS=600 X0TTA_BUILD=build/asan selftests/user/identity/fuzz.sh
# Crashes are kept in $X0TTA_BUILD/fuzz/identity/ to replay by hand.
# TAP output; exit 4 (skip) without clang or outside the asan variant.
set -u

. selftests/lib/tap.sh
. selftests/lib/fuzz.sh
FUZZ_LDLIBS=-lgnutls
fuzz_init identity spiffe cert
corpus=$FUZZ_CORPUS

# Seeds: IDs of each shape, and SVIDs as x0ttactl writes them.
printf 'spiffe://mesh.test/node/a' >"$corpus/spiffe/1"
printf 'spiffe://td' >"$corpus/spiffe/2"
printf 'spiffe://a.b-c_d/x/Y/0.1' >"$corpus/spiffe/3"
x0ttactl=$FUZZ_BUILD/bin/x0ttactl
if [ -x "$x0ttactl" ]; then
	"$x0ttactl" ca init --trust-domain mesh.test --dir "$corpus/ca" \
		>/dev/null 2>&1
	"$x0ttactl" ca issue --name a --dir "$corpus/ca" >/dev/null 2>&1
	cp "$corpus/ca/ca.pem" "$corpus/cert/ca"
	cp "$corpus/ca/a.pem" "$corpus/cert/leaf"
	cat "$corpus/ca/a.pem" "$corpus/ca/ca.pem" >"$corpus/cert/chain"
	certtool --certificate-info --infile "$corpus/ca/a.pem" \
		--outder --outfile "$corpus/cert/der" >/dev/null 2>&1
fi

fuzz_run 8192
tap_done
