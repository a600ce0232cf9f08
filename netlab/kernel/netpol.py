"""kube-router's network policy sync, per node: the ipsets first, then its filter chains in one
atomic iptables-restore, read back (netlab.render.netpol says what they hold).

As kube-router does on each full sync: the sets are restored whole (each swapped in), the chains
are rendered whole and loaded at once, its three top chains are jumped to first from INPUT, FORWARD
and OUTPUT (moved back to the front if something went before them), the per-pod and per-policy
chains no longer wanted are deleted, and then the sets nothing refers to any more are destroyed.
kube-proxy's rules (iptables, IPVS, or its nftables table) are left as they are; in iptables mode
they share the filter table, whose built-in chains then hold both controllers' jumps.
"""

from __future__ import annotations

from netlab.errors import ApplyError
from netlab.kernel.ruletools import iptables_restore, iptables_save, run_in
from netlab.plan.model import LabPlan, NodePlan
from netlab.readback.iptables import Saved
from netlab.render.iptables import quote
from netlab.render.netpol import (
    OWN_PREFIXES,
    SET_PREFIXES,
    TOP_CHAINS,
    NodeRules,
    compliant_accept,
    render,
    top_jump,
)


def sync(plan: LabPlan, force: bool = False) -> dict[str, int]:
    """Program every node for the lab's NetworkPolicies (nothing for a lab without any, unless
    `force`: the last one went and its rules must go too). Returns the rules each node holds.

    Raises:
        ApplyError: a node refused the sets or rules, or did not hold them when read back.
    """
    if not plan.lab.network_policies and not force:
        return {}
    return {node.name: sync_node(plan, node) for node in plan.nodes}


def sync_node(plan: LabPlan, node: NodePlan) -> int:
    """Program one node (see `sync`); returns the rules its kube-router chains hold."""
    if not plan.lab.network_policies:
        _remove(node.netns)
        return 0
    rules = render(plan, node)
    _ipset(node.netns, rules.ipset_restore())
    saved = iptables_save(node.netns)
    iptables_restore(node.netns, rules.iptables_restore(tuple(_top_jumps(saved) + _stale_chains(saved, rules))))
    held = _check(node.netns, iptables_save(node.netns), rules)
    stale = sorted(set(_set_names(node.netns)) - set(rules.sets))
    _ipset(node.netns, "".join(f"destroy {name}\n" for name in stale))
    return held


def _remove(netns_name: str) -> None:
    """The lab's last policy went: everything of kube-router's goes from the node (its jumps and
    ACCEPTs in the built-in chains, its chains, its sets), as in a lab that never had a policy."""
    saved = iptables_save(netns_name)
    held = saved.rules.get("filter", [])
    own = {f"{b} {' '.join(map(quote, rule))}" for b in TOP_CHAINS for rule in (top_jump(b), compliant_accept())}
    lines = sorted(f"-D {rule}" for rule in own if f"-A {rule}" in held)
    chains = sorted(c for c in saved.chains.get("filter", set()) if c.startswith((*OWN_PREFIXES, *TOP_CHAINS.values())))
    lines += [f":{c} - [0:0]" for c in chains] + [f"-X {c}" for c in chains]
    if lines:
        iptables_restore(netns_name, "\n".join(["*filter", *lines, "COMMIT"]) + "\n")
    _ipset(netns_name, "".join(f"destroy {name}\n" for name in _set_names(netns_name)))


def _ipset(netns_name: str, text: str) -> None:
    if not text:
        return
    done = run_in(netns_name, ["ipset", "restore"], text)
    if done.returncode:
        raise ApplyError(f"in {netns_name}: ipset restore refused the sets: {done.stderr.strip()}")


def _set_names(netns_name: str) -> list[str]:
    """kube-router's sets the node holds (KUBE-SRC-, KUBE-DST-)."""
    done = run_in(netns_name, ["ipset", "list", "-n"])
    if done.returncode:
        raise ApplyError(f"in {netns_name}: ipset list failed: {done.stderr.strip()}")
    return [name for name in done.stdout.split() if name.startswith(SET_PREFIXES)]


def _top_jumps(saved: Saved) -> list[str]:
    """Each built-in chain's jump to kube-router's, put first where it is not (as its
    ensureTopLevelChains does: deleted where it stands, inserted at position 1), and its ACCEPT of
    compliant traffic at the end, after kube-proxy's jumps."""
    lines = []
    for builtin in TOP_CHAINS:
        rule = " ".join(map(quote, top_jump(builtin)))
        chain_rules = [line for line in saved.rules.get("filter", []) if line.startswith(f"-A {builtin} ")]
        if chain_rules and chain_rules[0] == f"-A {builtin} {rule}":
            continue
        if f"-A {builtin} {rule}" in chain_rules:
            lines.append(f"-D {builtin} {rule}")
        lines.append(f"-I {builtin} 1 {rule}")
    for builtin in TOP_CHAINS:  # and, appended once, the ACCEPT of what passed a pod's chain
        accept = f"-A {builtin} " + " ".join(map(quote, compliant_accept()))
        if accept not in saved.rules.get("filter", []):
            lines.append(accept)
    return lines


def _stale_chains(saved: Saved, rules: NodeRules) -> list[str]:
    """Flush, then delete, the per-pod and per-policy chains no longer wanted (after the rules that
    jumped to them were replaced, in the same transaction)."""
    stale = sorted(c for c in saved.chains.get("filter", set()) - set(rules.chains) if c.startswith(OWN_PREFIXES))
    return [f":{c} - [0:0]" for c in stale] + [f"-X {c}" for c in stale]


def _check(netns_name: str, after: Saved, rules: NodeRules) -> int:
    """Every chain holds as many rules as rendered, each built-in chain's first rule is the jump to
    kube-router's and it holds the ACCEPT of compliant traffic. Returns the rules held."""
    held = after.rules.get("filter", [])
    for chain in rules.chains:
        want = sum(1 for line in rules.rules if line.startswith(f"-A {chain} "))
        have = sum(1 for line in held if line.startswith(f"-A {chain} "))
        if chain not in after.chains.get("filter", set()) or have != want:
            raise ApplyError(f"in {netns_name}: after iptables-restore, {chain} holds {have} rules, not {want}")
    for builtin, target in TOP_CHAINS.items():
        first = next((line for line in held if line.startswith(f"-A {builtin} ")), "")
        if not first.endswith(f"-j {target}"):
            raise ApplyError(f"in {netns_name}: after iptables-restore, {builtin} does not jump to {target} first")
        if f"-A {builtin} " + " ".join(map(quote, compliant_accept())) not in held:
            raise ApplyError(f"in {netns_name}: after iptables-restore, {builtin} lacks kube-router's ACCEPT")
    return len(rules.rules)
