"""Many connections at once from one source: a TCP connect, or a UDP request and its answer, to each
target, all in flight together and all bounded by one deadline (what `netlab matrix` sends).

One python3 per source (a process costs ~0.4 s in the emulated VM CI runs in): each TCP socket
connects without blocking and counts as reached once the handshake completes (then it closes);
each UDP socket is connected, sends agnhost's `hostname` command and counts as reached when an
answer comes back from the target. A reset or an ICMP port-unreachable (what kube-router's REJECT
sends) is "refused"; nothing by the deadline, "timeout". The script prints one JSON line per
target, in the order given, as the UDP probe's script does (read by the same reader).
"""

from __future__ import annotations

import json

from netlab.probe import udp
from netlab.probe.udp import UdpResult

TIMEOUT_S = 2.0  # the deadline of every connection of the batch
START_S = 7.0  # the process's own start (ip netns exec, python3): slow in an emulated VM
SCRIPT = """
import errno, json, select, socket, sys, time
wait, targets = float(sys.argv[1]), json.loads(sys.argv[2])
said = [["timeout", ""] for _ in targets]
pending = {}
for i, (host, port, proto) in enumerate(targets):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == "TCP" else socket.SOCK_DGRAM)
    s.setblocking(False)
    try:
        if proto == "TCP":
            s.connect_ex((host, port))
        else:
            s.connect((host, port))
            s.send(b"hostname")
        pending[s] = i
    except OSError as e:
        said[i] = ["error", e.strerror or str(e)]
end = time.monotonic() + wait
while pending and (left := end - time.monotonic()) > 0:
    streams = [s for s in pending if s.type == socket.SOCK_STREAM]
    datagrams = [s for s in pending if s.type != socket.SOCK_STREAM]
    readable, writable, _ = select.select(datagrams, streams, [], left)
    for s in writable:
        code = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        kind = "ok" if code == 0 else "refused" if code == errno.ECONNREFUSED else "error"
        said[pending.pop(s)] = [kind, "" if kind != "error" else errno.errorcode.get(code, str(code))]
        s.close()
    for s in readable:
        try:
            said[pending[s]] = ["ok", s.recv(65535).decode(errors="replace")]
        except ConnectionRefusedError:
            said[pending[s]] = ["refused", ""]
        except OSError as e:
            said[pending[s]] = ["error", e.strerror or str(e)]
        pending.pop(s)
        s.close()
for line in said:
    print(json.dumps(line))
"""


def command(netns: str, targets: list[tuple[str, int, str]], wait: float = TIMEOUT_S) -> list[str]:
    """python3 in `netns` trying every (address, port, TCP|UDP) at once, for `wait` seconds at most."""
    return ["ip", "netns", "exec", netns, "python3", "-c", SCRIPT, str(wait), json.dumps(targets)]


def timeout_s(wait: float = TIMEOUT_S) -> float:
    return START_S + wait


def read(stdout: str, count: int) -> list[UdpResult]:
    """The `count` targets' outcomes, in order, as the UDP probe's script reports them (the same lines)."""
    return udp.read(stdout, count)
