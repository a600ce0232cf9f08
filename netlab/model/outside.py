"""The `outside:` section of a lab file: hosts on the internet side of the gateway (section 5).

    outside:
      - name: internet          # a namespace nl-<lab>.internet
        address: 203.0.113.10   # optional: from 203.0.113.10 upward in the order given
        ports: [80]             # optional: the echo server's TCP ports (default 80)

They live in 203.0.113.0/24, a documentation range: nothing of a lab reaches a real network.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from netlab.model import schema
from netlab.model.fields import FieldReader
from netlab.model.lab import INTERNET_ECHO_PORT, OutsideHost

INTERNET = IPv4Network("203.0.113.0/24")  # the internet side of the gateway (the plan addresses hosts in it)
INTERNET_ROUTER = INTERNET.network_address + 1  # the gateway's address on the internet side


def read_outside(r: FieldReader, raw: Any, name_pattern: re.Pattern, name_max: int) -> tuple[OutsideHost, ...]:
    """The outside hosts, each checked (names as node names are); problems go to `r`."""
    hosts = []
    for i, item in enumerate(r.sequence(raw, "outside")):
        place = f"outside[{i}]"
        h = r.mapping(item, place, schema.OUTSIDE_HOST, required=("name",))
        if not h:
            continue
        name = r.string(h.get("name"), f"{place}.name", name_pattern, name_max)
        address = _address(r, h.get("address"), f"{place}.address")
        ports = tuple(r.integer(p, f"{place}.ports", 1, 65535)
                      for p in r.sequence(h.get("ports", [INTERNET_ECHO_PORT]), f"{place}.ports"))
        hosts.append(OutsideHost(name, address, ports))
    given = [h.address for h in hosts if h.address is not None]
    for address in sorted({a for a in given if given.count(a) > 1}):
        r.problem("outside", f"two hosts have the address {address}")
    return tuple(hosts)


def _address(r: FieldReader, value: Any, place: str) -> IPv4Address | None:
    if value is None:
        return None
    try:
        address = IPv4Address(str(value))
    except ValueError:
        r.problem(place, f"{value!r} is not an IPv4 address")
        return None
    if address not in INTERNET or address in (INTERNET.network_address, INTERNET_ROUTER, INTERNET.broadcast_address):
        r.problem(place, f"{address} is not a host address of the internet side {INTERNET} "
                         f"(.1 is the gateway's)")
        return None
    return address
