"""curl: one HTTP request, its status and body, or why there was none."""

from __future__ import annotations

import re
from dataclasses import dataclass

CONNECT_TIMEOUT_S, MAX_TIME_S = 2, 3
# curl exit codes worth a plain-language reason (curl(1), EXIT CODES)
CURL_ERRORS = {6: "name not resolved", 7: "could not connect", 28: "timeout", 52: "empty reply", 56: "connection reset"}


# curl 7.88 "connect to X port N failed: R" or "Immediate connect fail for X: R";
# curl 8 "connect to X port N from Y port M failed: R"
CONNECT_FAILED = re.compile(
    r"(?:connect to \S+ port \d+ (?:from \S+ port \d+ )?failed"
    r"|Immediate connect fail for \S+): (.+)"
)


@dataclass(frozen=True)
class HttpResult:
    ok: bool
    status: int = 0
    body: str = ""
    error: str = ""
    peer: str = ""  # the address the client's socket talked to (and got its replies from)


def command(netns: str, url: str, headers: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """curl bounded in time; the peer address and the status follow the body, a line each.
    `headers` are sent as given (`Host: a.example` replaces the URL's host in the Host header).

    -v because only the verbose trace names why a connect failed (refused, no route, unreachable).
    """
    sent = [arg for name, value in headers for arg in ("-H", f"{name}: {value}")]
    return [
        "ip",
        "netns",
        "exec",
        netns,
        "curl",
        "-sS",
        "-v",
        "--noproxy",
        "*",
        "--connect-timeout",
        str(CONNECT_TIMEOUT_S),
        "--max-time",
        str(MAX_TIME_S),
        *sent,
        "-w",
        "\n%{remote_ip}\n%{http_code}",
        url,
    ]


def read(returncode: int, stdout: str, stderr: str) -> HttpResult:
    if returncode == 0:
        body, _, tail = stdout.rpartition("\n")
        body, _, peer = body.rpartition("\n")
        return HttpResult(True, int(tail or 0), body, peer=peer)
    why = CONNECT_FAILED.search(stderr)
    if why and returncode != 28:
        return HttpResult(False, error=why.group(1).strip().lower())
    return HttpResult(False, error=CURL_ERRORS.get(returncode, f"curl failed ({returncode})"))
