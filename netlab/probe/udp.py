"""One UDP datagram and its answer: what `nc -u` would show, with the python3 every Debian has.

The socket is connected to the target, so the kernel hands it only datagrams whose source is the
target (a Service's reply must come back un-NATed to the ClusterIP to be seen at all), and an
ICMP port-unreachable surfaces as "refused".
"""

from __future__ import annotations

from dataclasses import dataclass

TIMEOUT_S = 2
SCRIPT = (
    "import socket,sys\n"
    "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(float(sys.argv[4]))\n"
    "s.connect((sys.argv[1],int(sys.argv[2])))\n"
    "try:\n s.send(sys.argv[3].encode());print(s.recv(65535).decode(errors='replace'))\n"
    "except socket.timeout:\n print('timeout');sys.exit(1)\n"
    "except ConnectionRefusedError:\n print('refused');sys.exit(1)\n"
    "except OSError as e:\n print(e.strerror);sys.exit(1)\n"
)


@dataclass(frozen=True)
class UdpResult:
    ok: bool
    body: str = ""
    error: str = ""


def command(netns: str, address: str, port: int, message: str) -> list[str]:
    return ["ip", "netns", "exec", netns, "python3", "-c", SCRIPT, address, str(port), message, str(TIMEOUT_S)]


def read(returncode: int, stdout: str) -> UdpResult:
    said = stdout.strip()
    if returncode == 0:
        return UdpResult(True, said)
    return UdpResult(
        False,
        error={"refused": "refused (port unreachable)", "timeout": "no answer (timeout)"}.get(
            said, said or "no answer"
        ),
    )
