"""netlab.render.explain: a lab as the commands that build it by hand (golden), valid shell for every
lab and mode, holding the same topology commands and rules that `up` applies and starting the
workloads as `up` starts them."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from netlab.model import list_labs
from netlab.plan import make_plan
from netlab.render.dns import internet_zone
from netlab.render.envvars import pod_service_env
from netlab.render.explain import AS_NOBODY, ZONE_SERIAL, explain
from netlab.render.ipcmd import script
from netlab.render.iptables import render_iptables
from netlab.render.topology import render_topology

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "explain"
CASES = [(lab, mode) for lab in list_labs() for mode in ("iptables", "nftables", "ipvs")]


def test_pod_to_service_golden(bundled_lab, golden) -> None:
    golden(GOLDEN / "pod-to-service.sh", explain(make_plan(bundled_lab("pod-to-service"))))


@pytest.mark.parametrize(("lab", "mode"), CASES, ids=[f"{lab.name}-{mode}" for lab, mode in CASES])
def test_every_lab_explains_as_valid_shell(lab, mode: str) -> None:
    text = explain(make_plan(lab, proxy_mode=mode))
    done = subprocess.run(["sh", "-n"], input=text, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_it_holds_what_up_applies(bundled_lab) -> None:
    """The topology as ip commands (the same the benchmark's bash variant runs) and each node's
    restore input, verbatim."""
    plan = make_plan(bundled_lab("pod-to-service"))
    text = explain(plan)
    assert script(render_topology(plan)) in text
    for node in plan.nodes:
        assert render_iptables(plan.services, plan.lab.cluster.pod_cidr, node).restore in text
        assert f"ip netns exec {node.netns} iptables -t nat -I PREROUTING" in text


SMALL = """
name: by-hand
cluster: {nodes: [node-1]}
outside:
  - name: internet
  - name: public-dns
    address: 203.0.113.53
    dns: {www.example.com: internet}
objects:
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
  - apiVersion: v1
    kind: Pod
    metadata: {name: web, labels: {app: web}}
    spec:
      containers:
        - name: api
          args: [netexec, --http-port=8080, --udp-port=-1, --http-override=/hostname]
        - name: tool
          command: [sh, -c, "sleep 600"]
          env: [{name: MODE, value: "a b"}]
"""


def test_every_workload_starts_as_up_starts_it(make_lab) -> None:
    """netexec as the echo server with its flags, a command with the pod's Service variables and
    its own env, CoreDNS forwarding to the internet's resolver, the internet's servers; the script
    waits for netlab's own servers only."""
    plan = make_plan(make_lab(SMALL))
    text = explain(plan)
    pod = next(p for p in plan.pods if p.name == "web")
    echo = 'start web_api nl-by-hand.web web "$PYTHON" -m netlab.workloads.echo --user nobody'
    assert f"{echo} --http-port 8080 --http-override /hostname\n" in text
    env = " ".join(shlex.quote(f"{k}={v}") for k, v in {**pod_service_env(plan, pod), "MODE": "a b"}.items())
    assert "WEB_SERVICE_HOST=" in env
    assert f"start web_tool nl-by-hand.web web {env} {AS_NOBODY} sh -c 'sleep 600'\n" in text
    assert "--pods insecure --metrics 0.0.0.0:9153 --upstream 203.0.113.53\n" in text
    assert (f'start public-dns_dns nl-by-hand.public-dns public-dns {AS_NOBODY} "$PYTHON" -m netlab.workloads.dns '
            '--listen 0.0.0.0:53 --zone "$RUN/internet.zone" --domain .\n') in text
    assert f"cat > \"$RUN/internet.zone\" <<'EOF'\n{internet_zone(plan, ZONE_SERIAL)}EOF\n" in text
    ready = next(line for line in text.splitlines() if line.startswith("ready "))
    assert ready.split()[1:] == ["web_api", "coredns-0_coredns", "coredns-1_coredns", "internet_echo", "public-dns_dns"]


def test_the_servers_run_with_the_interpreter_given(bundled_lab) -> None:
    text = explain(make_plan(bundled_lab("pod-to-pod")), python="/opt/my venv/bin/python")
    assert "\nPYTHON='/opt/my venv/bin/python'\n" in text
