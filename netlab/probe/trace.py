"""Tracing one request through the nodes' netfilter rules: the commands, and reading what they print.

The recipe of docs/packet-trace.md: a table of netlab's own (`netlab-trace`) marks the
client's packets with `meta nftrace set 1` before conntrack and NAT see them (priority -350, on
prerouting and output); `nft monitor trace` in each node then prints every rule the marked packet
meets, iptables-nft's KUBE-* chains included (by chain name: their comments are xt matches that nft
shows without arguments), and kube-proxy's nftables table. conntrack tells what NAT made of the
flow. Only the first packet of a connection walks the nat chains: later ones ride on conntrack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address

TABLE = "netlab-trace"
EVENT = re.compile(r"^trace id (\w+) (\w+) (\S+) (\S+) (.*)$")
PACKET_FIELD = re.compile(r"\b(iif|oif|ip saddr|ip daddr) (\S+)")
VERDICT = re.compile(r"\(verdict ([^)]+)\)\s*$")
HANDLE = re.compile(r"\s*# handle (\d+)")  # `nft -a monitor trace`: the rule's handle in its chain
CONNTRACK_FIELDS = re.compile(r"(src|dst|sport|dport)=(\S+)")


def mark_script(source: IPv4Address) -> str:
    """An `nft -f` script: netlab's trace table, marking every packet the source sends."""
    return (
        f"table ip {TABLE} {{\n"
        f"  chain pre {{ type filter hook prerouting priority -350; ip saddr {source} meta nftrace set 1; }}\n"
        f"  chain out {{ type filter hook output priority -350; ip saddr {source} meta nftrace set 1; }}\n"
        "}\n"
    )


def unmark_script() -> str:
    return f"delete table ip {TABLE}\n"


@dataclass(frozen=True)
class Event:
    """One line of `nft monitor trace`: a packet (`packet: ...`), a rule it met with the verdict,
    or a chain's policy."""

    trace: str
    table: str
    chain: str
    what: str  # "packet: iif ...", "rule ... (verdict jump X)", "verdict continue", "policy accept"

    @property
    def verdict(self) -> str:
        found = VERDICT.search(self.what)
        if found:
            return found.group(1)
        return self.what.split(" ", 1)[1] if self.what.startswith(("verdict", "policy")) else ""

    @property
    def rule(self) -> str:
        """The rule as nft shows it, without its counters and verdict suffix."""
        text = HANDLE.sub("", VERDICT.sub("", self.what.removeprefix("rule "))).strip()
        return re.sub(r"\s*counter packets \d+ bytes \d+", "", text).strip()

    @property
    def handle(self) -> int | None:
        """The rule's handle (the monitor runs with -a), which names it in `nft -a list table`."""
        found = HANDLE.search(self.what) if self.what.startswith("rule ") else None
        return int(found.group(1)) if found else None

    @property
    def packet_id(self) -> str | None:
        """The IP id of a `packet:` event: the same packet shows once per hook it passes."""
        found = re.search(r"\bip id (\d+)", self.what) if self.what.startswith("packet:") else None
        return found.group(1) if found else None

    def summary(self) -> str:
        """One short line: the packet as addresses, ports and flags; a rule and where it sent the
        packet (unless the rule says so itself: `jump X`); a policy or verdict as nft says it."""
        if self.what.startswith("packet:"):
            fields = dict(PACKET_FIELD.findall(self.what))
            ifaces = " ".join(f"{k} {fields[k].strip(chr(34))}" for k in ("iif", "oif") if k in fields)
            proto = next((p for p in ("tcp", "udp") if f"{p} dport" in self.what), "")
            ports = (re.search(rf"{proto} sport (\d+)", self.what), re.search(rf"{proto} dport (\d+)", self.what))
            src = fields.get("ip saddr", "?") + (f":{ports[0].group(1)}" if proto and ports[0] else "")
            dst = fields.get("ip daddr", "?") + (f":{ports[1].group(1)}" if proto and ports[1] else "")
            flags = re.search(r"tcp flags == (\S+)", self.what)
            return f"packet {ifaces} {src} -> {dst} {proto}{' ' + flags.group(1) if flags else ''}".strip()
        if self.what.startswith("rule "):
            verdict = self.verdict
            return self.rule if self.rule.endswith(verdict) else f"{self.rule} -> {verdict}"
        return self.what


def read_events(stdout: str) -> list[Event]:
    """The trace events, in order (netlab's own marking table included)."""
    events = []
    for line in stdout.splitlines():
        found = EVENT.match(line.strip())
        if found:
            trace, family, table, chain, what = found.groups()
            events.append(Event(trace, f"{family} {table}", chain, what))
    return events


def first_packet(events: list[Event]) -> list[Event]:
    """The events of the first packet traced (the connection's first, which walks the nat chains),
    without the marking table's own. A packet is known by its IP id: a trace id can carry a flow's
    later packets too (its events end where one of them shows), and one packet can change trace id
    between hooks (a routed packet, measured: nat PREROUTING under one id, filter FORWARD under
    another), so every trace whose latest packet line has the first's IP id belongs to it. Without
    IP ids, the first trace id's events."""
    if not events:
        return []
    first = events[0].trace
    ids = [e.packet_id for e in events if e.packet_id]
    ours = {first: True}  # trace id -> whether the packet it carries now is the first one
    walk = []
    for event in events:
        if event.packet_id:
            ours[event.trace] = event.packet_id == ids[0]
        if ours.get(event.trace) and not event.table.endswith(f" {TABLE}"):
            walk.append(event)
    return walk


@dataclass(frozen=True)
class Flow:
    """A conntrack entry: the original direction and the reply direction's addresses."""

    protocol: str
    original: tuple[str, str, str, str]  # src, dst, sport, dport
    reply: tuple[str, str, str, str]

    def text(self) -> str:
        (osrc, odst, osport, odport), (rsrc, rdst, rsport, rdport) = self.original, self.reply
        return f"{self.protocol} {osrc}:{osport} -> {odst}:{odport}, reply {rsrc}:{rsport} -> {rdst}:{rdport}"

    def rewrites(self) -> list[str]:
        """What NAT did, from the two directions: the destination (DNAT) and the source (SNAT)."""
        (osrc, odst, osport, odport), (rsrc, rdst, rsport, rdport) = self.original, self.reply
        found = []
        if (odst, odport) != (rsrc, rsport):
            found.append(f"DNAT {odst}:{odport} -> {rsrc}:{rsport}")
        if (osrc, osport) != (rdst, rdport):
            found.append(f"SNAT {osrc}:{osport} -> {rdst}:{rdport}")
        return found


def read_flows(stdout: str) -> list[Flow]:
    """`conntrack -L` lines (tcp/udp) as flows."""
    flows = []
    for line in stdout.splitlines():
        fields = CONNTRACK_FIELDS.findall(line)
        if len(fields) < 8 or not line.split():
            continue
        values = [value for _, value in fields[:8]]
        flows.append(Flow(line.split()[0], tuple(values[:4]), tuple(values[4:8])))
    return flows


def read_ipvs_connections(stdout: str, client: IPv4Address) -> list[str]:
    """The client's lines of `ipvsadm -Lnc` (pro expire state source virtual destination)."""
    return [" ".join(line.split()) for line in stdout.splitlines() if f" {client}:" in f" {line}"]
