# SPDX-License-Identifier: GPL-2.0
"""A hostile peer: holds a valid SVID of the cluster, completes the mTLS
handshake like a real node, then sends frames no x0ttad would send.

Usage: python3 fakepeer.py PORT CERT KEY BUNDLE READYFILE
Listens on 127.0.0.1:PORT (the lower node id dials, so the daemon comes
to us), writes READYFILE once listening, serves one connection: a hello,
then garbage on each channel, then keeps the connection open for 3 s.
"""
import socket
import ssl
import struct
import sys
import time


def frame(channel, payload):
    return struct.pack(">IB", len(payload), channel) + payload


def main():
    port, cert, key, bundle, ready = sys.argv[1:6]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(bundle)
    ctx.verify_mode = ssl.CERT_REQUIRED
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(port)))
    srv.listen(1)
    srv.settimeout(10)
    open(ready, "w").close()
    conn, _ = srv.accept()
    tls = ctx.wrap_socket(conn, server_side=True)
    tls.sendall(frame(0, b""))
    frames = [
        frame(1, b"not a raft message"),              # raft: undecodable
        frame(1, b"\x02\x07" + b"\x00" * 70),         # raft: header of zeros
        frame(2, b"\xff" * 40),                       # crdt: bad kind
        frame(3, b"\x01" + b"\x00" * 3),              # forward: too short
        frame(3, b"\x02" + b"\x00" * 8 + b"\x05\x00\x01\x01"),  # stray reply
        frame(9, b"channel nobody uses"),
    ]
    for f in frames:
        tls.sendall(f)
    time.sleep(3)
    tls.close()


main()
