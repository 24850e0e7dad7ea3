#!/usr/bin/python3
"""Sends the same packets that call for an ICMPv6 error (RFC 8200 §4,
RFC 4443 §3.4) to two hosts, fata and Linux, and prints each answer as
one line (Debian's python3-scapy): the case, then the type, code and
pointer of the error and the length quoted, or "none". The caller
compares the two hosts' lines.

usage: probe-ipv6-errors.py ADDRESS
"""
import sys

from scapy.all import (ICMPv6EchoRequest, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw, conf, sr1)
from scapy.layers.inet6 import HBHOptUnknown

target = sys.argv[1]
conf.verb = 0


def option(otype, **fields):
    return IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=otype, optlen=4, optdata=b"\0" * 4)], **fields)


cases = [
    ("unknown-next-header", IPv6(dst=target, nh=253) / Raw(b"\0" * 16)),
    ("option-10-discard-report", IPv6(dst=target) / option(0x80) / ICMPv6EchoRequest(id=1, seq=1)),
    ("option-11-discard-report-unicast", IPv6(dst=target) / option(0xc0) / ICMPv6EchoRequest(id=1, seq=2)),
    ("option-01-discard-silently", IPv6(dst=target) / option(0x40) / ICMPv6EchoRequest(id=1, seq=3)),
    ("hop-by-hop-not-first", IPv6(dst=target) / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() /
     ICMPv6EchoRequest(id=1, seq=4)),
    ("routing-type-0-segments-left", IPv6(dst=target) / IPv6ExtHdrRouting(type=0, segleft=1, addresses=["fd00::9"]) /
     ICMPv6EchoRequest(id=1, seq=5)),
    ("large-unknown-next-header", IPv6(dst=target, nh=253) / Raw(b"\0" * 1400)),
    # RFC 8200 §4.5's fragment checks, RFC 7112's first fragment, RFC 6946's
    # atomic fragment. (Not here: a non-last fragment whose length is not
    # a multiple of 8, which Linux 6.18 drops silently, counting
    # Ip6InHdrErrors, where RFC 8200 asks for the Parameter Problem fata
    # sends: tests/net/layers/ipv6_layer_test.cpp.)
    # RFC 4443 §2.4 (e.1): nothing about an ICMPv6 error message (type 0 to
    # 127), whole or in a first fragment.
    ("about-an-icmpv6-error", IPv6(dst=target) / option(0xc0, nh=58) / Raw(b"\x01" + b"\0" * 7)),
    ("fragment-of-an-icmpv6-error", IPv6(dst=target) / IPv6ExtHdrFragment(nh=58, m=1, id=105) / Raw(b"\0" * 13)),
    ("fragment-past-65535", IPv6(dst=target) / IPv6ExtHdrFragment(nh=58, offset=8190, id=102) / Raw(b"\0" * 64)),
    ("first-fragment-without-upper-header", IPv6(dst=target) / IPv6ExtHdrFragment(nh=60, m=1, id=103) /
     IPv6ExtHdrDestOpt(nh=58)),
    ("atomic-fragment-echo", IPv6(dst=target) / IPv6ExtHdrFragment(nh=58, id=104) / ICMPv6EchoRequest(id=1, seq=6)),
]
for name, packet in cases:
    answer = sr1(packet, timeout=1)
    if answer is None or not answer.haslayer(IPv6) or answer[IPv6].nh != 58:
        print(name, "none")
        continue
    icmp = bytes(answer[IPv6].payload)
    if icmp[0] >= 128:
        print(name, "reply", icmp[0])
        continue
    print(name, icmp[0], icmp[1], int.from_bytes(icmp[4:8], "big"), len(icmp) - 8)
