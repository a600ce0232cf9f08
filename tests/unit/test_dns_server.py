"""The DNS server as a real subprocess on 127.0.0.1 (no root needed): answers over UDP and TCP,
zone reloading, forwarding to a second instance in the internet role, truncation, error
responses, a reproducible fuzz run, metrics and signals."""

from __future__ import annotations

import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dnslib import EDNS0, QTYPE, RCODE, DNSHeader, DNSQuestion, DNSRecord

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
TIMEOUT = 5.0

CLUSTER_ZONE = """\
$ORIGIN cluster.local.
$TTL 5
@ IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5
web.default.svc IN A 10.96.44.201
_http._tcp.web.default.svc IN SRV 0 100 80 web.default.svc.cluster.local.
foo.default.svc IN CNAME www.example.com.
201.44.96.10.in-addr.arpa. IN PTR web.default.svc.cluster.local.
""" + "".join(f"big.default.svc IN A 10.244.0.{i}\n" for i in range(1, 61))
INTERNET_ZONE = """\
. 60 IN SOA ns.internet. hostmaster.internet. 1 7200 1800 86400 30
www.example.com. 60 IN A 203.0.113.80
example.org. 60 IN A 203.0.113.81
"""


@dataclass
class Dns:
    proc: subprocess.Popen
    port: int
    zone: Path
    stderr: Path

    def log(self) -> str:
        return self.stderr.read_text()


def free_port() -> int:
    """A port free for both TCP and UDP on HOST right now (the server binds both)."""
    for _ in range(50):
        with (
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
        ):
            tcp.bind((HOST, 0))
            port = tcp.getsockname()[1]
            try:
                udp.bind((HOST, port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port for both TCP and UDP")


def closed_port() -> int:
    """A port nothing listens on that stays so: below the kernel's ephemeral range, so no socket
    opened later (the test's own client, the server's upstream socket) can be given it. A port from
    free_port() once came back as the client's own, which then received the forwarded query."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in range(low - 1, 1024, -1):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind((HOST, port))
            except OSError:
                continue
            return port
    raise AssertionError("no closed port below the ephemeral range")


def wait_ready(proc: subprocess.Popen) -> bool:
    """True once the process printed `ready`; False if it exited first. Bounded by TIMEOUT."""
    assert proc.stdout is not None
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        readable, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if readable:
            line = proc.stdout.readline()
            if line == b"ready\n":
                return True
            if not line:
                proc.wait(timeout=TIMEOUT)
                return False
    raise AssertionError("the DNS server did not print ready within 5 s")


@pytest.fixture
def start_dns(tmp_path: Path) -> Iterator[Callable[..., Dns]]:
    """Start servers on free ports with a zone file of their own; every one is killed at teardown."""
    procs: list[subprocess.Popen] = []

    def start(zone_text: str | None, *args: str, name: str = "dns") -> Dns:
        zone = tmp_path / f"{name}.zone"
        if zone_text is not None:
            zone.write_text(zone_text)
        stderr = tmp_path / f"{name}.stderr"
        for _ in range(3):  # the port may be taken between free_port and the bind
            port = free_port()
            with stderr.open("wb") as err:
                proc = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "netlab.workloads.dns",
                        "--zone",
                        str(zone),
                        "--listen",
                        f"{HOST}:{port}",
                        *args,
                    ],
                    stdout=subprocess.PIPE,
                    stderr=err,
                    cwd=REPO,
                    env={**os.environ, "PYTHONPATH": str(REPO)},
                )
            procs.append(proc)
            if wait_ready(proc):
                return Dns(proc, port, zone, stderr)
        raise AssertionError(f"the DNS server did not start: {stderr.read_text()}")

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=TIMEOUT)
        if proc.stdout is not None:  # a pipe, always: its end is closed here
            proc.stdout.close()


@pytest.fixture
def cluster(start_dns: Callable[..., Dns]) -> Dns:
    return start_dns(CLUSTER_ZONE, "--domain", "cluster.local", "--pods", "insecure")


def query(name: str, qtype: str = "A", edns: int | None = None) -> DNSRecord:
    record = DNSRecord.question(name, qtype)
    if edns is not None:
        record.add_ar(EDNS0(udp_len=edns))
    return record


def udp_exchange(port: int, message: bytes, timeout: float = TIMEOUT) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(message, (HOST, port))
        return sock.recvfrom(65535)[0]


def recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:  # each recv returns data, or b"" once and we stop
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError(f"connection closed after {len(data)} of {count} bytes")
        data += chunk
    return data


def exchange_on(sock: socket.socket, message: bytes) -> bytes:
    """One length-prefixed exchange on an open TCP connection."""
    sock.sendall(struct.pack("!H", len(message)) + message)
    return recv_exactly(sock, struct.unpack("!H", recv_exactly(sock, 2))[0])


def tcp_exchange(port: int, message: bytes) -> bytes:
    with socket.create_connection((HOST, port), timeout=TIMEOUT) as sock:
        return exchange_on(sock, message)


def ask(port: int, record: DNSRecord, tcp: bool = False) -> DNSRecord:
    wire = tcp_exchange(port, record.pack()) if tcp else udp_exchange(port, record.pack())
    reply = DNSRecord.parse(wire)
    assert reply.header.id == record.header.id and reply.header.qr == 1
    return reply


def answers(reply: DNSRecord) -> list[tuple[str, str, str]]:
    return [(str(rr.rname), QTYPE[rr.rtype], str(rr.rdata)) for rr in reply.rr]


def replace_zone(zone: Path, text: str) -> None:
    """As netlab does: write a temporary file, rename it over the zone."""
    temporary = zone.with_suffix(".tmp")
    temporary.write_text(text)
    temporary.rename(zone)


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_answers_from_the_zone(cluster: Dns, tcp: bool) -> None:
    reply = ask(cluster.port, query("Web.Default.svc.cluster.local"), tcp)
    assert reply.header.rcode == RCODE.NOERROR and reply.header.aa == 1 and reply.header.ra == 1
    assert answers(reply) == [("Web.Default.svc.cluster.local.", "A", "10.96.44.201")]
    srv = ask(cluster.port, query("_http._tcp.web.default.svc.cluster.local", "SRV"), tcp)
    assert [str(rr.rdata) for rr in srv.ar] == ["10.96.44.201"]
    ptr = ask(cluster.port, query("201.44.96.10.in-addr.arpa", "PTR"), tcp)
    assert answers(ptr) == [("201.44.96.10.in-addr.arpa.", "PTR", "web.default.svc.cluster.local.")]
    pod = ask(cluster.port, query("10-244-1-5.default.pod.cluster.local"), tcp)
    assert answers(pod) == [("10-244-1-5.default.pod.cluster.local.", "A", "10.244.1.5")]
    missing = ask(cluster.port, query("nope.default.svc.cluster.local"), tcp)
    assert missing.header.rcode == RCODE.NXDOMAIN and [QTYPE[rr.rtype] for rr in missing.auth] == ["SOA"]
    nodata = ask(cluster.port, query("svc.cluster.local"), tcp)
    assert nodata.header.rcode == RCODE.NOERROR and nodata.rr == [] and len(nodata.auth) == 1


def test_several_queries_on_one_tcp_connection(cluster: Dns) -> None:
    with socket.create_connection((HOST, cluster.port), timeout=TIMEOUT) as sock:
        for i in range(3):
            reply = DNSRecord.parse(exchange_on(sock, query("web.default.svc.cluster.local").pack()))
            assert answers(reply)[0][2] == "10.96.44.201", i


def test_connections_beyond_128_are_closed_at_once(cluster: Dns) -> None:
    connections = [socket.create_connection((HOST, cluster.port), timeout=TIMEOUT) for _ in range(128)]
    try:
        for sock in connections:  # an answer on each: the server holds all 128
            exchange_on(sock, query("web.default.svc.cluster.local").pack())
        with socket.create_connection((HOST, cluster.port), timeout=TIMEOUT) as extra:
            assert extra.recv(1) == b""
    finally:
        for sock in connections:
            sock.close()
    deadline = time.monotonic() + TIMEOUT
    while True:  # the server notices the closed connections shortly
        try:
            assert answers(ask(cluster.port, query("web.default.svc.cluster.local"), tcp=True))
            break
        except ConnectionError:
            assert time.monotonic() < deadline, "no TCP service after the connections closed"
            time.sleep(0.05)


def test_replaced_zone_is_seen_by_the_next_query_and_a_broken_one_keeps_the_old(cluster: Dns) -> None:
    replace_zone(cluster.zone, CLUSTER_ZONE.replace("10.96.44.201", "10.96.44.202"))
    assert answers(ask(cluster.port, query("web.default.svc.cluster.local")))[0][2] == "10.96.44.202"
    replace_zone(cluster.zone, "web.default.svc.cluster.local. 5 IN A 10.96.44.\n")
    assert answers(ask(cluster.port, query("web.default.svc.cluster.local")))[0][2] == "10.96.44.202"
    assert "does not parse" in cluster.log() and "keeping the previous records" in cluster.log()
    replace_zone(cluster.zone, CLUSTER_ZONE)
    assert answers(ask(cluster.port, query("web.default.svc.cluster.local")))[0][2] == "10.96.44.201"


def test_without_a_zone_it_starts_and_answers_servfail_until_one_appears(start_dns: Callable[..., Dns]) -> None:
    dns = start_dns(None, "--domain", "cluster.local")
    assert ask(dns.port, query("web.default.svc.cluster.local")).header.rcode == RCODE.SERVFAIL
    assert "answering SERVFAIL until it loads" in dns.log()
    replace_zone(dns.zone, CLUSTER_ZONE)
    assert answers(ask(dns.port, query("web.default.svc.cluster.local")))[0][2] == "10.96.44.201"


def test_bad_argument_still_starts_and_answers_servfail(start_dns: Callable[..., Dns]) -> None:
    dns = start_dns(CLUSTER_ZONE, "--domain", "cluster.local", "--pods", "verified")
    assert ask(dns.port, query("web.default.svc.cluster.local")).header.rcode == RCODE.SERVFAIL
    assert dns.log().count("\n") == 1 and "--pods" in dns.log()


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_forwarding_and_externalname_chase_through_the_upstream(start_dns: Callable[..., Dns], tcp: bool) -> None:
    internet = start_dns(INTERNET_ZONE, "--domain", ".", name="internet")
    dns = start_dns(CLUSTER_ZONE, "--domain", "cluster.local", "--upstream", f"{HOST}:{internet.port}")
    relayed = ask(dns.port, query("Example.ORG"), tcp)
    assert relayed.header.rcode == RCODE.NOERROR and answers(relayed) == [("Example.ORG.", "A", "203.0.113.81")]
    unknown = ask(dns.port, query("nope.example.org"), tcp)
    assert unknown.header.rcode == RCODE.NXDOMAIN and str(unknown.auth[0].rname) == "."
    external = ask(dns.port, query("foo.default.svc.cluster.local"), tcp)
    assert external.header.rcode == RCODE.NOERROR and external.header.aa == 1
    assert answers(external) == [
        ("foo.default.svc.cluster.local.", "CNAME", "www.example.com."),
        ("www.example.com.", "A", "203.0.113.80"),
    ]


def test_upstream_down_is_servfail_within_3_seconds(start_dns: Callable[..., Dns]) -> None:
    dns = start_dns(CLUSTER_ZONE, "--domain", "cluster.local", "--upstream", f"{HOST}:{closed_port()}")
    for tcp in (False, True):
        started = time.monotonic()
        assert ask(dns.port, query("example.org"), tcp).header.rcode == RCODE.SERVFAIL
        assert time.monotonic() - started < 3.0
    external = ask(dns.port, query("foo.default.svc.cluster.local"))
    assert external.header.rcode == RCODE.NOERROR and [QTYPE[rr.rtype] for rr in external.rr] == ["CNAME"]


def test_silent_upstream_is_servfail_after_two_tries(start_dns: Callable[..., Dns]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind((HOST, 0))
        dns = start_dns(CLUSTER_ZONE, "--domain", "cluster.local", "--upstream", f"{HOST}:{silent.getsockname()[1]}")
        started = time.monotonic()
        assert ask(dns.port, query("example.org")).header.rcode == RCODE.SERVFAIL
        assert 3.5 < time.monotonic() - started < TIMEOUT
        silent.settimeout(0)
        ports = {silent.recvfrom(512)[1][1] for _ in range(2)}  # two attempts, each from a fresh port
        assert len(ports) == 2


def test_no_upstream_is_servfail(cluster: Dns) -> None:
    reply = ask(cluster.port, query("example.org"))
    assert reply.header.rcode == RCODE.SERVFAIL and reply.rr == []


def test_big_answer_is_truncated_over_udp_and_whole_over_tcp(cluster: Dns) -> None:
    udp = ask(cluster.port, query("big.default.svc.cluster.local"))
    assert udp.header.tc == 1 and udp.rr == [] and str(udp.q.qname) == "big.default.svc.cluster.local."
    assert len(ask(cluster.port, query("big.default.svc.cluster.local"), tcp=True).rr) == 60


def test_edns0_buffer_size_lets_a_big_answer_through_udp(cluster: Dns) -> None:
    reply = ask(cluster.port, query("big.default.svc.cluster.local", edns=4096))
    assert reply.header.tc == 0 and len(reply.rr) == 60
    assert [rr.edns_len for rr in reply.ar if rr.rtype == QTYPE.OPT] == [4096]
    small = ask(cluster.port, query("big.default.svc.cluster.local", edns=100))  # below 512 counts as 512
    assert small.header.tc == 1 and [rr.edns_len for rr in small.ar] == [512]


def header(qid: int, flags: int = 0x0100, qd: int = 1, an: int = 0, ns: int = 0, ar: int = 0) -> bytes:
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def test_garbled_question_is_formerr_with_the_same_id(cluster: Dns) -> None:
    reply = DNSRecord.parse(udp_exchange(cluster.port, header(0x1234) + b"\x05ab"))
    assert reply.header.id == 0x1234 and reply.header.rcode == RCODE.FORMERR and reply.questions == []


def test_error_rcodes_for_other_opcodes_counts_and_classes(cluster: Dns) -> None:
    question = DNSQuestion("web.default.svc.cluster.local")
    status = DNSRecord(DNSHeader(id=1, opcode=2), [question])
    assert ask(cluster.port, status).header.rcode == RCODE.NOTIMP
    two = DNSRecord(DNSHeader(id=2), [question, DNSQuestion("x.cluster.local")])
    assert ask(cluster.port, two).header.rcode == RCODE.FORMERR
    chaos = DNSRecord(DNSHeader(id=3), [DNSQuestion("version.bind", QTYPE.TXT, 3)])
    assert ask(cluster.port, chaos).header.rcode == RCODE.REFUSED


def test_responses_are_not_answered(cluster: Dns) -> None:
    response = query("web.default.svc.cluster.local")
    response.header.qr = 1
    with pytest.raises(socket.timeout):
        udp_exchange(cluster.port, response.pack(), timeout=0.5)


def fuzz_packets(rng: random.Random, count: int) -> list[bytes]:
    """Random bytes, mutated and cut valid queries, hostile headers, pointer loops, long names."""
    valid = [
        query(name, qtype).pack()
        for name, qtype in (
            ("web.default.svc.cluster.local", "A"),
            ("big.default.svc.cluster.local", "A"),
            ("_http._tcp.web.default.svc.cluster.local", "SRV"),
            ("example.org", "A"),
            ("x.pod.cluster.local", "ANY"),
        )
    ]
    long_name = b"".join(b"\x3f" + b"a" * 63 for _ in range(5)) + b"\x00"  # 321 bytes
    makers: list[Callable[[], bytes]] = [
        lambda: rng.randbytes(rng.randrange(0, 600)),
        lambda: rng.choice(valid)[: rng.randrange(0, 40)],
        lambda: bytes(b ^ (rng.randrange(256) if rng.random() < 0.1 else 0) for b in rng.choice(valid)),
        lambda: header(rng.randrange(65536), qd=rng.choice([0, 2, 65535]), an=rng.randrange(65536)) + valid[0][12:],
        lambda: header(rng.randrange(65536)) + b"\xc0\x0c\x00\x01\x00\x01",  # pointer to itself
        lambda: header(rng.randrange(65536)) + b"\x01a\xc0\x0c\x00\x01\x00\x01",  # pointer loop via a label
        lambda: header(rng.randrange(65536)) + long_name + b"\x00\x01\x00\x01",
        lambda: header(rng.randrange(65536)) + b"\x50" + b"a" * 80 + b"\x00\x00\x01\x00\x01",  # label > 63
        lambda: header(rng.randrange(65536), ar=1) + valid[0][12:] + b"\x00\x00\x29\xff\xff" + rng.randbytes(20),
    ]
    return [rng.choice(makers)() for _ in range(count)]


def test_fuzzed_packets_never_stop_the_server(cluster: Dns) -> None:
    rng = random.Random(20240611)
    replies = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        for i, packet in enumerate(fuzz_packets(rng, 3000)):
            sock.sendto(packet, (HOST, cluster.port))
            if i % 50 == 49:  # let the server keep up, and read what came back
                time.sleep(0.005)
                while select.select([sock], [], [], 0)[0]:
                    reply = sock.recv(65535)
                    assert len(reply) >= 12 and reply[2] & 0x80, reply
                    replies += 1
    assert replies > 500
    for packet in [*fuzz_packets(rng, 100), struct.pack("!H", 65535) + b"short", b"\x00\x00", b"\x00\x05ab"]:
        with socket.create_connection((HOST, cluster.port), timeout=TIMEOUT) as sock:
            if not packet.startswith((b"\xff\xff", b"\x00")):
                packet = struct.pack("!H", len(packet)) + packet
            sock.sendall(packet)
            sock.shutdown(socket.SHUT_WR)
            for _ in range(100):  # whatever comes back, until the server closes
                if not sock.recv(65535):
                    break
    assert answers(ask(cluster.port, query("web.default.svc.cluster.local")))[0][2] == "10.96.44.201"
    assert answers(ask(cluster.port, query("web.default.svc.cluster.local"), tcp=True))[0][2] == "10.96.44.201"
    assert cluster.proc.poll() is None
    assert "Traceback" not in cluster.log() and "exception" not in cluster.log().lower()


def test_metrics(start_dns: Callable[..., Dns]) -> None:
    metrics_port = free_port()
    dns = start_dns(CLUSTER_ZONE, "--domain", "cluster.local", "--metrics", f"{HOST}:{metrics_port}")
    ask(dns.port, query("web.default.svc.cluster.local"))
    ask(dns.port, query("nope.cluster.local", "AAAA"), tcp=True)
    with urllib.request.urlopen(f"http://{HOST}:{metrics_port}/metrics", timeout=TIMEOUT) as response:
        text = response.read().decode()
    server = f'server="dns://:{dns.port}",zone="."'
    assert f'coredns_dns_requests_total{{{server},proto="udp",family="1",type="A"}} 1' in text
    assert f'coredns_dns_requests_total{{{server},proto="tcp",family="1",type="AAAA"}} 1' in text
    assert f'coredns_dns_responses_total{{{server},rcode="NXDOMAIN",plugin=""}} 1' in text
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"http://{HOST}:{metrics_port}/", timeout=TIMEOUT)
    assert error.value.code == 404


def test_sigterm_exits_0_promptly_even_with_a_client_connected(cluster: Dns) -> None:
    with socket.create_connection((HOST, cluster.port), timeout=TIMEOUT):
        time.sleep(0.1)
        cluster.proc.send_signal(signal.SIGTERM)
        assert cluster.proc.wait(timeout=2) == 0
    assert cluster.log() == ""


def test_bind_failure_exits_1_with_one_line(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind((HOST, 0))
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "netlab.workloads.dns",
                "--zone",
                str(tmp_path / "z"),
                "--domain",
                "cluster.local",
                "--listen",
                f"{HOST}:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"dns: cannot bind udp {HOST}:{port}: Address already in use\n"
