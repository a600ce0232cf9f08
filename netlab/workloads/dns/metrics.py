"""The metrics endpoint: the two counters of CoreDNS's prometheus plugin that labs look at
(requests by protocol and type, responses by rcode), over plain HTTP.

Names and labels are CoreDNS's, so what a lab scrapes reads as it would from CoreDNS. The HTTP
is written by hand and bounded (METRICS_LIMIT bytes of request head, METRICS_TIMEOUT seconds):
a client that is slow, long-winded or gone costs only its own connection.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter

from dnslib import QTYPE, RCODE

from netlab.workloads.dns.upstream import Endpoint

METRICS_LIMIT, METRICS_TIMEOUT = 8192, 5.0
MONITORED_TYPES = frozenset(
    {
        "A",
        "AAAA",
        "NS",
        "PTR",
        "SOA",
        "MX",
        "SRV",
        "TXT",
        "CNAME",
        "DS",
        "DNSKEY",
        "RRSIG",
        "NSEC",
        "NSEC3",
        "HINFO",
        "NAPTR",
        "IXFR",
        "AXFR",
        "ANY",
    }
)  # CoreDNS's; others: "other"


class Metrics:
    """The two counters of CoreDNS's prometheus plugin that labs look at."""

    def __init__(self, listen: Endpoint) -> None:
        self.server = f"dns://:{listen.port}"
        self.family = "2" if listen.family == socket.AF_INET6 else "1"
        self.requests: Counter[tuple[str, str]] = Counter()
        self.responses: Counter[str] = Counter()

    def count(self, proto: str, qtype: int | None, response: bytes) -> None:
        name = QTYPE.get(qtype) if qtype is not None else "other"
        self.requests[proto, name if name in MONITORED_TYPES else "other"] += 1
        self.responses[RCODE.get(response[3] & 0x0F)] += 1

    def render(self) -> str:
        lines = [
            "# HELP coredns_dns_requests_total Counter of DNS requests made per zone, protocol and family.",
            "# TYPE coredns_dns_requests_total counter",
        ]
        lines += [
            f'coredns_dns_requests_total{{server="{self.server}",zone=".",proto="{proto}",'
            f'family="{self.family}",type="{qtype}"}} {n}'
            for (proto, qtype), n in sorted(self.requests.items())
        ]
        lines += [
            "# HELP coredns_dns_responses_total Counter of response status codes.",
            "# TYPE coredns_dns_responses_total counter",
        ]
        lines += [
            f'coredns_dns_responses_total{{server="{self.server}",zone=".",rcode="{rcode}",plugin=""}} {n}'
            for rcode, n in sorted(self.responses.items())
        ]
        return "\n".join(lines) + "\n"

    async def serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """HTTP/1.0 by hand: `GET /metrics` is 200 with the counters, anything else 404."""
        try:
            request_line = await asyncio.wait_for(read_head(reader), METRICS_TIMEOUT)
            parts = request_line.split()
            found = len(parts) == 3 and parts[0] == b"GET" and parts[1].split(b"?")[0] == b"/metrics"
            status, body = ("200 OK", self.render()) if found else ("404 Not Found", "404 page not found\n")
            payload = body.encode()
            writer.write(
                f"HTTP/1.0 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        except (OSError, ValueError, asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # a client that is slow, too long-winded or gone gets nothing
        finally:
            writer.close()


async def read_head(reader: asyncio.StreamReader) -> bytes:
    """The request line, after reading the head to its blank line (METRICS_LIMIT bytes at most)."""
    request_line = await reader.readuntil(b"\n")
    size, line = len(request_line), request_line
    while line.strip():
        line = await reader.readuntil(b"\n")
        size += len(line)
        if size > METRICS_LIMIT:
            raise ValueError("request head too large")
    return request_line
