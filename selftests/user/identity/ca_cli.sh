#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0ttactl ca, as an operator uses it: set up a CA, issue node SVIDs,
# verify them, and see the refusal reason and exit status when something
# is wrong. TAP output; exit 4 (skip) when x0ttactl is not built.
set -u

X=${X0TTA_BUILD:-build/default}/bin/x0ttactl
if [ ! -x "$X" ]; then
	echo "1..0 # SKIP $X not built"
	exit 4
fi

dir=$(mktemp -d /tmp/x0tta-ca-cli.XXXXXX)
trap 'rm -rf "$dir"' EXIT
n=0
failed=0

# check DESCRIPTION EXPECTED_STATUS COMMAND...: run it, compare its exit
# status, keep its output in $dir/out for the next check.
check() {
	local desc=$1 want=$2 rc
	shift 2
	"$@" >"$dir/out" 2>&1
	rc=$?
	n=$((n + 1))
	if [ "$rc" -eq "$want" ]; then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc (exit $rc, want $want)"
		sed 's/^/# /' "$dir/out"
		failed=$((failed + 1))
	fi
}

# out_has DESCRIPTION PATTERN: the last command's output matches PATTERN.
out_has() {
	n=$((n + 1))
	if grep -qE -- "$2" "$dir/out"; then
		echo "ok $n $1"
	else
		echo "not ok $n $1 (no /$2/ in output)"
		sed 's/^/# /' "$dir/out"
		failed=$((failed + 1))
	fi
}

mode_is() {
	n=$((n + 1))
	if [ "$(stat -c %a "$2")" = "$3" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1 (mode $(stat -c %a "$2"), want $3)"
		failed=$((failed + 1))
	fi
}

ca=$dir/ca
echo "TAP version 13"
check "init creates a CA" 0 "$X" ca init --trust-domain mesh.test --dir "$ca"
mode_is "CA key is private" "$ca/ca.key" 600
check "init refuses to replace an existing CA" 1 \
	"$X" ca init --trust-domain mesh.test --dir "$ca"
out_has "and says how to force it" "--force"
check "init refuses --days with a unit" 2 \
	"$X" ca init --trust-domain mesh.test --dir "$dir/bad" --days 2m
check "init refuses an uppercase trust domain" 2 \
	"$X" ca init --trust-domain Mesh.test --dir "$dir/bad"
check "issue makes a node SVID" 0 "$X" ca issue --name n1 --dir "$ca"
out_has "issue prints the SPIFFE ID" "^spiffe://mesh.test/node/n1 serial"
mode_is "SVID key is private" "$ca/n1.key" 600
check "issue refuses a name that is not a path segment" 2 \
	"$X" ca issue --name "a/b" --dir "$ca"
cp "$ca/ca.key" "$dir/ca.key.before"
cp "$ca/ca.pem" "$dir/ca.pem.before"
check "issue refuses the name of the CA's own files" 2 \
	"$X" ca issue --name ca --dir "$ca"
check "issue refuses --cert naming the CA certificate" 1 \
	"$X" ca issue --name n3 --dir "$ca" --cert "$ca/ca.pem" \
	--key "$dir/n3.key"
out_has "and says why" "is the CA's certificate"
ln -s "$ca/ca.key" "$dir/link.key"
check "issue refuses --key linking to the CA key" 1 \
	"$X" ca issue --name n3 --dir "$ca" --cert "$dir/n3.pem" \
	--key "$dir/link.key"
n=$((n + 1))
if cmp -s "$ca/ca.key" "$dir/ca.key.before" &&
	cmp -s "$ca/ca.pem" "$dir/ca.pem.before"; then
	echo "ok $n the CA's key and certificate are untouched"
else
	echo "not ok $n the CA's key or certificate was overwritten"
	failed=$((failed + 1))
fi
check "issue refuses a zero lifetime" 2 \
	"$X" ca issue --name n2 --lifetime 0 --dir "$ca"
check "issue with ECDSA and explicit files" 0 "$X" ca issue --name n2 \
	--key-type ecdsa-p256 --lifetime 30m --dir "$ca" \
	--cert "$dir/n2.pem" --key "$dir/n2.key"
check "inspect shows the chain" 0 "$X" ca inspect "$ca/n1.pem"
out_has "inspect shows the SPIFFE ID" "spiffe_id +spiffe://mesh.test/node/n1"
check "inspect -j prints JSON" 0 "$X" -j ca inspect "$dir/n2.pem"
out_has "inspect -j names the key type" '"key":"EC/ECDSA"'
check "verify accepts a good SVID and key" 0 \
	"$X" ca verify --bundle "$ca/ca.pem" --key "$ca/n1.key" "$ca/n1.pem"
out_has "verify prints the SPIFFE ID" "^valid spiffe://mesh.test/node/n1"
cat "$ca/n1.pem" "$ca/n1.key" >"$dir/n1-combined.pem"
check "verify takes certificate and key in one file" 0 "$X" ca verify \
	--bundle "$ca/ca.pem" --key "$dir/n1-combined.pem" "$dir/n1-combined.pem"
check "verify refuses a key of another SVID" 1 \
	"$X" ca verify --bundle "$ca/ca.pem" --key "$dir/n2.key" "$ca/n1.pem"
out_has "with reason key_mismatch" "^refused \(key_mismatch\)"

serial=$("$X" -j ca inspect "$ca/n1.pem" | sed 's/.*"serial":"\([0-9a-f]*\)".*/\1/')
check "verify refuses a revoked serial" 1 "$X" ca verify \
	--bundle "$ca/ca.pem" --revoked "$serial" "$ca/n1.pem"
out_has "with reason revoked" "^refused \(revoked\)"

check "a second CA for the same domain" 0 \
	"$X" ca init --trust-domain mesh.test --dir "$dir/other"
check "verify refuses an SVID of an untrusted CA" 1 \
	"$X" ca verify --bundle "$dir/other/ca.pem" "$ca/n1.pem"
out_has "with reason untrusted" "^refused \(untrusted\)"
check "verify -j reports the reason" 1 \
	"$X" -j ca verify --bundle "$dir/other/ca.pem" "$ca/n1.pem"
out_has "as JSON" '^\{"valid":false,"reason":"untrusted"'
check "verify accepts with both CAs of a rollover" 0 "$X" ca verify \
	--bundle mesh.test="$dir/other/ca.pem" --bundle mesh.test="$ca/ca.pem" \
	"$ca/n1.pem"
check "several bundles must each name their trust domain" 1 "$X" ca verify \
	--bundle "$dir/other/ca.pem" --bundle "$ca/ca.pem" "$ca/n1.pem"
check "a partner's bundle cannot hold a CA of our domain" 1 "$X" ca verify \
	--bundle partner.test="$dir/other/ca.pem" --bundle mesh.test="$ca/ca.pem" \
	"$ca/n1.pem"
out_has "with the CA's claim named" "spiffe://mesh.test, not of trust domain"
check "a bad trust domain in --bundle is a usage error" 2 "$X" ca verify \
	--bundle Mesh.test="$ca/ca.pem" "$ca/n1.pem"
check "verify needs a bundle" 2 "$X" ca verify "$ca/n1.pem"
check "verify reports an unreadable certificate" 1 \
	"$X" ca verify --bundle "$ca/ca.pem" "$dir/missing.pem"
echo "not a certificate" >"$dir/junk.pem"
check "inspect refuses a file without a certificate" 1 \
	"$X" ca inspect "$dir/junk.pem"
check "unknown subcommand is a usage error" 2 "$X" ca frobnicate

echo "1..$n"
[ "$failed" -eq 0 ]
