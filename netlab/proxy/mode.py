"""What every kube-proxy mode knows (the interface of iptables.py, nftables.py, ipvs.py)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from ipaddress import IPv4Address
from typing import ClassVar

from netlab.plan.model import LabPlan, NodePlan, ServicePlan
from netlab.readback.lab import Programmed
from netlab.render.ops import Sysctl


class ProxyMode(ABC):
    """One kube-proxy mode. `commands` and the pure parts are tested without root; `sync_node`,
    `programmed`, `service_hint` and `connections` read or change a node's namespace."""

    name: ClassVar[str]
    tools: ClassVar[tuple[str, ...]]  # what it runs on the nodes: `up` refuses early without them

    def check_kernel(self) -> None:  # noqa: B027 (a hook: iptables and nftables need nothing more)
        """Refuse early (before anything is made) a mode this kernel cannot run.

        Raises:
            EnvironmentProblem: the kernel lacks what the mode needs.
        """

    def node_sysctls(self, plan: LabPlan) -> list[Sysctl]:
        """Sysctls the mode needs on every node, made with the node's namespace."""
        return []

    @abstractmethod
    def commands(self, plan: LabPlan, node: NodePlan) -> str:
        """The node's whole ruleset as the commands a person would type (pure)."""

    @abstractmethod
    def sync_node(self, plan: LabPlan, node: NodePlan, previous: LabPlan | None) -> tuple[int | None, bool]:
        """Render the node's ruleset, apply it atomically and read it back.

        Args:
            previous: the plan the node was last synced for, where a mode writes only what changed
                since (nftables, as kube-proxy does between full syncs).

        Returns:
            The rules the node holds (None: not counted), and whether the sync was partial.

        Raises:
            ApplyError: the node refused the ruleset, or did not hold it when read back.
        """

    @abstractmethod
    def programmed(self, plan: LabPlan, node: NodePlan) -> Programmed:
        """What the node's rules hold now, per service port."""

    @abstractmethod
    def service_hint(self, svc: ServicePlan, node: NodePlan) -> str | None:
        """What the node's rules lack for `svc` (a learner's Service task), or None when nothing does."""

    def connections(self, netns_name: str, client: IPv4Address) -> tuple[str, ...]:
        """The client's entries of the mode's own connection table, beside conntrack's (IPVS has one)."""
        return ()
