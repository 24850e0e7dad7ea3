#!/usr/bin/python3
"""A DHCP load client for bench/net/dhcp-serve: over a raw socket on IFACE
it takes COUNT leases one after another, each for a new MAC (DISCOVER,
OFFER, REQUEST, ACK), and prints the leases per second and the median
exchange in microseconds. The same client runs against every server.

usage: dhcp-load.py IFACE COUNT SEED
"""
import random
import socket
import struct
import sys
import time

iface, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((iface, 0))
s.settimeout(2.0)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def frame(mac, payload):
    udp = struct.pack("!HHHH", 68, 67, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, b"\0" * 4, b"\xff" * 4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\xff" * 6 + mac + b"\x08\x00" + ip + udp


def message(mac, xid, mtype, extra=b""):
    fixed = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4, b"\0" * 4,
                        b"\0" * 4, b"\0" * 4)
    body = fixed + mac.ljust(16, b"\0") + b"\0" * 192 + b"\x63\x82\x53\x63"
    return (body + bytes([53, 1, mtype]) + extra + b"\xff").ljust(300, b"\0")


def wait_reply(xid, mtype):
    while True:
        data = s.recv(2048)
        if len(data) < 14 + 20 + 8 + 240 or data[12:14] != b"\x08\x00" or data[23] != 17:
            continue
        ihl = (data[14] & 15) * 4
        udp = 14 + ihl
        if struct.unpack("!H", data[udp + 2:udp + 4])[0] != 68:
            continue
        d = data[udp + 8:]
        if d[0] != 2 or struct.unpack("!I", d[4:8])[0] != xid:
            continue
        i = 240
        got, server = None, None
        while i + 1 < len(d) and d[i] != 255:
            if d[i] == 0:
                i += 1
                continue
            code, n = d[i], d[i + 1]
            if code == 53:
                got = d[i + 2]
            if code == 54:
                server = d[i + 2:i + 6]
            i += 2 + n
        if got == mtype:
            return d[16:20], server
        if got == 6:
            raise SystemExit("NAK")


times = []
start = time.perf_counter()
for n in range(count):
    mac = bytes([0x02, 0x43] + [rng.randrange(256) for _ in range(4)])
    xid = rng.getrandbits(32)
    t = time.perf_counter()
    s.send(frame(mac, message(mac, xid, 1)))
    yiaddr, server = wait_reply(xid, 2)
    s.send(frame(mac, message(mac, xid, 3, bytes([50, 4]) + yiaddr + bytes([54, 4]) + server)))
    wait_reply(xid, 5)
    times.append(time.perf_counter() - t)
elapsed = time.perf_counter() - start
times.sort()
print("leases_per_second %.0f" % (count / elapsed))
print("median_exchange_us %.0f" % (times[len(times) // 2] * 1e6))
