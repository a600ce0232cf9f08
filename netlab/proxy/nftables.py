"""kube-proxy's nftables mode: `table ip kube-proxy`, loaded by one `nft -f` transaction.

- full sync: one transaction that replaces the table whole, then `nft -j list table` read back:
  its chains and its sets' and maps' elements must be exactly the script's;
- partial sync (a change of a running lab, given the plan the table was made for): one transaction
  of just what changed (`render_nftables_changes`), then every object it touched read back over
  netlink (`kernel.nftread`): listing a table of 10000 Services takes nft seconds. If nft refuses the
  partial transaction or the read-back disagrees, the node gets a full sync, as kube-proxy falls
  back to a full sync after a failed partial one.
"""

from __future__ import annotations

import json
import re

from netlab.errors import ApplyError
from netlab.kernel import nftread
from netlab.kernel.ruletools import numbered_context, run_in
from netlab.plan.model import LabPlan, NodePlan, ServicePlan
from netlab.proxy.mode import Programmed, ProxyMode
from netlab.readback import nftables as nft_readback
from netlab.readback.nftables import expected_chains, expected_elements, listed_chains, listed_elements, touched
from netlab.render.ipcmd import heredoc
from netlab.render.nftables import render_nftables
from netlab.render.nftables_changes import render_nftables_changes
from netlab.verify.hints import nft_service_hint

LIST_TABLE = ["nft", "-j", "list", "table", "ip", "kube-proxy"]


class NftablesMode(ProxyMode):
    name = "nftables"
    tools = ("nft",)

    def commands(self, plan: LabPlan, node: NodePlan) -> str:
        return heredoc(node.netns, "nft -f -", _render(plan, node))

    def sync_node(self, plan: LabPlan, node: NodePlan, previous: LabPlan | None) -> tuple[int | None, bool]:
        """A partial sync when the node holds the table `previous` was rendered into, else (or when
        the partial one fails) a full one."""
        cluster, netns_name = plan.lab.cluster, node.netns
        if previous is not None and nftread.table_exists(netns_name):
            try:
                _apply_changes(
                    netns_name,
                    render_nftables_changes(
                        previous.services, plan.services, cluster.pod_cidr, cluster.service_cidr, node
                    ),
                )
                return None, True
            except ApplyError:
                pass  # the table is not what `previous` says (edited by hand?): rebuild it whole
        return _apply(netns_name, _render(plan, node)), False

    def programmed(self, plan: LabPlan, node: NodePlan) -> Programmed:
        listed = run_in(node.netns, LIST_TABLE)
        return nft_readback.programmed(listed.stdout) if listed.returncode == 0 else {}

    def service_hint(self, svc: ServicePlan, node: NodePlan) -> str | None:
        return nft_service_hint(svc, node, run_in(node.netns, ["nft", "list", "ruleset"]).stdout)


MODE = NftablesMode()


def _render(plan: LabPlan, node: NodePlan) -> str:
    cluster = plan.lab.cluster
    return render_nftables(plan.services, cluster.pod_cidr, cluster.service_cidr, node)


def _apply(netns_name: str, script: str) -> int:
    _load(netns_name, script)
    listed = run_in(netns_name, LIST_TABLE)
    if listed.returncode:
        raise ApplyError(f"in {netns_name}: nft list table ip kube-proxy failed: {listed.stderr.strip()}")
    chains, want_chains = listed_chains(listed.stdout), expected_chains(script)
    if chains != want_chains:
        raise ApplyError(f"in {netns_name}: after nft -f, table ip kube-proxy {_difference(want_chains, chains)}")
    have, want = listed_elements(listed.stdout), expected_elements(script)
    for name in sorted(have.keys() | want.keys()):
        held, wanted = have.get(name, set()), want.get(name, set())
        if held != wanted:
            raise ApplyError(f"in {netns_name}: after nft -f, {name} {_difference(wanted, held)}")
    return sum(1 for item in json.loads(listed.stdout)["nftables"] if "rule" in item)


def _apply_changes(netns_name: str, script: str) -> None:
    """Load a partial transaction (nothing at all when it is empty) and read back what it touched."""
    if not script:
        return
    _load(netns_name, script)
    wrong = nftread.mismatches(netns_name, touched(script))
    if wrong:
        raise ApplyError(f"in {netns_name}: after a partial nft -f, {wrong[0]}")


def _load(netns_name: str, script: str) -> None:
    done = run_in(netns_name, ["nft", "-f", "-"], script)
    if done.returncode:
        raise ApplyError(
            f"in {netns_name}: nft refused the ruleset: {done.stderr.strip().splitlines()[0]}"
            f"{_context(script, done.stderr)}"
        )


def _difference(wanted: set[str], held: set[str]) -> str:
    """What a read-back found wrong, in words: the first item missing and the first one too many."""
    found = [f"lacks {min(wanted - held)}"] if wanted - held else []
    found += [f"holds {min(held - wanted)}, which the script does not make"] if held - wanted else []
    return " and ".join(found)


def _context(script: str, stderr: str) -> str:
    """nft names the failing line as `/dev/stdin:N:...`: show the lines around it."""
    found = re.search(r"stdin:(\d+):", stderr)
    return numbered_context(script, f"line {found.group(1)}") if found else ""
