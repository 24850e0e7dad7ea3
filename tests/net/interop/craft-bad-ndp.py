#!/usr/bin/python3
"""Sends crafted bad IPv6 and NDP packets at fata's IPv6 layer over a TAP
device (Debian's python3-scapy): neighbour and router messages with a hop
limit below 255, a router advertisement from a global source, one with an
option of length 0 and one shorter than its fixed part, an echo with a bad
checksum, an extension header chain longer than the layer follows, a
header whose payload length overruns the frame, a fragment that never
completes, overlapping fragments (RFC 5722), a flood of first fragments
that never complete (more than the reassembler holds), advertised
MTUs below IPv6's minimum and above the link's, then a flood of valid
advertisements from many routers with many prefixes. The layer must drop
and count the bad ones, keep its lists within their bounds, and keep
answering (the caller pings it after).

usage: craft-bad-ndp.py IFACE FLOOD_ROUTERS
Prints the number of packets of each kind sent.
"""
import sys

from scapy.all import (ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6NDOptMTU,
                       ICMPv6NDOptPrefixInfo, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, Ether, Raw,
                       conf, sendp)
from scapy.layers.inet6 import in6_chksum

iface, routers = sys.argv[1], int(sys.argv[2])
conf.verb = 0
ALL_NODES_MAC = "33:33:00:00:00:01"
SRC_MAC = "02:00:00:00:bb:01"
PEER = "fe80::bb:1"
counts = {}
frames = []


def add(kind, packet):
    counts[kind] = counts.get(kind, 0) + 1
    frames.append(Ether(src=SRC_MAC, dst=ALL_NODES_MAC) / packet)


def to_all(hlim=255, src=PEER):
    return IPv6(src=src, dst="ff02::1", hlim=hlim)


# RFC 4861's checks: hop limit 255, a link-local router, well-formed options.
add("bad_ndp", to_all(hlim=64) / ICMPv6ND_NS(tgt="fe80::1"))
add("bad_ndp", to_all(hlim=64) / ICMPv6ND_NA(tgt=PEER, R=0, S=0, O=1))
add("bad_ndp", to_all(hlim=254) / ICMPv6ND_RA(routerlifetime=1800))
add("bad_ndp", to_all(src="2001:db8::1") / ICMPv6ND_RA(routerlifetime=1800))
add("bad_ndp", to_all() / ICMPv6ND_RA(routerlifetime=1800) / Raw(b"\x01\x00" + b"\x00" * 6))
# An RA of 12 bytes: shorter than its 16-byte fixed part (checksum by scapy
# over what is sent).
short_header = IPv6(src=PEER, dst="ff02::1", hlim=255, nh=58, plen=12)
short_ra = bytearray(bytes(ICMPv6ND_RA(routerlifetime=1800, cksum=0))[:12])
short_ra[2:4] = in6_chksum(58, short_header, bytes(short_ra)).to_bytes(2, "big")
add("bad_ndp", short_header / Raw(bytes(short_ra)))
add("bad_checksum", to_all(hlim=64) / ICMPv6EchoRequest(id=1, seq=1, cksum=0x1234, data=b"x" * 8))
# Twenty destination options headers: past the sixteen the layer follows.
chain = IPv6ExtHdrDestOpt()
for _ in range(19):
    chain = chain / IPv6ExtHdrDestOpt()
add("bad_chain", to_all(hlim=64) / chain / ICMPv6EchoRequest(id=1, seq=2))
add("malformed", IPv6(src=PEER, dst="ff02::1", plen=1000, nh=59) / Raw(b"\x00" * 16))
add("fragment", to_all(hlim=64) / IPv6ExtHdrFragment(id=9, m=1) / ICMPv6EchoRequest(id=1, seq=3, data=b"y" * 40))
# Three echoes whose second fragment overlaps the first's last 8 bytes.
for ident in (20, 21, 22):
    first = to_all(hlim=64) / IPv6ExtHdrFragment(id=ident, m=1) / ICMPv6EchoRequest(id=2, seq=ident, data=b"o" * 40)
    add("overlap_fragment", first)
    add("overlap_fragment", to_all(hlim=64) / IPv6ExtHdrFragment(id=ident, offset=5, nh=58) / Raw(b"p" * 24))
# First fragments of 300 packets that never complete.
for ident in range(1000, 1300):
    add("unfinished_fragment", to_all(hlim=64) / IPv6ExtHdrFragment(id=ident, m=1) /
        ICMPv6EchoRequest(id=3, seq=ident & 0xffff, data=b"u" * 40))
# Valid advertisements (router lifetime 0: not a router) with absurd MTUs.
add("mtu_ignored", to_all() / ICMPv6ND_RA(routerlifetime=0) / ICMPv6NDOptMTU(mtu=100))
add("mtu_ignored", to_all() / ICMPv6ND_RA(routerlifetime=0) / ICMPv6NDOptMTU(mtu=65000))
# The flood: routers each advertising four prefixes.
for r in range(routers):
    ra = IPv6(src="fe80::cc:%x" % (r + 1), dst="ff02::1", hlim=255) / ICMPv6ND_RA(routerlifetime=1800)
    for p in range(4):
        ra = ra / ICMPv6NDOptPrefixInfo(prefix="2001:db8:%x:%x::" % (r + 1, p), prefixlen=64, L=1, A=1,
                                        validlifetime=600, preferredlifetime=300)
    add("flood_ra", ra)

sendp(frames, iface=iface)
for kind in sorted(counts):
    print(kind, counts[kind])
