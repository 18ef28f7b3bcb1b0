#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send COUNT raw frames with the batman-adv ethertype and packet type
PTYPE out of IFNAME, so tests know exactly how many frames of a type
crossed a link. Types batman-adv never sends on its own (0x02 coded with
network coding off, unknown types) are dropped by the receiving
batman-adv, so they cause no other traffic.

usage: batframe.py IFNAME PTYPE COUNT [DST_MAC]"""

import socket
import sys

ETH_P_BATMAN = 0x4305


def mac_bytes(text):
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError(f"bad MAC address: {text}")
    return bytes(int(p, 16) for p in parts)


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    ifname, ptype, count = argv[1], int(argv[2], 0), int(argv[3])
    if not 0 <= ptype <= 255 or count < 0:
        print("PTYPE must be 0..255 and COUNT >= 0", file=sys.stderr)
        return 2
    dst = mac_bytes(argv[4]) if len(argv) == 5 else b"\xff" * 6
    with open(f"/sys/class/net/{ifname}/address") as f:
        src = mac_bytes(f.read().strip())
    # batman header: packet type, version 15, ttl; zero padding to the
    # Ethernet minimum so every frame has the same, known length.
    payload = bytes([ptype, 15, 50]).ljust(46, b"\0")
    frame = dst + src + ETH_P_BATMAN.to_bytes(2, "big") + payload
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((ifname, ETH_P_BATMAN))
        for _ in range(count):
            s.send(frame)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
