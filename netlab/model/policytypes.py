"""networking.k8s.io/v1 NetworkPolicy and v1 Namespace objects of a lab, as plain frozen dataclasses.

Read and checked by netlab.model.networkpolicy; which connections they allow is judged by the pure
evaluator (netlab.plan.netpol) and enforced on every node by the policy engine's rules
(netlab.render.netpol, netlab.kernel.netpol).
"""

from __future__ import annotations

from dataclasses import dataclass, field

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # the API server sets it on every namespace
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True)
class Requirement:
    """One of a label selector's matchExpressions."""

    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        if self.operator == "In":
            return labels.get(self.key) in self.values
        if self.operator == "NotIn":
            return labels.get(self.key) not in self.values
        if self.operator == "Exists":
            return self.key in labels
        return self.key not in labels


@dataclass(frozen=True)
class LabelSelector:
    """A metav1.LabelSelector: every matchLabels pair and every expression must hold; the empty
    selector selects everything."""

    match_labels: dict[str, str] = field(default_factory=dict)
    match_expressions: tuple[Requirement, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match_labels.items()) and all(
            r.matches(labels) for r in self.match_expressions
        )


@dataclass(frozen=True)
class IPBlock:
    cidr: str
    excepted: tuple[str, ...] = ()  # `except`


@dataclass(frozen=True)
class PolicyPeer:
    """One entry of `from` / `to`: pods (podSelector, in the policy's namespace unless a
    namespaceSelector names others: both in one peer mean AND), or an ipBlock."""

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None


@dataclass(frozen=True)
class PolicyPort:
    """One entry of `ports`: a protocol and a port (a number, or a container port's name resolved
    per pod), up to end_port; port None: every port of the protocol."""

    protocol: str = "TCP"
    port: int | str | None = None
    end_port: int | None = None


@dataclass(frozen=True)
class PolicyRule:
    """One ingress or egress rule: its peers (none: every source or destination) and ports (none:
    every port). Peers in the list, and ports in the list, are ORed."""

    peers: tuple[PolicyPeer, ...] = ()
    ports: tuple[PolicyPort, ...] = ()


@dataclass(frozen=True)
class NetworkPolicy:
    name: str
    namespace: str
    pod_selector: LabelSelector
    policy_types: tuple[str, ...]  # Ingress, Egress: as given, or the API server's default
    ingress: tuple[PolicyRule, ...] = ()
    egress: tuple[PolicyRule, ...] = ()
    position: int = field(default=0, compare=False)  # its place among the lab file's objects

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Namespace:
    """A v1 Namespace the lab declares, for its labels (every namespace a lab uses exists anyway,
    with the label kubernetes.io/metadata.name its name)."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
