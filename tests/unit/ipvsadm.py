"""A rendered IPVS ruleset as `ipvsadm -Ln` would print it, so the goldens and the tests read what a
learner reads on a node; a test helper, not part of netlab (netlab programs IPVS over netlink and
never prints this)."""

from __future__ import annotations

from netlab.render.ipvs import IpvsRuleset

PROTOCOL_NUMBERS = {"TCP": 6, "UDP": 17, "SCTP": 132}  # ipvsadm sorts services by these


def ipvsadm_text(ruleset: IpvsRuleset) -> str:
    """The virtual servers as `ipvsadm -Ln` prints them, with its sort order and columns.

    ipvsadm sorts services by protocol number, address and port, and real servers by address and
    port; counters are 0 (a rendering has no traffic). Trailing column padding is stripped, so
    compare with `ipvsadm -Ln` output after stripping each line too.
    """
    lines = [
        "IP Virtual Server version 1.2.1 (size=4096)",
        "Prot LocalAddress:Port Scheduler Flags",
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
    ]
    for vs in sorted(ruleset.virtual_servers, key=lambda v: (PROTOCOL_NUMBERS[v.protocol], v.ip, v.port)):
        flags = f" persistent {vs.persistent}" if vs.persistent is not None else ""
        lines.append(f"{vs.protocol}  {vs.ip}:{vs.port} {vs.scheduler}{flags}")
        for real in sorted(vs.reals, key=lambda r: (r.ip, r.port)):
            lines.append(f"  -> {f'{real.ip}:{real.port}':<28} {'Masq':<7} {real.weight:<6} {0:<10} {0:<10}".rstrip())
    return "\n".join(lines) + "\n"
