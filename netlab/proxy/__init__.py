"""kube-proxy's modes, one module each (iptables.py, nftables.py, ipvs.py), behind one interface.

Each mode object (mode.py's `ProxyMode`) knows everything about its mode: the ruleset as commands
(`explain`, `step`, `solve`), the sync of a node (render, apply atomically, read back), what the
node holds now (`status`), what a learner's rules lack (`check`), its own connection table
(`trace`). Nothing outside this folder asks which mode runs: it asks the lab's mode object. As
kube-proxy keeps one package per mode (pkg/proxy/iptables, nftables, ipvs), a fourth mode is one
module here. sync.py programs every node of a lab in its mode.

A mode's module is imported when a lab first asks for it, so a verb pays only for the mode its lab
runs (IPVS's netlink, through pyroute2, is slow to import in an emulated VM).
"""

from __future__ import annotations

import importlib

from netlab.plan.model import LabPlan
from netlab.proxy.mode import ProxyMode


def mode_of(plan: LabPlan) -> ProxyMode:
    """The mode object of the lab's proxy mode (cluster.proxyMode, or `--proxy-mode`: make_plan
    has refused any name but model.lab.PROXY_MODES', each a module of this package)."""
    mode: ProxyMode = importlib.import_module(f"netlab.proxy.{plan.proxy_mode}").MODE
    return mode
