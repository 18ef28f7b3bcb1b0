#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Constant-rate, sequence-numbered UDP stream for the failover benchmark.

  udpseq.py send DST PORT RATE SECONDS   prints: sent=N
  udpseq.py recv PORT                    on SIGTERM prints:
      received=N reordered=N maxgap=N last=SEQ

Each datagram carries its sequence number (8 bytes, big-endian) padded to
64 bytes. The sender keeps an absolute schedule (datagram i leaves at
t0 + i/RATE) so that a stall of the emulated CPU is caught up instead of
silently lowering the rate: lost = sent - received is then a count of
frames the network dropped, not of frames never sent. maxgap is the
longest run of missing sequence numbers, i.e. the outage in datagrams.
"""
import signal
import socket
import struct
import sys
import time

PAYLOAD = 64
SO_RCVBUFFORCE = 33     # asm-generic/socket.h


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def positive(text, kind):
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if value <= 0:
        sys.stderr.write("udpseq: '%s' is not a positive number\n" % text)
        sys.exit(2)
    return value


def port_number(text):
    port = positive(text, int)
    if port > 65535:
        sys.stderr.write("udpseq: port %d out of range\n" % port)
        sys.exit(2)
    return port


def send(dst, port, rate, seconds):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    total = int(rate * seconds)
    pad = b"\0" * (PAYLOAD - 8)
    t0 = time.monotonic()
    sent = 0
    for seq in range(total):
        delay = t0 + seq / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            sock.sendto(struct.pack("!Q", seq) + pad, (dst, port))
            sent += 1
        except OSError:
            # No route or a full queue is a lost frame like any other:
            # the receiver will not see this sequence number.
            sent += 1
    print("sent=%d" % sent)


class StopReceiving(Exception):
    pass


def recv_one(sock, seen, state):
    data = sock.recv(2048)
    if len(data) < 8:
        return
    seq = struct.unpack("!Q", data[:8])[0]
    if seq in seen:
        return
    seen.add(seq)
    if seq < state["last"]:
        state["reordered"] += 1
        return
    state["maxgap"] = max(state["maxgap"], seq - state["last"] - 1)
    state["last"] = seq


def recv(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # A receiver that falls behind must not drop datagrams itself: that
    # would be counted against the network. Past rmem_max needs root and
    # SO_RCVBUFFORCE, which Python does not name.
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 1 << 22)
    except PermissionError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sock.bind(("", port))
    seen = set()
    state = {"reordered": 0, "maxgap": 0, "last": -1}

    # SIGTERM ends the blocking loop, but datagrams that arrived before it
    # and still wait in the socket buffer (a slow emulated CPU falls
    # behind) count too, so the socket is drained before the report.
    def stop(signum, frame):
        raise StopReceiving()

    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            recv_one(sock, seen, state)
    except StopReceiving:
        pass
    sock.setblocking(False)
    while True:
        try:
            recv_one(sock, seen, state)
        except BlockingIOError:
            break
    print("received=%d reordered=%d maxgap=%d last=%d" %
          (len(seen), state["reordered"], state["maxgap"], state["last"]))


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "send":
        send(sys.argv[2], port_number(sys.argv[3]),
             positive(sys.argv[4], int), positive(sys.argv[5], float))
    elif len(sys.argv) == 3 and sys.argv[1] == "recv":
        recv(port_number(sys.argv[2]))
    else:
        usage()


if __name__ == "__main__":
    main()
