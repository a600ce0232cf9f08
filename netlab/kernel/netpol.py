"""kube-router's network policy sync, per node: the ipsets first, then its filter chains in one
atomic iptables-restore, read back (netlab.render.netpol says what they hold).

As kube-router does on each full sync: the sets are restored whole (each swapped in), the chains
are rendered whole and loaded at once, its three top chains are jumped to first from INPUT, FORWARD
and OUTPUT (moved back to the front if something went before them), the per-pod and per-policy
chains no longer wanted are deleted, and then the sets nothing refers to any more are destroyed.
Unlike kube-router, a sync loads only what differs from what the node was last given (its record,
netpol-NODE.json in the lab's run directory: a digest of the chains and of each set): a set whose
members are the same is not restored, and the iptables transaction (and its read-back) is skipped
when the chains are the same and kube-router's jumps still first. The record is trusted for what
the chains and sets hold (the read-back checked them when they were loaded); the built-in chains
are read on every sync. A pod's label change then costs the sets it moves between
(docs/network-policy.md). A sync that fails leaves no record: the next is whole.
kube-proxy's rules (iptables, IPVS, or its nftables table) are left as they are; in iptables mode
they share the filter table, whose built-in chains then hold both controllers' jumps.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from netlab.errors import ApplyError
from netlab.kernel.ruletools import iptables_restore, iptables_save, run_in
from netlab.plan.model import LabPlan, NodePlan
from netlab.readback.iptables import Saved
from netlab.render.iptables import quote
from netlab.render.netpol import (
    OWN_PREFIXES,
    SET_PREFIXES,
    TOP_CHAINS,
    LabRules,
    NodeRules,
    compliant_accept,
    render,
    render_lab,
    top_jump,
)
from netlab.state import RUN_DIR


def sync(plan: LabPlan, force: bool = False) -> dict[str, int]:
    """Program every node for the lab's NetworkPolicies (nothing for a lab without any, unless
    `force`: the last one went and its rules must go too). Returns the rules each node holds.

    Raises:
        ApplyError: a node refused the sets or rules, or did not hold them when read back.
    """
    if not plan.lab.network_policies and not force:
        return {}
    shared = render_lab(plan) if plan.lab.network_policies else None
    return {node.name: sync_node(plan, node, shared) for node in plan.nodes}


def sync_node(plan: LabPlan, node: NodePlan, lab_rules: LabRules | None = None) -> int:
    """Program one node (see `sync`); returns the rules its kube-router chains hold. `lab_rules`:
    the part every node shares, rendered once by `sync` for them all."""
    record = RUN_DIR / plan.name / f"netpol-{node.name}.json"
    loaded = _forget(record)
    if not plan.lab.network_policies:
        _remove(node.netns)
        return 0
    rules = render(plan, node, lab_rules)
    present = set(_set_names(node.netns))
    sets = {s.name: _digest(s.type, *s.entries) for s in rules.sets.values()}
    changed = {name for name, d in sets.items() if name not in present or loaded["sets"].get(name) != d}
    _ipset(node.netns, rules.ipset_restore(changed))
    chains = _digest(*rules.chains, *rules.rules)
    if chains != loaded["chains"] or _top_jumps(_heads(node.netns)):
        saved = iptables_save(node.netns, "filter")
        iptables_restore(node.netns, rules.iptables_restore(tuple(_top_jumps(saved) + _stale_chains(saved, rules))))
        saved = iptables_save(node.netns, "filter")  # read back, once
        if problem := _mismatch(saved, rules):
            raise ApplyError(f"in {node.netns}: after iptables-restore, {problem}")
    _ipset(node.netns, "".join(f"destroy {name}\n" for name in sorted(present - set(rules.sets))))
    if record.parent.is_dir():
        record.write_text(json.dumps({"chains": chains, "sets": sets}))
    return len(rules.rules)


def _forget(record: Path) -> dict:
    """What the node was last given, by its record, which goes until this sync is done (none: empty)."""
    try:
        loaded = json.loads(record.read_text())
        record.unlink()
        return loaded
    except (OSError, ValueError):
        return {"chains": "", "sets": {}}


def _heads(netns_name: str) -> Saved:
    """Only the built-in chains kube-router jumps from (`iptables -S` of each): whether its jumps
    are still first and its ACCEPTs there (a kube-proxy sync may have put a jump first), without
    `iptables-save` of every chain (47 ms at 1000 pods and 200 policies, 2 ms for these)."""
    lines = []
    for builtin in TOP_CHAINS:
        done = run_in(netns_name, ["iptables", "-w", "-S", builtin])
        if done.returncode:
            raise ApplyError(f"in {netns_name}: iptables -S {builtin} failed: {done.stderr.strip()}")
        lines += [line for line in done.stdout.splitlines() if line.startswith("-A ")]
    return Saved({"filter": set(TOP_CHAINS)}, {"filter": lines})


def _digest(*lines: str) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _remove(netns_name: str) -> None:
    """The lab's last policy went: everything of kube-router's goes from the node (its jumps and
    ACCEPTs in the built-in chains, its chains, its sets), as in a lab that never had a policy."""
    saved = iptables_save(netns_name, "filter")
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


def _mismatch(after: Saved, rules: NodeRules) -> str:
    """What the read-back lacks, "" if nothing: every chain holds as many rules as rendered, each
    built-in chain's first rule is the jump to kube-router's and it holds the ACCEPT of compliant
    traffic."""
    held = after.rules.get("filter", [])
    wanted, holding = _per_chain(rules.rules), _per_chain(held)
    for chain in rules.chains:
        want, have = wanted[chain], holding[chain]
        if chain not in after.chains.get("filter", set()) or have != want:
            return f"{chain} holds {have} rules, not {want}"
    for builtin, target in TOP_CHAINS.items():
        first = next((line for line in held if line.startswith(f"-A {builtin} ")), "")
        if not first.endswith(f"-j {target}"):
            return f"{builtin} does not jump to {target} first"
        if f"-A {builtin} " + " ".join(map(quote, compliant_accept())) not in held:
            return f"{builtin} lacks kube-router's ACCEPT"
    return ""


def _per_chain(lines: list[str]) -> Counter[str]:
    """How many `-A CHAIN ...` lines each chain has."""
    return Counter(line.split(" ", 2)[1] for line in lines if line.startswith("-A "))
