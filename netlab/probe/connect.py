"""Many connections at once from one source: a TCP connect, or a UDP request and its answer, to each
target, all in flight together and all bounded by one deadline (what `netlab matrix` sends).

One python3 per source (a process costs ~0.4 s in the emulated VM CI runs in): each TCP socket
connects without blocking and counts as reached once the handshake completes (then it closes);
each UDP socket is connected, sends agnhost's `hostname` command and counts as reached when an
answer comes back from the target. A reset or an ICMP port-unreachable (what kube-router's REJECT
sends) is "refused"; nothing by the deadline, "timeout". The script prints one JSON line per
target, in the order given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

TIMEOUT_S = 2.0  # the deadline of every connection of the batch
START_S = 7.0  # the process's own start (ip netns exec, python3): slow in an emulated VM
SCRIPT = (
    "import errno,json,select,socket,sys,time\n"
    "wait,targets=float(sys.argv[1]),json.loads(sys.argv[2])\n"
    "said=[None]*len(targets);socks={}\n"
    "for i,(host,port,proto) in enumerate(targets):\n"
    " s=socket.socket(socket.AF_INET,socket.SOCK_STREAM if proto=='TCP' else socket.SOCK_DGRAM);s.setblocking(False)\n"
    " try:\n"
    "  if proto=='TCP':\n   s.connect_ex((host,port))\n"
    "  else:\n   s.connect((host,port));s.send(b'hostname')\n"
    "  socks[s]=i\n"
    " except OSError as e:\n  said[i]=['error',e.strerror or str(e)]\n"
    "end=time.monotonic()+wait\n"
    "while socks and (left:=end-time.monotonic())>0:\n"
    " tcp=[s for s in socks if s.type==socket.SOCK_STREAM];udp=[s for s in socks if s.type!=socket.SOCK_STREAM]\n"
    " readable,writable,_=select.select(udp,tcp,[],left)\n"
    " for s in writable:\n"
    "  code=s.getsockopt(socket.SOL_SOCKET,socket.SO_ERROR)\n"
    "  said[socks.pop(s)]=['ok',''] if code==0 else ['refused' if code==errno.ECONNREFUSED else 'error',"
    "'' if code==errno.ECONNREFUSED else errno.errorcode.get(code,str(code))];s.close()\n"
    " for s in readable:\n"
    "  try:\n   said[socks[s]]=['ok',s.recv(65535).decode(errors='replace').strip()]\n"
    "  except ConnectionRefusedError:\n   said[socks[s]]=['refused','']\n"
    "  except OSError as e:\n   said[socks[s]]=['error',e.strerror or str(e)]\n"
    "  socks.pop(s);s.close()\n"
    "for line in said:\n print(json.dumps(line or ['timeout','']))\n"
)
ERRORS = {"refused": "refused (a reset, or port unreachable: a REJECT)", "timeout": "no answer (timeout)"}


@dataclass(frozen=True)
class Reached:
    ok: bool
    detail: str = ""  # what answered (UDP), or why not


def command(netns: str, targets: list[tuple[str, int, str]], wait: float = TIMEOUT_S) -> list[str]:
    """python3 in `netns` trying every (address, port, TCP|UDP) at once, for `wait` seconds at most."""
    return ["ip", "netns", "exec", netns, "python3", "-c", SCRIPT, str(wait), json.dumps(targets)]


def timeout_s(wait: float = TIMEOUT_S) -> float:
    return START_S + wait


def read(stdout: str, count: int) -> list[Reached]:
    """The `count` targets' outcomes, in order; one the script did not report (it died) got no answer."""
    results = []
    for line in stdout.splitlines()[:count]:
        kind, said = json.loads(line)
        results.append(Reached(True, said) if kind == "ok" else Reached(False, ERRORS.get(kind) or said or kind))
    return results + [Reached(False, "no answer (the probe did not report)")] * (count - len(results))
