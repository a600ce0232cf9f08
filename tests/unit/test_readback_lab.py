"""A running lab as the kernel holds it (readback.lab): what status reports and diagram draws."""

from __future__ import annotations

from netlab.plan import make_plan
from netlab.readback.lab import held_services


def test_services_hold_what_the_rules_and_cluster_dns_hold(bundled_lab) -> None:
    plan = make_plan(bundled_lab("service-discovery"))
    programmed = {
        "default/web:http": ("10.108.209.100:80/TCP", ["10.244.2.2:8080", "10.244.1.3:8080"]),
        "shop/api:http": (None, ["10.244.1.6:8080"]),  # its endpoints, but no frontend: not programmed
    }
    in_dns = {"db.shop": {"10.244.2.3"}}  # the headless Service: one of its two pods answered so far
    held = {h.service.name: h for h in held_services(plan, programmed, in_dns)}
    assert [str(e) for e in held["web"].endpoints] == ["10.244.1.3:8080", "10.244.2.2:8080"]  # as kube-proxy sorts
    assert held["web"].programmed is True and held["api"].programmed is False
    assert held["kube-dns"].endpoints == () and held["kube-dns"].programmed is False  # not in the rules at all
    assert [str(e) for e in held["db"].endpoints] == ["10.244.2.3:5432"] and held["db"].programmed is None
    assert held["external"].endpoints == () and held["external"].programmed is None  # ExternalName: no rules


def test_endpoints_sort_as_strings_as_kube_proxy_sorts_them(bundled_lab) -> None:
    plan = make_plan(bundled_lab("service-discovery"))
    programmed = {"default/web:http": ("10.108.209.100:80/TCP", ["10.244.1.10:8080", "10.244.1.9:8080"])}
    (web,) = [h for h in held_services(plan, programmed, {}) if h.service.name == "web"]
    assert [str(e) for e in web.endpoints] == ["10.244.1.10:8080", "10.244.1.9:8080"]
