"""Learner mode on real labs: every task of every bundled lab is left, judged, attempted wrongly,
solved; until-step and step build exactly what a step names; a learner's own correct work counts."""

from __future__ import annotations

import json
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from harness import IPVS, lab_up, netlab

from netlab.model import find_lab, load_lab
from netlab.model.lab import Task
from netlab.model.tasks import service_key
from netlab.plan import LabPlan, make_plan
from netlab.plan.tasks import lab_tasks

LABS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "labs").glob("*.yaml"))
STEPS = sorted({(lab, t.step) for lab in LABS for t in lab_tasks(load_lab(find_lab(lab)))})


def sh(*argv: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, f"{' '.join(argv)}: {done.stderr}"


def checked(lab: str) -> dict[str, dict]:
    done = netlab("check", lab, "--json")
    assert done.code in (0, 1), done.err
    return {t["task"]: t for t in json.loads(done.out)["tasks"]}


def wrong_attempt(plan: LabPlan, task: Task) -> str:
    """Do the task by hand, wrongly, as a learner might; return a word the hint must say."""
    if task.kind == "veth":
        pod = next(p for p in plan.pods if p.name == task.target)
        node = next(n for n in plan.nodes if n.name == pod.node)
        sh(
            "ip",
            "-n",
            node.netns,
            "link",
            "add",
            "vethmine",
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            pod.netns,
        )
        sh("ip", "-n", node.netns, "link", "set", "vethmine", "master", "cni0", "up")
        sh("ip", "-n", pod.netns, "link", "set", "eth0", "up")
        sh("ip", "-n", pod.netns, "addr", "add", f"{pod.ip.ip}/32", "dev", "eth0")
        return "wrong prefix length"
    if task.kind == "routes":
        node = next(n for n in plan.nodes if n.name == task.target)
        other = next(n for n in plan.nodes if n is not node)
        sh("ip", "-n", node.netns, "route", "add", str(other.pod_cidr), "via", str(plan.gateway.ip.ip))
        return "goes via"
    if task.kind == "policy":  # the policy's name, but every pod of its namespace allowed everything
        name, namespace = service_key(task.target)
        allow_all = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "ingress": [{}], "egress": [{}]},
        }
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as manifest:
            manifest.write(json.dumps(allow_all))
            manifest.flush()
            done = netlab("apply", plan.name, "-f", manifest.name)
        assert done.code == 0, done.err
        return "the policy should stop it"
    svc = plan.known_service(*service_key(task.target))
    port = svc.ports[0]
    sh(
        "ip",
        "netns",
        "exec",
        plan.nodes[0].netns,
        "iptables",
        "-t",
        "nat",
        "-A",
        "OUTPUT",
        "-d",
        str(svc.cluster_ip),
        "-p",
        port.protocol.lower(),
        "--dport",
        str(port.port),
        "-j",
        "DNAT",
        "--to-destination",
        str(port.endpoints[0]),
    )
    return "PREROUTING"


@pytest.mark.parametrize("lab,step", STEPS, ids=[f"{lab}-step{step}" for lab, step in STEPS])
def test_each_task_is_not_yet_then_hinted_then_done_after_solve(lab: str, step: int) -> None:
    plan = make_plan(load_lab(find_lab(lab)))
    tasks = [t.task for t in lab_tasks(plan.lab) if t.step == step]
    with lab_up(lab, "--leave", str(step)) as up:
        assert "left for you" in up.out
        before = checked(lab)
        assert set(before) == {str(t) for t in tasks}
        assert not any(t["done"] for t in before.values()), before
        for task in tasks:
            said = wrong_attempt(plan, task)
            verdict = checked(lab)[str(task)]
            assert not verdict["done"] and said in verdict["detail"], verdict
        solved = netlab("solve", lab, str(step))
        assert solved.code == 0, solved.err
        after = checked(lab)
        assert all(t["done"] for t in after.values()), after


def _links_routes(plan: LabPlan) -> set[str]:
    """Every link, address and route of the lab's nodes and pods, as one set (a bridge's carrier, `linkdown`,
    comes and goes with its ports: not an object)."""
    seen = set()
    for netns in [n.netns for n in plan.nodes] + [p.netns for p in plan.pods]:
        for what in (["-o", "link"], ["-o", "-4", "addr"], ["route"]):
            listed = subprocess.run(["ip", "-n", netns, *what], capture_output=True, text=True, timeout=30).stdout
            for line in listed.splitlines():
                if "lo:" not in line and "scope host lo" not in line:
                    text = line.split()[1] if "link" in what else line.replace(" linkdown", "").strip()
                    seen.add(f"{netns}: {text}")
    return seen


def test_until_step_and_step_build_exactly_what_each_step_names() -> None:
    lab = "pod-to-pod-cross-node"
    plan = make_plan(load_lab(find_lab(lab)))
    node1, node2 = plan.nodes
    pod1, pod4 = plan.pods
    with lab_up(lab, "--until-step", "1"):
        built = _links_routes(plan)
        assert any(line.startswith(f"{pod1.netns}: ") and "eth0" in line for line in built)
        assert not any(line.startswith(f"{pod4.netns}: ") for line in built)
        assert not any("10.244.2.0/24" in line for line in built if line.startswith(f"{node1.netns}: "))

        stepped = netlab("step", lab)
        assert stepped.code == 0, stepped.err
        assert "built step 2" in stepped.out and "route add 10.244.2.0/24 via 192.168.56.12" in stepped.out
        added = _links_routes(plan) - built
        assert added == {f"{node1.netns}: 10.244.2.0/24 via 192.168.56.12 dev eth0"}, added

        before = _links_routes(plan)
        stepped = netlab("step", lab)
        assert "built step 5" in stepped.out and "veth pod-4, routes node-2" in stepped.out
        added = _links_routes(plan) - before
        assert {line.split(":")[0] for line in added} == {node2.netns, pod4.netns}, added
        assert f"{node2.netns}: 10.244.1.0/24 via 192.168.56.11 dev eth0" in added
        assert f"{pod4.netns}: default via {pod4.gateway} dev eth0" in added

        done = netlab("step", lab)
        assert done.code == 0 and "every step is built" in done.out
        verified = netlab("verify", lab)
        assert verified.code == 0, verified.out


def test_a_learners_own_rules_and_links_count_and_changes_wait(tmp_path: Path) -> None:
    """DNAT rules of the learner's own (not kube-proxy's chains) make the Service task done;
    a lab with steps left refuses changes until they are built."""
    lab = "pod-to-service"
    plan = make_plan(load_lab(find_lab(lab)))
    svc = plan.known_service("web")
    with lab_up(lab, "--leave", "3"):
        refused = netlab("scale", lab, "web", "3")
        assert refused.code == 2 and "leaves step 3 to you" in refused.err
        for node in plan.nodes:
            sh(
                "ip",
                "netns",
                "exec",
                node.netns,
                "iptables",
                "-t",
                "nat",
                "-A",
                "PREROUTING",
                "-d",
                str(svc.cluster_ip),
                "-p",
                "tcp",
                "--dport",
                "80",
                "-j",
                "DNAT",
                "--to-destination",
                str(svc.ports[0].endpoints[0]),
            )
        report = tmp_path / "check.xml"
        done = netlab("check", lab, "--junit", str(report))
        assert done.code == 0, done.out + done.err
        assert "1 of 1 tasks done" in done.out
        suite = ET.parse(report).getroot().find("testsuite")
        assert suite is not None and suite.get("name") == f"netlab check {lab}" and suite.get("failures") == "0"


@pytest.mark.parametrize("mode", ["nftables", IPVS])
def test_service_task_in_the_other_proxy_modes(mode: str) -> None:
    lab = "pod-to-service"
    with lab_up(lab, "--proxy-mode", mode, "--leave", "3"):
        assert not checked(lab)["service web"]["done"]
        if mode == "nftables":  # a learner's own table, its DNAT in a chain only the node's own packets pass
            svc = make_plan(load_lab(find_lab(lab))).known_service("web")
            script = (
                "add table ip learn; add chain ip learn out { type nat hook output priority -100; }; "
                f"add rule ip learn out ip daddr {svc.cluster_ip} tcp dport 80 "
                f"dnat to {svc.ports[0].endpoints[0]}"
            )
            sh("ip", "netns", "exec", f"nl-{lab}.node-1", "nft", script)
            verdict = checked(lab)["service web"]
            assert not verdict["done"] and "hook prerouting" in verdict["detail"], verdict
        assert netlab("solve", lab, "3").code == 0
        verdict = checked(lab)["service web"]
        assert verdict["done"], verdict
        if mode == "nftables":  # solve took the learner's rule away: kube-proxy's rules alone serve web
            learned = subprocess.run(
                ["ip", "netns", "exec", f"nl-{lab}.node-1", "nft", "list", "table", "ip", "learn"],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert learned.returncode == 0 and "dnat" not in learned.stdout, learned.stdout


def test_bad_steps_are_one_line_and_build_nothing() -> None:
    for args, said in (
        (["--leave", "4"], "builds nothing to leave"),
        (["--until-step", "9"], "has steps 1 to 5"),
        (["--leave", "1", "--until-step", "1"], "do not go together"),
    ):
        done = netlab("up", "pod-to-pod", *args)
        assert done.code == 2 and said in done.err and len(done.err.strip().splitlines()) == 1, done.err
    assert not Path("/run/netlab/pod-to-pod").exists()


OWN_LAB = """\
name: my-lab
title: An instructor's own lab
cluster: {nodes: [node-1, node-2], dns: false}
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {nodeName: node-1, containers: [{name: c, image: x}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: b}, spec: {nodeName: node-2, containers: [{name: c, image: x}]}}
checks:
  - {name: a pings b, from: a, ping: b}
guide:
  - {title: Route node-1 to node-2's pods, builds: [{routes: node-1}, {routes: node-2}], checks: [a pings b]}
"""


def test_an_instructors_own_lab_file_gets_learner_mode(tmp_path: Path) -> None:
    own = tmp_path / "my-lab.yaml"
    own.write_text(OWN_LAB)
    guide = netlab("guide", str(own))
    assert guide.code == 0 and "builds: routes node-1, routes node-2" in guide.out, guide.err
    bad = tmp_path / "bad.yaml"
    bad.write_text(OWN_LAB.replace("{routes: node-2}", "{routes: node-9}, {vxlan: a}"))
    refused = netlab("up", str(bad), "--leave", "1")
    assert refused.code == 2 and "no node named 'node-9'" in refused.err and "unknown task 'vxlan'" in refused.err
    with lab_up(str(own), "--leave", "1"):
        assert netlab("verify", "my-lab").code == 1
        assert [t["done"] for t in checked("my-lab").values()] == [False, False]
        sh("ip", "-n", "nl-my-lab.node-1", "route", "add", "10.244.2.0/24", "via", "192.168.56.12")
        assert [t["done"] for t in checked("my-lab").values()] == [True, False]
        assert [t["built"] for t in json.loads(netlab("status", "my-lab", "--json").out)["learnerTasks"]] == [False] * 2
        assert netlab("solve", "my-lab", "1").code == 0
        assert netlab("verify", "my-lab").code == 0
        assert [t["built"] for t in json.loads(netlab("status", "my-lab", "--json").out)["learnerTasks"]] == [True] * 2
