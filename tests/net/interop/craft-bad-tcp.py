#!/usr/bin/python3
"""Bad TCP input against a fata echo server on the direct stack (Debian's
python3-scapy), while a real Linux connection stays open through it:

- illegal flag combinations to the listening port (SYN+FIN, SYN+RST, no
  flags, FIN without ACK, FIN+PSH+URG);
- on the live connection, blind attacks after RFC 5961: a RST in the window
  but not at RCV.NXT and a SYN (both answered by a challenge ACK), a RST out
  of the window, data acknowledging what was never sent or is long
  acknowledged, data out of the window, FIN and data without ACK, and data
  with a bad checksum. None may reset the connection or reach the echo;
- a SYN flood from a spoofed, unreachable address beyond the SYN backlog;
  then a real Linux client still connects (SYN cookies) and is echoed.

The live connection must echo exactly what Linux sent before and after
every attack. Linux's timestamps are off in the caller's namespace, so the
crafted segments need no timestamp option. Exits non-zero on failure.

usage: craft-bad-tcp.py IFACE UNIKERNEL_MAC LINUX_IP UNIKERNEL_IP PORT
"""
import random
import socket
import sys
import time

from scapy.all import IP, TCP, AsyncSniffer, Ether, conf, sendp

iface, mac, src, dst, port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
conf.verb = 0
random.seed(5961)
eth = Ether(dst=mac)
M = 1 << 32


def echo(sock, data):
    sock.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("the connection ended (%d of %d bytes echoed)" % (len(got), len(data)))
        got += chunk
    if got != data:
        raise SystemExit("echo differs: sent %r, got %r" % (data[:40], got[:40]))


def send(pkts):
    sendp(pkts, iface=iface)


# 1. Illegal flag combinations from fresh ports to the listening port.
illegal = ["SF", "SR", "", "F", "FPU", "SRAFUP", "SFA"]
send([eth / IP(src=src, dst=dst) / TCP(sport=41000 + i, dport=port, flags=f, seq=random.getrandbits(32))
      for i, f in enumerate(illegal * 10)])
print("sent %d segments with illegal flags" % (len(illegal) * 10))

# 2. A live connection, and what its sequence numbers are (from the wire).
sock = socket.create_connection((dst, port), timeout=5)
lport = sock.getsockname()[1]
seen = []
sniffer = AsyncSniffer(iface=iface, store=False,
                       lfilter=lambda p: TCP in p and p[IP].src == dst and p[TCP].sport == port
                       and p[TCP].dport == lport,
                       prn=lambda p: seen.append(p))
sniffer.start()
time.sleep(0.5)
echo(sock, b"before the attacks\n")
time.sleep(0.3)
if not seen:
    raise SystemExit("saw no segment from the unikernel on the live connection")


def numbers():
    """(RCV.NXT, SND.NXT) of the unikernel, from its latest segment."""
    p = seen[-1]
    data_len = p[IP].len - p[IP].ihl * 4 - p[TCP].dataofs * 4
    return p[TCP].ack, (p[TCP].seq + data_len) % M


def to_conn(flags, seq, ack=0, payload=b"", **kw):
    return eth / IP(src=src, dst=dst) / TCP(sport=lport, dport=port, flags=flags, seq=seq % M,
                                            ack=ack % M, window=65535, **kw) / payload


rcv_nxt, snd_nxt = numbers()
before = len(seen)
attacks = [
    ("rst-in-window", [to_conn("R", rcv_nxt + 1000)]),
    ("rst-out-of-window", [to_conn("R", rcv_nxt + (1 << 31))]),
    ("syn-in-window", [to_conn("S", rcv_nxt + 5)]),
    ("data-acking-unsent", [to_conn("PA", rcv_nxt, snd_nxt + 100000, b"INJECTED-1")]),
    ("data-acking-ancient", [to_conn("PA", rcv_nxt, snd_nxt - (1 << 30), b"INJECTED-2")]),
    ("data-out-of-window", [to_conn("PA", rcv_nxt + (1 << 30), snd_nxt, b"INJECTED-3")]),
    ("fin-without-ack", [to_conn("F", rcv_nxt)]),
    ("data-without-ack", [to_conn("P", rcv_nxt, 0, b"INJECTED-4")]),
    ("no-flags", [to_conn("", rcv_nxt)]),
    ("bad-checksum", [to_conn("PA", rcv_nxt, snd_nxt, b"INJECTED-5", chksum=0xdead)]),
]
for name, pkts in attacks:
    send(pkts * 3)
    time.sleep(0.05)
time.sleep(0.5)
# The challenge ACKs (RFC 5961 §3.2, §4.2): pure ACKs for RCV.NXT.
challenges = [p for p in seen[before:] if p[TCP].flags == "A" and p[TCP].ack == rcv_nxt]
if not challenges:
    raise SystemExit("no challenge ACK was seen")
print("%d attack kinds on the live connection, %d ACKs back" % (len(attacks), len(seen) - before))
# Still alive, and none of the injected bytes reached the echo.
echo(sock, b"after the attacks\n")
print("the live connection still echoes exactly")

# 3. A SYN flood from an unreachable address (no RST ever comes back, so
# the half-open connections stay), well beyond the SYN backlog.
flood = [eth / IP(src="10.77.0.99", dst=dst) /
         TCP(sport=1024 + i, dport=port, flags="S", seq=random.getrandbits(32),
             options=[("MSS", 1460)]) for i in range(3000)]
for i in range(0, len(flood), 500):
    send(flood[i:i + 500])
print("sent a flood of %d SYNs" % len(flood))
# A real client still gets in (by a cookie), and is echoed.
for i in range(5):
    c = socket.create_connection((dst, port), timeout=5)
    echo(c, b"a client during the flood %d\n" % i)
    c.close()
print("real clients connect and are echoed after the flood")
echo(sock, b"the live connection at the end\n")
sock.close()
sniffer.stop()
print("craft-bad-tcp: ok")
