# SPDX-License-Identifier: GPL-2.0
"""Send one raw control request to x0ttad and print its reply's error.

The requests x0ttactl would never build (unknown command or attribute,
wrong lengths, over-long messages), to check that the daemon refuses
each with a clear message and keeps serving.

Usage: python3 rawctl.py SOCKET CMD [TYPE:HEX ...] [--version V]
       [--pad N] [--raw HEX]
Prints "errno=N msg=TEXT" for a refusal, "ok" for a success.
"""
import socket
import struct
import sys


def attr(atype, payload):
    alen = 4 + len(payload)
    pad = (4 - alen % 4) % 4
    return struct.pack("<HH", alen, atype) + payload + b"\0" * pad


def parse_reply(msg):
    cmd, version, flags = struct.unpack_from("<HBB", msg)
    off, out = 4, {}
    while off + 4 <= len(msg):
        alen, atype = struct.unpack_from("<HH", msg, off)
        out[atype & 0x3fff] = msg[off + 4:off + alen]
        off += (alen + 3) & ~3
    if not flags & 2:
        return "ok"
    err = struct.unpack("<I", out[1])[0]
    text = out.get(2, b"").rstrip(b"\0").decode()
    return "errno=%d msg=%s" % (err, text)


def main():
    args = sys.argv[1:]
    path, cmd = args[0], int(args[1])
    version, body, raw = 1, b"", None
    i = 2
    while i < len(args):
        a = args[i]
        if a == "--version":
            version = int(args[i + 1])
            i += 1
        elif a == "--pad":
            body += attr(4, b"k" * int(args[i + 1]))
            i += 1
        elif a == "--raw":
            raw = bytes.fromhex(args[i + 1])
            i += 1
        else:
            atype, hexval = a.split(":")
            body += attr(int(atype), bytes.fromhex(hexval))
        i += 1
    msg = raw if raw is not None else struct.pack("<HBB", cmd, version, 0) + body
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    s.send(msg)
    print(parse_reply(s.recv(1 << 20)))


main()
