#!/usr/bin/python3
"""Sends crafted bad DHCP requests at fata's DHCP server over a TAP device
(Debian's python3-scapy): truncated messages and options, option overload
that names itself or loops, known options of the wrong size, replies sent
to the server's port, relayed requests, multicast client addresses, and a
flood of DISCOVERs from random MACs larger than the pool. The server must
drop and count the bad ones, keep its table bounded by the pool, and keep
answering (the caller checks a real client still gets its lease).

usage: craft-bad-dhcp.py IFACE FLOOD_COUNT
Prints the number of messages of each kind sent.
"""
import random
import struct
import sys

from scapy.all import BOOTP, DHCP, IP, UDP, Ether, Raw, conf, sendp

iface, flood = sys.argv[1], int(sys.argv[2])
conf.verb = 0
random.seed(3)
COOKIE = b"\x63\x82\x53\x63"


def frame(payload, src_mac="02:00:00:00:aa:01"):
    return (Ether(src=src_mac, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") /
            UDP(sport=68, dport=67) / Raw(payload))


def bootp(op=1, chaddr=b"\x02\x00\x00\x00\xaa\x01", giaddr=b"\0\0\0\0", sname=b"", file=b""):
    fixed = struct.pack("!BBBBIHH4s4s4s4s", op, 1, 6, 0, random.getrandbits(32), 0, 0x8000,
                        b"\0" * 4, b"\0" * 4, b"\0" * 4, giaddr)
    return (fixed + chaddr.ljust(16, b"\0") + sname.ljust(64, b"\0")[:64] + file.ljust(128, b"\0")[:128] +
            COOKIE)


discover = b"\x35\x01\x01"
counts = {}
frames = []


def add(kind, payloads, **kw):
    payloads = list(payloads)
    counts[kind] = len(payloads)
    frames.extend(frame(p, **kw) for p in payloads)


good = bootp() + discover + b"\xff"
# Cut anywhere before the options: not a DHCP message.
add("truncated", [good[:n] for n in range(0, 240, 7)])
# An option whose length runs past the end.
add("option-past-end", [bootp() + discover + b"\x32\x40\x0a\x00"] * 5)
# Overload (52) inside an overloaded area, and two overload options.
add("overload-loop", [bootp(file=b"\x34\x01\x03\xff") + discover + b"\x34\x01\x01\xff",
                      bootp() + discover + b"\x34\x01\x03\x34\x01\x03\xff"] * 5)
# Requested address (50) and server id (54) of the wrong size.
add("bad-option-size", [bootp() + discover + b"\x32\x03\x0a\x00\x00\xff",
                        bootp() + b"\x35\x01\x03\x36\x02\x0a\x00\xff"] * 5)
# No message type; a reply (op 2); a relayed request; a multicast chaddr.
add("no-type", [bootp() + b"\xff"] * 5)
add("reply", [bootp(op=2) + discover + b"\xff"] * 5)
add("relayed", [bootp(giaddr=b"\x0a\x09\x09\x09") + discover + b"\xff"] * 5)
add("multicast-chaddr", [bootp(chaddr=b"\xff" * 6) + discover + b"\xff"] * 5)
# Pad bytes to the end of a jumbo-sized message, without END.
add("all-pad", [bootp() + discover + b"\x00" * 1000])
# A flood of well-formed DISCOVERs, each from a new MAC.
macs = [bytes([0x02, 0x42] + [random.randrange(256) for _ in range(4)]) for _ in range(flood)]
for m in macs:
    frames.append(frame(bootp(chaddr=m) + discover + b"\xff", src_mac=":".join("%02x" % b for b in m)))
counts["flood"] = flood

sendp(frames, iface=iface, inter=0.0005)
for kind, n in counts.items():
    print("%s %d" % (kind, n))
