"""bind: is a port free in a namespace, or taken by another process of the same pod."""

from __future__ import annotations

SCRIPT = (
    "import socket,sys\n"
    "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM if sys.argv[2]=='UDP' else socket.SOCK_STREAM)\n"
    "try:\n s.bind(('0.0.0.0',int(sys.argv[1])))\nexcept OSError as e:\n print(e.strerror);sys.exit(1)\n"
    "print('free')\n"
)


def command(netns: str, port: int, protocol: str = "TCP") -> list[str]:
    """What `nc -l PORT` would tell, with the python3 every Debian has."""
    return ["ip", "netns", "exec", netns, "python3", "-c", SCRIPT, str(port), protocol]


def read(returncode: int, stdout: str) -> tuple[bool, str]:
    """(in use, what bind said)."""
    said = stdout.strip() or "no answer"
    return returncode != 0 and "in use" in said.lower(), said
