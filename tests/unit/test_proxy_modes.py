"""The mode objects: one per kube-proxy mode, found by the lab's proxy mode, each saying what it needs."""

from __future__ import annotations

import pytest
from test_imports import heavy_imports

from netlab.model.lab import PROXY_MODES
from netlab.plan import make_plan
from netlab.proxy import mode_of
from netlab.proxy.ipvs import STRICT_ARP


@pytest.mark.parametrize("name", PROXY_MODES)
def test_every_proxy_mode_has_its_object(bundled_lab, name: str) -> None:
    plan = make_plan(bundled_lab("pod-to-service"), proxy_mode=name)
    mode = mode_of(plan)
    assert mode.name == name
    assert mode.tools  # what `up` asks for on PATH
    assert f"ip netns exec {plan.nodes[0].netns} " in mode.commands(plan, plan.nodes[0])


@pytest.mark.parametrize(
    "lab, mode, sysctls",
    [
        ("ingress-metallb", "ipvs", STRICT_ARP),  # MetalLB L2 asks for kube-proxy's strictARP
        ("ingress-metallb", "iptables", []),
        ("ingress-loadbalancer", "ipvs", []),
    ],
)
def test_strict_arp_only_for_ipvs_beside_metallb_l2(bundled_lab, lab: str, mode: str, sysctls: list) -> None:
    plan = make_plan(bundled_lab(lab), proxy_mode=mode)
    assert mode_of(plan).node_sysctls(plan) == sysctls


def test_the_ipvs_mode_loads_netlink_only_to_touch_the_kernel() -> None:
    """`explain` and `check` of an IPVS lab render and list: pyroute2 is for the sync and status."""
    assert heavy_imports("netlab.proxy.ipvs") == []
