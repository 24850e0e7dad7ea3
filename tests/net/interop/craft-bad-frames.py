#!/usr/bin/python3
"""Sends crafted bad frames at a unikernel over a TAP device (Debian's
python3-scapy): truncated headers, bad checksums, bad lengths, overlapping
and endless fragments, illegal TCP flag combinations, a SYN flood and
out-of-window segments. The unikernel must drop and count them, never
crash or hang, and keep answering pings (the caller checks that).

usage: craft-bad-frames.py IFACE UNIKERNEL_MAC LINUX_IP UNIKERNEL_IP
"""
import random
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, Raw, conf, fragment, sendp)

iface, mac, src, dst = sys.argv[1:5]
conf.verb = 0
random.seed(1)
eth = Ether(dst=mac)
frames = []
counts = {}


def add(kind, pkts):
    pkts = list(pkts)
    counts[kind] = len(pkts)
    frames.extend(pkts)


good = eth / IP(src=src, dst=dst) / ICMP(id=1, seq=1) / (b"x" * 32)
raw = bytes(good)
# Truncated headers: every length inside the Ethernet and IPv4 headers.
add("truncated", [Raw(raw[:n]) for n in range(0, 34)])
# Bad IPv4 header checksum.
add("bad-ip-checksum", [eth / IP(src=src, dst=dst, chksum=0x1234) / ICMP()] * 20)
# Bad IPv4 lengths: total length larger than the frame, smaller than the
# header, header length below 5 words.
add("bad-ip-lengths", [eth / IP(src=src, dst=dst, len=1000) / ICMP(),
                       eth / IP(src=src, dst=dst, len=10) / ICMP(),
                       eth / IP(src=src, dst=dst, ihl=3) / ICMP()] * 10)
# Bad ICMP and UDP checksums, bad UDP length.
add("bad-icmp-checksum", [eth / IP(src=src, dst=dst) / ICMP(chksum=1)] * 20)
add("bad-udp", [eth / IP(src=src, dst=dst) / UDP(sport=1, dport=7, chksum=0x4321) / b"hi",
                eth / IP(src=src, dst=dst) / UDP(sport=1, dport=7, len=3) / b"hi",
                eth / IP(src=src, dst=dst) / UDP(sport=1, dport=7, len=400) / b"hi"] * 10)
# Overlapping fragments (teardrop-style), for an ICMP echo.
over = []
for i in range(50):
    ident = 1000 + i
    over.append(eth / IP(src=src, dst=dst, id=ident, flags="MF", frag=0, proto=1) / (b"A" * 64))
    over.append(eth / IP(src=src, dst=dst, id=ident, frag=4, proto=1) / (b"B" * 64))
add("overlapping-fragments", over)
# Endless fragments: first fragments that never complete, each a new datagram.
add("endless-fragments",
    [eth / IP(src=src, dst=dst, id=5000 + i, flags="MF", frag=random.randrange(0, 8000), proto=17) /
     (b"E" * 1024) for i in range(2000)])
# A fragment reaching past 65535 bytes.
add("ping-of-death", [eth / IP(src=src, dst=dst, id=9999, frag=8189, proto=1) / (b"D" * 100)] * 5)
# Illegal TCP flag combinations, a SYN flood from many ports, out-of-window segments.
flags = ["SF", "SR", "FPU", "", "SRAFUP", "F", "R"]
add("tcp-illegal-flags", [eth / IP(src=src, dst=dst) / TCP(sport=40000 + i, dport=7, flags=f, seq=1)
                          for i, f in enumerate(flags * 5)])
add("syn-flood", [eth / IP(src=src, dst=dst) / TCP(sport=1024 + i, dport=7, flags="S",
                                                   seq=random.getrandbits(32)) for i in range(3000)])
add("out-of-window", [eth / IP(src=src, dst=dst) / TCP(sport=50000, dport=7, flags="A",
                                                       seq=random.getrandbits(32),
                                                       ack=random.getrandbits(32)) / b"junk"
                      for _ in range(200)])
# Garbage after a valid Ethernet header, and ARP for other addresses.
add("garbage", [eth / Raw(bytes(random.getrandbits(8) for _ in range(random.randrange(1, 200))))
                for _ in range(300)])
add("arp-noise", [Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, psrc=src, pdst="10.77.0.%d" % i)
                  for i in range(3, 100)])

for i in range(0, len(frames), 200):
    sendp(frames[i:i + 200], iface=iface)
print("sent %d crafted frames: %s" % (len(frames), ", ".join("%s %d" % kv for kv in counts.items())))
