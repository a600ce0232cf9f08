"""The echo server every simulated pod runs, modelled on the `netexec` mode of agnhost.

One process serves many pods: 500 pods must not mean 500 interpreters (~10 MB each). That works
because a socket belongs to the network namespace it was created in, not to the process using it:
the root parent creates and binds each pod's sockets inside that pod's namespace and hands them
over as inherited file descriptors, so this server never touches namespaces at all.

Started as `python -m netlab.workloads.echo` with the fds inherited; stdin carries a JSON manifest:
    {"user": "nobody" | null,
     "sockets": [{"fd": 5, "pod": "web-0", "protocol": "TCP" | "UDP", "port": 8080}, ...]}
A TCP socket whose entry has `"override": "/hostname"` answers every request as a GET of that
path with no request headers, as netexec's --http-override does.
A TCP socket whose entry also has `"health": {"namespace": ..., "name": ..., "localEndpoints": N}`
is a node's health check port for a LoadBalancer Service (externalTrafficPolicy Local), answered
as kube-proxy answers it: 200 with N local endpoints, 503 with none, and its JSON body.

By hand (the scripts of `netlab explain`), one server per container, with agnhost netexec's flags:
    python -m netlab.workloads.echo --http-port 8080 [--http-port P]... [--udp-port P]...
        [--http-override PATH] [--hostname NAME] [--user USER]
        [--health-check PORT NAMESPACE/NAME LOCAL_ENDPOINTS]...
It binds the ports itself, on every address of the namespace it runs in, then becomes USER; it
answers /hostname with NAME, by default its host name, as agnhost does (a container's is its pod's).
A --health-check port is a node's, answered as kube-proxy answers it for that many local endpoints.

Everything is imported at the top because, after dropping privileges to "user", the interpreter's
own files may no longer be readable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import functools
import http
import json
import os
import pwd
import signal
import socket
import sys
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from netlab.workloads.echo_sockets import bound, health_service

HEAD_LIMIT = 8192  # bytes of request line + headers; beyond that: 431
HEAD_TIMEOUT = 10.0  # seconds to deliver the head, so idle clients cannot pin connections


Listener = tuple[socket.socket, str, str, dict | None, str]  # socket, pod, protocol, health service, override


class HeadTooLarge(Exception):
    """The request head exceeded HEAD_LIMIT."""


class BadHead(Exception):
    """A header line that is not `Name: value` (Go's server answers 400 too)."""


@dataclass(frozen=True)
class Request:
    """A request's head: its request line and its header fields, in the order received."""

    line: bytes
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, key: str) -> str:
        """The first value of a header, as Go's Header.Get: names compare canonically; Host is
        not among Go's r.Header (it becomes r.Host), so it is never found here."""
        wanted = canonical(key)
        return next((v for k, v in self.headers if canonical(k) == wanted and wanted != "Host"), "")

    def all_headers(self) -> dict[str, list[str]]:
        """Every header but Host, by canonical name, as Go's r.Header."""
        found: dict[str, list[str]] = {}
        for key, value in self.headers:
            if canonical(key) != "Host":
                found.setdefault(canonical(key), []).append(value)
        return found


TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def canonical(key: str) -> str:
    """Go's textproto.CanonicalMIMEHeaderKey: x-forwarded-for -> X-Forwarded-For; a name with a
    character that is not a token's stays as it is."""
    if not key or any(ch not in TOKEN for ch in key):
        return key
    return "-".join(part[:1].upper() + part[1:].lower() for part in key.split("-"))


def log(message: str) -> None:
    """One line to stderr: the parent collects it; the server keeps going."""
    print(f"echo: {message}", file=sys.stderr, flush=True)


def drop_privileges(user: str) -> None:
    """Become `user` for good: the server needs no privilege once it holds its sockets."""
    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemExit(f"echo: still root after switching to user {user!r}")


def address(peer: tuple) -> str:
    """`ip:port` as agnhost prints it (Go's RemoteAddr brackets IPv6)."""
    host, port = peer[0], peer[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """Read the whole head: the request line and the header fields, HEAD_LIMIT bytes at most.

    None means the client left before finishing the head. Leading blank lines are skipped as
    RFC 9112 recommends; a line beyond the reader's limit surfaces as ValueError. A line starting
    with a space or tab continues the previous field's value (obsolete folding).
    """
    request_line: bytes | None = None
    headers: list[tuple[str, str]] = []
    bad = False
    size = 0
    while True:
        try:
            line = await reader.readline()
        except ValueError as exc:
            raise HeadTooLarge from exc
        size += len(line)
        if size > HEAD_LIMIT:
            raise HeadTooLarge
        if not line.endswith(b"\n"):
            return None
        if not line.strip():
            if request_line is None:
                continue
            if bad:
                raise BadHead
            return Request(request_line, tuple(headers))
        if request_line is None:
            request_line = line
            continue
        text = line.decode("latin-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and headers:
            headers[-1] = (headers[-1][0], f"{headers[-1][1]} {text.strip()}".strip())
            continue
        name, colon, value = text.partition(":")
        if not colon or not name or name != name.strip():
            bad = True  # read on to the end of the head, then answer 400
            continue
        headers.append((name, value.strip(" \t")))


def health(service: dict) -> tuple[int, str, dict[str, str]]:
    """kube-proxy's service health check answer (pkg/proxy/healthcheck/service_health.go): the
    cloud's load balancer sends traffic only to nodes that answer 200."""
    count = int(service["localEndpoints"])
    body = json.dumps(
        {
            "service": {"namespace": service["namespace"], "name": service["name"]},
            "localEndpoints": count,
            "serviceProxyHealthy": True,
        },
        indent="\t",
    )
    headers = {
        "Content-Type": "application/json",
        "X-Content-Type-Options": "nosniff",
        "X-Load-Balancing-Endpoint-Weight": str(count),
    }
    return (200 if count else 503), body, headers


def route(pod: str, peer: str, request: Request, override: str = "") -> tuple[int, str, bool]:
    """Map a request to (status, body, whether to send the body). With `override` (netexec's
    --http-override), every request is answered as a GET of that path without headers."""
    parts = request.line.decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        return 400, "bad request", True
    method, target, _ = parts
    if method not in ("GET", "HEAD"):
        return 405, "method not allowed", True
    if override:
        target, request = override, Request(request.line)
    try:
        url = urlsplit(target)
    except ValueError:
        return 400, "bad request target", True
    send_body = method == "GET"
    query = parse_qs(url.query, keep_blank_values=True)
    if url.path == "/hostname":
        return 200, pod, send_body
    if url.path == "/clientip":
        return 200, peer, send_body
    if url.path == "/echo":
        return 200, query.get("msg", [""])[0], send_body
    if url.path == "/header":  # netexec: one header's value, or all of them as JSON
        key = query.get("key", [""])[0]
        if key:
            return 200, request.header(key), send_body
        body = json.dumps(request.all_headers(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return 200, body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"), send_body
    if url.path == "/":
        return 200, f"NOW: {datetime.datetime.now(datetime.timezone.utc).isoformat()}", send_body
    return 404, "not found", send_body


async def serve_http(
    pod: str, service: dict | None, override: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """One request per connection, answered with `Connection: close`; failures stay local. With
    `service`, the socket is a health check port: every request gets the health answer."""
    try:
        peer = address(writer.get_extra_info("peername"))
        request = None
        try:
            request = await asyncio.wait_for(read_request(reader), HEAD_TIMEOUT)
        except asyncio.TimeoutError:
            return
        except HeadTooLarge:
            status, body, send_body = 431, "request header fields too large", True
        except BadHead:
            status, body, send_body = 400, "malformed header line", True
        else:
            if request is None:
                return
            status, body, send_body = route(pod, peer, request, override)
        headers = {"Content-Type": "text/plain; charset=utf-8"}
        if service is not None and request is not None:
            status, body, headers = health(service)
            send_body = not request.line.startswith(b"HEAD ")
        payload = body.encode("utf-8", "replace")
        head = (
            f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
            + "".join(f"{key}: {value}\r\n" for key, value in headers.items())
            + f"Content-Length: {len(payload)}\r\n"
            + ("Allow: GET, HEAD\r\n" if status == 405 else "")
            + "Connection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + (payload if send_body else b""))
        await writer.drain()
    except Exception as exc:  # one bad connection must never take the other pods down
        log(f"{pod}: tcp connection: {type(exc).__name__}: {exc}")
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


class UdpEcho(asyncio.DatagramProtocol):
    """agnhost's UDP commands: `hostname`, `clientip`, `echo <msg>`; one reply per datagram."""

    transport: asyncio.DatagramTransport

    def __init__(self, pod: str) -> None:
        self.pod = pod

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        try:
            command, _, argument = data.decode("utf-8", "replace").strip().partition(" ")
            replies = {"hostname": self.pod, "clientip": address(addr), "echo": argument}
            reply = replies.get(command.lower(), "unknown command")
            self.transport.sendto(reply.encode("utf-8"), addr)
        except Exception as exc:  # a bad datagram costs only itself
            log(f"{self.pod}: udp datagram: {type(exc).__name__}: {exc}")

    def error_received(self, exc: Exception) -> None:
        """ICMP errors (e.g. a sender that went away) concern one datagram only: ignore them."""


def announce_ready() -> None:
    """Tell the parent every socket is served ("ready" on stdout), then let go of stdout: the
    parent reads that one line and exits, and nothing else is ever written there."""
    print("ready", flush=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


async def serve(sockets: list[Listener]) -> None:
    """Serve every (socket, pod, protocol, health service, override) in one event loop until
    SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    servers: list[asyncio.AbstractServer] = []
    transports: list[asyncio.BaseTransport] = []
    for sock, pod, protocol, service, override in sockets:
        if protocol == "TCP":
            handler = functools.partial(serve_http, pod, service, override)
            servers.append(await asyncio.start_server(handler, sock=sock, limit=HEAD_LIMIT))
        else:
            transport, _ = await loop.create_datagram_endpoint(functools.partial(UdpEcho, pod), sock=sock)
            transports.append(transport)
    announce_ready()
    await stop.wait()
    closables: list[asyncio.AbstractServer | asyncio.BaseTransport] = [*servers, *transports]
    for closable in closables:
        closable.close()


def inherited(manifest: dict) -> list[Listener]:
    """The sockets netlab bound in the pods' namespaces and handed over, as the manifest names them."""
    sockets = []
    for entry in manifest["sockets"]:
        protocol = entry["protocol"].upper()
        if protocol not in ("TCP", "UDP"):
            raise SystemExit(f"echo: unsupported protocol {entry['protocol']!r} for fd {entry['fd']}")
        sockets.append(
            (
                socket.socket(fileno=entry["fd"]),
                entry["pod"],
                protocol,
                entry.get("health"),
                entry.get("override") or "",
            )
        )
    return sockets


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m netlab.workloads.echo", description="netlab's echo server (like agnhost netexec), by hand"
    )
    parser.add_argument("--http-port", type=int, action="append", default=[], help="a TCP port served over HTTP")
    parser.add_argument("--udp-port", type=int, action="append", default=[], help="a UDP port")
    parser.add_argument("--http-override", default="", help="answer every HTTP request as a GET of this path")
    parser.add_argument("--hostname", default=socket.gethostname(), help="what /hostname answers")
    parser.add_argument("--user", help="become this user once the ports are bound")
    parser.add_argument(
        "--health-check",
        nargs=3,
        action="append",
        default=[],
        metavar=("PORT", "NAMESPACE/NAME", "LOCAL_ENDPOINTS"),
        help="a node's health check port for a Service, answered as kube-proxy answers it",
    )
    args = parser.parse_args(argv)
    if not args.http_port and not args.udp_port and not args.health_check:
        parser.error("give at least one --http-port, --udp-port or --health-check")
    return args


def _health_checks(args: argparse.Namespace) -> list[tuple[int, dict]]:
    """--health-check PORT NAMESPACE/NAME N, as (port, health service).

    Raises:
        SystemExit: a port or count is no number, or the Service has no namespace.
    """
    checks = []
    for port, service, count in args.health_check:
        namespace, slash, name = service.partition("/")
        if not (port.isdigit() and count.isdigit() and slash and name):
            raise SystemExit(f"echo: --health-check {port} {service} {count}: want PORT NAMESPACE/NAME N")
        checks.append((int(port), health_service(namespace, name, int(count))))
    return checks


def own(args: argparse.Namespace) -> list[Listener]:
    """Bind the ports the command line names, in the namespace this process runs in.

    Raises:
        SystemExit: a port cannot be bound (taken, or privileged for this user).
    """
    wanted: list[tuple[int, str, dict | None]] = [(port, "TCP", None) for port in args.http_port]
    wanted += [(port, "UDP", None) for port in args.udp_port]
    wanted += [(port, "TCP", service) for port, service in _health_checks(args)]
    sockets: list[Listener] = []
    for port, protocol, service in wanted:
        try:
            sock = bound(port, protocol)
        except OSError as exc:
            raise SystemExit(f"echo: cannot bind {protocol} port {port}: {exc.strerror or exc}") from None
        override = args.http_override if protocol == "TCP" and service is None else ""
        sockets.append((sock, args.hostname, protocol, service, override))
    return sockets


def main(argv: list[str]) -> None:
    """Wrap the inherited fds the manifest on stdin names (no arguments: netlab's one server for
    many pods), or bind the ports the arguments name (by hand); drop privileges, serve."""
    if argv:
        args = parse_args(argv)
        sockets, user = own(args), args.user
    else:
        manifest = json.load(sys.stdin)
        sockets, user = inherited(manifest), manifest.get("user")
    for sock, *_ in sockets:
        sock.setblocking(False)
    if user is not None:
        drop_privileges(user)
    asyncio.run(serve(sockets))


if __name__ == "__main__":
    main(sys.argv[1:])
