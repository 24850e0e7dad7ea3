#!/usr/bin/python3
"""Makes Linux send IPv6 frames on a TAP device it holds open (run in a
fresh network namespace): its router solicitations, duplicate address
detection and MLDv2 reports as the link comes up, neighbour solicitations
for an address nobody has, and a fragmented echo request to all nodes.
Writes each IPv6 frame as a hex line to FRAMES and scapy's reading of it,
in ipv6-decode's form, to DECODED.

usage: linux-ipv6-frames.py TAP FRAMES DECODED
"""
import fcntl
import os
import select
import struct
import subprocess
import sys
import time

from scapy.all import (ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrFragment, Ether, conf)

tap, frames_path, decoded_path = sys.argv[1:4]
conf.verb = 0
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454ca, 0x0002, 0x1000
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI))
subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{tap}.disable_ipv6=0"], check=True)
subprocess.run(["ip", "link", "set", tap, "up"], check=True)
# The pings once the link-local address is no longer tentative (DAD done).
ready = (f"for i in $(seq 100); do ip -6 addr show dev {tap} scope link | grep -q inet6 && "
         f"! ip -6 addr show dev {tap} | grep -q tentative && break; sleep 0.1; done")
traffic = subprocess.Popen(["sh", "-c", f"{ready}; ping -6 -c 2 -i 0.3 -s 3000 -M dont -W 1 ff02::1%{tap}; "
                                        f"ping -6 -c 1 -W 1 fe80::1%{tap}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
frames = []
done = float("inf")
end = time.time() + 15
while time.time() < end and (traffic.poll() is None or time.time() < done + 0.5):
    # Done once the pings are and a router solicitation came (Linux sends
    # its first one up to a second after its address is usable).
    solicited = any(len(f) > 54 and f[20] == 58 and f[54] == 133 for f in frames)
    if traffic.poll() is not None and solicited and done == float("inf"):
        done = time.time()
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        f = os.read(fd, 65536)
        if f[12:14] == b"\x86\xdd":
            frames.append(f)
traffic.wait()


def decode(f):
    e = Ether(f)
    ip = e[IPv6]
    out = f"src={ip.src} dst={ip.dst} hlim={ip.hlim}"
    layer, off = ip.payload, 0
    # Walk the extension headers as scapy sees them.
    while layer.name not in ("Raw", "NoPayload") and hasattr(layer, "nh") and not isinstance(layer, IPv6ExtHdrFragment):
        off += len(bytes(layer)) - len(bytes(layer.payload))
        proto = layer.nh
        layer = layer.payload
    if isinstance(layer, IPv6ExtHdrFragment):
        off += 8
        out += f" proto={layer.nh} off={off} frag={layer.offset * 8}/{layer.m}/{layer.id}"
        if layer.offset == 0 and layer.nh == 58:
            body = bytes(layer.payload)
            out += f" icmp={body[0]}/{body[1]}"
        return out
    first = ip.nh
    proto = first if off == 0 else proto
    out += f" proto={proto} off={off}"
    if proto != 58:
        return out
    body = bytes(ip.payload)[off:]
    out += f" icmp={body[0]}/{body[1]}"
    for kind in (ICMPv6ND_NS, ICMPv6ND_NA):
        if kind in e:
            out += f" target={e[kind].tgt}"
    for opt in (ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr):
        if opt in e:
            out += f" lla={e[opt].lladdr}"
    return out


with open(frames_path, "w") as fh:
    for f in frames:
        fh.write(f.hex() + "\n")
with open(decoded_path, "w") as fh:
    for f in frames:
        fh.write(decode(f) + "\n")
print(f"{len(frames)} IPv6 frames from Linux")
