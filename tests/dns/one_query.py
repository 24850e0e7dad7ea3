"""A UDP listener on loopback that takes one query, hands it to a
function, and sends back what the function returns: so that a real client
(dig) can be put against a piece of fata that is not yet a server. Used by
tests/dns/tsig-interop and tests/dns/edns-interop."""
import socket
import threading


class OneQuery:
    def __init__(self, answer):
        """`answer(query) -> bytes or None` makes the reply (None: no reply)."""
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(10)
        self.port = self._socket.getsockname()[1]
        self.query = None
        self._answer = answer
        self._thread = threading.Thread(target=self._serve)
        self._thread.start()

    def _serve(self):
        try:
            query, peer = self._socket.recvfrom(65535)
        except socket.timeout:
            return
        self.query = query
        reply = self._answer(query)
        if reply is not None:
            self._socket.sendto(reply, peer)

    def join(self):
        self._thread.join()
        self._socket.close()
