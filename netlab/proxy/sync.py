"""kube-proxy's sync, per node: render the whole desired ruleset, apply it atomically, read it back.

Every node namespace is programmed in the lab's proxy mode (the mode objects of this folder). A
parse error shows the lines around the one the tool refused (kube-proxy logs them the same way).
Each sync is timed; the result says how long each node took and how many rules it holds. Tools run
through `nsenter --net`, which enters only the node's network namespace.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from netlab.plan.model import LabPlan, NodePlan
from netlab.proxy import mode_of


@dataclass(frozen=True)
class SyncResult:
    node: str
    mode: str
    seconds: float
    rules: int | None  # rules the node holds; None after a partial sync, which does not list them
    partial: bool = False  # only what changed since the previous plan was written (nftables mode)


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
    rules, partial = mode_of(plan).sync_node(plan, node, previous)
    return SyncResult(node.name, plan.proxy_mode, time.perf_counter() - started, rules, partial)
