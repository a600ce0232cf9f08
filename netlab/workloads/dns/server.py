"""The DNS server's sockets: UDP and TCP on one address, zone reloading and signals, around the
pure answers of `lookup`. The wire format (decoding, encoding, truncation) is in `wire`, the
exchanges with the upstream in `upstream`, the metrics endpoint in `metrics`.

One asyncio loop does everything. Hostile input costs only itself: a packet that does not parse
is answered FORMERR when its header can be read and dropped otherwise, and an exception while
answering is logged (one line per kind and second at most) and answered SERVFAIL. The upstream
is the one given on the command line, by address: this process never reads /etc/resolv.conf, so
a lab cannot leak queries to the host's resolver.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from dnslib import EDNS0, QTYPE, RR, DNSHeader, DNSQuestion, DNSRecord
from dnslib.label import DNSLabel, DNSLabelError

from netlab.workloads.dns.lookup import (
    Forward,
    Policy,
    Table,
    ZoneError,
    fits_wire,
    lookup,
    name_key,
    parse_zone,
)
from netlab.workloads.dns.metrics import METRICS_LIMIT, Metrics
from netlab.workloads.dns.upstream import Endpoint, exchange_tcp, exchange_udp, parse_endpoint
from netlab.workloads.dns.wire import (
    UDP_MAX,
    Query,
    Rejection,
    build_response,
    decode,
    encode_rejection,
    fit,
    fit_relayed,
    servfail,
)

MAX_FORWARDS = 256  # upstream exchanges in flight; beyond that SERVFAIL rather than unbounded sockets
TCP_IDLE, MAX_TCP = 10.0, 128


class RateLimitedLog:
    """One line to stderr (the pod's log) per kind of problem and interval: a flood of bad
    packets must not become a flood of log lines."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.last: dict[str, float] = {}

    def __call__(self, kind: str, message: str) -> None:
        now = time.monotonic()
        if now - self.last.get(kind, -self.interval) < self.interval:
            return
        self.last[kind] = now
        print(f"dns: {message}", file=sys.stderr, flush=True)


log = RateLimitedLog()


class ZoneFile:
    """The table from the zone file, re-read when the file changes: netlab rewrites it atomically
    (temp + rename), so a stat per query sees every change at once and parsing happens only then.
    A file that cannot be read or parsed leaves the previous table in place."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.table: Table | None = None
        self.version: tuple[int, int, int] | None = None
        self.problem = ""

    def current(self) -> Table | None:
        try:
            st = os.stat(self.path)
        except OSError as exc:
            self.report(f"zone {self.path}: {exc.strerror}")
            return self.table
        version = (st.st_ino, st.st_mtime_ns, st.st_size)
        if version != self.version:
            self.version = version
            self.load()
        return self.table

    def load(self) -> None:
        try:
            with open(self.path, encoding="utf-8") as file:
                self.table = parse_zone(file.read())
            self.problem = ""
        except OSError as exc:
            self.report(f"zone {self.path}: {exc.strerror}")
        except (UnicodeDecodeError, ZoneError) as exc:
            self.report(f"zone {self.path}: does not parse: {exc}")

    def report(self, problem: str) -> None:
        """Log a problem once, not once per query, saying what is served meanwhile."""
        if problem != self.problem:
            self.problem = problem
            served = "keeping the previous records" if self.table is not None else "answering SERVFAIL until it loads"
            print(f"dns: {problem}; {served}", file=sys.stderr, flush=True)


class DnsServer:
    """Answers queries from either transport: decode, table or upstream, encode."""

    def __init__(self, zone: ZoneFile, policy: Policy | None, upstream: Endpoint | None, metrics: Metrics) -> None:
        self.zone = zone
        self.policy = policy
        self.upstream = upstream
        self.metrics = metrics
        self.forwards = 0
        self.connections = 0

    async def respond(self, packet: bytes, tcp: bool) -> bytes | None:
        """The response to one message, or None to send nothing."""
        decoded = decode(packet)
        if decoded is None:
            return None
        if isinstance(decoded, Rejection):
            response = encode_rejection(decoded)
            qtype = decoded.question.qtype if decoded.question is not None else None
        else:
            response = await self.answer_safely(decoded, packet, tcp)
            qtype = decoded.question.qtype
        self.metrics.count("tcp" if tcp else "udp", qtype, response)
        return response

    async def answer_safely(self, query: Query, packet: bytes, tcp: bool) -> bytes:
        try:
            return await self.answer(query, packet, tcp)
        except Exception as exc:  # a bug or dnslib surprise costs this query only
            log(
                type(exc).__name__,
                f"answering {query.question.qname} {QTYPE.get(query.question.qtype)}: {type(exc).__name__}: {exc}",
            )
            return servfail(query)

    async def answer(self, query: Query, packet: bytes, tcp: bool) -> bytes:
        table = self.zone.current()
        if table is None or self.policy is None:
            return servfail(query)
        decision = lookup(table, self.policy, query.question.qname, query.question.qtype)
        if isinstance(decision, Forward):
            reply = await self.ask_upstream(packet, tcp)
            if reply is None:
                return servfail(query)
            return fit_relayed(reply, query, tcp)
        chased = await self.chase(*decision.chase) if decision.chase is not None else ()
        return fit(build_response(query, decision, chased), query, tcp)

    async def ask_upstream(self, message: bytes, tcp: bool) -> bytes | None:
        """Send `message` under a fresh random id and return the reply with the original id back
        in place; None when there is no upstream, too many exchanges are in flight, or it fails."""
        if self.upstream is None or self.forwards >= MAX_FORWARDS:
            return None
        self.forwards += 1
        try:
            outgoing = secrets.randbits(16).to_bytes(2, "big") + message[2:]
            reply = await (exchange_tcp if tcp else exchange_udp)(self.upstream, outgoing)
            return message[:2] + reply[2:] if reply is not None else None
        finally:
            self.forwards -= 1

    async def chase(self, target: DNSLabel, qtype: int) -> tuple[RR, ...]:
        """The upstream's answer records for a CNAME target outside the domain (ExternalName);
        nothing when it fails, so the client still gets the CNAME."""
        query = DNSRecord(DNSHeader(bitmap=0, rd=1), [DNSQuestion(target, qtype)])
        query.add_ar(EDNS0(udp_len=UDP_MAX))
        message = query.pack()
        reply = await self.ask_upstream(message, tcp=False)
        if reply is not None and reply[2] & 0x02:  # truncated: ask again over TCP
            reply = await self.ask_upstream(message, tcp=True)
        if reply is None:
            return ()
        try:
            return tuple(DNSRecord.parse(reply).rr)
        except Exception:  # an upstream answer dnslib cannot read adds nothing
            return ()

    async def serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Length-prefixed messages, answered in turn, until the client stops, stays idle for
        TCP_IDLE, sends a zero length or leaves mid-message. Beyond MAX_TCP connections, a new
        one is closed at once: idle clients cannot exhaust the process's file descriptors."""
        if self.connections >= MAX_TCP:
            writer.close()
            return
        self.connections += 1
        try:
            while True:
                prefix = await asyncio.wait_for(reader.readexactly(2), TCP_IDLE)
                length = int.from_bytes(prefix, "big")
                if length == 0:
                    break
                message = await asyncio.wait_for(reader.readexactly(length), TCP_IDLE)
                response = await self.respond(message, tcp=True)
                if response is not None:
                    writer.write(len(response).to_bytes(2, "big") + response)
                    await asyncio.wait_for(writer.drain(), TCP_IDLE)  # a client that stops reading goes too
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            pass  # idle, gone, or cut short: the connection ends, nothing to report
        finally:
            self.connections -= 1
            writer.close()


class UdpService(asyncio.DatagramProtocol):
    """One task per datagram, so an answer that waits for the upstream holds up no other."""

    transport: asyncio.DatagramTransport

    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.tasks: set[asyncio.Task] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        task = asyncio.ensure_future(self.reply(data, addr))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def reply(self, data: bytes, addr: tuple) -> None:
        response = await self.server.respond(data, tcp=False)
        if response is not None:
            self.transport.sendto(response, addr)

    def error_received(self, exc: Exception) -> None:
        """ICMP errors about an earlier reply concern that client only: ignore them."""


@dataclass(frozen=True)
class Config:
    """The command line, checked. `policy` None: an argument was unusable, every query is then
    answered SERVFAIL (the server still starts, as CoreDNS does before its informers sync)."""

    zone: str
    policy: Policy | None
    upstream: Endpoint | None
    listen: Endpoint
    metrics: Endpoint | None


def parse_args(argv: Sequence[str]) -> Config:
    """Parse the command line; a bad --listen or --metrics ends the process (exit 1: nothing to
    bind), any other bad value is logged and served as SERVFAIL."""
    parser = argparse.ArgumentParser(prog="python -m netlab.workloads.dns", description="netlab's DNS server")
    parser.add_argument("--zone", required=True, help="zone file (RFC 1035 master format), re-read when it changes")
    parser.add_argument("--domain", required=True, help="the domain answered with authority ('.' for all)")
    parser.add_argument("--upstream", help="ADDR[:PORT] for every other name (none: SERVFAIL)")
    parser.add_argument("--pods", default="disabled", help="insecure: answer <dashed-ip>.<ns>.pod.<domain>")
    parser.add_argument("--listen", default="0.0.0.0:53", help="ADDR:PORT for UDP and TCP")
    parser.add_argument("--metrics", help="ADDR:PORT for Prometheus metrics over HTTP")
    args = parser.parse_args(argv)
    try:
        listen = parse_endpoint(args.listen)
        metrics = parse_endpoint(args.metrics) if args.metrics else None
    except ValueError as exc:
        raise SystemExit(f"dns: {exc}") from None
    problems = []
    upstream = None
    if args.upstream:
        try:
            upstream = parse_endpoint(args.upstream, default_port=53)
        except ValueError as exc:
            problems.append(f"--upstream {exc}")
    if args.pods not in ("insecure", "disabled"):
        problems.append(f"--pods {args.pods!r}: insecure or disabled")
    try:
        domain = DNSLabel(args.domain)
        if not fits_wire(domain):
            raise DNSLabelError("too long")
    except (UnicodeError, DNSLabelError) as exc:
        problems.append(f"--domain {args.domain!r}: {exc}")
    for problem in problems:
        print(f"dns: {problem}; answering SERVFAIL", file=sys.stderr, flush=True)
    policy = None if problems else Policy(name_key(domain), pods_insecure=args.pods == "insecure")
    return Config(args.zone, policy, upstream, listen, metrics)


def announce_ready() -> None:
    """Tell the parent every socket is bound ("ready" on stdout), then let go of stdout: the
    parent reads that one line and nothing else is ever written there."""
    print("ready", flush=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


async def serve(config: Config) -> int:
    """Bind, announce, serve until SIGTERM or SIGINT (0); 1 when a socket cannot be bound."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    zone = ZoneFile(config.zone)
    metrics = Metrics(config.listen)
    server = DnsServer(zone, config.policy, config.upstream, metrics)
    host, port = config.listen.host, config.listen.port
    closables: list[asyncio.AbstractServer | asyncio.BaseTransport] = []
    try:
        what = f"udp {config.listen}"
        transport, _ = await loop.create_datagram_endpoint(lambda: UdpService(server), local_addr=(host, port))
        closables.append(transport)
        what = f"tcp {config.listen}"
        closables.append(await asyncio.start_server(server.serve_tcp, host, port, reuse_address=True))
        if config.metrics is not None:
            what = f"metrics {config.metrics}"
            closables.append(
                await asyncio.start_server(
                    metrics.serve_http,
                    config.metrics.host,
                    config.metrics.port,
                    reuse_address=True,
                    limit=METRICS_LIMIT,
                )
            )
    except OSError as exc:
        print(f"dns: cannot bind {what}: {exc.strerror or exc}", file=sys.stderr, flush=True)
        for closable in closables:
            closable.close()
        return 1
    zone.current()  # load now: a zone problem shows in the log at start, not at the first query
    announce_ready()
    await stop.wait()
    for closable in closables:
        closable.close()
    return 0


def main(argv: Sequence[str]) -> int:
    config = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(serve(config))
    return 0
