"""kube-router's network policy rules for one node (pure): the `ipset restore` input of the sets and
the `iptables-restore --noflush` input of its filter chains (docs/network-policy.md).

Layout, as kube-router v2's network policy controller writes it (pkg/controllers/netpol):
- KUBE-ROUTER-INPUT, -FORWARD, -OUTPUT, jumped to first from INPUT, FORWARD and OUTPUT, whose
  last rule ACCEPTs what carries mark 0x20000 (the kernel side ensures those, netlab.kernel.netpol);
- a KUBE-POD-FW-<hash> chain per pod of this node, jumped to for traffic to it and from it:
  replies accepted (ESTABLISHED,RELATED), INVALID dropped, the node's own traffic to it accepted,
  then the chain of each policy that selects it (an Ingress-only one's for traffic to the pod, an
  Egress-only one's for traffic from it), KUBE-NWPLCY-DEFAULT for a direction no policy judges;
  what none marked 0x10000 is logged (NFLOG group 100) and REJECTed (icmp-port-unreachable: a TCP
  connect is refused at once); what passes is marked 0x20000;
- a KUBE-NWPLCY-<hash> chain per policy (every node holds every policy's), whose rules mark 0x10000
  and RETURN what a rule allows: ipsets of the policy's pods (KUBE-DST- for its ingress side,
  KUBE-SRC- for its egress side) and of each rule's peers, named ports and ipBlocks.
Hashes are base32 of sha256, first 16 characters, of what names the object; kube-router adds its
sync's version (a timestamp) to chain names, netlab leaves it out so names stay put between syncs.
Rules in the built-in chains and KUBE-ROUTER-INPUT carry kube-router's own rule ids (`rule_uuid`).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Collection
from dataclasses import dataclass, field

from netlab.model.lab import NODE_PORT_RANGE, Lab
from netlab.model.policytypes import NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule
from netlab.plan.model import LabPlan, NodePlan, PodPlan
from netlab.render.iptables import comment, quote

INPUT, FORWARD, OUTPUT = "KUBE-ROUTER-INPUT", "KUBE-ROUTER-FORWARD", "KUBE-ROUTER-OUTPUT"
TOP_CHAINS = {"INPUT": INPUT, "FORWARD": FORWARD, "OUTPUT": OUTPUT}
POD_CHAIN, POLICY_CHAIN, DEFAULT_CHAIN = "KUBE-POD-FW-", "KUBE-NWPLCY-", "KUBE-NWPLCY-DEFAULT"
ACCEPT_COMMENT = "KUBE-ROUTER rule to explicitly ACCEPT traffic that comply to network policies"
SRC_SET, DST_SET, TMP_SET = "KUBE-SRC-", "KUBE-DST-", "TMP-"
OWN_PREFIXES = (POD_CHAIN, POLICY_CHAIN)  # per-pod and per-policy chains: stale ones are deleted
SET_PREFIXES = (SRC_SET, DST_SET)
MATCHED = "0x10000/0x10000"  # a policy's rule allowed it
COMPLIANT = "0x20000/0x20000"  # it went through a pod's chain and passed
HASH_IP, HASH_NET = "hash:ip", "hash:net"
SET_OPTIONS = "family inet hashsize 1024 maxelem 65536 timeout 0"


def short_hash(text: str) -> str:
    """kube-router's names: base32 of the sha256, first 16 characters."""
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


@dataclass(frozen=True)
class IpSet:
    name: str
    type: str  # hash:ip (pods) | hash:net (ipBlocks: an `except` is a nomatch entry)
    entries: tuple[str, ...]


@dataclass
class NodeRules:
    """What one node holds: the sets, and the filter chains with their rules (in order)."""

    sets: dict[str, IpSet] = field(default_factory=dict)
    chains: list[str] = field(default_factory=lambda: [INPUT, FORWARD, OUTPUT])
    rules: list[str] = field(default_factory=list)

    def add(self, chain: str, *args: str, then: str = "") -> None:
        """A rule: `args` (each quoted if it has a space), then `then` as written."""
        self.rules.append(" ".join(["-A", chain, *map(quote, args), *([then] if then else [])]))

    def ipset_restore(self, only: Collection[str] | None = None) -> str:
        """Each set (of `only`, if given) filled in a temporary set of its type, then swapped in
        whole (kube-router's RestoreSets): a set is never seen half full."""
        lines: list[str] = []
        chosen = [s for s in self.sets.values() if only is None or s.name in only]
        for s in sorted(chosen, key=lambda s: s.name):
            tmp = TMP_SET + short_hash(s.type)
            lines += [f"create {tmp} {s.type} {SET_OPTIONS} -exist", f"flush {tmp}"]
            lines += [f"add {tmp} {entry}" for entry in s.entries]
            lines += [f"create {s.name} {s.type} {SET_OPTIONS} -exist", f"swap {tmp} {s.name}", f"flush {tmp}"]
        lines += [f"destroy {TMP_SET}{short_hash(t)}" for t in sorted({s.type for s in chosen})]
        return "\n".join(lines) + "\n" if lines else ""

    def iptables_restore(self, extra: tuple[str, ...] = ()) -> str:
        """The filter table's restore input: every chain declared (which flushes it), the rules,
        then `extra` (the kernel side's jumps and stale chains' deletes), COMMIT."""
        declared = [f":{chain} - [0:0]" for chain in self.chains]
        return "\n".join(["*filter", *declared, *self.rules, *extra, "COMMIT"]) + "\n"


@dataclass(frozen=True)
class LabRules:
    """What every node holds alike (the INPUT exceptions, the default chain, every policy's chain and
    sets), and which pods each policy selects: rendered once for all the lab's nodes."""

    common: NodeRules
    policies_of: dict[str, list[NetworkPolicy]]  # a pod's netns -> the policies that select it, in order


def render_lab(plan: LabPlan) -> LabRules:
    """The part of every node's rules that does not depend on the node (see `render`)."""
    out = NodeRules()
    _input_exceptions(out, plan.lab)
    _default_chain(out)
    policies_of: dict[str, list[NetworkPolicy]] = {}
    pods = _Pods(plan)
    for policy in plan.lab.network_policies:
        targets = pods.selected(policy)
        for pod in targets:
            policies_of.setdefault(pod.netns, []).append(policy)
        _policy_chain(out, pods, policy, targets)
    return LabRules(out, policies_of)


def render(plan: LabPlan, node: NodePlan, lab_rules: LabRules | None = None) -> NodeRules:
    """The node's sets and chains for the lab's policies: every policy's chain, the default chain,
    and a firewall chain for each pod of this node. `lab_rules`: `render_lab(plan)`, when the
    caller renders every node (it is the same for all)."""
    shared = lab_rules or render_lab(plan)
    common = shared.common
    out = NodeRules(dict(common.sets), list(common.chains), list(common.rules))
    for pod in (p for p in plan.pods if p.node == node.name):
        _pod_chain(out, pod, shared.policies_of.get(pod.netns, []))
    return out


def rule_uuid(chain: str, args: tuple[str, ...]) -> tuple[str, ...]:
    """`args` with kube-router's rule id after its comment (addUUIDForRuleSpec: the hash of the chain
    and the arguments), as its rules in the built-in chains and KUBE-ROUTER-INPUT carry it."""
    at = args.index("--comment") + 1
    return (*args[:at], f"{args[at]} - {short_hash(chain + ''.join(args))}", *args[at + 1 :])


def top_jump(builtin: str) -> tuple[str, ...]:
    """The rule in a built-in chain that sends everything to kube-router's chain, first in line."""
    return rule_uuid(builtin, (*comment("kube-router netpol"), "-j", TOP_CHAINS[builtin]))


def compliant_accept() -> tuple[str, ...]:
    """The rule each built-in chain ends with (appended after kube-proxy's jumps): what passed a pod's
    chain is accepted."""
    return (*comment(ACCEPT_COMMENT), "-m", "mark", "--mark", COMPLIANT, "-j", "ACCEPT")


def _input_exceptions(out: NodeRules, lab: Lab) -> None:
    """Traffic to a ClusterIP or a NodePort reaches INPUT before kube-proxy forwards it (IPVS): it is
    judged once it goes on to a pod, never on its way in."""
    cidr = str(lab.cluster.service_cidr)
    text = "allow traffic to primary/secondary cluster IP range"
    out.add(INPUT, *rule_uuid(INPUT, (*comment(text), "-d", cidr, "-j", "RETURN")))
    low, high = NODE_PORT_RANGE
    for proto in ("tcp", "udp"):
        text = f"allow LOCAL {proto.upper()} traffic to node ports"
        args = ("-p", proto, *comment(text), "-m", "addrtype", "--dst-type", "LOCAL", "-m", "multiport")
        out.add(INPUT, *rule_uuid(INPUT, (*args, "--dports", f"{low}:{high}", "-j", "RETURN")))


def _default_chain(out: NodeRules) -> None:
    """KUBE-NWPLCY-DEFAULT: what a pod's chain runs for a direction no policy judges: ICMP echo
    requests, unreachables and time exceeded accepted, the rest marked as allowed."""
    out.chains.append(DEFAULT_CHAIN)
    for kind, number in (("echo requests", 8), ("destination unreachable messages", 3), ("time exceeded messages", 11)):
        out.add(
            DEFAULT_CHAIN, "-p", "icmp", *comment(f"allow icmp {kind}"), then=f"-m icmp --icmp-type {number} -j ACCEPT"
        )
    out.add(
        DEFAULT_CHAIN, *comment("rule to mark traffic matching a network policy"), then=f"-j MARK --set-xmark {MATCHED}"
    )


@dataclass(frozen=True)
class _Group:
    """Pods of one namespace with the same labels (a Deployment's, say): a selector judges them alike."""

    namespace: str
    labels: dict[str, str]
    namespace_labels: dict[str, str]
    members: list[int]  # their indexes in the plan's pods


class _Pods:
    """The lab's pods grouped by namespace and labels, so that a selector is matched once a group,
    not once a pod (200 policies over 1000 pods: 10 times fewer matches), and each pod's set entry
    written once."""

    def __init__(self, plan: LabPlan) -> None:
        self.all = list(plan.pods)
        self.entries = {p.netns: f"{p.ip.ip} timeout 0" for p in plan.pods}
        groups: dict[tuple[str, tuple[tuple[str, str], ...]], _Group] = {}
        for i, pod in enumerate(plan.pods):
            key = (pod.namespace, tuple(sorted(pod.labels.items())))
            if key not in groups:
                groups[key] = _Group(pod.namespace, pod.labels, plan.lab.namespace_labels(pod.namespace), [])
            groups[key].members.append(i)
        self.groups = list(groups.values())
        self.in_namespace: dict[str, list[_Group]] = {}
        self.with_label: dict[tuple[str, str], list[_Group]] = {}  # a label pair -> the groups carrying it
        for group in self.groups:
            self.in_namespace.setdefault(group.namespace, []).append(group)
            for pair in group.labels.items():
                self.with_label.setdefault(pair, []).append(group)
        self.peers: dict[str, list[_Group]] = {}  # a peer (and the namespace it is read in) -> its groups

    def members(self, chosen: list[list[int]]) -> list[PodPlan]:
        """The pods of the chosen groups' member lists, in the lab's pod order."""
        indexes = chosen[0] if len(chosen) == 1 else sorted(set(itertools.chain.from_iterable(chosen)))
        return [self.all[i] for i in indexes]

    def selected(self, policy: NetworkPolicy) -> list[PodPlan]:
        """The pods a policy applies to: its namespace's, matching its podSelector."""
        groups = self.in_namespace.get(policy.namespace, [])
        return self.members([g.members for g in groups if policy.pod_selector.matches(g.labels)])

    def peer_groups(self, policy: NetworkPolicy, peer: PolicyPeer) -> list[_Group]:
        """The groups a pod peer names (an ipBlock names none), matched once per distinct peer (many
        policies share one, `role: frontend` say) and only among the groups carrying its podSelector's
        first matchLabels pair, when it has one."""
        if peer.ip_block is not None:
            return []
        key = f"{policy.namespace if peer.namespace_selector is None else ''}|{peer!r}"
        if key not in self.peers:
            wanted = peer.pod_selector.match_labels if peer.pod_selector else {}
            candidates = self.with_label.get(next(iter(wanted.items())), []) if wanted else self.groups
            self.peers[key] = [g for g in candidates if _peer_has(policy, peer, g)]
        return self.peers[key]

    def ips(self, pods: list[PodPlan]) -> tuple[str, ...]:
        return tuple(self.entries[p.netns] for p in pods)


def _peer_pods(pods: _Pods, policy: NetworkPolicy, rule: PolicyRule) -> list[PodPlan]:
    """The pods a rule's peers name (ipBlocks aside), in the lab's pod order."""
    return pods.members([g.members for peer in rule.peers for g in pods.peer_groups(policy, peer)])


def _peer_has(policy: NetworkPolicy, peer: PolicyPeer, group: _Group) -> bool:
    if peer.ip_block is not None:
        return False
    if peer.namespace_selector is None:
        in_namespace = group.namespace == policy.namespace
    else:
        in_namespace = peer.namespace_selector.matches(group.namespace_labels)
    return in_namespace and (peer.pod_selector is None or peer.pod_selector.matches(group.labels))


def _blocks(rule: PolicyRule) -> tuple[str, ...]:
    """A rule's ipBlocks as hash:net entries: each cidr, each `except` a nomatch entry."""
    entries: list[str] = []
    for block in (peer.ip_block for peer in rule.peers if peer.ip_block):
        entries += [f"{block.cidr} timeout 0", *(f"{e} timeout 0 nomatch" for e in block.excepted)]
    return tuple(entries)


def named_port_endpoints(pods: list[PodPlan], port: PolicyPort) -> list[tuple[int, list[PodPlan]]]:
    """A named port resolved per pod: each number it stands for, with the pods whose container port
    of that name and protocol has it (pods without one are left out)."""
    by_number: dict[int, list[PodPlan]] = {}
    for pod in pods:
        numbers = {
            c.port
            for ctr in pod.running_containers()
            for c in ctr.ports
            if (c.name, c.protocol) == (port.port, port.protocol)
        }
        for number in numbers:
            by_number.setdefault(number, []).append(pod)
    return sorted(by_number.items())


@dataclass(frozen=True)
class _Side:
    """One direction of a policy: ingress (peers are sources) or egress (peers are destinations)."""

    word: str  # "ingress" | "egress"
    target_set: str  # the policy's own pods, as destinations (ingress) or sources (egress)
    peer_prefix: str

    def pair(self, peer: str, own: str) -> tuple[str, str]:
        """(source set, destination set) of a rule: the peers' set on the far side."""
        return (peer, own) if self.word == "ingress" else (own, peer)


def _sides(policy: NetworkPolicy) -> list[tuple[_Side, tuple[PolicyRule, ...]]]:
    """The directions a policy judges, in its chain's order (ingress first), with their rules."""
    key = policy.namespace + policy.name
    sides: list[tuple[_Side, tuple[PolicyRule, ...]]] = []
    if "Ingress" in policy.policy_types:
        sides.append((_Side("ingress", DST_SET + short_hash(key), SRC_SET), tuple(policy.ingress)))
    if "Egress" in policy.policy_types:
        sides.append((_Side("egress", SRC_SET + short_hash(key), DST_SET), tuple(policy.egress)))
    return sides


def _policy_chain(out: NodeRules, pods: _Pods, policy: NetworkPolicy, targets: list[PodPlan]) -> None:
    """A policy's chain and sets; `targets`: the pods it selects."""
    chain = POLICY_CHAIN + short_hash(policy.namespace + policy.name)
    out.chains.append(chain)
    for side, rules in _sides(policy):
        out.sets[side.target_set] = IpSet(side.target_set, HASH_IP, pods.ips(targets))
        for index, rule in enumerate(rules):
            _rule(out, pods, policy, chain, side, index, rule, targets)


def _rule(
    out: NodeRules,
    pods: _Pods,
    policy: NetworkPolicy,
    chain: str,
    side: _Side,
    index: int,
    rule: PolicyRule,
    targets: list[PodPlan],
) -> None:
    """One ingress or egress rule, in kube-router's three cases: peer pods, every peer, ipBlocks;
    each with its numeric ports, its named ports (a set of the pods that have the number), or all."""
    base = f"{policy.namespace}{policy.name}{side.word}rule{index}"
    numeric = [p for p in rule.ports if not isinstance(p.port, str)]
    named = [p for p in rule.ports if isinstance(p.port, str)]
    ident = f"policy name {policy.name} namespace {policy.namespace}"
    ingress = side.word == "ingress"

    def allow(text: str, peer_set: str, port_pods: list[PodPlan]) -> None:
        """Mark what the rule's ports allow between `peer_set` ("": anyone) and the policy's pods;
        a named port matches the pods of `port_pods` whose port of that name has the number."""
        src, dst = side.pair(peer_set, side.target_set)
        for port in numeric:
            _mark(out, chain, text, src, dst, port.protocol, port.port, port.end_port)
        for j, port in enumerate(named):
            for k, (number, having) in enumerate(named_port_endpoints(port_pods, port)):
                name = DST_SET + short_hash(f"{base}{j}.{k}namedport")
                out.sets[name] = IpSet(name, HASH_IP, pods.ips(having))
                _mark(out, chain, text, src, name, port.protocol, number, None)
        if not rule.ports:
            _mark(out, chain, text, src, dst, None, None, None)

    if peers := _peer_pods(pods, policy, rule):
        name = side.peer_prefix + short_hash(base + "pod")
        out.sets[name] = IpSet(name, HASH_IP, pods.ips(peers))
        text = f"rule to ACCEPT traffic from source pods to dest pods selected by {ident}"
        allow(text, name, targets if ingress else peers)
    if not rule.peers:
        everyone = "all sources to dest pods" if ingress else "source pods to all destinations"
        allow(f"rule to ACCEPT traffic from {everyone} selected by {ident}", "", targets if ingress else pods.all)
    if blocks := _blocks(rule):
        name = side.peer_prefix + short_hash(base + "ipblock")
        out.sets[name] = IpSet(name, HASH_NET, blocks)
        where = "from specified ipBlocks to dest pods" if ingress else "from source pods to specified ipBlocks"
        allow(f"rule to ACCEPT traffic {where} selected by {ident}", name, targets if ingress else [])


def _mark(
    out: NodeRules,
    chain: str,
    text: str,
    src: str,
    dst: str,
    protocol: str | None,
    port: int | str | None,
    end: int | None,
) -> None:
    """kube-router's appendRuleToPolicyChain: a rule that marks what matches, and its twin that
    RETURNs what is marked (the pod's chain then lets it through)."""
    match = [*comment(text)]
    match += ["-m", "set", "--match-set", src, "src"] if src else []
    match += ["-m", "set", "--match-set", dst, "dst"] if dst else []
    match += ["-p", protocol.lower()] if protocol else []
    match += ["--dport", f"{port}:{end}" if end else str(port)] if port else []
    out.add(
        chain, *match, *comment("rule to mark traffic matching a network policy"), then=f"-j MARK --set-xmark {MATCHED}"
    )
    out.add(
        chain,
        *match,
        *comment("rule to RETURN traffic matching a network policy"),
        then=f"-m mark --mark {MATCHED} -j RETURN",
    )


def _direction(policy: NetworkPolicy, ip: str) -> tuple[str, ...]:
    """A policy of one type judges only that direction of the pod's traffic (to it: ingress, from
    it: egress); one of both types judges either."""
    if len(policy.policy_types) == 2:
        return ()
    return ("-d", ip) if policy.policy_types == ("Ingress",) else ("-s", ip)


def _pod_chain(out: NodeRules, pod: PodPlan, policies: list[NetworkPolicy]) -> None:
    """The pod's firewall chain and the jumps to it (module docstring); `policies`: those that select it."""
    chain = POD_CHAIN + short_hash(pod.namespace + pod.name)
    ip = str(pod.ip.ip)
    out.chains.append(chain)
    out.add(
        chain,
        *comment("rule for stateful firewall for pod"),
        then="-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    )
    out.add(chain, *comment("rule to drop invalid state for pod"), then="-m conntrack --ctstate INVALID -j DROP")
    text = "rule to permit the traffic traffic to pods when source is the pod's local node"
    out.add(chain, "-d", ip, *comment(text), then="-m addrtype --src-type LOCAL -j ACCEPT")
    for policy in policies:
        target = POLICY_CHAIN + short_hash(policy.namespace + policy.name)
        out.add(chain, *_direction(policy, ip), *comment(f"run through nw policy {policy.name}"), "-j", target)
    for word, side, kind in (("egress", "-s", "Egress"), ("ingress", "-d", "Ingress")):
        if not any(kind in p.policy_types for p in policies):
            text = f"run through default {word} network policy chain"
            out.add(chain, side, ip, *comment(text), "-j", DEFAULT_CHAIN)
    who = f"POD name:{pod.name} namespace: {pod.namespace}"
    out.add(
        chain,
        *comment(f"rule to log dropped traffic {who}"),
        then=f"-m mark ! --mark {MATCHED} -j NFLOG --nflog-group 100 -m limit --limit 10/minute --limit-burst 10",
    )
    out.add(chain, *comment(f"rule to REJECT traffic destined for {who}"), then=f"-m mark ! --mark {MATCHED} -j REJECT")
    out.add(chain, then="-j MARK --set-mark 0/0x10000")
    text = "set mark to ACCEPT traffic that comply to network policies"
    out.add(chain, *comment(text), then=f"-j MARK --set-mark {COMPLIANT}")
    to, of = (
        f"rule to jump traffic destined to {who} to chain {chain}",
        f"rule to jump traffic from {who} to chain {chain}",
    )
    bridged = ("-m", "physdev", "--physdev-is-bridged")
    for side, text in (("-d", to), ("-s", of)):
        out.add(FORWARD, side, ip, *comment(text), "-j", chain)
        out.add(FORWARD, side, ip, *bridged, *comment(text), "-j", chain)
    out.add(INPUT, "-s", ip, *comment(of), "-j", chain)
    out.add(OUTPUT, "-d", ip, *comment(to), "-j", chain)
    out.add(OUTPUT, "-s", ip, *comment(of), "-j", chain)


def policy_of_chain(plan: LabPlan, chain: str) -> NetworkPolicy | None:
    """The policy whose KUBE-NWPLCY- chain this is (what `netlab trace` names for a chain it met)."""
    return next(
        (p for p in plan.lab.network_policies if POLICY_CHAIN + short_hash(p.namespace + p.name) == chain), None
    )


def pod_of_chain(plan: LabPlan, chain: str) -> PodPlan | None:
    """The pod whose firewall chain (KUBE-POD-FW-) this is."""
    return next((p for p in plan.pods if POD_CHAIN + short_hash(p.namespace + p.name) == chain), None)


def rule_at(plan: LabPlan, policy: NetworkPolicy, position: int) -> tuple[str, int] | None:
    """Which of the policy's rules the rule at `position` (0-based) of its chain comes from: its
    direction and its number (1-based, as the evaluator counts them); None past the chain's end."""
    chain, pods, at = POLICY_CHAIN + short_hash(policy.namespace + policy.name), _Pods(plan), 0
    targets = pods.selected(policy)
    for side, rules in _sides(policy):
        for index, rule in enumerate(rules):
            scratch = NodeRules()
            _rule(scratch, pods, policy, chain, side, index, rule, targets)
            at += len(scratch.rules)
            if position < at:
                return side.word, index + 1
    return None


def first_sync_lines() -> tuple[str, ...]:
    """What a node's first sync adds to the built-in chains beside kube-router's own chains: each
    one's jump to kube-router's, inserted first, and its ACCEPT of compliant traffic, appended after
    kube-proxy's jumps (`netlab explain` writes them; the kernel side works them out from what the
    node holds)."""
    jumps = [f"-I {b} 1 " + " ".join(map(quote, top_jump(b))) for b in TOP_CHAINS]
    return (*jumps, *(f"-A {b} " + " ".join(map(quote, compliant_accept())) for b in TOP_CHAINS))
