"""netlab doctor on real labs: clean right after `up` on every bundled lab (and in both pod networks
and proxy modes for two), and faults made by hand, without `netlab break` (a link down, ip_forward
off, a route deleted, a kube-proxy rule deleted, a learner's DROP in FORWARD, hairpin off,
rp_filter strict, cluster DNS deaf, a VXLAN forwarding entry deleted, the underlay's MTU below VXLAN's, an nftables
table of the learner's own): doctor names the object (exit 1), and is clean again after the hand
repair."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest
from harness import lab_up, netlab

from netlab.model import find_lab, list_labs, load_lab
from netlab.plan import LabPlan, make_plan
from netlab.render.nftables import render_nftables


def doctor(lab: str) -> tuple[int, list[dict]]:
    run = netlab("doctor", lab, "--json")
    assert run.code in (0, 1), run.err
    report = json.loads(run.out)
    assert report["healthy"] == (run.code == 0) == (report["findings"] == [])
    return run.code, report["findings"]


def sh(netns: str, command: str) -> str:
    """A command inside a lab namespace (never the host's), bounded in time."""
    done = subprocess.run(
        ["ip", "netns", "exec", netns, *shlex.split(command)], capture_output=True, text=True, timeout=20, check=True
    )
    return done.stdout


@pytest.mark.parametrize("lab", [lab.name for lab in list_labs()])
def test_doctor_is_clean_after_up(lab: str) -> None:
    with lab_up(lab):
        code, findings = doctor(lab)
        assert code == 0 and not findings, findings
        text = netlab("doctor", lab)
        assert text.code == 0 and f"{lab}: healthy" in text.out


@pytest.mark.parametrize("mode", ["iptables", "nftables"])
@pytest.mark.parametrize("network", ["host-gw", "vxlan"])
@pytest.mark.parametrize("lab", ["pod-to-service", "service-types"])
def test_doctor_is_clean_in_every_mode(lab: str, network: str, mode: str) -> None:
    with lab_up(lab, "--proxy-mode", mode, network=network):
        code, findings = doctor(lab)
        assert code == 0 and not findings, findings


def plan_of(lab: str, network: str) -> LabPlan:
    return make_plan(load_lab(find_lab(lab)), network=network)


def named(findings: list[dict], netns: str, kind: str, text: str) -> bool:
    return any(f["netns"] == netns and f["kind"] == kind and text in f["object"] for f in findings)


def fault(lab: str, netns: str, kind: str, text: str, breaks: str, repairs: list[str], also: str = "") -> None:
    """Break by hand, doctor names it (its object holds `text` and `also`); repair by hand, doctor is clean."""
    sh(netns, breaks)
    code, findings = doctor(lab)
    assert code == 1 and named(findings, netns, kind, text) and named(findings, netns, kind, also), findings
    assert all(f["show"].startswith(("ip -n ", "ip netns exec ", "ip netns list")) for f in findings)
    for repair in repairs:
        sh(netns, repair)
    code, findings = doctor(lab)
    assert code == 0 and not findings, findings


def test_hand_made_faults_host_gw() -> None:
    lab = "pod-to-service"
    plan = plan_of(lab, "host-gw")
    node, other = plan.nodes[0], plan.nodes[1]
    pod = next(p for p in plan.pods if p.node == node.name)
    with lab_up(lab, network="host-gw"):
        assert doctor(lab) == (0, [])
        fault(
            lab,
            pod.netns,
            "link",
            "link eth0",
            "ip link set eth0 down",
            ["ip link set eth0 up", f"ip route replace default via {pod.gateway} dev eth0"],
        )
        fault(
            lab,
            node.netns,
            "sysctl",
            "net.ipv4.ip_forward",
            "sysctl -w net.ipv4.ip_forward=0",
            ["sysctl -w net.ipv4.ip_forward=1"],
        )
        route = f"{other.pod_cidr} via {other.ip.ip} dev eth0"
        fault(lab, node.netns, "route", str(other.pod_cidr), f"ip route del {route}", [f"ip route add {route}"])
        sep = next(
            line
            for line in sh(node.netns, "iptables-save -t nat").splitlines()
            if line.startswith("-A KUBE-SEP-") and "DNAT" in line
        )
        rule, dnat = sep.removeprefix("-A "), sep[sep.index("-j DNAT") :]
        chain = rule.split()[0]
        fault(
            lab, node.netns, "rule", f"-A {chain} ", f"iptables -t nat -D {rule}", [f"iptables -t nat -A {rule}"], dnat
        )
        drop = "FORWARD -p tcp --dport 8080 -j DROP"
        fault(lab, node.netns, "rule", "-j DROP", f"iptables -I {drop}", [f"iptables -D {drop}"])
        fault(
            lab,
            node.netns,
            "hairpin",
            pod.host_veth,
            f"bridge link set dev {pod.host_veth} hairpin off",
            [f"bridge link set dev {pod.host_veth} hairpin on"],
        )
        dns = next(p for p in plan.pods if p.name.startswith("coredns"))
        drop_dns = "INPUT -p udp --dport 53 -j DROP"
        fault(lab, dns.netns, "dns", "cluster DNS", f"iptables -I {drop_dns}", [f"iptables -D {drop_dns}"])
        fault(
            lab,
            node.netns,
            "sysctl",
            "rp_filter",
            "sysctl -w net.ipv4.conf.all.rp_filter=1",
            ["sysctl -w net.ipv4.conf.all.rp_filter=0"],
        )


def test_hand_made_faults_vxlan() -> None:
    lab = "pod-to-service"
    plan = plan_of(lab, "vxlan")
    node, other = plan.nodes[0], plan.nodes[1]
    with lab_up(lab, network="vxlan"):
        assert doctor(lab) == (0, [])
        entry = f"{other.vtep_mac} dev flannel.1 dst {other.ip.ip}"
        fault(
            lab,
            node.netns,
            "fdb",
            other.vtep_mac,
            f"bridge fdb del {entry}",
            [f"bridge fdb append {entry} self permanent"],
        )
        fault(
            lab,
            node.netns,
            "mtu",
            "link eth0",
            "ip link set eth0 mtu 1400",  # the underlay's below flannel.1's 1450 + VXLAN's 50
            ["ip link set eth0 mtu 1500"],
        )
        fault(lab, node.netns, "rule", "nft table inet mine", "nft add table inet mine", ["nft delete table inet mine"])


def test_hand_made_fault_nftables() -> None:
    lab = "pod-to-service"
    plan = make_plan(load_lab(find_lab(lab)), network="host-gw", proxy_mode="nftables")
    node = plan.nodes[0]
    web = next(s for s in plan.services if s.name == "web")
    cluster = plan.lab.cluster
    script = render_nftables(plan.services, cluster.pod_cidr, cluster.service_cidr, node)
    add = next(
        line
        for line in script.splitlines()
        if line.startswith("add element ip kube-proxy service-ips {") and f"{{ {web.cluster_ip} . tcp . " in line
    )
    key = add.split("{ ", 1)[1].split(" :", 1)[0]
    with lab_up(lab, "--proxy-mode", "nftables", network="host-gw"):
        assert doctor(lab) == (0, [])
        fault(
            lab,
            node.netns,
            "rule",
            f"nft element service-ips {{ {key} : ",
            f"nft delete element ip kube-proxy service-ips {{ {key} }}",
            [f"nft {add}"],
        )
