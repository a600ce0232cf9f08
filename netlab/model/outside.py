"""The `outside:` section of a lab file: hosts on the internet side of the gateway (the article's section 5).

    outside:
      - name: internet          # a namespace nl-<lab>.internet
        address: 203.0.113.10   # optional: from 203.0.113.10 upward in the order given
        ports: [80]             # optional: the echo server's TCP ports (default 80)
      - name: public-dns        # the internet's resolver (cluster DNS forwards other names to it)
        address: 203.0.113.53
        dns:                    # its records: a name -> an address, or an outside host's name
          www.example.com: internet
          example.org: 203.0.113.10

They live in 203.0.113.0/24, a documentation range: nothing of a lab reaches a real network. A
resolver serves no echo port unless it lists `ports:`; a lab has one resolver at most.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from netlab.model import fields
from netlab.model.lab import INTERNET_ECHO_PORT, OutsideHost
from netlab.model.schema import FieldReader, is_ipv4
from netlab.model.services import DNS_NAME, DNS_NAME_MAX

INTERNET = IPv4Network("203.0.113.0/24")  # the internet side of the gateway (the plan addresses hosts in it)
INTERNET_ROUTER = INTERNET.network_address + 1  # the gateway's address on the internet side


def read_outside(r: FieldReader, raw: Any, name_pattern: re.Pattern, name_max: int) -> tuple[OutsideHost, ...]:
    """The outside hosts, each checked (names as node names are); problems go to `r`."""
    hosts = []
    for i, item in enumerate(r.sequence(raw, "outside")):
        place = f"outside[{i}]"
        h = r.mapping(item, place, fields.OUTSIDE_HOST, required=("name",))
        if not h:
            continue
        name = r.string(h.get("name"), f"{place}.name", name_pattern, name_max)
        address = _address(r, h.get("address"), f"{place}.address")
        records = _records(r, h.get("dns"), f"{place}.dns")
        default_ports = [] if "dns" in h else [INTERNET_ECHO_PORT]
        ports = tuple(
            r.integer(p, f"{place}.ports", 1, 65535)
            for p in r.sequence(h.get("ports", default_ports), f"{place}.ports")
        )
        hosts.append(OutsideHost(name, address, ports, records))
    given = [h.address for h in hosts if h.address is not None]
    for address in sorted({a for a in given if given.count(a) > 1}):
        r.problem("outside", f"two hosts have the address {address}")
    if len([h for h in hosts if h.dns]) > 1:
        r.problem("outside", "only one host may be the internet's resolver (dns:)")
    names = {h.name for h in hosts}
    for i, host in enumerate(hosts):
        for record, value in host.dns:
            if not is_ipv4(value) and value not in names:
                r.problem(f"outside[{i}].dns.{record}", f"{value!r} is neither an IPv4 address nor an outside host")
    return tuple(hosts)


def _records(r: FieldReader, raw: Any, place: str) -> tuple[tuple[str, str], ...]:
    """A resolver's records: lower-case DNS names (written without the final dot) -> a value."""
    records = []
    for name, value in r.labels(raw, place).items():
        if not DNS_NAME.match(name) or name.endswith(".") or len(name) > DNS_NAME_MAX:
            r.problem(f"{place}.{name}", "is not a lower-case DNS name such as www.example.com")
        else:
            records.append((name, value))
    if isinstance(raw, dict) and not raw:
        r.problem(place, "needs at least one record")
    return tuple(records)


def _address(r: FieldReader, value: Any, place: str) -> IPv4Address | None:
    if value is None:
        return None
    try:
        address = IPv4Address(str(value))
    except ValueError:
        r.problem(place, f"{value!r} is not an IPv4 address")
        return None
    if address not in INTERNET or address in (INTERNET.network_address, INTERNET_ROUTER, INTERNET.broadcast_address):
        r.problem(place, f"{address} is not a host address of the internet side {INTERNET} (.1 is the gateway's)")
        return None
    return address
