#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/netlink/specs/x0tta.yaml and include/uapi/linux/x0tta.h
# describe one protocol and must move together: every name the spec
# gives (constants, enums, attributes, commands, the multicast group) has
# the same value in the header, and every value the header defines is in
# the spec. The compiler checks the values (one _Static_assert each).
set -u

spec=${X0TTA_SPEC:-Documentation/netlink/specs/x0tta.yaml}
hdr=include/uapi/linux/x0tta.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "1..0 # SKIP python3-yaml is not installed"
	exit 4
fi

python3 - "$spec" "$hdr" "$tmp/check.c" >"$tmp/names" <<'PY'
import re
import sys

import yaml

spec_path, hdr_path, out_path = sys.argv[1:4]
spec = yaml.safe_load(open(spec_path))
family = spec['name']


def c_name(s):
    return s.upper().replace('-', '_')


checks = []  # (C name, expected value as C expression)
for d in spec.get('definitions', []):
    if d['type'] == 'const':
        checks.append((c_name(family + '-' + d['name']), str(d['value'])))
        continue
    prefix = d.get('name-prefix', family + '-' + d['name'] + '-')
    value = d.get('value-start', 0)
    for e in d['entries']:
        name = e if isinstance(e, str) else e['name']
        if isinstance(e, dict) and 'value' in e:
            value = e['value']
        checks.append((c_name(prefix + name), str(value)))
        value += 1

for aset in spec['attribute-sets']:
    prefix = aset.get('name-prefix', family + '-' + aset['name'] + '-a-')
    value = 1
    for a in aset['attributes']:
        value = a.get('value', value)
        checks.append((c_name(prefix + a['name']), str(value)))
        value += 1
    checks.append((c_name(prefix + 'max'), str(value - 1)))

ops = spec['operations']
value = 1
for op in ops['list']:
    value = op.get('value', value)
    checks.append((c_name(ops['name-prefix'] + op['name']), str(value)))
    value += 1
checks.append((c_name(ops['name-prefix'] + 'max'), str(value - 1)))

strings = [(c_name(spec.get('c-family-name', family + '-family-name')),
            family)]
for g in spec.get('mcast-groups', {}).get('list', []):
    define = g.get('c-define-name', family + '-mcgrp-' + g['name'])
    strings.append((c_name(define), g['name']))

with open(out_path, 'w') as f:
    f.write('#include <string.h>\n#include <linux/x0tta.h>\n')
    for name, value in checks:
        f.write('_Static_assert(%s == %s, "%s is %s in the spec");\n'
                % (name, value, name, value))
    f.write('int main(void)\n{\n\treturn 0')
    for name, value in strings:
        f.write(' ||\n\t\tstrcmp(%s, "%s")' % (name, value))
    f.write(';\n}\n')

# Every enum member of the header but the UNSPEC placeholders. The echo
# frame's types are not netlink: they travel between modules on a link.
hdr = open(hdr_path).read()
known = {n for n, _ in checks}
for enum, body in re.findall(r'enum (x0tta_\w+) \{(.*?)\};', hdr, re.S):
    if enum == 'x0tta_echo_type':
        continue
    for member in re.findall(r'^\s*(X0TTA_\w+)', body, re.M):
        if not member.endswith('_UNSPEC') and member not in known:
            print(member)
PY
rc=$?
failed=0
n=1
if [ "$rc" -ne 0 ]; then
	echo "not ok $n - the spec parses"
	echo "1..$n"
	exit 1
fi
echo "ok $n - the spec parses"

n=$((n + 1))
if [ -s "$tmp/names" ]; then
	echo "not ok $n - every enum value of the header is in the spec"
	sed 's/^/# missing from the spec: /' "$tmp/names"
	failed=1
else
	echo "ok $n - every enum value of the header is in the spec"
fi

n=$((n + 1))
if cc -std=gnu11 -Iinclude/uapi -o "$tmp/check" "$tmp/check.c" \
		2>"$tmp/err" && "$tmp/check"; then
	echo "ok $n - every name of the spec has its value in the header"
else
	echo "not ok $n - every name of the spec has its value in the header"
	grep -o '"[^"]* in the spec"' "$tmp/err" | sort -u | sed 's/^/# /'
	failed=1
fi

echo "1..$n"
exit $failed
