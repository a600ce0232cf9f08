"""curl: a batch of HTTP requests in one process, each one's status and body, or why there was none.

One curl is given the URL N times (a process costs ~0.4 s in the emulated VM CI runs the IPVS tests
in). Each request still opens a new TCP connection (a new source port, so a new conntrack entry and a
new load-balancing pick): it asks `Connection: close`, and the lab's servers close (the echo server
always does, nginx when asked), so curl connects anew for the next request. A name in the URL is
looked up once per batch (curl's DNS cache); netlab's DNS gives every lookup the same answer.

The output is framed so that no body can be mistaken for the framing: stdout holds only the bodies,
back to back; after each transfer curl writes a trailer line to stderr (its exit code, the size of its
body, its status and peer), which both cuts the bodies apart by size and closes that transfer's part
of the verbose trace, where its own connect failure is named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from netlab.model.schema import is_ipv4

CONNECT_TIMEOUT_S, MAX_TIME_S = 2, 3
# A request sent again after a timeout (verify/probes.py) waits out how the lab's own protocols
# recover one lost packet: glibc's resolver asks again after 5 s, TCP resends a SYN after 1 s and 3 s.
PATIENT_CONNECT_TIMEOUT_S, PATIENT_MAX_TIME_S = 6, 8
START_S = 7.0  # the process's own start (ip netns exec, curl): slow in an emulated VM
# curl exit codes worth a plain-language reason (curl(1), EXIT CODES)
CURL_ERRORS = {6: "name not resolved", 7: "could not connect", 28: "timeout", 52: "empty reply", 56: "connection reset"}


# curl 7.88 "connect to X port N failed: R" or "Immediate connect fail for X: R";
# curl 8 "connect to X port N from Y port M failed: R"
CONNECT_FAILED = re.compile(
    r"(?:connect to \S+ port \d+ (?:from \S+ port \d+ )?failed"
    r"|Immediate connect fail for \S+): (.+)"
)
# A line of its own on stderr (each line of curl's trace starts with "* ", "> ", "< ", "curl: "...):
# exit code, body size, status, peer
WRITE_OUT = "%{stderr}\nnetlab-transfer %{exitcode} %{size_download} %{http_code} %{remote_ip}\n"
TRAILER = re.compile(r"netlab-transfer (\d+) (\d+) (\d+) (\S*)")
SUBJECT = re.compile(r"^\*\s+subject: (.*)$", re.M)  # the server certificate's, in curl's verbose trace
# curl's timeout says which step ran out of time: the name lookup, the TCP handshake, or the transfer
# after it. Each points somewhere else: cluster DNS, the path and its NAT, the server. curl 7.88 says
# "Resolving timed out after N milliseconds", "Failed to connect to X port P after N ms: Timeout was
# reached", "Operation timed out after N milliseconds with ..."; some versions "Connection timed out
# after N milliseconds".
TIMED_OUT = re.compile(
    r"(?P<step>Resolving|Connection|Operation) timed out after (?P<ms>\d+) milliseconds"
    r"|Failed to connect to \S+ port \d+ after (?P<connect_ms>\d+) ms: Timeout was reached"
)
TIMEOUT_STEPS = {
    "Resolving": "timeout: no name lookup answer within {s} s",
    "Connection": "timeout: no TCP handshake within {s} s",
    "Operation": "timeout: no complete answer within {s} s",
}


@dataclass(frozen=True)
class HttpResult:
    ok: bool
    status: int = 0
    body: str = ""
    error: str = ""
    peer: str = ""  # the address the client's socket talked to (and got its replies from)
    certificate: str = ""  # https: the server certificate's subject, as curl prints it (O=...; CN=...)


def command(
    netns: str, url: str, count: int, headers: tuple[tuple[str, str], ...] = (), patient: bool = False
) -> list[str]:
    """curl sending `count` requests to `url`, each bounded in time and on a connection of its own.
    `headers` are sent as given (`Host: a.example` replaces the URL's host in the Host header);
    `patient` requests wait long enough for one lost packet to be sent again.

    -v because only the verbose trace names why a connect failed (refused, no route, unreachable)
    and what certificate the server showed; --globoff so that the URL is one transfer, whatever
    brackets it holds. An https URL is fetched with -k (a lab's certificates are self-signed), and
    with a Host header as `curl --resolve HOST:PORT:ADDRESS https://HOST/` is: the name goes in the
    TLS handshake (SNI) too, not only in the Host header.
    """
    url, tls = _https(url, headers)
    sent = [arg for name, value in (("Connection", "close"), *headers) for arg in ("-H", f"{name}: {value}")]
    return [
        "ip",
        "netns",
        "exec",
        netns,
        "curl",
        "-sS",
        "-v",
        "--globoff",
        "--noproxy",
        "*",
        "--connect-timeout",
        str(PATIENT_CONNECT_TIMEOUT_S if patient else CONNECT_TIMEOUT_S),
        "--max-time",
        str(PATIENT_MAX_TIME_S if patient else MAX_TIME_S),
        *tls,
        *sent,
        "-w",
        WRITE_OUT,
        *[url] * count,
    ]


def _https(url: str, headers: tuple[tuple[str, str], ...]) -> tuple[str, list[str]]:
    """An https URL's curl options, and the URL with the Host header's name in it (--resolve
    pins that name to the URL's address)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return url, []
    host = next((value for name, value in headers if name.lower() == "host"), None)
    if host is None or not parts.hostname:
        return url, ["-k"]
    port = parts.port or 443
    named = urlunsplit(parts._replace(netloc=f"{host}:{port}" if parts.port else host))
    if is_ipv4(parts.hostname):
        return named, ["-k", "--resolve", f"{host}:{port}:{parts.hostname}"]
    return named, ["-k", "--connect-to", f"{host}:{port}:{parts.hostname}:{port}"]  # a name: curl looks it up


def timeout_s(count: int, patient: bool = False) -> float:
    """How long a batch of `count` requests may take: each its --max-time, and the process's start."""
    return START_S + count * (PATIENT_MAX_TIME_S if patient else MAX_TIME_S)


def read(returncode: int, stdout: bytes, stderr: bytes, count: int) -> list[HttpResult]:
    """The `count` requests' results, in order. Requests curl did not finish (it was killed, or never
    ran) fail with the process's own exit code."""
    results: list[HttpResult] = []
    trace: list[str] = []
    offset = 0
    for line in stderr.decode(errors="replace").split("\n"):  # not splitlines: a header may hold \r or \x1c
        trailer = TRAILER.fullmatch(line)
        if trailer is None:
            trace.append(line)
            continue
        code, size, status, peer = int(trailer[1]), int(trailer[2]), int(trailer[3]), trailer[4]
        body, offset = stdout[offset : offset + size], offset + size
        if code == 0:
            subject = SUBJECT.search("\n".join(trace))
            results.append(HttpResult(True, status, _text(body), peer=peer, certificate=subject[1] if subject else ""))
        else:
            results.append(HttpResult(False, error=_failure(code, "\n".join(trace))))
        trace = []
    unfinished = HttpResult(False, error=_failure(returncode, "\n".join(trace)))
    return results + [unfinished] * (count - len(results))


def _failure(code: int, trace: str) -> str:
    why = CONNECT_FAILED.search(trace)
    if why and code != 28:
        return why.group(1).strip().lower()
    step = TIMED_OUT.search(trace) if code == 28 else None
    if step:
        ms = int(step["ms"] or step["connect_ms"])
        return TIMEOUT_STEPS[step["step"] or "Connection"].format(s=f"{ms / 1000:.1f}")  # or: Failed to connect
    return CURL_ERRORS.get(code, f"curl failed ({code})")


def _text(body: bytes) -> str:
    """The body as Python reads text: UTF-8 (undecodable bytes replaced), universal newlines (the
    CRLF lines of nginx's error pages read as lines)."""
    return body.decode(errors="replace").replace("\r\n", "\n").replace("\r", "\n")
