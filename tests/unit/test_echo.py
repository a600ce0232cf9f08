"""The echo server, run as a real subprocess on inherited 127.0.0.1 sockets (no root needed)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
TIMEOUT = 5.0


@dataclass
class Echo:
    proc: subprocess.Popen
    web_port: int  # TCP, pod web-0
    db_port: int  # TCP, pod db-0
    udp_port: int  # UDP, pod web-0
    override_port: int  # TCP, pod api-0, every request answered as GET /hostname (netexec --http-override)


def listening_tcp() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    sock.listen(16)
    return sock


def http_get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def raw_tcp(port: int, data: bytes) -> bytes:
    """Send `data`, half-close, and return whatever comes back (b"" if the server reset us)."""
    with socket.create_connection((HOST, port), timeout=TIMEOUT) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            chunks = []
            for _ in range(1000):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)
        except ConnectionResetError:
            return b""


def udp(port: int, message: bytes, client_port: int = 0) -> tuple[str, int]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT)
        sock.bind((HOST, client_port))
        sock.sendto(message, (HOST, port))
        reply, _ = sock.recvfrom(65536)
        return reply.decode(), sock.getsockname()[1]


@pytest.fixture
def echo() -> Iterator[Echo]:
    web, db, api = listening_tcp(), listening_tcp(), listening_tcp()
    udp_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp_sock.bind((HOST, 0))
    ports = [s.getsockname()[1] for s in (web, db, udp_sock, api)]
    manifest = {
        "user": None,
        "sockets": [
            {"fd": web.fileno(), "pod": "web-0", "protocol": "TCP", "port": ports[0]},
            {"fd": db.fileno(), "pod": "db-0", "protocol": "TCP", "port": ports[1]},
            {"fd": udp_sock.fileno(), "pod": "web-0", "protocol": "UDP", "port": ports[2]},
            {"fd": api.fileno(), "pod": "api-0", "protocol": "TCP", "port": ports[3], "override": "/hostname"},
        ],
    }
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlab.workloads.echo"],
        stdin=subprocess.PIPE,
        pass_fds=[s.fileno() for s in (web, db, udp_sock, api)],
        cwd=REPO,
        env=env,
    )
    assert proc.stdin is not None
    try:
        proc.stdin.write(json.dumps(manifest).encode())
        proc.stdin.close()
        for sock in (web, db, udp_sock, api):
            sock.close()
        server = Echo(proc, *ports)
        deadline = time.monotonic() + TIMEOUT
        for _ in range(100):
            assert proc.poll() is None, "echo server exited during startup"
            try:
                if http_get(server.web_port, "/hostname") == (200, "web-0"):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "echo server did not answer within 5 s"
            time.sleep(0.05)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=TIMEOUT)


def test_hostname_is_the_pod_of_the_socket(echo: Echo) -> None:
    assert http_get(echo.web_port, "/hostname") == (200, "web-0")
    assert http_get(echo.db_port, "/hostname") == (200, "db-0")


def test_clientip_is_the_peer_address(echo: Echo) -> None:
    with socket.create_connection((HOST, echo.web_port), timeout=TIMEOUT) as sock:
        sock.sendall(b"GET /clientip HTTP/1.0\r\n\r\n")
        response = b"".join(iter(lambda: sock.recv(65536), b""))
        client = f"{HOST}:{sock.getsockname()[1]}"
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"Connection: close" in head
    assert body.decode() == client


def test_echo_decodes_the_message(echo: Echo) -> None:
    assert http_get(echo.web_port, "/echo?msg=hello%20world") == (200, "hello world")


def test_root_reports_the_time(echo: Echo) -> None:
    status, body = http_get(echo.web_port, "/")
    assert status == 200 and body.startswith("NOW: ")


def test_unknown_path_and_method(echo: Echo) -> None:
    assert http_get(echo.web_port, "/nope")[0] == 404
    assert raw_tcp(echo.web_port, b"POST /hostname HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 405 ")


def test_head_has_no_body(echo: Echo) -> None:
    response = raw_tcp(echo.web_port, b"HEAD /hostname HTTP/1.1\r\nHost: x\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 200 ")
    assert b"Content-Length: 5\r\n" in response
    assert response.endswith(b"\r\n\r\n")


def test_udp_commands(echo: Echo) -> None:
    assert udp(echo.udp_port, b"hostname")[0] == "web-0"
    reply, client_port = udp(echo.udp_port, b"clientip")
    assert reply == f"{HOST}:{client_port}"
    assert udp(echo.udp_port, b"echo hello there")[0] == "hello there"
    assert udp(echo.udp_port, b"dance")[0] == "unknown command"


def test_malformed_input_does_not_kill_it(echo: Echo) -> None:
    assert raw_tcp(echo.web_port, b"\x00\xff garbage \x01\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    for _ in range(5):
        raw_tcp(echo.web_port, os.urandom(4096))  # whatever it answers, if anything
    long_header = b"GET /hostname HTTP/1.1\r\nX-Long: " + b"a" * 20480 + b"\r\n\r\n"
    response = raw_tcp(echo.web_port, long_header)
    assert response == b"" or response.startswith(b"HTTP/1.1 431 ")  # a reset may beat the answer
    with socket.create_connection((HOST, echo.web_port), timeout=TIMEOUT):
        pass  # connect, send nothing, leave
    udp_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with udp_sock:
        udp_sock.sendto(os.urandom(512), (HOST, echo.udp_port))
    assert http_get(echo.web_port, "/hostname") == (200, "web-0")
    assert udp(echo.udp_port, b"hostname")[0] == "web-0"
    assert echo.proc.poll() is None


def test_an_idle_client_does_not_block_others(echo: Echo) -> None:
    with socket.create_connection((HOST, echo.web_port), timeout=TIMEOUT) as idle:
        idle.sendall(b"GET /hostname HTTP/1.1\r\n")  # head never finished
        assert http_get(echo.web_port, "/hostname") == (200, "web-0")
        assert http_get(echo.db_port, "/hostname") == (200, "db-0")


def test_sigterm_exits_zero(echo: Echo) -> None:
    echo.proc.terminate()
    assert echo.proc.wait(timeout=TIMEOUT) == 0


def get_with(port: int, path: str, headers: list[tuple[str, str]]) -> tuple[int, str]:
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_header_returns_one_request_headers_value_as_netexec(echo: Echo) -> None:
    """agnhost's /header?key=K is Go's r.Header.Get(K): the first value, names compared canonically,
    "" (and 200) when absent; Host is not among the headers (Go keeps it in r.Host)."""
    sent = [("X-Forwarded-For", "203.0.113.10"), ("x-custom", "one")]
    assert get_with(echo.web_port, "/header?key=X-Forwarded-For", sent) == (200, "203.0.113.10")
    assert get_with(echo.web_port, "/header?key=x-forwarded-for", sent) == (200, "203.0.113.10")
    assert get_with(echo.web_port, "/header?key=X-Custom", sent) == (200, "one")
    assert get_with(echo.web_port, "/header?key=X-Missing", sent) == (200, "")
    assert get_with(echo.web_port, "/header?key=Host", sent) == (200, "")


def test_header_without_a_key_returns_every_header_as_json(echo: Echo) -> None:
    raw = raw_tcp(
        echo.web_port, b"GET /header HTTP/1.1\r\nHost: a.example\r\nx-b: 2\r\nX-A: <1>\r\nX-A: 3\r\n  folded\r\n\r\n"
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert json.loads(body) == {"X-A": ["<1>", "3 folded"], "X-B": ["2"]}
    assert b"\\u003c1\\u003e" in body  # Go's encoding/json escapes < and >


def test_a_malformed_header_line_is_a_bad_request(echo: Echo) -> None:
    assert raw_tcp(echo.web_port, b"GET /hostname HTTP/1.1\r\nno colon here\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert raw_tcp(echo.web_port, b"GET /hostname HTTP/1.1\r\nX-Bad : 1\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert http_get(echo.web_port, "/hostname") == (200, "web-0")


def test_http_override_answers_every_path_as_the_override(echo: Echo) -> None:
    """netexec --http-override=/hostname: every path (and query) is answered as GET /hostname."""
    for path in ("/", "/api", "/api/v1/users?x=1", "/echo?msg=hi", "/nope"):
        assert http_get(echo.override_port, path) == (200, "api-0"), path
    assert raw_tcp(echo.override_port, b"HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n").endswith(b"\r\n\r\n")
    assert raw_tcp(echo.override_port, b"POST /x HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 405 ")


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("0.0.0.0", 0))
        return sock.getsockname()[1]


def by_hand(*args: str) -> subprocess.Popen:
    """The echo server as `netlab explain`'s scripts start it: it binds the ports it is given."""
    return subprocess.Popen(
        [sys.executable, "-m", "netlab.workloads.echo", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@contextlib.contextmanager
def serving_by_hand(*args: str) -> Iterator[None]:
    """The echo server by hand, once it says ready; on leaving, SIGTERM must end it with status 0."""
    proc = by_hand(*args)
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline() == b"ready\n"
        yield
        proc.terminate()
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        proc.kill()
        proc.communicate(timeout=TIMEOUT)


def test_by_hand_it_binds_its_ports_and_answers_with_its_host_name() -> None:
    """`--http-port P --udp-port Q --http-override /hostname`, without --hostname: /hostname is
    the host's name (a container's: its pod's), as agnhost's is."""
    http_port, udp_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    with serving_by_hand("--http-port", str(http_port), "--udp-port", str(udp_port), "--http-override", "/hostname"):
        assert http_get(http_port, "/any/path") == (200, socket.gethostname())
        assert udp(udp_port, b"hostname")[0] == socket.gethostname()


def test_by_hand_a_taken_port_is_one_line_and_exit_1() -> None:
    with listening_tcp() as taken:
        port = taken.getsockname()[1]
        proc = by_hand("--http-port", str(port), "--hostname", "web-0")
        _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1
    assert err.decode() == f"echo: cannot bind TCP port {port}: Address already in use\n"


def test_by_hand_a_health_check_port_answers_as_kube_proxy() -> None:
    """`--health-check PORT NAMESPACE/NAME N`: 200 with local endpoints, 503 without (the cloud's
    load balancer then leaves the node out)."""
    with_one, with_none = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
    with serving_by_hand(
        "--health-check", str(with_one), "default/web", "1", "--health-check", str(with_none), "default/web", "0"
    ):
        status, body = http_get(with_one, "/healthz")
        assert status == 200 and json.loads(body)["service"] == {"namespace": "default", "name": "web"}
        assert http_get(with_none, "/healthz")[0] == 503


def test_by_hand_a_health_check_without_a_namespace_is_refused() -> None:
    port = free_port(socket.SOCK_STREAM)
    proc = by_hand("--health-check", str(port), "web", "1")
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1 and err.decode() == f"echo: --health-check {port} web 1: want PORT NAMESPACE/NAME N\n"
