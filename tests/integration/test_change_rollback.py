"""A change (apply, scale) that fails rolls back completely, like a failed `up`: one failure per step.

Each test reads the lab back before and after the failed change: `status --json`, every namespace
of the lab with its links (names and MACs), the nodes' kube-proxy rules; they must be identical, every
pod must still answer (`verify`), and the same change done right must then work.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from harness import lab_up, netlab, write_lab
from labgen import web_deployment

from netlab.plan.build import host_veth_name

SLEEPER = """\
  - apiVersion: v1
    kind: Pod
    metadata: {name: sleeper}
    spec:
      containers:
        - name: main
          command: [sleep, "600"]
"""
SERVICE = """\
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec:
      selector: {app: web}
      ports: [{port: 80, targetPort: 8080}]
"""


def in_netns(netns: str, *argv: str) -> str:
    done = subprocess.run(["ip", "netns", "exec", netns, *argv], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def lab_netns(lab: str) -> list[str]:
    return sorted(p.name for p in Path("/run/netns").glob(f"nl-{lab}.*"))


def rules(netns: str, mode: str) -> list[str]:
    """The node's kube-proxy rules as the kernel holds them (without counters and dates)."""
    if mode == "nftables":
        return sorted(in_netns(netns, "nft", "list", "table", "ip", "kube-proxy").splitlines())
    saved = in_netns(netns, "iptables-save").splitlines()
    return [re.sub(r"\[\d+:\d+\]", "", line) for line in saved if not line.startswith("#")]


def kernel(lab: str, mode: str = "iptables") -> dict:
    """What the kernel holds for the lab: its namespaces, their links with their MACs (but the random
    ones of the veths' node ends, as the CNI bridge plugin leaves them), the nodes' rules."""
    status = json.loads(netlab("status", lab, "--json").out)
    links = {
        ns: sorted(
            (link["ifname"], None if link["ifname"].startswith("veth") else link.get("address"))
            for link in json.loads(in_netns(ns, "ip", "-j", "link"))
        )
        for ns in lab_netns(lab)
    }
    return {
        "status": status,
        "links": links,
        "rules": {n["name"]: rules(n["netns"], mode) for n in status["nodes"]},
    }


def fails_and_rolls_back(lab: str, argv: list[str], said: str, mode: str = "iptables", env: dict | None = None) -> None:
    before = kernel(lab, mode)
    run = netlab(*argv, user_env=env)
    assert run.code == 1, run.err
    assert len(run.err.strip().splitlines()) == 1 and said in run.err, run.err
    after = kernel(lab, mode)
    for key in before:
        assert after[key] == before[key], key
    verify = netlab("verify", lab)
    assert verify.code == 0, verify.out + verify.err


def test_a_failed_link_rolls_back(tmp_path: Path) -> None:
    """A pre-existing link of the name the new pod's veth would take: the replaced pods come back."""
    lab = write_lab(tmp_path, "t-rb-links", extra=SERVICE)
    with lab_up(str(lab)):
        nodes = [n["netns"] for n in json.loads(netlab("status", "t-rb-links", "--json").out)["nodes"]]
        veth = host_veth_name("default", "web-2")
        for ns in nodes:  # wherever web-2 lands, its veth's name is taken
            in_netns(ns, "ip", "link", "add", veth, "type", "bridge")
        manifest = tmp_path / "web.yaml"
        manifest.write_text(web_deployment(3, "ports: [{containerPort: 8080}]\n          env: [{name: V, value: '2'}]"))
        fails_and_rolls_back("t-rb-links", ["apply", "t-rb-links", "-f", str(manifest)], "File exists")
        for ns in nodes:
            in_netns(ns, "ip", "link", "del", veth)
        assert netlab("apply", "t-rb-links", "-f", str(manifest)).code == 0
        assert "nl-t-rb-links.web-2" in lab_netns("t-rb-links")
        assert netlab("verify", "t-rb-links").code == 0
    assert lab_netns("t-rb-links") == []


@pytest.mark.parametrize("mode", ["iptables", "nftables"])
def test_failed_rules_roll_back(tmp_path: Path, mode: str) -> None:
    """The rules fail once every node holds the new ones (NETLAB_FAULT_RULES): the old ones come back whole."""
    lab = write_lab(tmp_path, "t-rb-rules", extra=SERVICE)
    with lab_up(str(lab), "--proxy-mode", mode):
        argv = ["scale", "t-rb-rules", "web", "3"]
        fails_and_rolls_back("t-rb-rules", argv, "NETLAB_FAULT_RULES", mode, env={"NETLAB_FAULT_RULES": "1"})
        assert netlab(*argv).code == 0
        pods = json.loads(netlab("status", "t-rb-rules", "--json").out)["pods"]
        assert [p["name"] for p in pods if p["name"].startswith("web-")] == ["web-0", "web-1", "web-2"]
    assert lab_netns("t-rb-rules") == []


def test_a_workload_that_cannot_start_rolls_back(tmp_path: Path) -> None:
    """A command that cannot run: the replaced pods and the replaced command pod come back, with their processes."""
    lab = write_lab(tmp_path, "t-rb-work", extra=SERVICE + SLEEPER)
    with lab_up(str(lab)):
        manifest = tmp_path / "bad.yaml"
        sleeper = "apiVersion: v1\nkind: Pod\nmetadata: {name: sleeper}\nspec:\n  containers:\n"
        manifest.write_text(
            web_deployment(2, "command: [/no/such/program]")
            + "---\n"
            + sleeper
            + '    - {name: main, command: [sleep, "601"]}\n'
        )
        fails_and_rolls_back("t-rb-work", ["apply", "t-rb-work", "-f", str(manifest)], "cannot run /no/such/program")
        assert "sleep 600" in in_netns("nl-t-rb-work.sleeper", "ps", "-o", "args=", "-e")
        manifest.write_text(web_deployment(2, "command: [sleep, '600']"))
        assert netlab("apply", "t-rb-work", "-f", str(manifest)).code == 0


def test_args_without_command_go_to_the_echo_server(tmp_path: Path) -> None:
    """The Kubernetes docs' MongoDB pod: the echo server answers on its port and notes the args it ignores."""
    lab = write_lab(tmp_path, "t-rb-args")
    with lab_up(str(lab)):
        manifest = tmp_path / "mongo.yaml"
        manifest.write_text(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: mongo, labels: {app: mongo}}\nspec:\n  containers:\n"
            '    - {name: mongo, image: "mongo:4.2", args: ["--bind_ip", "0.0.0.0"], ports: [{containerPort: 27017}]}\n'
        )
        applied = netlab("apply", "t-rb-args", "-f", str(manifest))
        assert applied.code == 0, applied.err
        assert applied.out.count("--bind_ip 0.0.0.0") == 1, applied.out
        pods = {p["name"]: p["ip"] for p in json.loads(netlab("status", "t-rb-args", "--json").out)["pods"]}
        url = f"http://{pods['mongo'].split('/')[0]}:27017/hostname"
        answer = netlab("exec", "t-rb-args", "web-0", "--", "curl", "-s", "-m", "3", url)
        assert answer.out.strip() == "mongo", answer
    assert lab_netns("t-rb-args") == []
