"""netlab.kernel.netpolcheck: a policy's SCTP port needs iptables' sctp match (xt_sctp), found
registered or among the kernel's modules, never loaded by netlab; without it, one clear line."""

from __future__ import annotations

from dataclasses import replace

import pytest

from netlab.errors import EnvironmentProblem
from netlab.kernel import netpolcheck
from netlab.model.policytypes import LabelSelector, NetworkPolicy, PolicyPort, PolicyRule

LAB = "name: sc\ncluster: {nodes: [node-1], dns: false}\nobjects: []\n"
SCTP = NetworkPolicy(
    "sctp-in", "default", LabelSelector(), ("Ingress",), (PolicyRule(ports=(PolicyPort("SCTP", 5000),)),)
)
TCP = NetworkPolicy("tcp-in", "default", LabelSelector(), ("Ingress",), (PolicyRule(ports=(PolicyPort("TCP", 80),)),))


def test_the_sctp_match_is_found_registered_built_in_or_as_a_module() -> None:
    assert netpolcheck.has_sctp_match("tcp\nsctp\nudp\n", "")
    assert netpolcheck.has_sctp_match("tcp\n", "kernel/net/netfilter/xt_sctp.ko\n")
    assert netpolcheck.has_sctp_match("", "kernel/net/netfilter/xt_sctp.ko.xz: kernel/net/netfilter/x_tables.ko.xz\n")
    assert not netpolcheck.has_sctp_match("tcp\nudp\n", "kernel/net/sctp/sctp.ko\n")  # SCTP sockets, not the match


def test_only_policies_with_an_sctp_port_need_it(make_lab, monkeypatch) -> None:
    monkeypatch.setenv(netpolcheck.FAULT_NO_SCTP, "1")
    lab = make_lab(LAB)
    netpolcheck.require_kernel(replace(lab, network_policies=(TCP,)))  # nothing asked of the kernel
    with pytest.raises(
        EnvironmentProblem,
        match=r"^this kernel has no SCTP match for iptables \(xt_sctp\): "
        r"NetworkPolicy default/sctp-in's SCTP port cannot be enforced",
    ):
        netpolcheck.require_kernel(replace(lab, network_policies=(TCP, SCTP)))
    assert netpolcheck.sctp_policies(replace(lab, network_policies=(TCP, SCTP))) == ["default/sctp-in"]
