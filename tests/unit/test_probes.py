"""netlab.probe: the command builders and the readers of ping, curl, udp, env, bind, bridge fdb and tcpdump.

The samples are what the real tools print (iputils ping 20221126, curl 7.88.1, iproute2 6.1
`bridge -j`, tcpdump 4.99.3), captured in a throwaway namespace and shortened, with lab addresses;
the curl 8 line follows curl's lib/cf-socket.c. curl's batches and the UDP script also run for real,
against servers on 127.0.0.1 (no root needed).
"""

from __future__ import annotations

import contextlib
import http.server as httpserver
import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from netlab.probe import bind, bridge, capture, env, http, ping, udp

NETNS = "nl-lab-pod-a"
PREFIX = ["ip", "netns", "exec", NETNS]

PING_OK = """\
PING 10.244.1.3 (10.244.1.3) 56(84) bytes of data.
64 bytes from 10.244.1.3: icmp_seq=1 ttl=64 time=0.042 ms
64 bytes from 10.244.1.3: icmp_seq=2 ttl=64 time=0.040 ms

--- 10.244.1.3 ping statistics ---
2 packets transmitted, 2 received, 0% packet loss, time 203ms
rtt min/avg/max/mdev = 0.040/0.041/0.042/0.001 ms
"""
PING_LOST = """\
PING 10.244.1.9 (10.244.1.9) 56(84) bytes of data.

--- 10.244.1.9 ping statistics ---
2 packets transmitted, 0 received, 100% packet loss, time 203ms

"""
PING_HOST_UNREACHABLE = """\
PING 10.0.0.9 (10.0.0.9) 56(84) bytes of data.
From 10.0.0.1 icmp_seq=1 Destination Host Unreachable
From 10.0.0.1 icmp_seq=2 Destination Host Unreachable

--- 10.0.0.9 ping statistics ---
2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1019ms
"""

CURL_REFUSED = """\
*   Trying 10.0.0.1:80...
* connect to 10.0.0.1 port 80 failed: Connection refused
* Failed to connect to 10.0.0.1 port 80 after 0 ms: Couldn't connect to server
* Closing connection 0
curl: (7) Failed to connect to 10.0.0.1 port 80 after 0 ms: Couldn't connect to server
"""
# curl 8.x (lib/cf-socket.c) also names the local end: "connect to %s port %u from %s port %d failed: %s"
CURL8_REFUSED = """\
*   Trying 10.0.0.1:80...
* connect to 10.0.0.1 port 80 from 10.0.0.2 port 45678 failed: Connection refused
* Failed to connect to 10.0.0.1 port 80 after 0 ms: Could not connect to server
curl: (7) Failed to connect to 10.0.0.1 port 80 after 0 ms: Could not connect to server
"""
CURL_NET_UNREACHABLE = """\
*   Trying 10.9.9.9:80...
* Immediate connect fail for 10.9.9.9: Network is unreachable
* Failed to connect to 10.9.9.9 port 80 after 0 ms: Couldn't connect to server
* Closing connection 0
curl: (7) Failed to connect to 10.9.9.9 port 80 after 0 ms: Couldn't connect to server
"""
CURL_TIMEOUT = """\
*   Trying 10.244.2.9:8080...
* Connection timed out after 2001 milliseconds
* Closing connection 0
curl: (28) Connection timed out after 2001 milliseconds
"""
CURL_ANSWERED = """\
*   Trying 10.244.1.3:8080...
* Connected to 10.244.1.3 (10.244.1.3) port 8080 (#0)
> GET /hostname HTTP/1.1
> Host: 10.244.1.3:8080
> Connection: close
>\x20
< HTTP/1.1 200 OK
< Content-Length: 5
< Connection: close
<\x20
{ [5 bytes data]
* Closing connection 0
"""

# `bridge -j fdb show br cni0`: the bridge's own (self) and the ports' own (permanent) entries
# around one learned MAC per pod.
FDB = json.dumps(
    [
        {"mac": "33:33:00:00:00:01", "ifname": "cni0", "flags": ["self"], "state": "permanent"},
        {"mac": "01:00:5e:00:00:01", "ifname": "cni0", "flags": ["self"], "state": "permanent"},
        {"mac": "02:27:1d:e2:57:45", "ifname": "veth4de2dee7", "flags": [], "master": "cni0", "state": ""},
        {"mac": "76:e1:94:bf:c5:ca", "ifname": "veth4de2dee7", "flags": [], "master": "cni0", "state": "permanent"},
        {"mac": "33:33:00:00:00:01", "ifname": "veth4de2dee7", "flags": ["self"], "state": "permanent"},
        {"mac": "02:82:52:bf:c7:d6", "ifname": "vetha5f0f68d", "flags": [], "master": "cni0", "state": "stale"},
    ]
)

TCPDUMP_OUT = """\
12:00:00.000001 IP 10.244.1.2 > 10.244.2.2: ICMP echo request, id 7, seq 1, length 64
12:00:00.000042 IP 10.244.2.2 > 10.244.1.2: ICMP echo reply, id 7, seq 1, length 64
12:00:00.200001 IP 10.244.1.2 > 10.244.2.2: ICMP echo request, id 7, seq 2, length 64
12:00:00.200040 IP 10.244.2.2 > 10.244.1.2: ICMP echo reply, id 7, seq 2, length 64
"""
TCPDUMP_ERR = """\
tcpdump: verbose output suppressed, use -v[v]... for full protocol decode
listening on br0, link-type EN10MB (Ethernet), snapshot length 262144 bytes
4 packets captured
4 packets received by filter
0 packets dropped by kernel
"""


# -- command builders: inside the namespace, argv lists, bounded ---------------------------------
def test_ping_command_is_bounded_in_count_and_wait() -> None:
    argv = ping.command(NETNS, "10.244.1.3")
    assert argv[:4] == PREFIX and argv[4] == "ping" and argv[-1] == "10.244.1.3"
    assert argv[argv.index("-c") + 1] == "2" and argv[argv.index("-W") + 1] == "1"


def test_curl_command_is_bounded_in_time_and_prints_the_status() -> None:
    argv = http.command(NETNS, "http://10.244.1.3:8080/hostname", 1)
    assert argv[:4] == PREFIX and argv[4] == "curl" and argv[-2:] == [http.WRITE_OUT, "http://10.244.1.3:8080/hostname"]
    assert argv[argv.index("--max-time") + 1] == "3" and argv[argv.index("--connect-timeout") + 1] == "2"
    assert (
        argv[argv.index("-w") + 1]
        == "%{stderr}\nnetlab-transfer %{exitcode} %{size_download} %{http_code} %{remote_ip}\n"
    )
    assert "-v" in argv  # the trace names why a connect failed
    assert "--globoff" in argv  # one URL, one transfer
    assert [argv[i + 1] for i, arg in enumerate(argv) if arg == "-H"] == ["Connection: close"]


def test_curl_batch_gives_the_url_count_times() -> None:
    argv = http.command(NETNS, "http://10.96.0.20/hostname", 3)
    assert argv[-4:] == [http.WRITE_OUT, *["http://10.96.0.20/hostname"] * 3]


def test_curl_batch_timeout_grows_with_the_count() -> None:
    assert http.timeout_s(1) == 10.0 and http.timeout_s(20) - http.timeout_s(1) == 19 * http.MAX_TIME_S


def test_curl_sends_the_checks_headers() -> None:
    argv = http.command(NETNS, "http://198.51.100.200/", 1, (("Host", "a.example"), ("X-Forwarded-For", "192.0.2.66")))
    headers = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-H"]
    assert headers == ["Connection: close", "Host: a.example", "X-Forwarded-For: 192.0.2.66"]
    assert argv[-1] == "http://198.51.100.200/"


def test_udp_command_sends_count_datagrams() -> None:
    argv = udp.command(NETNS, "10.96.0.30", 53, "hostname", 4)
    assert argv[:4] == PREFIX and argv[4:7] == ["python3", "-c", udp.SCRIPT]
    assert argv[7:] == ["10.96.0.30", "53", "hostname", "2", "4"]
    assert udp.timeout_s(4) == udp.START_S + 4 * udp.TIMEOUT_S


def test_env_command_dumps_the_whole_environment() -> None:
    assert env.command("lab", "web/sidecar")[1:] == [
        "-m",
        "netlab",
        "exec",
        "lab",
        "web/sidecar",
        "--",
        "printenv",
        "-0",
    ]


def test_tcpdump_command_is_bounded_in_packets() -> None:
    argv = capture.command(NETNS, "icmp and host 10.244.1.2", "br0")
    assert argv[:4] == PREFIX and argv[4] == "tcpdump"
    assert argv[argv.index("-c") + 1] == "1000" and argv[argv.index("-i") + 1] == "br0"
    assert argv[-4:] == ["icmp", "and", "host", "10.244.1.2"]


def test_tcpdump_listens_on_every_interface_by_default() -> None:
    argv = capture.command(NETNS, "udp port 8472")
    assert argv[argv.index("-i") + 1] == "any"


def test_bind_command_passes_port_and_protocol() -> None:
    argv = bind.command(NETNS, 8080, "UDP")
    assert argv[:4] == PREFIX and argv[4:6] == ["python3", "-c"] and argv[-2:] == ["8080", "UDP"]


def test_bridge_command_shows_one_bridge_as_json() -> None:
    assert bridge.command(NETNS, "cni0") == [*PREFIX, "bridge", "-j", "fdb", "show", "br", "cni0"]


# -- ping ----------------------------------------------------------------------------------------
def test_ping_replies() -> None:
    assert ping.read(0, PING_OK, "") == ping.PingResult(True, "2/2 replies, rtt 0.041 ms")


def test_ping_total_loss_is_a_timeout() -> None:
    assert ping.read(1, PING_LOST, "") == ping.PingResult(False, "no reply (timeout)")


def test_ping_without_a_route() -> None:
    assert ping.read(2, "", "ping: connect: Network is unreachable\n") == ping.PingResult(
        False, "no route (network unreachable)"
    )


def test_ping_destination_host_unreachable() -> None:
    assert ping.read(1, PING_HOST_UNREACHABLE, "") == ping.PingResult(False, "no route (host unreachable)")


# -- curl -----------------------------------------------------------------------------------------
def transfer(trace: str, code: int = 0, body: bytes = b"", status: int = 0, peer: str = "") -> tuple[bytes, bytes]:
    """One transfer as curl writes it with http.WRITE_OUT: (its body on stdout, its trace and trailer on stderr)."""
    return body, f"{trace}\nnetlab-transfer {code} {len(body)} {status:03d} {peer}\n".encode()


def curl(returncode: int, *transfers: tuple[bytes, bytes]) -> list[http.HttpResult]:
    """What http.read makes of a batch of these transfers."""
    stdout, stderr = b"".join(t[0] for t in transfers), b"".join(t[1] for t in transfers)
    return http.read(returncode, stdout, stderr, len(transfers))


def answered(body: bytes, status: int = 200, peer: str = "10.244.1.3") -> tuple[bytes, bytes]:
    return transfer(CURL_ANSWERED, 0, body, status, peer)


def test_http_answer_has_body_and_status() -> None:
    assert curl(0, answered(b"pod-b")) == [http.HttpResult(True, 200, "pod-b", peer="10.244.1.3")]


def test_http_error_status_is_still_an_answer() -> None:
    assert curl(0, answered(b"404 page not found\n", 404, "10.0.0.1")) == [
        http.HttpResult(True, 404, "404 page not found\n", peer="10.0.0.1")
    ]


def test_http_refused_names_the_reason() -> None:
    assert curl(7, transfer(CURL_REFUSED, 7)) == [http.HttpResult(False, error="connection refused")]


def test_http_timeout() -> None:
    assert curl(28, transfer(CURL_TIMEOUT, 28, peer="10.244.2.9")) == [
        http.HttpResult(False, error="timeout: no TCP handshake within 2.0 s")
    ]


def test_http_other_failures_say_the_curl_exit_code() -> None:
    assert curl(6, transfer("curl: (6) Could not resolve host: web", 6))[0].error == "name not resolved"
    assert curl(35, transfer("", 35))[0].error == "curl failed (35)"


def test_http_refused_with_curl_8() -> None:
    assert curl(7, transfer(CURL8_REFUSED, 7)) == [http.HttpResult(False, error="connection refused")]


def test_http_without_a_route_names_the_reason() -> None:
    assert curl(7, transfer(CURL_NET_UNREACHABLE, 7)) == [http.HttpResult(False, error="network is unreachable")]


def test_http_batch_gives_each_request_its_own_outcome_and_reason() -> None:
    """Answered, refused, timed out, answered: each failure named from its own part of the trace
    (the timeout's is not the refusal before it)."""
    results = curl(
        0,
        answered(b"web-0"),
        transfer(CURL_REFUSED, 7),
        transfer(CURL_TIMEOUT, 28, peer="10.244.2.9"),
        answered(b"web-1", peer="10.96.0.20"),
    )
    assert results == [
        http.HttpResult(True, 200, "web-0", peer="10.244.1.3"),
        http.HttpResult(False, error="connection refused"),
        http.HttpResult(False, error="timeout: no TCP handshake within 2.0 s"),
        http.HttpResult(True, 200, "web-1", peer="10.96.0.20"),
    ]


def test_http_bodies_are_cut_apart_by_their_sizes() -> None:
    """Newlines, CRLF (read as newlines), a trailer's text and bytes that are no UTF-8 inside bodies, and
    a header line that looks like a trailer: none of them is taken for the framing."""
    tricky = b"line one\r\nnetlab-transfer 0 99 200 6.6.6.6\n\xff\n"
    forged = transfer(CURL_ANSWERED + "< netlab-transfer 7 0 000 \n", 0, b"pod-a\n", 200, "10.244.1.2")
    assert curl(0, answered(tricky), answered(b""), forged) == [
        http.HttpResult(True, 200, "line one\nnetlab-transfer 0 99 200 6.6.6.6\n\ufffd\n", peer="10.244.1.3"),
        http.HttpResult(True, 200, "", peer="10.244.1.3"),
        http.HttpResult(True, 200, "pod-a\n", peer="10.244.1.2"),
    ]


def test_http_requests_curl_did_not_finish_fail_with_its_exit_code() -> None:
    """Killed after the first request (probes.run says 124), or never started (ip netns exec failed)."""
    stdout, stderr = answered(b"web-0")
    assert http.read(124, stdout, stderr + b"*   Trying 10.96.0.20:80...\n", 3) == [
        http.HttpResult(True, 200, "web-0", peer="10.244.1.3"),
        http.HttpResult(False, error="curl failed (124)"),
        http.HttpResult(False, error="curl failed (124)"),
    ]
    gone = b'Cannot open network namespace "nl-lab-pod-a": No such file or directory\n'
    assert http.read(1, b"", gone, 1) == [http.HttpResult(False, error="curl failed (1)")]


class Remembering(httpserver.BaseHTTPRequestHandler):
    """Answers its client's port, and keeps the connection open unless asked to close it (HTTP/1.1)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = f"{self.client_address[1]}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving() -> Iterator[int]:
    server = httpserver.ThreadingHTTPServer(("127.0.0.1", 0), Remembering)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_a_real_curl_batch_opens_a_connection_per_request() -> None:
    """The command (without its `ip netns exec`) against a keep-alive server on 127.0.0.1: every
    request comes from a port of its own, and a refused one in the middle is named."""
    with serving() as port, socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: refused
        ok, refused = f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{closed.getsockname()[1]}/"
        argv = [*http.command(NETNS, ok, 1)[4:-1], ok, ok, refused, ok, ok, ok]
        done = subprocess.run(argv, capture_output=True, timeout=30)
    results = http.read(done.returncode, done.stdout, done.stderr, 6)
    assert results[2] == http.HttpResult(False, error="connection refused")
    ports = [r.body for r in results if r.ok]
    assert len(ports) == 5 and len(set(ports)) == 5, ports


# -- udp ------------------------------------------------------------------------------------------
def test_udp_batch_reads_each_datagram() -> None:
    lines = [
        ["ok", "web-0\n"],
        ["refused", ""],
        ["timeout", ""],
        ["ok", "two\nlines"],
        ["error", "Network is unreachable"],
    ]
    said = "".join(json.dumps(line) + "\n" for line in lines)
    assert udp.read(said, 5) == [
        udp.UdpResult(True, "web-0"),
        udp.UdpResult(False, error="refused (port unreachable)"),
        udp.UdpResult(False, error="no answer (timeout)"),
        udp.UdpResult(True, "two\nlines"),
        udp.UdpResult(False, error="Network is unreachable"),
    ]


def test_udp_datagrams_the_script_did_not_report_got_no_answer() -> None:
    assert udp.read('["ok", "web-0"]\n', 2) == [udp.UdpResult(True, "web-0"), udp.UdpResult(False, error="no answer")]
    assert udp.read("", 1) == [udp.UdpResult(False, error="no answer")]


def udp_script(port: int, count: int) -> list[udp.UdpResult]:
    """The UDP probe's command (without its `ip netns exec`) sent to 127.0.0.1, read."""
    argv = [sys.executable, *udp.command(NETNS, "127.0.0.1", port, "hostname", count)[5:]]
    return udp.read(subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout, count)


def test_the_udp_script_sends_each_datagram_from_a_new_socket() -> None:
    """The script for real on 127.0.0.1: a server that answers each sender's port, a port nobody
    has (refused, from the ICMP port-unreachable) and a socket that never answers."""
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as gone,
    ):
        for sock in (server, mute, gone):
            sock.bind(("127.0.0.1", 0))
        nobody = gone.getsockname()[1]
        gone.close()

        def answer() -> None:
            for _ in range(3):
                _, sender = server.recvfrom(100)
                server.sendto(str(sender[1]).encode(), sender)

        threading.Thread(target=answer, daemon=True).start()
        ports = [r.body for r in udp_script(server.getsockname()[1], 3)]
        assert all(p.isdigit() for p in ports) and len(set(ports)) == 3, ports
        assert udp_script(nobody, 1) == [udp.UdpResult(False, error="refused (port unreachable)")]
        assert udp_script(mute.getsockname()[1], 1) == [udp.UdpResult(False, error="no answer (timeout)")]


# -- env ------------------------------------------------------------------------------------------
def test_env_reads_a_nul_separated_dump() -> None:
    dump = "WEB_SERVICE_HOST=10.96.0.20\0MOTD=two\nlines\0EMPTY=\0WEB_SERVICE_PORT=80\0"
    assert env.read(dump) == {
        "WEB_SERVICE_HOST": "10.96.0.20",
        "MOTD": "two\nlines",
        "EMPTY": "",
        "WEB_SERVICE_PORT": "80",
    }
    assert env.read("") == {}


# -- bind -----------------------------------------------------------------------------------------
def test_bind_port_in_use() -> None:
    assert bind.read(1, "Address already in use\n") == (True, "Address already in use")


def test_bind_port_free() -> None:
    assert bind.read(0, "free\n") == (False, "free")


def test_bind_probe_that_did_not_run_is_not_in_use() -> None:
    assert bind.read(1, "") == (False, "no answer")


# -- bridge fdb -----------------------------------------------------------------------------------
def test_bridge_reads_learned_macs_only() -> None:
    assert bridge.read(FDB) == {"02:27:1d:e2:57:45": "veth4de2dee7", "02:82:52:bf:c7:d6": "vetha5f0f68d"}


def test_bridge_without_entries() -> None:
    assert bridge.read("") == bridge.read("[]") == {}


# -- tcpdump --------------------------------------------------------------------------------------
def test_capture_counts_packets_and_gives_an_example() -> None:
    assert capture.read(TCPDUMP_OUT, TCPDUMP_ERR) == (4, TCPDUMP_OUT.splitlines()[0])


def test_capture_of_nothing() -> None:
    assert capture.read("", TCPDUMP_ERR.replace("4 packets", "0 packets")) == (0, "")


def test_capture_counts_lines_when_tcpdump_was_killed_before_its_summary() -> None:
    assert capture.read(TCPDUMP_OUT, "listening on br0, link-type EN10MB (Ethernet)\n")[0] == 4
