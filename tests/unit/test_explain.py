"""netlab.render.explain: a lab as the commands that build it by hand (golden), valid shell for every
lab and mode, holding the same topology commands and rules that `up` applies and starting the
workloads as `up` starts them."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from netlab.kernel.netpol import _top_jumps
from netlab.model import list_labs
from netlab.model.edit import apply
from netlab.model.ingress import controller_flags, is_controller
from netlab.model.load import load_lab
from netlab.plan import make_plan
from netlab.readback.iptables import parse_save
from netlab.render.dns import internet_zone
from netlab.render.envvars import pod_service_env
from netlab.render.explain import AS_NOBODY, ZONE_SERIAL, explain
from netlab.render.ingress import planned_certificates, render_nginx_conf
from netlab.render.ipcmd import script
from netlab.render.iptables import render_iptables
from netlab.render.namespaces import render_namespaces
from netlab.render.netpol import first_sync_lines
from netlab.render.netpol import render as render_netpol

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "explain"
POLICY_LAB = REPO / "tests" / "manifests" / "network-policy-lab.yaml"
CASES = [(lab, mode) for lab in list_labs() for mode in ("iptables", "nftables", "ipvs")]


@pytest.mark.parametrize("name", ["pod-to-service", "ingress-http", "gateway-api"])  # nginx, health checks, cloud LB
def test_golden(bundled_lab, golden, name: str) -> None:
    golden(GOLDEN / f"{name}.sh", explain(make_plan(bundled_lab(name))))


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
    assert script(render_namespaces(plan)) in text
    for node in plan.nodes:
        assert render_iptables(plan.services, plan.lab.cluster.pod_cidr, node).restore in text
        assert f"ip netns exec {node.netns} iptables -t nat -I PREROUTING" in text


def _with_policies(proxy_mode: str = "iptables"):
    """The NetworkPolicy test lab with its policies (there is no bundled lab with any)."""
    policies = (REPO / "tests" / "manifests" / "network-policy-lab-policies.yaml").read_text()
    return make_plan(load_lab(POLICY_LAB, apply(POLICY_LAB.read_text(), policies, "policies")), proxy_mode=proxy_mode)


def test_golden_with_network_policies(golden) -> None:
    golden(GOLDEN / "network-policy.sh", explain(_with_policies()))


@pytest.mark.parametrize("mode", ["iptables", "nftables", "ipvs"])
def test_kube_routers_sets_and_chains_follow_kube_proxys_rules_as_a_node_loads_them(mode: str) -> None:
    """Each node's ipset restore and iptables-restore --noflush input, verbatim, with the jumps a first
    sync adds (the kernel side's own, worked out from a node without any); a lab without policies has
    none of it."""
    plan = _with_policies(mode)
    text = explain(plan)
    assert text.index("# --- 3. kube-proxy") < text.index("# --- 3b. the NetworkPolicies") < text.index("# --- 5.")
    for node in plan.nodes:
        rules = render_netpol(plan, node)
        assert f"ip netns exec {node.netns} ipset restore <<'EOF'\n{rules.ipset_restore()}EOF\n" in text
        restore = rules.iptables_restore(first_sync_lines())
        assert f"ip netns exec {node.netns} iptables-restore --noflush <<'EOF'\n{restore}EOF\n" in text
    assert first_sync_lines() == tuple(_top_jumps(parse_save("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n")))
    done = subprocess.run(["sh", "-n"], input=text, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "kube-router" not in explain(make_plan(load_lab(POLICY_LAB), proxy_mode=mode))


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
    assert (
        f'start public-dns_dns nl-by-hand.public-dns public-dns {AS_NOBODY} "$PYTHON" -m netlab.workloads.dns '
        '--listen 0.0.0.0:53 --zone "$RUN/internet.zone" --domain .\n'
    ) in text
    assert f"cat > \"$RUN/internet.zone\" <<'EOF'\n{internet_zone(plan, ZONE_SERIAL)}EOF\n" in text
    ready = next(line for line in text.splitlines() if line.startswith("ready "))
    assert ready.split()[1:] == ["web_api", "coredns-0_coredns", "coredns-1_coredns", "internet_echo", "public-dns_dns"]


def test_the_servers_run_with_the_interpreter_given(bundled_lab) -> None:
    text = explain(make_plan(bundled_lab("pod-to-pod")), python="/opt/my venv/bin/python")
    assert "\nPYTHON='/opt/my venv/bin/python'\n" in text


LOAD_BALANCED = """
name: lb-by-hand
cluster: {{nodes: [node-1, node-2], loadBalancer: {lb}}}
objects:
  - apiVersion: v1
    kind: Service
    metadata: {{name: web}}
    spec: {{type: LoadBalancer, externalTrafficPolicy: Local, selector: {{app: web}}, ports: [{{port: 80}}]}}
  - apiVersion: v1
    kind: Service
    metadata: {{name: none}}
    spec: {{type: LoadBalancer, externalTrafficPolicy: Local, selector: {{app: none}}, ports: [{{port: 80}}]}}
  - apiVersion: v1
    kind: Pod
    metadata: {{name: web, labels: {{app: web}}}}
    spec: {{nodeName: node-2, containers: [{{name: web, args: [netexec, --http-port=80]}}]}}
"""


def test_the_cloud_routes_to_the_nodes_that_pass_the_health_check(make_lab) -> None:
    """policy Local: only the node with a local endpoint answers 200, so the route has one hop; a
    Service without endpoints is unreachable. Every node serves the health check ports."""
    plan = make_plan(make_lab(LOAD_BALANCED.format(lb="cloud")))
    web, none = (plan.known_service(name, "default") for name in ("web", "none"))
    node_2 = next(node for node in plan.nodes if node.name == "node-2")
    assert plan.cloud_lb is not None
    lb = plan.cloud_lb.netns
    text = explain(plan)
    assert f"ip -n {lb} route replace {web.load_balancer_ip}/32 nexthop via {node_2.ip.ip}\n" in text
    assert f"ip -n {lb} route replace unreachable {none.load_balancer_ip}/32\n" in text
    assert (
        f'start node-1_health nl-lb-by-hand.node-1 node-1 "$PYTHON" -m netlab.workloads.echo --user nobody '
        f"--health-check {none.health_check_node_port} default/none 0 "
        f"--health-check {web.health_check_node_port} default/web 0\n"
    ) in text  # Services by name
    assert f"--health-check {web.health_check_node_port} default/web 1\n" in text


def test_metallb_puts_the_ip_on_the_node_it_elects(make_lab) -> None:
    plan = make_plan(make_lab(LOAD_BALANCED.format(lb="metallb-l2")))
    web, none = (plan.known_service(name, "default") for name in ("web", "none"))
    text = explain(plan)
    assert f"ip -n nl-lb-by-hand.node-2 addr add {web.load_balancer_ip}/32 dev eth0  # MetalLB" in text
    assert f"# {none.load_balancer_ip}: no endpoint, nobody announces\n" in text and "route replace" not in text


def test_an_ingress_controller_runs_nginx_from_netlabs_nginx_conf(bundled_lab) -> None:
    plan = make_plan(bundled_lab("ingress-http"))
    pod = next(p for p in plan.pods if any(is_controller(c) for c in p.containers))
    container = next(c for c in pod.containers if is_controller(c))
    base = f"/run/netlab-explain/ingress-http/ingress/{pod.name}"
    flags = controller_flags(container)[0]
    conf = render_nginx_conf(
        plan,
        flags,
        pod.name,
        f"{base}/run",
        f"/run/netlab-explain/ingress-http/{pod.name}_{container.name}.log",
        planned_certificates(plan, flags, f"{base}/certs"),
    )
    text = explain(plan)
    assert f"cat > {base}/nginx.conf <<'EOF'\n{conf}EOF\n" in text
    assert f"{AS_NOBODY} nginx -e stderr -c {base}/nginx.conf\n" in text
    assert f"listens {pod.name}_{container.name} {pod.netns} 80\n" in text
