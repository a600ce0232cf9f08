"""The sockets the echo server serves, and what its manifest says of a health check port.

Both sides use them: kernel.procs binds each pod's sockets inside its namespace and describes them
on the server's stdin; the server binds its own when run by hand. A module of its own so the
parent takes them without the server's asyncio and ssl.
"""

from __future__ import annotations

import socket


def bound(port: int, protocol: str) -> socket.socket:
    """A socket bound to `port` on every address of the calling thread's namespace (listening, for TCP)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM if protocol == "TCP" else socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", port))
    if protocol == "TCP":
        sock.listen(128)
    return sock


def health_service(namespace: str, name: str, local_endpoints: int) -> dict:
    """What a health check port answers about (a manifest entry's `health`)."""
    return {"namespace": namespace, "name": name, "localEndpoints": local_endpoints}
