"""kube-proxy's iptables mode: KUBE-* chains, loaded by one `iptables-restore --noflush`.

The sync of a node writes the whole ruleset (kube-proxy's iptables partial sync is not modelled):
one restore input holding every KUBE-* chain, stale KUBE-SVC/SEP chains flushed and deleted in the
same input, the jumps from the built-in chains added only where missing (kube-proxy's EnsureRule:
it never replaces whole built-in chains), then `iptables-save` read back: every chain and jump must
be there. IPVS mode loads its own few iptables rules the same way (`apply`).
"""

from __future__ import annotations

from netlab.errors import ApplyError
from netlab.kernel.ruletools import iptables_restore, iptables_save, run_in
from netlab.plan.model import LabPlan, NodePlan, ServicePlan
from netlab.proxy.mode import Programmed, ProxyMode
from netlab.readback import iptables as iptables_readback
from netlab.readback.iptables import Saved
from netlab.render.ipcmd import heredoc
from netlab.render.iptables import IptablesRuleset, quote, render_iptables, stale_chain_lines
from netlab.verify.hints import service_hint


class IptablesMode(ProxyMode):
    name = "iptables"
    tools = ("iptables-restore",)

    def commands(self, plan: LabPlan, node: NodePlan) -> str:
        return restore_commands(node.netns, render_iptables(plan.services, plan.lab.cluster.pod_cidr, node))

    def sync_node(self, plan: LabPlan, node: NodePlan, previous: LabPlan | None) -> tuple[int | None, bool]:
        return apply(node.netns, render_iptables(plan.services, plan.lab.cluster.pod_cidr, node)), False

    def programmed(self, plan: LabPlan, node: NodePlan) -> Programmed:
        return iptables_readback.programmed(run_in(node.netns, ["iptables-save"]).stdout)

    def service_hint(self, svc: ServicePlan, node: NodePlan) -> str | None:
        return service_hint(svc, node, iptables_save(node.netns).rules)


MODE = IptablesMode()


def restore_commands(netns: str, ruleset: IptablesRuleset) -> str:
    """The restore transaction, then the jumps from the built-in chains (kube-proxy inserts those
    one by one, leaving the rest of PREROUTING, INPUT... as they are)."""
    jumps = "".join(f"ip netns exec {netns} iptables {jump.text()}\n" for jump in ruleset.jumps)
    return heredoc(netns, "iptables-restore --noflush", ruleset.restore) + jumps


def apply(netns_name: str, ruleset: IptablesRuleset) -> int:
    """Load the ruleset into the namespace and read it back. Returns the KUBE-* rules it holds.

    Raises:
        ApplyError: iptables-restore refused it, or a chain or jump is missing afterwards.
    """
    saved = iptables_save(netns_name)
    stale = stale_chain_lines(saved.chains, ruleset)
    text = _before_commit(ruleset.restore, stale, _missing_jumps(ruleset, saved))
    iptables_restore(netns_name, text)
    after = iptables_save(netns_name)
    for table, chains in ruleset.chains.items():
        missing = sorted(chains - after.chains.get(table, set()))
        if missing:
            raise ApplyError(f"in {netns_name}: after iptables-restore, table {table} lacks {', '.join(missing)}")
    absent = [j for j in ruleset.jumps if not after.has_jump(j.table, j.chain, j.rule)]
    if absent:
        raise ApplyError(f"in {netns_name}: after iptables-restore, {absent[0].chain} lacks its jump")
    return after.kube_rules


def _missing_jumps(ruleset: IptablesRuleset, saved: Saved) -> dict[str, list[str]]:
    """Per table, `-I` lines for the built-in chains' jumps the kernel does not hold yet."""
    missing: dict[str, list[str]] = {}
    for jump in ruleset.jumps:
        if not saved.has_jump(jump.table, jump.chain, jump.rule):
            missing.setdefault(jump.table, []).append(f"-I {jump.chain} " + " ".join(map(quote, jump.rule)))
    return missing


def _before_commit(restore: str, *extra: dict[str, list[str]]) -> str:
    """The restore text with each table's extra lines inserted right before that table's COMMIT."""
    out, table = [], ""
    for line in restore.splitlines():
        if line.startswith("*"):
            table = line[1:]
        if line == "COMMIT":
            for lines in extra:
                out.extend(lines.get(table, []))
        out.append(line)
    return "\n".join(out) + "\n"
