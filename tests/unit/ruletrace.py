"""What rendered kube-proxy rules do to one packet, read from the restore text alone (pure).

netlab's version of kube-proxy's tracePacket test helper: the rules become behaviour that unit tests
can assert without root ("a pod reaching web's ClusterIP goes to either endpoint, unmasqueraded").
It walks nat KUBE-SERVICES as PREROUTING/OUTPUT would reach it (jumps, gotos, RETURN, chain ends),
then, when no rule DNATed the packet, filter KUBE-SERVICES (where a Service without endpoints is
rejected). A `-m statistic` rule is a "maybe": both the jump and the fall-through are followed, so
every endpoint the packet could reach is reported; `-m recent --rcheck` never matches (the packet is
the client's first), `--set` changes nothing. A match or option it does not know raises ValueError,
so the tracer never guesses.
"""

from __future__ import annotations

import shlex
from collections.abc import Collection
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import NamedTuple

TERMINAL = ("ACCEPT", "DROP", "REJECT")
# Options that only describe the rule (or pick among its matches) and never decide a match themselves.
IGNORED = {"--comment": 1, "--mode": 1, "--name": 1, "--seconds": 1, "--reap": 0, "--set": 0}


class Trace(NamedTuple):
    matched: list[str]  # every rule some path matched, as "-A CHAIN ..." lines, in first-seen order
    destinations: list[str]  # possible DNAT targets ("ip:port", sorted), or the filter verdict ("REJECT")
    masqueraded: bool  # some path marks the packet for masquerade


@dataclass(frozen=True)
class Packet:
    src: IPv4Address
    proto: str
    dst: IPv4Address
    dport: int
    node_ips: Collection[IPv4Address]


@dataclass
class _Path:
    stack: list[tuple[str, int]]  # (chain, index of the next rule) frames
    matched: list[str] = field(default_factory=list)
    masq: bool = False


def parse_restore(text: str) -> dict[str, dict[str, list[list[str]]]]:
    """table -> chain -> its rules, each as the words after `-A CHAIN` (quotes removed)."""
    tables: dict[str, dict[str, list[list[str]]]] = {}
    chains: dict[str, list[list[str]]] = {}
    for raw in text.splitlines():
        words = shlex.split(raw, comments=True)
        if not words or words[0] == "COMMIT":
            continue
        if words[0].startswith("*"):
            chains = tables.setdefault(words[0][1:], {})
        elif words[0].startswith(":"):
            chains.setdefault(words[0][1:], [])
        elif words[0] == "-A":
            chains.setdefault(words[1], []).append(words[2:])
    return tables


def trace_packet(
    restore_text: str, src: str, proto: str, dst: str, dport: int, node_ips: Collection[str] = ()
) -> Trace:
    """Trace one new connection through the rules.

    Args:
        restore_text: iptables-restore input as rendered (filter and nat sections).
        src, dst: the packet's addresses; proto: "tcp" | "udp"; dport: its destination port.
        node_ips: the addresses `-m addrtype --dst-type LOCAL` counts as the node's own.
    """
    tables = parse_restore(restore_text)
    packet = Packet(IPv4Address(src), proto, IPv4Address(dst), dport, {IPv4Address(ip) for ip in node_ips})
    nat = _walk(tables["nat"], "KUBE-SERVICES", packet)
    matched = [rule for path, _ in nat for rule in path.matched]
    destinations = sorted(
        {verdict for _, verdict in nat if verdict and verdict not in TERMINAL},
        key=lambda d: (IPv4Address(d.split(":")[0]), int(d.split(":")[1])),
    )
    if not destinations:
        for path, verdict in _walk(tables["filter"], "KUBE-SERVICES", packet):
            matched += path.matched
            destinations += [verdict] if verdict else []
    return Trace(list(dict.fromkeys(matched)), destinations, any(path.masq for path, _ in nat))


def _walk(chains: dict[str, list[list[str]]], start: str, packet: Packet) -> list[tuple[_Path, str | None]]:
    """Every way through the chains from `start`: each path with its verdict (None: it fell through)."""
    done: list[tuple[_Path, str | None]] = []
    todo = [_Path([(start, 0)])]
    while todo:
        path = todo.pop(0)
        verdict = _run(chains, path, packet, todo)
        done.append((path, verdict))
    return done


def _run(chains: dict[str, list[list[str]]], path: _Path, packet: Packet, todo: list[_Path]) -> str | None:
    """Advance one path to its verdict; a "maybe" rule queues the path where it did not match."""
    while path.stack:
        chain, index = path.stack[-1]
        if index >= len(chains[chain]):
            path.stack.pop()
            continue
        path.stack[-1] = (chain, index + 1)
        rule = chains[chain][index]
        result = _matches(rule, packet)
        if result is False:
            continue
        if result is None:
            todo.append(_Path(list(path.stack), list(path.matched), path.masq))
        path.matched.append(" ".join(["-A", chain, *(shlex.quote(w) for w in rule)]))
        flag, target, *args = rule[rule.index("-j") if "-j" in rule else rule.index("-g") :]
        if target == "DNAT":
            return args[args.index("--to-destination") + 1]
        if target in TERMINAL:
            return target
        if target == "MARK":
            path.masq = True  # KUBE-MARK-MASQ's --or-mark: only the masquerade bit is ever set here
        elif target == "RETURN":
            path.stack.pop()
        elif flag == "-g":
            path.stack[-1] = (target, 0)
        else:
            path.stack.append((target, 0))
    return None


def _matches(rule: list[str], packet: Packet) -> bool | None:
    """True or False, or None when the rule matches only sometimes (a statistic match)."""
    result: bool | None = True
    words = rule[: rule.index("-j") if "-j" in rule else rule.index("-g")]
    negate, i = False, 0
    while i < len(words):
        word = words[i]
        if word == "!":
            negate, i = True, i + 1
            continue
        value = words[i + 1] if i + 1 < len(words) else ""
        if word in IGNORED:
            i += 1 + IGNORED[word]
            continue
        if word == "-m":
            if value not in ("comment", "tcp", "udp", "statistic", "recent", "addrtype"):
                raise ValueError(f"trace: unsupported match module {value!r} in {rule}")
            i += 2
            continue
        if word == "--probability":
            result = None
        elif word == "--rcheck":
            return False
        else:
            hit = _test(word, value, packet, rule)
            if hit == negate:
                return False
        negate, i = False, i + 2
    return result


def _test(option: str, value: str, packet: Packet, rule: list[str]) -> bool:
    if option in ("-s", "-d"):
        return (packet.src if option == "-s" else packet.dst) in IPv4Network(value, strict=False)
    if option == "-p":
        return packet.proto == value
    if option == "--dport":
        return packet.dport == int(value)
    if option == "--dst-type" and value == "LOCAL":
        return packet.dst in packet.node_ips
    raise ValueError(f"trace: unsupported option {option} {value} in {rule}")
