"""Asking the upstream resolver: one message, one reply, over UDP or TCP from a socket of its own.

The upstream is an IP address literal and a port (`Endpoint`), never a host name: resolving one
would need a resolver, and this process never reads /etc/resolv.conf, so a lab cannot leak
queries to the host's. Only a reply with the query's id and the QR bit counts; a refusal, a
timeout or a broken connection is no reply (None), never an exception, and the caller decides.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

from netlab.workloads.dns.wire import TCP_MAX, is_reply_to

FORWARD_TIMEOUT, UDP_ATTEMPTS = 2.0, 2


@dataclass(frozen=True)
class Endpoint:
    """An IP address literal and a port; never a host name, which would need a resolver."""

    host: str
    port: int

    @property
    def family(self) -> socket.AddressFamily:
        return socket.AF_INET6 if ":" in self.host else socket.AF_INET

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_endpoint(text: str, default_port: int | None = None) -> Endpoint:
    """`ADDR:PORT`, `[V6]:PORT`, or `ADDR`/`V6` alone when a default port applies."""
    host, port = split_host_port(text)
    if port is None:
        if default_port is None:
            raise ValueError(f"{text!r}: a port is required (ADDR:PORT)")
        number = default_port
    elif port.isdigit() and 0 < int(port) <= 65535:
        number = int(port)
    else:
        raise ValueError(f"{text!r}: bad port")
    try:
        return Endpoint(str(ipaddress.ip_address(host)), number)
    except ValueError:
        raise ValueError(f"{text!r}: not an IP address") from None


def split_host_port(text: str) -> tuple[str, str | None]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, (rest[1:] if rest.startswith(":") else rest or None)
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, port
    return text, None


async def exchange_udp(upstream: Endpoint, message: bytes) -> bytes | None:
    """Ask over UDP from a fresh socket (so a fresh random source port) per attempt."""
    loop = asyncio.get_running_loop()
    for _ in range(UDP_ATTEMPTS):
        with socket.socket(upstream.family, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            try:
                sock.connect((upstream.host, upstream.port))
                await loop.sock_sendall(sock, message)
                return await asyncio.wait_for(receive_reply(loop, sock, message), FORWARD_TIMEOUT)
            except (OSError, asyncio.TimeoutError):  # refused (nothing listening), unreachable, silent
                continue
    return None


async def receive_reply(loop: asyncio.AbstractEventLoop, sock: socket.socket, message: bytes) -> bytes:
    """The first datagram that answers `message` (the caller's timeout bounds the wait)."""
    while True:
        reply = await loop.sock_recv(sock, TCP_MAX)
        if is_reply_to(reply, message):
            return reply


async def exchange_tcp(upstream: Endpoint, message: bytes) -> bytes | None:
    """Ask over TCP, one message on a connection of its own."""
    try:
        return await asyncio.wait_for(tcp_round_trip(upstream, message), FORWARD_TIMEOUT)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        return None


async def tcp_round_trip(upstream: Endpoint, message: bytes) -> bytes | None:
    reader, writer = await asyncio.open_connection(upstream.host, upstream.port)
    try:
        writer.write(len(message).to_bytes(2, "big") + message)
        await writer.drain()
        length = int.from_bytes(await reader.readexactly(2), "big")
        reply = await reader.readexactly(length)
        return reply if is_reply_to(reply, message) else None
    finally:
        writer.close()
