"""The services and dns fault families rendered for every bundled lab they fit (pure): each command
stays in a lab namespace or is netlab's own; each manifest a fault applies is valid and breaks what
the fault says; its fix's manifest gives back the lab's Services exactly; and a seed picks the same."""

from __future__ import annotations

import random

import pytest

from netlab.faults import dns, services
from netlab.faults.catalogue import FAMILIES, Breakage, Fault, catalogue
from netlab.faults.shell import EOF_MARK
from netlab.model import edit, find_lab, list_labs, load_lab
from netlab.plan import make_plan
from netlab.plan.model import LabPlan
from netlab.plan.netpol import isolated

OURS = {
    f.id: f
    for f in (
        services.SELECTOR,
        services.TARGET_PORT,
        services.ETP_LOCAL,
        services.MASQUERADE,
        services.POD_BEFORE_SERVICE,
        dns.DNS_DOWN,
        dns.WRONG_NAMESERVER,
        dns.POLICY_DNS,
    )
}
LABS = sorted(lab.name for lab in list_labs())
# Where each fault fits among the bundled labs (with their own modes): at least the lab its
# integration test breaks.
FITS = {
    "selector-matches-nothing": {"pod-to-service", "service-discovery", "service-types", "ingress-loadbalancer"},
    "wrong-target-port": {"pod-to-service", "service-types"},
    "etp-local-no-endpoint": {"ingress-loadbalancer", "service-types"},
    "masquerade-gone": {"egress"},
    "pod-before-service": {"service-discovery"},
    "dns-down": {"pod-to-service", "service-discovery", "egress", "network-policy"},
    "wrong-nameserver": {"pod-to-service", "service-discovery"},
    "policy-dns-egress": {"pod-to-service", "network-policy"},
}


def plan_of(lab: str) -> LabPlan:
    return make_plan(load_lab(find_lab(lab)))


def fitting() -> list[tuple[str, str]]:
    return [(lab, fid) for lab in LABS for fid, fault in OURS.items() if fault.fits(plan_of(lab))]


def applied(plan: LabPlan, commands: tuple[str, ...], text: str) -> str:
    """The lab file's text after the `netlab apply -f -` commands among `commands`."""
    for command in commands:
        if command.startswith(f"netlab apply {plan.name} -f - <<'{EOF_MARK}'\n"):
            body = command.split("\n", 1)[1].rsplit(EOF_MARK, 1)[0]
            text = edit.apply(text, body)
        elif command.startswith(f"netlab delete {plan.name} "):
            words = command.split()
            namespace = words[words.index("-n") + 1] if "-n" in words else "default"
            text = edit.delete(text, [words[3]], namespace)
    return text


def replanned(plan: LabPlan, text: str) -> LabPlan:
    return make_plan(load_lab(plan.lab.source, text, changed=True), network=plan.network, proxy_mode=plan.proxy_mode)


def test_registered_in_the_catalogue() -> None:
    assert {"services", "dns"} <= set(FAMILIES)
    assert {fid: catalogue()[fid] for fid in OURS} == OURS


@pytest.mark.parametrize("fid", sorted(OURS))
def test_fits_the_labs_it_is_meant_for(fid: str) -> None:
    fits = {lab for lab in LABS if OURS[fid].fits(plan_of(lab))}
    assert FITS[fid] <= fits


@pytest.mark.parametrize(("lab", "fid"), fitting())
def test_breakage_is_well_formed(lab: str, fid: str) -> None:
    plan = plan_of(lab)
    b = OURS[fid].render(plan, random.Random(7))
    assert isinstance(b, Breakage) and b.fault == fid and b.target
    assert b.inject and b.fix and b.undo and b.proof
    for command in (*b.inject, *b.fix, *b.undo):  # never anything in the host's own namespace
        assert command.startswith(
            (f"ip netns exec nl-{lab}.", f"netlab apply {lab} ", f"netlab delete {lab} ", f"netlab restart {lab} ")
        ), command
    for check in b.proof:
        assert check.applies_to(plan.network, plan.proxy_mode) and plan.netns_of(check.source)
    assert len(b.hints) == 3 and all(h.en and h.zh_tw and h.en != h.zh_tw for h in b.hints)
    fault: Fault = OURS[fid]
    assert fault.symptom.en and fault.symptom.zh_tw
    assert OURS[fid].render(plan, random.Random(7)) == b  # a seed picks the same target


@pytest.mark.parametrize(
    ("lab", "fid"),
    [
        (lab, fid)
        for lab, fid in fitting()
        if "netlab apply" in "".join(OURS[fid].render(plan_of(lab), random.Random(7)).inject)
    ],
)
def test_applied_faults_are_valid_and_their_fix_gives_the_lab_back(lab: str, fid: str) -> None:
    plan = plan_of(lab)
    b = OURS[fid].render(plan, random.Random(7))
    text = find_lab(lab).read_text()
    broken = replanned(plan, applied(plan, b.inject, text))
    if fid == "pod-before-service":  # the Service comes back as it was (its ClusterIP hashed), after the restart
        assert sorted(broken.services, key=str) == sorted(plan.services, key=str)
    else:
        assert broken.services != plan.services or broken.lab.network_policies != plan.lab.network_policies
    fixed = replanned(plan, applied(plan, b.fix, applied(plan, b.inject, text)))
    assert sorted(fixed.services, key=str) == sorted(plan.services, key=str)
    assert fixed.lab.network_policies == plan.lab.network_policies
    assert [(p.name, p.ip) for p in fixed.pods] == [(p.name, p.ip) for p in plan.pods]


def test_selector_leaves_the_service_without_endpoints() -> None:
    plan = plan_of("pod-to-service")
    b = services.SELECTOR.render(plan, random.Random(1))
    broken = replanned(plan, applied(plan, b.inject, find_lab("pod-to-service").read_text()))
    name = b.target.split()[1]
    assert not any(port.endpoints for port in broken.known_service(name).ports)
    assert plan.known_service(name).ports[0].endpoints


def test_target_port_points_the_endpoints_where_nothing_listens() -> None:
    plan = plan_of("pod-to-service")
    b = services.TARGET_PORT.render(plan, random.Random(1))
    broken = replanned(plan, applied(plan, b.inject, find_lab("pod-to-service").read_text()))
    svc = broken.known_service(b.target.split()[1])
    for port in svc.ports:
        for ep in port.endpoints:
            pod = next(p for p in plan.pods if p.name == ep.pod)
            assert ep.port not in {number for number, _ in pod.echo_ports()}
    assert {ep.port for ep in svc.ports[0].endpoints} == {80}  # the classic slip: targetPort left at port


def test_etp_local_picks_a_node_without_an_endpoint() -> None:
    plan = plan_of("ingress-loadbalancer")
    b = services.ETP_LOCAL.render(plan, random.Random(1))
    assert b.target == "Service web on node-3"
    broken = replanned(plan, applied(plan, b.inject, find_lab("ingress-loadbalancer").read_text()))
    assert broken.known_service("web").external_local and not broken.known_service("web").local_endpoints("node-3")
    assert all(":30080/" in c.target for c in b.proof)  # node-3's NodePort, not the LoadBalancer IP


def test_masquerade_deletes_the_last_rule_and_puts_it_back_last() -> None:
    plan = plan_of("egress")
    b = services.MASQUERADE.render(plan, random.Random(1))
    node = next(n for n in plan.nodes if b.target.startswith(n.name))
    assert b.inject[0].startswith(f"ip netns exec {node.netns} iptables -t nat -D IP-MASQ-AGENT ")
    assert b.fix[0] == b.inject[0].replace(" -D ", " -A ") and b.fix[0].endswith("-j MASQUERADE")
    assert all(next(p for p in plan.pods if p.name == c.source).node == node.name for c in b.proof)


def test_pod_before_service_restarts_the_pod_while_the_service_is_gone() -> None:
    plan = plan_of("service-discovery")
    b = services.POD_BEFORE_SERVICE.render(plan, random.Random(1))
    assert b.inject == (
        "netlab delete service-discovery service/web",
        "netlab restart service-discovery late",
        b.inject[2],
    ) and b.inject[2].startswith("netlab apply service-discovery -f -")
    assert b.fix == ("netlab restart service-discovery late",)
    assert {c.target for c in b.proof} == {"WEB_SERVICE_HOST", "WEB_SERVICE_PORT_HTTP"}


def test_dns_down_takes_every_coredns_pod_off_and_back() -> None:
    plan = plan_of("pod-to-service")
    b = dns.DNS_DOWN.render(plan, random.Random(1))
    coredns = [p for p in plan.pods if p.namespace == "kube-system"]
    assert len(b.inject) == len(coredns) == 2
    for pod in coredns:
        assert f"ip netns exec {pod.netns} ip route replace default via {pod.gateway} dev eth0" in b.fix
    assert b.proof[0].expect == {"answers": ["kube-dns.kube-system"]}


def test_wrong_nameserver_changes_only_the_nameserver() -> None:
    plan = plan_of("pod-to-service")
    b = dns.WRONG_NAMESERVER.render(plan, random.Random(1))
    assert "nameserver 10.96.0.10" not in b.inject[0] and "nameserver 10.96.0.11" in b.inject[0]
    assert "nameserver 10.96.0.10" in b.fix[0] and "options ndots:5" in b.fix[0]
    assert b.inject[0].replace("10.96.0.11", "10.96.0.10") == b.fix[0]


def test_policy_isolates_the_namespace_for_egress() -> None:
    plan = plan_of("pod-to-service")
    b = dns.POLICY_DNS.render(plan, random.Random(1))
    broken = replanned(plan, applied(plan, b.inject, find_lab("pod-to-service").read_text()))
    (policy,) = broken.lab.network_policies
    assert (policy.name, policy.policy_types, policy.egress) == ("default-deny-egress", ("Egress",), ())
    assert isolated(broken, broken.member(b.proof[0].source), "Egress") == (policy,)  # type: ignore[arg-type]
    assert b.fix == ("netlab delete pod-to-service networkpolicy/default-deny-egress -n default",)


def test_no_policy_fault_where_the_namespace_has_policies_already() -> None:
    plan = plan_of("network-policy")
    b = dns.POLICY_DNS.render(plan, random.Random(1))
    assert b.target not in {f"namespace {p.namespace}" for p in plan.lab.network_policies}
