"""What a lab's NetworkPolicies need of this kernel, checked before `up` or a change makes anything.

A policy port of protocol SCTP is kube-router's `-p sctp --dport N`, which needs iptables' sctp
match (xt_sctp). netlab never loads a module itself (no modprobe): the match counts when the
kernel has registered it (`/proc/net/ip_tables_matches` lists it, built in or loaded) or has it as
a module, which the kernel loads on iptables' first use of it (its own request_module). SCTP
sockets are another feature (the sctp module): the rules need none, and no pod listens on SCTP
in a lab (docs/network-policy.md).

`NETLAB_FAULT_NO_SCTP_MATCH=1` in the environment (for the test of the refusal, not a feature)
makes the check find no sctp match, as on a kernel built without it.
"""

from __future__ import annotations

import os
from pathlib import Path

from netlab.errors import EnvironmentProblem
from netlab.model.lab import Lab

MATCHES = Path("/proc/net/ip_tables_matches")
MODULES = Path("/lib/modules")
FAULT_NO_SCTP = "NETLAB_FAULT_NO_SCTP_MATCH"


def sctp_policies(lab: Lab) -> list[str]:
    """The policies (ns/name) with a port of protocol SCTP."""
    return [
        p.key
        for p in lab.network_policies
        if any(port.protocol.upper() == "SCTP" for rule in (*p.ingress, *p.egress) for port in rule.ports)
    ]


def has_sctp_match(matches: str, module_lists: str) -> bool:
    """Whether iptables can match SCTP ports: registered (a line `sctp` of ip_tables_matches), or
    xt_sctp among the kernel's modules (modules.builtin, modules.dep)."""
    return "sctp" in matches.split() or "/xt_sctp.ko" in module_lists


def require_kernel(lab: Lab) -> None:
    """Raises: EnvironmentProblem: a policy has an SCTP port and this kernel has no sctp match."""
    wanting = sctp_policies(lab)
    if not wanting or (not os.environ.get(FAULT_NO_SCTP) and kernel_has_sctp_match()):
        return
    raise EnvironmentProblem(
        f"this kernel has no SCTP match for iptables (xt_sctp): NetworkPolicy {wanting[0]}'s SCTP port cannot be "
        "enforced (a kernel with CONFIG_NETFILTER_XT_MATCH_SCTP, or the policy without SCTP)"
    )


def kernel_has_sctp_match() -> bool:
    """`has_sctp_match` of this kernel: its ip_tables_matches, modules.builtin and modules.dep
    (each empty where missing)."""
    release = MODULES / os.uname().release
    modules = "\n".join(_read(release / name) for name in ("modules.builtin", "modules.dep"))
    return has_sctp_match(_read(MATCHES), modules)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
