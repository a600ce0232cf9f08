"""A name looked up inside a namespace, as its programs look it up: dig or getent.

dig (`+search +showsearch`) reads the namespace's resolv.conf (its search list and ndots) and
shows every name it tried with its status, then the answer; getent asks glibc (what curl,
Python's socket.getaddrinfo and most programs use): addresses only, exit 2 for "no such name".
Both are bounded: one try, two seconds per query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TIMEOUT_S = 2
HEADER = re.compile(r";; ->>HEADER<<- opcode: \w+, status: (\w+)")
QUESTION = re.compile(r"^;(\S+)\s+IN\s+\w+$", re.M)
RECORD = re.compile(r"^(\S+)\s+\d+\s+IN\s+(\w+)\s+(.+)$")


@dataclass(frozen=True)
class Lookup:
    """What a resolver got: the status of the last name tried, the names tried in order (with
    their status), and the answer records as (type, data)."""

    status: str
    tried: tuple[tuple[str, str], ...] = ()
    records: tuple[tuple[str, str], ...] = ()
    error: str = ""

    def of_type(self, kind: str) -> list[str]:
        return [data for rtype, data in self.records if rtype == kind]


def dig_command(netns: str, name: str, record_type: str) -> list[str]:
    query = ["-x", name] if record_type == "PTR" else [name, record_type]
    return [
        "ip",
        "netns",
        "exec",
        netns,
        "dig",
        "+search",
        "+showsearch",
        "+tries=1",
        f"+time={TIMEOUT_S}",
        "+nocookie",
        *query,
    ]


def getent_command(netns: str, name: str) -> list[str]:
    return ["ip", "netns", "exec", netns, "getent", "ahostsv4", name]


def read_dig(returncode: int, stdout: str) -> Lookup:
    """Each attempt dig shows is one name tried; the last one is the lookup's result. Without any,
    no server answered: why, as dig said it for the first server (a REJECTing policy gives
    "connection refused", a DROPping one "timed out"), else its closing "no servers could be reached"."""
    attempts = [(part, header) for part in re.split(r"\n(?=; <<>> DiG)", stdout) if (header := HEADER.search(part))]
    if not attempts:
        said = [line.lstrip("; ") for line in stdout.strip().splitlines()]
        why = next((line for line in said if line.startswith("communications error")), None)
        why = why or next((line for line in said if "timed out" in line or "no servers" in line), None)
        return Lookup("NO ANSWER", error=why or f"dig failed ({returncode})")
    tried = []
    for part, header in attempts:
        question = QUESTION.search(part)
        tried.append((question.group(1).rstrip(".") if question else "?", header.group(1)))
    last = attempts[-1][0]
    answer = last.split(";; ANSWER SECTION:\n", 1)[1].split("\n\n", 1)[0] if ";; ANSWER SECTION:" in last else ""
    records = tuple((m.group(2), m.group(3).strip()) for line in answer.splitlines() if (m := RECORD.match(line)))
    return Lookup(tried[-1][1], tuple(tried), records)


def read_getent(returncode: int, stdout: str) -> Lookup:
    if returncode == 2:
        return Lookup("NXDOMAIN")
    if returncode != 0:
        return Lookup("NO ANSWER", error=f"getent failed ({returncode})")
    addresses = list(dict.fromkeys(line.split()[0] for line in stdout.splitlines() if line.strip()))
    return Lookup("NOERROR", records=tuple(("A", a) for a in addresses))
