"""kube-proxy's sync, per node: render the whole desired ruleset, apply it atomically, read it back.

For every node namespace, in the lab's proxy mode (IPVS: `kernel.ipvs`, then its iptables rules):
- iptables: one `iptables-restore --noflush` of the whole KUBE-* ruleset (stale KUBE-SVC/SEP
  chains flushed and deleted in the same input), the jumps from the built-in chains added only
  where missing (kube-proxy's EnsureRule: it never replaces whole built-in chains), then
  `iptables-save` read back: every chain and jump must be there;
- nftables, full: one `nft -f` transaction that replaces `table ip kube-proxy` whole, then
  `nft -j list table` read back: its chains and its sets' and maps' elements must be exactly the
  script's;
- nftables, partial (a change of a running lab, given the plan the table was made for): one
  `nft -f` transaction of just what changed (`render_nftables_changes`), then every object it
  touched read back over netlink (`kernel.nftread`): listing a table of 10000 Services takes nft
  seconds. If nft refuses the partial transaction or the read-back disagrees, the node gets a full
  sync, as kube-proxy falls back to a full sync after a failed partial one.
iptables mode always writes the whole ruleset (kube-proxy's iptables partial sync is not modelled).
A parse error shows the lines around the one the tool refused (kube-proxy logs them the same way).
Each sync is timed; the result says how long each node took and how many rules it holds.
Tools run through `nsenter --net`, which enters only the node's network namespace.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

from netlab.errors import ApplyError, EnvironmentProblem
from netlab.kernel import ipvs, nftread
from netlab.kernel.ruletools import Saved, iptables_restore, iptables_save, numbered_context, run_in
from netlab.plan.model import LabPlan, NodePlan
from netlab.render import iptables, nftables_readback
from netlab.render.iptables import IptablesRuleset, quote, render_iptables, stale_chain_lines
from netlab.render.ipvs import render_ipvs
from netlab.render.nftables import render_nftables
from netlab.render.nftables_changes import render_nftables_changes
from netlab.render.nftables_readback import expected_chains, expected_elements, listed_chains, listed_elements, touched


@dataclass(frozen=True)
class SyncResult:
    node: str
    mode: str
    seconds: float
    rules: int | None  # rules the node holds; None after a partial sync, which does not list them
    partial: bool = False  # only what changed since the previous plan was written (nftables mode)


def has_ipvs() -> bool:
    """Whether this kernel can run IPVS. A distribution kernel has ip_vs as a module that nothing
    has loaded yet: kube-proxy loads it itself, and so does this (where the kernel has no module
    loading, or no such module, it fails quietly and the answer is no)."""
    if not os.path.exists("/proc/net/ip_vs") and shutil.which("modprobe"):
        subprocess.run(["modprobe", "-q", "-a", "ip_vs", "ip_vs_rr"], capture_output=True, timeout=30)
    return os.path.exists("/proc/net/ip_vs")


def check_kernel(mode: str) -> None:
    """Refuse early (before anything is made) a proxy mode this kernel cannot run.

    Raises:
        EnvironmentProblem: IPVS mode without ip_vs in the kernel.
    """
    if mode == "ipvs" and not has_ipvs():
        raise EnvironmentProblem(
            "this kernel has no IPVS (ip_vs): use --proxy-mode iptables or nftables, "
            "or a kernel with ip_vs (the Vagrant VM, scripts/ipvs-vm.sh)"
        )


def sync(plan: LabPlan, force: bool = False, previous: LabPlan | None = None) -> list[SyncResult]:
    """Program every node of the lab for its Services (nothing when it has none, unless `force`:
    the last Service went away and its rules must go too).

    Args:
        plan: the lab as it must be now.
        force: sync even a lab without Services.
        previous: the plan the nodes were last synced for: in nftables mode only what changed
            since is written (a partial sync), as kube-proxy does between full syncs.

    Raises:
        ApplyError: a node refused the ruleset, or did not hold it when read back.
        EnvironmentProblem: the proxy mode cannot run on this kernel.
    """
    if not plan.services and not force:
        return []
    return [sync_node(plan, node, previous) for node in plan.nodes]


def sync_node(plan: LabPlan, node: NodePlan, previous: LabPlan | None = None) -> SyncResult:
    """Program one node (see `sync`)."""
    started = time.perf_counter()
    cluster = plan.lab.cluster
    partial = False
    rules: int | None
    if plan.proxy_mode == "iptables":
        rules = _apply_iptables(node.netns, render_iptables(plan.services, cluster.pod_cidr, node))
    elif plan.proxy_mode == "nftables":
        rules, partial = _sync_nftables(node, plan, previous)
    else:
        check_kernel(plan.proxy_mode)
        ruleset = render_ipvs(plan.services, cluster.pod_cidr, node)
        ipvs.apply(node.netns, ruleset)
        rules = _apply_iptables(node.netns, ruleset.iptables)
    return SyncResult(node.name, plan.proxy_mode, time.perf_counter() - started, rules, partial)


def read_programmed(plan: LabPlan, node: NodePlan) -> dict[str, tuple[str | None, list[str]]]:
    """Per service port (`ns/svc:port`), the frontend and endpoints the node's rules hold now."""
    if plan.proxy_mode == "nftables":
        listed = run_in(node.netns, ["nft", "-j", "list", "table", "ip", "kube-proxy"])
        return nftables_readback.programmed(listed.stdout) if listed.returncode == 0 else {}
    if plan.proxy_mode == "iptables":
        return iptables.programmed(run_in(node.netns, ["iptables-save"]).stdout)
    held = ipvs.programmed(node.netns)
    found: dict[str, tuple[str | None, list[str]]] = {}
    for svc in plan.services:
        for port in svc.ports:
            key = (ipvs.PROTOCOLS[port.protocol], str(svc.cluster_ip), port.port)
            if key in held:
                found[port.port_name] = (f"{svc.cluster_ip}:{port.port}/{port.protocol}", held[key])
    return found


# -- iptables ---------------------------------------------------------------------------------------
def _apply_iptables(netns_name: str, ruleset: IptablesRuleset) -> int:
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


# -- nftables ---------------------------------------------------------------------------------------
def _sync_nftables(node: NodePlan, plan: LabPlan, previous: LabPlan | None) -> tuple[int | None, bool]:
    """A partial sync when the node holds the table `previous` was rendered into, else (or when the
    partial one fails) a full one. Returns the rules the node holds (None: not counted) and
    whether the sync was partial."""
    cluster, netns_name = plan.lab.cluster, node.netns
    if previous is not None and nftread.table_exists(netns_name):
        try:
            _apply_nftables_changes(
                netns_name,
                render_nftables_changes(previous.services, plan.services, cluster.pod_cidr, cluster.service_cidr, node),
            )
            return None, True
        except ApplyError:
            pass  # the table is not what `previous` says (edited by hand?): rebuild it whole
    script = render_nftables(plan.services, cluster.pod_cidr, cluster.service_cidr, node)
    return _apply_nftables(netns_name, script), False


def _apply_nftables(netns_name: str, script: str) -> int:
    _nft_load(netns_name, script)
    listed = run_in(netns_name, ["nft", "-j", "list", "table", "ip", "kube-proxy"])
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


def _apply_nftables_changes(netns_name: str, script: str) -> None:
    """Load a partial transaction (nothing at all when it is empty) and read back what it touched."""
    if not script:
        return
    _nft_load(netns_name, script)
    wrong = nftread.mismatches(netns_name, touched(script))
    if wrong:
        raise ApplyError(f"in {netns_name}: after a partial nft -f, {wrong[0]}")


def _nft_load(netns_name: str, script: str) -> None:
    done = run_in(netns_name, ["nft", "-f", "-"], script)
    if done.returncode:
        raise ApplyError(
            f"in {netns_name}: nft refused the ruleset: {done.stderr.strip().splitlines()[0]}"
            f"{_nft_context(script, done.stderr)}"
        )


def _difference(wanted: set[str], held: set[str]) -> str:
    """What a read-back found wrong, in words: the first item missing and the first one too many."""
    found = [f"lacks {min(wanted - held)}"] if wanted - held else []
    found += [f"holds {min(held - wanted)}, which the script does not make"] if held - wanted else []
    return " and ".join(found)


def _nft_context(script: str, stderr: str) -> str:
    """nft names the failing line as `/dev/stdin:N:...`: show the lines around it."""
    found = re.search(r"stdin:(\d+):", stderr)
    return numbered_context(script, f"line {found.group(1)}") if found else ""
