"""Loopback ports for the DNS tests and benchmarks, which start servers
that must bind a port for UDP and TCP alike."""
import socket

_given = set()


def free_port():
    """A port free on 127.0.0.1 for both UDP and TCP just now, never one
    this process was given before: two servers of one test asking one
    after another must not get the same port, which the kernel allows
    once the first probe is closed."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                continue
        if port not in _given:
            _given.add(port)
            return port
