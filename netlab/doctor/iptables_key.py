"""An iptables rule line as a comparable key (pure): the rules kube-proxy's sync writes and the
lines `iptables-save` prints for them are the same rules in other words. iptables-save puts the
address and protocol options first, adds `/32` to a host address, the implicit `-m tcp`, the
default `--reject-with icmp-port-unreachable` and `-m recent`'s `--mask 255.255.255.255
--rsource`, prints marks in short hex, and MARK's `--or-mark X` as `--set-xmark X/X`
(`--xor-mark X`: `X/0x0`, `--set-mark X`: `X/0xffffffff`); a key is the rule's chain and the
multiset of its options, each with its negation and arguments, written one way."""

from __future__ import annotations

import shlex
from collections import Counter
from ipaddress import IPv4Network

Key = tuple[str, tuple[tuple[str, ...], ...]]

_IMPLICIT = {
    ("-m", "tcp"),
    ("-m", "udp"),
    ("-m", "sctp"),
    ("--reject-with", "icmp-port-unreachable"),
    ("--mask", "255.255.255.255"),  # -m recent's defaults
    ("--rsource",),
}
_MARK_TARGET = {"--or-mark": "{0}/{0}", "--xor-mark": "{0}/0x0", "--set-mark": "{0}/0xffffffff"}


def rule_key(line: str) -> Key:
    """`-A CHAIN ...` as a key (see the module's docstring)."""
    words = shlex.split(line)
    chain, groups = words[1], _groups(words[2:])
    return chain, tuple(sorted(Counter(groups).elements()))


def _groups(words: list[str]) -> list[tuple[str, ...]]:
    groups: list[tuple[str, ...]] = []
    negate = False
    i = 0
    while i < len(words):
        word = words[i]
        if word == "!":
            negate = True
            i += 1
            continue
        args = []
        i += 1
        while i < len(words) and not words[i].startswith("-") and words[i] != "!":
            args.append(words[i])
            i += 1
        group = _normal(word, args)
        if group not in _IMPLICIT:
            groups.append(("!", *group) if negate else group)
        negate = False
    return groups


def _normal(option: str, args: list[str]) -> tuple[str, ...]:
    if option in ("-s", "-d", "--source", "--destination") and args:
        return (option[:2] if option.startswith("--") else option, str(IPv4Network(args[0], strict=False)))
    if option in _MARK_TARGET and args:
        return ("--set-xmark", _marks(_MARK_TARGET[option].format(args[0])))
    if option in ("--mark", "--set-xmark") and args:
        return (option, _marks(args[0]))
    if option == "--probability" and args:
        return (option, f"{float(args[0]):.5f}")
    return (option, *args)


def _marks(text: str) -> str:
    """`0x00004000/0x00004000` as `0x4000/0x4000`."""
    return "/".join(hex(int(part, 0)) for part in text.split("/"))
