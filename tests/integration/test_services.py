"""Services in a running lab: kube-proxy's rules follow scale, apply and delete in every proxy
mode (IPVS where the kernel has it), and stale UDP conntrack entries are flushed."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from harness import PROXY_MODES, lab_up, netlab, repeat

from netlab.model import find_lab, load_lab
from netlab.plan import make_plan

PLAN = make_plan(load_lab(find_lab("pod-to-service")))
WEB = str(PLAN.known_service("web").cluster_ip)
WEB_UDP = str(PLAN.known_service("web-udp").cluster_ip)


def _answers(url: str, count: int) -> set[str]:
    """Who answers `count` requests from the client pod."""
    got = repeat("pod-to-service", "client", ["curl", "-s", "--max-time", "2", url], count)
    return {g.out if g.code == 0 else f"error {g.code}" for g in got}


def _failed_checks() -> list[dict]:
    """`netlab verify`'s failed checks, each with its detail (a failed assertion shows why)."""
    verify = netlab("verify", "pod-to-service", "--json")
    failed = [c for c in json.loads(verify.out)["checks"] if not c["passed"] and not c["pending"]]
    assert failed or verify.code == 0, verify.err
    return failed


def _services() -> dict[str, dict]:
    status = netlab("status", "pod-to-service", "--json")
    assert status.code == 0, status.err
    return {s["name"]: s for s in json.loads(status.out)["services"]}


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_scale_moves_the_endpoints_and_the_rules_follow(mode: str) -> None:
    with lab_up("pod-to-service", "--proxy-mode", mode):
        down = netlab("scale", "pod-to-service", "web", "1")
        assert down.code == 0 and "1 removed (web-1)" in down.out, down.err
        assert _services()["web"]["endpoints"] == ["10.244.1.3:8080"]
        assert _answers(f"http://{WEB}/hostname", 12) == {"web-0"}
        verify = json.loads(netlab("verify", "pod-to-service", "--json").out)
        first = verify["checks"][0]
        assert not first["passed"] and "web-1 never answered" in first["detail"]
        up = netlab("scale", "pod-to-service", "web", "2")
        assert up.code == 0 and "1 pod(s) added (web-1)" in up.out, up.err
        assert _services()["web"]["endpoints"] == ["10.244.1.3:8080", "10.244.2.2:8080"]
        assert _failed_checks() == []


def _udp_from(port: int) -> str:
    """One datagram to web-udp from the client's fixed source port: who answered."""
    script = (
        "import socket,sys;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(2);"
        f"s.bind(('',{port}));s.connect(('{WEB_UDP}',53));s.send(b'hostname')\n"
        "try: print(s.recv(100).decode())\nexcept OSError: print('no answer')"
    )
    return netlab("exec", "pod-to-service", "client", "--", "python3", "-c", script).out.strip()


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_stale_udp_flows_are_flushed_when_their_endpoint_goes(mode: str) -> None:
    """A client that keeps its source port keeps its conntrack entry: once web-1 is gone, only
    kube-proxy's flush lets that flow reach web-0 again (before the entry times out). In IPVS
    mode the kernel forgets a deleted real server's connections itself, conntrack entries with
    them (net.ipv4.vs.expire_nodest_conn=1, as kube-proxy sets it), so the flush finds none."""
    node = ["ip", "netns", "exec", "nl-pod-to-service.node-1"]
    with lab_up("pod-to-service", "--proxy-mode", mode):
        pinned = next((p for p in range(41000, 41040) if _udp_from(p) == "web-1"), None)
        assert pinned, "no source port was sent to web-1 in 40 tries"
        scaled = netlab("scale", "pod-to-service", "web", "1")
        if mode != "ipvs":
            assert "stale UDP conntrack entries flushed" in scaled.out, scaled.out
        gone_web_1 = "0AF40202"  # 10.244.2.2 as /proc/net/ip_vs_conn writes it
        for _ in range(50):  # IPVS expires them from a work queue: moments, bounded here to 5 s
            held = subprocess.run(
                [*node, "conntrack", "-L", "-p", "udp", "--orig-dst", WEB_UDP], capture_output=True, text=True
            ).stdout
            if mode == "ipvs":
                held += subprocess.run([*node, "cat", "/proc/net/ip_vs_conn"], capture_output=True, text=True).stdout
            if "10.244.2.2" not in held and gone_web_1 not in held:
                break
            time.sleep(0.1)
        assert "10.244.2.2" not in held and gone_web_1 not in held, held
        assert _udp_from(pinned) == "web-0"


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_apply_adds_and_changes_services_and_delete_removes_them(mode: str, tmp_path) -> None:
    with lab_up("pod-to-service", "--proxy-mode", mode):
        manifest = tmp_path / "extra.yaml"
        manifest.write_text("""\
apiVersion: v1
kind: Service
metadata: {name: extra}
spec:
  clusterIP: 10.96.7.7
  selector: {app: web}
  ports: [{name: http, port: 8081, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: nobody-home}
spec:
  selector: {app: client}
  ports: [{name: http, port: 80, targetPort: 8080}]
""")
        applied = netlab("apply", "pod-to-service", "-f", str(manifest))
        assert applied.code == 0, applied.err
        services = _services()
        assert services["extra"]["clusterIP"] == "10.96.7.7" and services["extra"]["programmed"]
        assert _answers("http://10.96.7.7:8081/hostname", 12) == {"web-0", "web-1"}
        home = services["nobody-home"]["clusterIP"]
        assert _answers(f"http://{home}/hostname", 2) == {"client"}  # it has an endpoint now
        deleted = netlab("delete", "pod-to-service", "service/extra")
        assert deleted.code == 0, deleted.err
        assert "extra" not in _services()
        assert not _answers("http://10.96.7.7:8081/hostname", 1) & {"web-0", "web-1"}


def test_a_bad_change_changes_nothing(tmp_path) -> None:
    with lab_up("pod-to-service"):
        broken = tmp_path / "broken.yaml"
        broken.write_text(
            "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {selctor: {}, ports: [{port: 80}]}\n"
        )
        run = netlab("apply", "pod-to-service", "-f", str(broken))
        assert run.code == 2 and "spec.selctor: unknown field (did you mean selector?)" in run.err
        assert netlab("scale", "pod-to-service", "nope", "1").code == 2
        assert netlab("delete", "pod-to-service", "service/nope").code == 2
        assert _failed_checks() == []


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_down_leaves_no_rule_and_no_conntrack_entry_on_the_host(mode: str) -> None:
    """The rules, sets, IPVS services and conntrack entries all lived in the lab's node
    namespaces: after down, the host's own tables show nothing of the lab (the host's ruleset is
    compared byte for byte by test_zz_host_untouched)."""
    with lab_up("pod-to-service", "--proxy-mode", mode):
        assert _failed_checks() == []
    host = subprocess.run(["conntrack", "-L"], capture_output=True, text=True).stdout
    addresses = [WEB, WEB_UDP, "10.244.1.", "10.244.2."]
    assert not [line for line in host.splitlines() if any(a in line for a in addresses)]
    assert "kube-proxy" not in subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout
