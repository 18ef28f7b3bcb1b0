#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0ttactl identity probe against gnutls-serv (gnutls-bin) playing a
# node: a good peer, a peer outside the allowed IDs, a peer of another
# CA, and a TLS 1.2-only server. TAP output; exit 4 (skip) when
# x0ttactl or gnutls-serv is missing.
set -u

. selftests/lib/tap.sh

X=${X0TTA_BUILD:-build/default}/bin/x0ttactl
if [ ! -x "$X" ] || ! command -v gnutls-serv >/dev/null; then
	tap_skip_all "needs $X and gnutls-serv"
fi

dir=$(mktemp -d /tmp/x0tta-probe.XXXXXX)
serv=
cleanup() {
	[ -n "$serv" ] && kill "$serv" 2>/dev/null && wait "$serv" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

# probe_exits WANT ARGS... - a case: x0ttactl ARGS exits with WANT; its
# output stays in $dir/out for the cases that follow.
probe_exits() {
	local want=$1 rc=0
	shift
	"$X" "$@" >"$dir/out" 2>&1 || rc=$?
	tap_assert_eq "$want" "$rc" "exit status" && return 0
	cat "$dir/out"
	return 1
}

# out_has REGEX - a case: the last probe printed a line matching REGEX.
out_has() {
	grep -qE -- "$1" "$dir/out" && return 0
	echo "no line matches: $1"
	cat "$dir/out"
	return 1
}

# probe WANT_STATUS DESCRIPTION ARGS...: run the probe, check its status.
probe() {
	local want=$1 desc=$2
	shift 2
	tap_run "$desc (exit $want)" probe_exits "$want" "$@"
}

# has DESCRIPTION REGEX: the last probe's output has a matching line.
has() {
	tap_run "$1" out_has "$2"
}

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# serve PRIORITY CERT KEY: start gnutls-serv on a free port, set $port.
serve() {
	[ -n "$serv" ] && kill "$serv" 2>/dev/null && wait "$serv" 2>/dev/null
	port=$((20000 + RANDOM % 30000))
	while ! port_free "$port"; do
		port=$((port + 1))
	done
	gnutls-serv --port "$port" --priority "$1" --x509certfile "$2" \
		--x509keyfile "$3" --x509cafile "$ca/ca.pem" \
		--require-client-cert >"$dir/serv.log" 2>&1 &
	serv=$!
	for _ in $(seq 50); do
		port_free "$port" || return 0
		sleep 0.1
	done
	tap_diag "gnutls-serv did not start"
	return 1
}

ca=$dir/ca
"$X" ca init --trust-domain mesh.test --dir "$ca" >/dev/null
"$X" ca init --trust-domain mesh.test --dir "$dir/rogue" >/dev/null
for name in a b; do
	"$X" ca issue --name "$name" --dir "$ca" >/dev/null
done
"$X" ca issue --name b --dir "$dir/rogue" >/dev/null
me=(--cert "$ca/a.pem" --key "$ca/a.key" --bundle "$ca/ca.pem")
tls13=NORMAL:-VERS-ALL:+VERS-TLS1.3

serve "$tls13" "$ca/b.pem" "$ca/b.key"
probe 0 "probe of a good peer succeeds" identity probe "127.0.0.1:$port" \
	"${me[@]}"
has "it names the peer" "^peer +spiffe://mesh.test/node/b$"
has "it shows TLS 1.3" "^tls +TLS1.3 "
has "the peer accepted us" "^peer says +accepted"
probe 1 "a peer outside --allow is refused" -j identity probe \
	"127.0.0.1:$port" "${me[@]}" --allow spiffe://mesh.test/node/c
has "with reason not_authorized, as JSON" '"reason":"not_authorized"'

serve "$tls13" "$dir/rogue/b.pem" "$dir/rogue/b.key"
probe 1 "a peer of another CA is refused" identity probe \
	"127.0.0.1:$port" "${me[@]}"
has "with reason untrusted" "^validation +refused \(untrusted\)"
has "still naming the peer" "^peer +spiffe://mesh.test/node/b$"

serve NORMAL:-VERS-ALL:+VERS-TLS1.2 "$ca/b.pem" "$ca/b.key"
probe 1 "a TLS 1.2-only peer is refused" identity probe \
	"127.0.0.1:$port" "${me[@]}"
has "with a TLS failure" "refused \(tls"

probe 2 "HOST:PORT is required" identity probe "${me[@]}"
probe 2 "a target without port is a usage error" identity probe \
	localhost "${me[@]}"

tap_done
