"""UDP datagrams and their answers: what `nc -u` would show, with the python3 every Debian has.

One process sends a batch of N datagrams (a process costs ~0.4 s in the emulated VM CI runs the
IPVS tests in), each from a new socket, kept open until the batch ends so that the kernel cannot
hand its port out again: a new source port each time, so a new conntrack entry and a new
load-balancing pick. Each socket is connected to the target, so the kernel hands it only datagrams
whose source is the target (a Service's reply must come back un-NATed to the ClusterIP to be seen
at all), and an ICMP port-unreachable surfaces as "refused". The script prints one JSON line per
datagram, so an answer holding newlines stays one line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

TIMEOUT_S = 2
PATIENT_TIMEOUT_S = 6  # a datagram sent again after a timeout: glibc's resolver asks again after 5 s
START_S = 7.0  # the process's own start (ip netns exec, python3): slow in an emulated VM
SCRIPT = (
    "import json,socket,sys\n"
    "host,port,message,wait=sys.argv[1],int(sys.argv[2]),sys.argv[3].encode(),float(sys.argv[4])\n"
    "held=[]\n"
    "for _ in range(int(sys.argv[5])):\n"
    " s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(wait)\n"
    " try:\n  s.connect((host,port));s.send(message);said=['ok',s.recv(65535).decode(errors='replace')]\n"
    " except socket.timeout:\n  said=['timeout','']\n"
    " except ConnectionRefusedError:\n  said=['refused','']\n"
    " except OSError as e:\n  said=['error',e.strerror or '']\n"
    " held.append(s);print(json.dumps(said),flush=True)\n"
)
ERRORS = {"refused": "refused (port unreachable)", "timeout": "no answer (timeout)"}


@dataclass(frozen=True)
class UdpResult:
    ok: bool
    body: str = ""
    error: str = ""


def command(netns: str, address: str, port: int, message: str, count: int, patient: bool = False) -> list[str]:
    """python3 sending `count` datagrams, one after the other, each waiting TIMEOUT_S for its answer
    (PATIENT_TIMEOUT_S when `patient`)."""
    return [
        "ip",
        "netns",
        "exec",
        netns,
        "python3",
        "-c",
        SCRIPT,
        address,
        str(port),
        message,
        str(PATIENT_TIMEOUT_S if patient else TIMEOUT_S),
        str(count),
    ]


def timeout_s(count: int, patient: bool = False) -> float:
    """How long a batch of `count` datagrams may take: each its wait, and the process's start."""
    return START_S + count * (PATIENT_TIMEOUT_S if patient else TIMEOUT_S)


def read(stdout: str, count: int) -> list[UdpResult]:
    """The `count` datagrams' results, in order; one the script did not report got no answer."""
    results = []
    for line in stdout.splitlines():
        kind, said = json.loads(line)
        failed = ERRORS.get(kind) or said or "no answer"
        results.append(UdpResult(True, said.strip()) if kind == "ok" else UdpResult(False, error=failed))
    return results + [UdpResult(False, error="no answer")] * (count - len(results))
