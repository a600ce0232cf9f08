"""Which connections a lab's NetworkPolicies allow: the API's semantics, judged from the plan (pure).

What `netlab matrix` expects, and what status and diagrams say about isolation. The semantics
(docs/network-policy-semantics.md, from https://kubernetes.io/docs/concepts/services-networking/network-policies/
and the networking.k8s.io/v1 API reference):

- a pod is isolated for ingress (egress) once any policy whose policyTypes name that direction
  selects it; an isolated pod allows only the union of what those policies' rules allow; a pod no
  policy selects allows everything in that direction. Policies add up: none denies;
- a connection needs both ends: the source's egress (if the source is a pod) and the target's
  ingress. Replies of an allowed connection are not judged (the engine is stateful), so a target
  isolated for egress still answers;
- a pod can always reach itself, and traffic from the target's own node is always allowed (the
  docs: pods cannot block localhost access, nor access from their resident node). kube-router, the
  engine netlab mirrors, does it with a rule first in each isolated pod's firewall chain,
  "rule to permit the traffic traffic to pods when source is the pod's local node": `-m addrtype
  --src-type LOCAL -d <pod IP> -j ACCEPT` (pkg/controllers/netpol/pod.go,
  syncPodFirewallChains): any address of the node itself counts, cni0's included;
- sources are judged by the address the engine sees: a pod's IP; a node's (its eth0 address on
  the underlay in host-gw mode, its flannel.1 address in vxlan mode, which the kernel picks as the
  source of what the node sends over that device); an outside host's own address, as it arrives
  where nothing SNATs it (a LoadBalancer Service with externalTrafficPolicy Local). Traffic a node
  SNATs on the way in (policy Cluster) is the node's: judge it with the node as source;
- an outside host as the destination is judged by its own address: kube-router runs the pod's
  egress in filter FORWARD, before the node masquerades the pod's source in nat POSTROUTING, and
  the destination is never rewritten; no policy judges what an outside host receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from netlab.errors import BadInput
from netlab.model.policytypes import NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule
from netlab.plan.model import HostPlan, LabPlan, NodePlan, PodPlan

INGRESS, EGRESS = "Ingress", "Egress"


@dataclass(frozen=True)
class Peer:
    """One end of a connection as the policy engine sees it."""

    name: str
    kind: str  # pod | node | host
    address: IPv4Address
    pod: PodPlan | None = None

    @property
    def labelled(self) -> str:
        return self.name if self.kind == "pod" else f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Side:
    """One direction's judgement: the source's egress, or the target's ingress."""

    allowed: bool
    isolating: tuple[str, ...]  # the policies (ns/name) that isolate the pod in this direction
    allowed_by: tuple[str, ...]  # "ns/name ingress rule N" for every rule that admits it
    why: str  # in words a learner reads


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    ingress: Side  # the target's ingress
    egress: Side  # the source's egress (a node's or outside host's: never isolated)
    reason: str

    def as_dict(self) -> dict:
        return {
            "allowed": self.allowed,
            "reason": self.reason,
            "ingressIsolatedBy": list(self.ingress.isolating),
            "egressIsolatedBy": list(self.egress.isolating),
            "allowedBy": [*self.egress.allowed_by, *self.ingress.allowed_by],
        }


def selected_pods(plan: LabPlan, policy: NetworkPolicy) -> tuple[PodPlan, ...]:
    """The pods a policy applies to: those of its namespace its podSelector matches."""
    return tuple(p for p in plan.pods if p.namespace == policy.namespace and policy.pod_selector.matches(p.labels))


def isolated(plan: LabPlan, pod: PodPlan, direction: str = INGRESS) -> tuple[NetworkPolicy, ...]:
    """The policies that isolate `pod` for `direction` (Ingress or Egress); none: it is not isolated."""
    return tuple(
        policy
        for policy in plan.lab.network_policies
        if direction in policy.policy_types and pod in selected_pods(plan, policy)
    )


def peer_of(plan: LabPlan, name: str, toward: PodPlan | None = None) -> Peer:
    """A pod, node or outside host by name, with the address the engine sees from it (a node's
    depends on the way to `toward`: see the module's docstring).

    Raises:
        BadInput: the lab has nothing of that name.
    """
    member = plan.member(name)
    if isinstance(member, PodPlan):
        return Peer(name, "pod", member.ip.ip, member)
    if isinstance(member, NodePlan):
        return Peer(name, "node", node_address(plan, member, toward))
    if isinstance(member, HostPlan):
        return Peer(name, "host", member.ip.ip)
    raise BadInput(f"the lab has no pod, node or outside host {name!r}")


def node_address(plan: LabPlan, node: NodePlan, toward: PodPlan | None) -> IPv4Address:
    """The source address of what a node sends to a pod: cni0's to its own pods, else the address of
    the device its route to the other node's pods leaves by."""
    if toward is not None and toward.node == node.name:
        return node.bridge_ip.ip
    return node.vtep_ip if plan.network == "vxlan" else node.ip.ip


def verdict(plan: LabPlan, source: str, target: str, port: int, protocol: str = "TCP") -> Verdict:
    """Whether `source` (a pod, node or outside host) may open a connection to `target` (a pod, or
    an outside host: then only the source pod's egress judges it) on port/protocol, which policies
    and rules decide it, and why.

    Raises:
        BadInput: no such source, or the target is neither a pod nor an outside host.
    """
    member = plan.member(target)
    if not isinstance(member, PodPlan | HostPlan):
        raise BadInput(
            f"the lab has no pod or outside host {target!r}: policies judge what reaches pods and leaves them"
        )
    pod = member if isinstance(member, PodPlan) else None
    src = peer_of(plan, source, pod)
    dst = Peer(target, "pod" if pod else "host", member.ip.ip, pod)
    protocol = protocol.upper()
    pair = f"{src.labelled} -> {dst.labelled} {port}/{protocol}"
    if source == target:
        why = f"{target} reaches itself" + (": a pod cannot block access to itself" if pod else "")
        return _always(plan, pod, pair, why)
    if pod is not None and src.kind == "node" and source == pod.node:
        why = (
            f"{source} is {target}'s own node: traffic from it (kubelet's probes) is always allowed "
            "(kube-router accepts any local address of the node)"
        )
        return _always(plan, pod, pair, why)
    egress = (
        _judge(plan, src.pod, EGRESS, dst, pod, port, protocol)
        if src.pod
        else Side(True, (), (), f"{src.labelled} is no pod: no policy limits what it sends")
    )
    ingress = (
        _judge(plan, pod, INGRESS, src, pod, port, protocol)
        if pod
        else Side(True, (), (), f"{dst.labelled} is no pod: no policy judges what it receives")
    )
    allowed = egress.allowed and ingress.allowed
    return Verdict(
        allowed, ingress, egress, f"{pair}: {'allowed' if allowed else 'denied'}: {egress.why}; {ingress.why}"
    )


def _always(plan: LabPlan, pod: PodPlan | None, pair: str, why: str) -> Verdict:
    """Allowed whatever the policies say; a pod's isolation is still told as it is."""
    ingress = Side(True, tuple(p.key for p in isolated(plan, pod, INGRESS)) if pod else (), (), why)
    egress = Side(True, tuple(p.key for p in isolated(plan, pod, EGRESS)) if pod else (), (), why)
    return Verdict(True, ingress, egress, f"{pair}: allowed: {why}")


def _judge(
    plan: LabPlan, pod: PodPlan, direction: str, other: Peer, target: PodPlan | None, port: int, protocol: str
) -> Side:
    """One pod's side: not isolated (allowed), or allowed by the rules that admit `other`; `target`
    is the destination pod (None: an outside host)."""
    policies = isolated(plan, pod, direction)
    verb = "accepts" if direction == INGRESS else "may send"
    if not policies:
        return Side(True, (), (), f"{pod.name} {verb} anything: no policy selects it for {direction.lower()}")
    keys = tuple(p.key for p in policies)
    allowed_by = tuple(
        f"{policy.key} {direction.lower()} rule {i}"
        for policy in policies
        for i, rule in enumerate(policy.ingress if direction == INGRESS else policy.egress, 1)
        if rule_admits(plan, policy, rule, other, target, port, protocol)
    )
    if allowed_by:
        return Side(True, keys, allowed_by, f"{pod.name} {verb} it by {', '.join(allowed_by)}")
    other_end = "from " + other.labelled if direction == INGRESS else "to " + other.labelled
    why = (
        f"{pod.name} is isolated for {direction.lower()} by {', '.join(keys)}, and no rule of theirs allows "
        f"{other_end} on {port}/{protocol}"
    )
    return Side(False, keys, (), why)


def rule_admits(
    plan: LabPlan,
    policy: NetworkPolicy,
    rule: PolicyRule,
    other: Peer,
    target: PodPlan | None,
    port: int,
    protocol: str,
) -> bool:
    """A rule admits a connection when one of its peers matches the other end (no peers: every peer)
    and one of its ports the target's port (no ports: every port); the target pod resolves named
    ports (an outside host has none)."""
    peers_ok = not rule.peers or any(peer_matches(plan, policy, peer, other) for peer in rule.peers)
    return peers_ok and (not rule.ports or any(port_matches(p, target, port, protocol) for p in rule.ports))


def peer_matches(plan: LabPlan, policy: NetworkPolicy, peer: PolicyPeer, other: Peer) -> bool:
    """An ipBlock matches an address inside its CIDR and outside every `except` (any address: pod IPs
    too, as written; implementations differ there). Selectors match pods only: a namespaceSelector
    picks the namespaces by their labels (podSelector with it: AND), a podSelector alone the
    policy's own namespace."""
    if peer.ip_block is not None:
        block = peer.ip_block
        return other.address in IPv4Network(block.cidr, strict=False) and not any(
            other.address in IPv4Network(cidr, strict=False) for cidr in block.excepted
        )
    pod = other.pod
    if pod is None or (peer.pod_selector is None and peer.namespace_selector is None):
        return False
    if peer.namespace_selector is None:
        in_namespace = pod.namespace == policy.namespace
    else:
        in_namespace = peer.namespace_selector.matches(plan.lab.namespace_labels(pod.namespace))
    return in_namespace and (peer.pod_selector is None or peer.pod_selector.matches(pod.labels))


def port_matches(policy_port: PolicyPort, target: PodPlan | None, port: int, protocol: str) -> bool:
    """The protocol, and the port: any (none given), a number (up to endPort), or a name, which means
    the target pod's own container port of that name and protocol (a number that may differ per pod;
    an outside host has no named ports, as kube-router resolves them in pods only)."""
    if policy_port.protocol.upper() != protocol:
        return False
    if policy_port.port is None:
        return True
    if isinstance(policy_port.port, str):
        return target is not None and named_port(target, policy_port.port, protocol) == port
    return policy_port.port <= port <= (policy_port.end_port or policy_port.port)


def named_port(pod: PodPlan, name: str, protocol: str) -> int | None:
    """The number of the pod's container port of that name and protocol, if it has one."""
    return next(
        (
            p.port
            for c in (*pod.containers, *pod.init_containers)
            for p in c.ports
            if p.name == name and p.protocol.upper() == protocol
        ),
        None,
    )
