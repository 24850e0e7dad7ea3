#!/usr/bin/python3
"""A hostile DHCP server for fata's DHCP client (Debian's python3-scapy):
it waits for the client's DISCOVER, answers with bad OFFERs (truncated
messages and options, option overload that loops, options of the wrong
size, a mask with holes, no message type, another transaction or client,
unusable addresses, no server id or lease time), then a good OFFER whose
classless routes (option 121) are malformed; to the REQUEST, an ACK for
another address and one with a bad lease time before the good ACK. The
client must drop and count each bad one and bind the good address.

usage: craft-bad-dhcp-replies.py IFACE SERVER_MAC
Prints how many messages it sent of each class: malformed, ignored.
"""
import socket
import struct
import sys
import time

from scapy.all import IP, UDP, Ether, Raw, conf, sendp

iface, server_mac = sys.argv[1:3]
conf.verb = 0
SERVER = bytes([10, 77, 0, 1])
GOOD = bytes([10, 77, 0, 123])


# The client's messages, read from a raw socket (scapy's dissector would
# choke on the malformed options this script sends).
listener = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
listener.bind((iface, 0))


def next_request(seconds):
    """The next DHCP message from port 68 to port 67, as bytes, or None."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        listener.settimeout(max(0.01, end - time.monotonic()))
        try:
            f = listener.recv(4096)
        except socket.timeout:
            return None
        if len(f) < 42 or f[23] != 17:
            continue
        udp = 14 + (f[14] & 15) * 4
        if struct.unpack("!HH", f[udp:udp + 4]) == (68, 67):
            return f[udp + 8:]
    return None


d = next_request(20)
if d is None:
    sys.exit("no DISCOVER from the client")
xid, chaddr = d[4:8], d[28:34]
client_mac = ":".join("%02x" % b for b in chaddr)


def bootp(yiaddr=GOOD, op=2, x=None, ch=None, file=b""):
    fixed = struct.pack("!BBBB4sHH4s4s4s4s", op, 1, 6, 0, x or xid, 0, 0x8000, b"\0" * 4, yiaddr,
                        b"\0" * 4, b"\0" * 4)
    return fixed + (ch or chaddr).ljust(16, b"\0") + b"\0" * 64 + file.ljust(128, b"\0") + b"\x63\x82\x53\x63"


def opt(code, value):
    return bytes([code, len(value)]) + value


def offer_options(kind=2, routes=None, lease=struct.pack("!I", 120), server=SERVER):
    o = opt(53, bytes([kind]))
    if server is not None:
        o += opt(54, server)
    if lease is not None:
        o += opt(51, lease)
    o += opt(1, bytes([255, 255, 255, 0])) + opt(3, SERVER)
    if routes is not None:
        o += opt(121, routes)
    return o + b"\xff"


def send(payloads):
    frames = [Ether(src=server_mac, dst="ff:ff:ff:ff:ff:ff") / IP(src="10.77.0.1", dst="255.255.255.255") /
              UDP(sport=67, dport=68) / Raw(p) for p in payloads]
    sendp(frames, iface=iface, inter=0.002)


good_offer = bootp() + offer_options()
malformed = [good_offer[:100], good_offer[:200], good_offer[:239],
             bootp() + b"\x35\x01\x02\x33\x40\x00\x00",                      # lease option past the end
             bootp() + b"\x35\x01\x02\x36\x04\x0a\x4d\x00",                  # server id cut by the end
             bootp(file=b"\x34\x01\x03\xff") + b"\x34\x01\x01\x35\x01\x02\xff",  # overload inside overload
             bootp() + b"\x34\x01\x03\x34\x01\x03\x35\x01\x02\xff",          # two overloads
             bootp() + offer_options(lease=b"\x00\x78"),                     # lease time of 2 bytes
             bootp() + opt(53, b"\x02") + opt(54, SERVER) + opt(51, struct.pack("!I", 120)) +
             opt(1, b"\x00\x00\x00") + b"\xff",                              # mask of 3 bytes
             bootp() + opt(53, b"\x02") + opt(54, SERVER) + opt(51, struct.pack("!I", 120)) +
             opt(1, bytes([255, 0, 255, 0])) + b"\xff",                      # mask with holes
             bootp() + opt(54, SERVER) + b"\xff"]                            # no message type
ignored = [bootp(x=b"\x01\x02\x03\x04") + offer_options(), bootp(x=b"\x05\x06\x07\x08") + offer_options(),
           bootp(ch=b"\x02\x99\x99\x99\x99\x99") + offer_options(), bootp(ch=b"\x02\x98\x99\x99\x99\x99") + offer_options(),
           bootp(op=1) + offer_options(),
           bootp(yiaddr=b"\xff\xff\xff\xff") + offer_options(), bootp(yiaddr=bytes([224, 0, 0, 5])) + offer_options(),
           bootp(yiaddr=b"\0\0\0\0") + offer_options(), bootp(yiaddr=bytes([127, 0, 0, 1])) + offer_options(),
           bootp() + offer_options(server=None), bootp() + offer_options(lease=None)]
send(malformed + ignored)
# The good offer, with option 121 malformed (a width of 33): the client
# ignores the routes, counts them, and takes the offer.
send([bootp() + offer_options(routes=bytes([33, 10, 0, 0, 0, 0, 10, 77, 0, 1]))])
while True:
    request = next_request(15)
    if request is None:
        sys.exit("no REQUEST after the good offer")
    if request[242] == 3:  # option 53 first: the client writes it so
        break
if request[4:8] != xid:
    sys.exit("the REQUEST is of another transaction")
send([bootp(yiaddr=bytes([10, 77, 0, 124])) + offer_options(kind=5),   # ACK of another address: ignored
      bootp() + offer_options(kind=5, lease=b"\x01"),                   # lease time of 1 byte: malformed
      bootp() + offer_options(kind=5, routes=bytes([33, 10, 0, 0, 0, 0, 10, 77, 0, 1]))])
print("malformed %d" % (len(malformed) + 1))
print("ignored %d" % (len(ignored) + 1))
print("client %s" % client_mac)
