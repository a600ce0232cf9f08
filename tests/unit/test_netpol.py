"""netlab.plan.netpol: which connections NetworkPolicies allow, bullet by bullet of the API's
semantics. "docs" below is https://kubernetes.io/docs/concepts/services-networking/network-policies/,
"API" the networking.k8s.io/v1 NetworkPolicy reference
(https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/).
The policies are built as dataclasses; the pods come from a small lab file."""

from __future__ import annotations

from dataclasses import replace

import pytest

from netlab.errors import BadInput
from netlab.model.policytypes import (
    IPBlock,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Requirement,
)
from netlab.plan import make_plan
from netlab.plan.netpol import isolated, selected_pods, verdict

ALL = LabelSelector()


def pod(name: str, node: str, labels: str, namespace: str = "default", ports: str = "{containerPort: 8080}") -> str:
    return (
        f"  - apiVersion: v1\n    kind: Pod\n"
        f"    metadata: {{name: {name}, namespace: {namespace}, labels: {{{labels}}}}}\n"
        f"    spec: {{nodeName: {node}, containers: [{{name: c, ports: [{ports}]}}]}}\n"
    )


LAB = (
    "name: np\ncluster:\n  nodes: [node-1, node-2]\n  dns: false\nobjects:\n"
    + pod("web", "node-1", "app: web", ports="{containerPort: 8080, name: http}, {containerPort: 9000}")
    + pod("web-2", "node-2", "app: web", ports="{containerPort: 8081, name: http}")
    + pod("client", "node-2", "app: client")
    + pod("other", "node-1", "app: other")
    + pod("prod-client", "node-2", "app: client", namespace="prod")
    + pod("prod-db", "node-1", "app: db", namespace="prod")
)


@pytest.fixture
def lab_with(make_lab):
    """The lab above with these policies (and Namespace objects)."""
    base = make_lab(LAB)

    def make(*policies: NetworkPolicy, namespaces: tuple[Namespace, ...] = (), network: str = "host-gw"):
        lab = replace(base, network_policies=policies, namespaces=namespaces)
        return make_plan(replace(lab, cluster=replace(lab.cluster, network=network)))

    return make


def policy(
    name: str,
    selector: LabelSelector = ALL,
    ingress: tuple[PolicyRule, ...] = (),
    egress: tuple[PolicyRule, ...] = (),
    types: tuple[str, ...] = ("Ingress",),
    namespace: str = "default",
) -> NetworkPolicy:
    return NetworkPolicy(name, namespace, selector, types, ingress, egress)


def app(value: str) -> LabelSelector:
    return LabelSelector({"app": value})


def from_pods(selector: LabelSelector, *ports: PolicyPort) -> PolicyRule:
    return PolicyRule((PolicyPeer(pod_selector=selector),), ports)


# -- isolation (docs: "Isolated and non-isolated Pods") -------------------------------------------
def test_without_policies_everything_is_allowed(lab_with) -> None:
    plan = lab_with()
    result = verdict(plan, "client", "web", 8080)
    assert result.allowed and not result.ingress.isolating and not result.egress.isolating
    assert "no policy selects it for ingress" in result.reason


def test_a_policy_without_rules_isolates_the_pods_it_selects_and_only_those(lab_with) -> None:
    plan = lab_with(policy("deny-web", app("web")))
    denied = verdict(plan, "client", "web", 8080)
    assert not denied.allowed and denied.ingress.isolating == ("default/deny-web",)
    assert "web is isolated for ingress by default/deny-web" in denied.reason
    assert verdict(plan, "client", "other", 8080).allowed
    assert [p.name for p in selected_pods(plan, plan.lab.network_policies[0])] == ["web", "web-2"]


def test_a_policy_selects_pods_of_its_own_namespace_only(lab_with) -> None:
    plan = lab_with(policy("deny-all", namespace="prod"))
    assert [p.name for p in selected_pods(plan, plan.lab.network_policies[0])] == ["prod-client", "prod-db"]
    assert verdict(plan, "prod-db", "web", 8080).allowed
    assert not verdict(plan, "web", "prod-db", 8080).allowed


def test_isolation_is_per_direction_as_policy_types_say(lab_with) -> None:
    """API: policyTypes; a policy with only Egress leaves the pod's ingress open."""
    plan = lab_with(policy("no-egress", app("web"), types=("Egress",)))
    web = plan.member("web")
    assert isolated(plan, web, "Egress") and not isolated(plan, web, "Ingress")
    assert verdict(plan, "client", "web", 8080).allowed
    assert not verdict(plan, "web", "client", 8080).allowed


def test_policies_add_up_none_denies(lab_with) -> None:
    """docs: "Network policies do not conflict; they are additive": a deny-all beside an allow."""
    plan = lab_with(policy("deny-all"), policy("allow-client", app("web"), ingress=(from_pods(app("client")),)))
    result = verdict(plan, "client", "web", 8080)
    assert result.allowed and result.ingress.allowed_by == ("default/allow-client ingress rule 1",)
    assert set(result.ingress.isolating) == {"default/deny-all", "default/allow-client"}
    assert not verdict(plan, "other", "web", 8080).allowed


def test_a_connection_needs_the_sources_egress_and_the_targets_ingress(lab_with) -> None:
    """docs: both the egress policy on the source and the ingress policy on the destination must allow it."""
    open_ingress = policy("allow-all-in", ingress=(PolicyRule(),))
    no_egress = policy("client-no-egress", app("client"), types=("Egress",))
    plan = lab_with(open_ingress, no_egress)
    result = verdict(plan, "client", "web", 8080)
    assert not result.allowed and result.ingress.allowed and not result.egress.allowed
    assert "client is isolated for egress by default/client-no-egress" in result.reason
    egress_to_web = policy(
        "client-to-web", app("client"), egress=(PolicyRule((PolicyPeer(app("web")),)),), types=("Egress",)
    )
    assert verdict(lab_with(open_ingress, no_egress, egress_to_web), "client", "web", 8080).allowed


def test_replies_are_not_judged(lab_with) -> None:
    """The engine is stateful: a target isolated for egress with no rule still answers what it accepted."""
    plan = lab_with(policy("web-sends-nothing", app("web"), types=("Egress",)))
    assert verdict(plan, "client", "web", 8080).allowed


# -- peers (API: NetworkPolicyPeer) ---------------------------------------------------------------
def test_a_pod_selector_alone_means_the_policys_namespace(lab_with) -> None:
    plan = lab_with(policy("from-clients", app("web"), ingress=(from_pods(app("client")),)))
    assert verdict(plan, "client", "web", 8080).allowed
    assert not verdict(plan, "prod-client", "web", 8080).allowed


def test_a_namespace_selector_alone_means_every_pod_of_those_namespaces(lab_with) -> None:
    by_name = LabelSelector({"kubernetes.io/metadata.name": "prod"})
    plan = lab_with(policy("from-prod", app("web"), ingress=(PolicyRule((PolicyPeer(namespace_selector=by_name),)),)))
    assert verdict(plan, "prod-db", "web", 8080).allowed and verdict(plan, "prod-client", "web", 8080).allowed
    assert not verdict(plan, "client", "web", 8080).allowed


def test_namespace_labels_come_from_namespace_objects(lab_with) -> None:
    team = LabelSelector({"team": "a"})
    rule = PolicyRule((PolicyPeer(namespace_selector=team),))
    assert not verdict(lab_with(policy("from-team-a", app("web"), ingress=(rule,))), "prod-db", "web", 8080).allowed
    plan = lab_with(policy("from-team-a", app("web"), ingress=(rule,)), namespaces=(Namespace("prod", {"team": "a"}),))
    assert verdict(plan, "prod-db", "web", 8080).allowed


def test_pod_and_namespace_selector_in_one_peer_are_anded(lab_with) -> None:
    """docs: "Behavior of to and from selectors": one element with both selects clients in those namespaces."""
    prod = LabelSelector({"kubernetes.io/metadata.name": "prod"})
    peer = PolicyPeer(pod_selector=app("client"), namespace_selector=prod)
    plan = lab_with(policy("prod-clients", app("web"), ingress=(PolicyRule((peer,)),)))
    assert verdict(plan, "prod-client", "web", 8080).allowed
    assert not verdict(plan, "prod-db", "web", 8080).allowed  # in prod, not a client
    assert not verdict(plan, "client", "web", 8080).allowed  # a client, not in prod


def test_peers_in_a_list_are_ored(lab_with) -> None:
    prod = LabelSelector({"kubernetes.io/metadata.name": "prod"})
    peers = (PolicyPeer(namespace_selector=prod), PolicyPeer(pod_selector=app("client")))
    plan = lab_with(policy("either", app("web"), ingress=(PolicyRule(peers),)))
    assert verdict(plan, "prod-db", "web", 8080).allowed and verdict(plan, "client", "web", 8080).allowed
    assert not verdict(plan, "other", "web", 8080).allowed


def test_match_expressions_select_too(lab_with) -> None:
    not_other = LabelSelector(match_expressions=(Requirement("app", "NotIn", ("other",)),))
    plan = lab_with(policy("not-other", app("web"), ingress=(from_pods(not_other),)))
    assert verdict(plan, "client", "web", 8080).allowed and not verdict(plan, "other", "web", 8080).allowed


def test_a_rule_without_peers_admits_every_peer(lab_with) -> None:
    plan = lab_with(policy("port-only", app("web"), ingress=(PolicyRule(ports=(PolicyPort(port=8080),)),)))
    assert verdict(plan, "prod-db", "web", 8080).allowed and verdict(plan, "gateway", "web", 8080).allowed
    assert not verdict(plan, "prod-db", "web", 9000).allowed


def test_ip_block_with_except(lab_with) -> None:
    """API: IPBlock cidr and except; it matches addresses, here outside hosts' and nodes'."""
    block = PolicyPeer(ip_block=IPBlock("192.168.56.0/24", ("192.168.56.12/32",)))
    plan = lab_with(policy("underlay", app("web"), ingress=(PolicyRule((block,)),)))
    assert verdict(plan, "gateway", "web", 8080).allowed  # 192.168.56.1
    result = verdict(plan, "node-2", "web", 8080)  # 192.168.56.12: excepted
    assert not result.allowed and "from node node-2" in result.reason


def test_ip_block_applies_to_pod_ips_as_written(lab_with) -> None:
    """docs: ipBlocks should be cluster-external, pod IPs being ephemeral; netlab matches pod IPs too
    (implementations differ)."""
    plan = lab_with(
        policy("pods-of-node-2", app("web"), ingress=(PolicyRule((PolicyPeer(ip_block=IPBlock("10.244.2.0/24")),)),))
    )
    assert verdict(plan, "client", "web", 8080).allowed  # on node-2
    assert not verdict(plan, "other", "web", 8080).allowed  # on node-1


def test_a_node_address_depends_on_the_network_mode(lab_with) -> None:
    """node-2 reaches web (node-1) from eth0 in host-gw, from flannel.1 (10.244.2.0) in vxlan."""
    rule = PolicyRule((PolicyPeer(ip_block=IPBlock("10.244.0.0/16")),))
    assert not verdict(lab_with(policy("pods", app("web"), ingress=(rule,))), "node-2", "web", 8080).allowed
    assert verdict(
        lab_with(policy("pods", app("web"), ingress=(rule,)), network="vxlan"), "node-2", "web", 8080
    ).allowed


# -- ports (API: NetworkPolicyPort) ---------------------------------------------------------------
def test_a_rule_without_ports_admits_every_port_and_protocol(lab_with) -> None:
    plan = lab_with(policy("clients", app("web"), ingress=(from_pods(app("client")),)))
    assert verdict(plan, "client", "web", 9000).allowed and verdict(plan, "client", "web", 53, "UDP").allowed


def test_numbered_ports_and_protocols(lab_with) -> None:
    plan = lab_with(policy("p", app("web"), ingress=(from_pods(app("client"), PolicyPort("TCP", 8080)),)))
    assert verdict(plan, "client", "web", 8080).allowed
    assert not verdict(plan, "client", "web", 9000).allowed
    assert not verdict(plan, "client", "web", 8080, "udp").allowed


def test_a_port_without_a_number_admits_every_port_of_its_protocol(lab_with) -> None:
    plan = lab_with(policy("udp", app("web"), ingress=(from_pods(app("client"), PolicyPort("UDP")),)))
    assert verdict(plan, "client", "web", 5353, "UDP").allowed and not verdict(plan, "client", "web", 8080).allowed


def test_end_port_ranges(lab_with) -> None:
    """docs: "Targeting a range of ports": port to endPort, both included."""
    plan = lab_with(policy("range", app("web"), ingress=(from_pods(app("client"), PolicyPort("TCP", 8000, 8080)),)))
    assert verdict(plan, "client", "web", 8000).allowed and verdict(plan, "client", "web", 8080).allowed
    assert not verdict(plan, "client", "web", 9000).allowed


def test_a_named_port_means_each_targets_own_number(lab_with) -> None:
    """API: a named port is resolved on each selected pod: `http` is 8080 on web, 8081 on web-2."""
    plan = lab_with(policy("http", app("web"), ingress=(from_pods(app("client"), PolicyPort("TCP", "http")),)))
    assert verdict(plan, "client", "web", 8080).allowed and not verdict(plan, "client", "web", 8081).allowed
    assert verdict(plan, "client", "web-2", 8081).allowed and not verdict(plan, "client", "web-2", 8080).allowed
    assert not verdict(plan, "client", "web", 8080, "UDP").allowed  # the name is a TCP port's


def test_a_named_port_in_an_egress_rule_is_the_destinations(lab_with) -> None:
    egress = PolicyRule((PolicyPeer(pod_selector=app("web")),), (PolicyPort("TCP", "http"),))
    plan = lab_with(policy("client-out", app("client"), egress=(egress,), types=("Egress",)))
    assert verdict(plan, "client", "web-2", 8081).allowed and not verdict(plan, "client", "web", 8081).allowed


# -- what no policy blocks (docs: "What you can't do" and the list of identifiers) ----------------
def test_a_pod_always_reaches_itself(lab_with) -> None:
    plan = lab_with(policy("deny-all", types=("Ingress", "Egress")))
    result = verdict(plan, "web", "web", 8080)
    assert result.allowed and "cannot block access to itself" in result.reason


def test_traffic_from_the_targets_own_node_is_always_allowed(lab_with) -> None:
    """kube-router's `--src-type LOCAL` accept: web runs on node-1; node-2 is another node."""
    plan = lab_with(policy("deny-all"))
    own = verdict(plan, "node-1", "web", 8080)
    assert own.allowed and own.ingress.isolating == ("default/deny-all",)  # still isolated, as said
    assert own.reason.startswith("node node-1 -> web 8080/TCP: allowed: node-1 is web's own node")
    assert not verdict(plan, "node-2", "web", 8080).allowed


def test_an_outside_host_is_judged_by_its_own_address(lab_with) -> None:
    plan = lab_with(policy("deny-all"))
    result = verdict(plan, "gateway", "web", 8080)
    assert not result.allowed and "from host gateway" in result.reason and "host gateway is no pod" in result.reason


def test_unknown_names_are_bad_input(lab_with) -> None:
    plan = lab_with()
    with pytest.raises(BadInput, match="no pod or outside host 'node-1'"):
        verdict(plan, "web", "node-1", 8080)
    with pytest.raises(BadInput, match="no pod, node or outside host 'nope'"):
        verdict(plan, "nope", "web", 8080)


# -- egress to outside hosts (the lab's internet, 203.0.113.0/24) ----------------------------------
OUTSIDE_LAB = LAB.replace(
    "objects:\n", "outside:\n  - {name: internet}\n  - {name: mirror, address: 203.0.113.20}\nobjects:\n"
)


@pytest.fixture
def outside_with(make_lab):
    """The lab above with two outside hosts (internet 203.0.113.10, mirror 203.0.113.20), and these policies."""
    base = make_lab(OUTSIDE_LAB)
    return lambda *policies: make_plan(replace(base, network_policies=policies))


def to_block(cidr: str, *excepted: str, ports: tuple[PolicyPort, ...] = ()) -> PolicyRule:
    return PolicyRule((PolicyPeer(ip_block=IPBlock(cidr, excepted)),), ports)


def test_an_outside_host_is_judged_by_its_own_address_in_the_pods_egress(outside_with) -> None:
    """kube-router judges egress in the pod's chain (FORWARD), before the node's SNAT (POSTROUTING):
    an ipBlock matches the host's own address, and its except takes one host out."""
    rule = to_block("203.0.113.0/24", "203.0.113.10/32", ports=(PolicyPort("TCP", 80),))
    plan = outside_with(policy("web-out", app("web"), egress=(rule,), types=("Egress",)))
    denied = verdict(plan, "web", "internet", 80)
    assert not denied.allowed and denied.egress.isolating == ("default/web-out",)
    assert "no rule of theirs allows to host internet on 80/TCP" in denied.reason
    assert "host internet is no pod: no policy judges what it receives" in denied.reason
    allowed = verdict(plan, "web", "mirror", 80)
    assert allowed.allowed and allowed.egress.allowed_by == ("default/web-out egress rule 1",)
    assert not verdict(plan, "web", "mirror", 443).allowed  # not the rule's port
    assert verdict(plan, "client", "internet", 80).allowed  # no policy selects client for egress


def test_selectors_and_named_ports_never_match_an_outside_host(outside_with) -> None:
    """A podSelector peer names pods only; a named port resolves in destination pods, and a host has none."""
    to_pods = PolicyRule((PolicyPeer(pod_selector=ALL),))
    named = PolicyRule(ports=(PolicyPort("TCP", "http"),))
    plan = outside_with(policy("web-out", app("web"), egress=(to_pods, named), types=("Egress",)))
    assert not verdict(plan, "web", "internet", 80).allowed
    assert verdict(plan, "web", "client", 8080).allowed  # a pod: the podSelector peer admits it


def test_ingress_policies_and_nodes_do_not_limit_what_reaches_an_outside_host(outside_with) -> None:
    plan = outside_with(policy("deny-all", types=("Ingress",)))
    assert verdict(plan, "web", "internet", 80).allowed
    assert verdict(plan, "node-1", "internet", 80).allowed
    itself = verdict(plan, "internet", "internet", 80)
    assert itself.allowed and itself.reason == "host internet -> host internet 80/TCP: allowed: internet reaches itself"
