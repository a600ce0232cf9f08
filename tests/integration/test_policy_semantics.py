"""NetworkPolicy semantics beyond TCP between pods, with real traffic through kube-router's rules:
UDP ports (a denied datagram gets kube-router's REJECT, an ICMP port unreachable), a policy port of
protocol SCTP (rendered as `-p sctp --dport` where iptables has the sctp match, refused with one
line where not), egress to the lab's outside hosts judged by their own address (before the node's
SNAT), `netlab matrix` agreeing with traffic on every bundled lab, and a TCP connection made before
a deny policy living on (kube-router accepts ESTABLISHED first and flushes no conntrack entry)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from harness import NETLAB, REPO, lab_up, leftovers, netlab

from netlab.errors import EnvironmentProblem
from netlab.kernel import ingress, netpolcheck
from netlab.model import find_lab, load_lab
from netlab.model.load import bundled_labs_dir
from netlab.plan import make_plan
from netlab.plan.ingress import lab_has_controllers
from netlab.verify.matrix import REJECTED

MANIFESTS = REPO / "tests" / "manifests"
DENY_INGRESS = MANIFESTS / "k8s-docs" / "network-policy-default-deny-ingress.yaml"

UDP_LAB = """\
name: t-udp
cluster: {nodes: [node-1, node-2], dns: false}
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: dns, labels: {app: dns}},
     spec: {nodeName: node-1, containers: [{name: c, ports: [
       {containerPort: 5353, protocol: UDP}, {containerPort: 5354, protocol: UDP}, {containerPort: 5353}]}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: client, labels: {app: client}},
     spec: {nodeName: node-2, containers: [{name: c, ports: [{containerPort: 5353, protocol: UDP}]}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: neighbour, labels: {app: client}},
     spec: {nodeName: node-1, containers: [{name: c, ports: [{containerPort: 5353, protocol: UDP}]}]}}
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: dns-udp-5353}
    spec:
      podSelector: {matchLabels: {app: dns}}
      ingress: [{ports: [{protocol: UDP, port: 5353}]}]
"""


def _matrix(lab: str, *args: str) -> dict:
    done = netlab("matrix", lab, "--json", *args)
    doc = json.loads(done.out)
    assert done.code == 0 and doc["agrees"], [c for c in doc["cells"] if not c["agrees"]] or done.err
    return doc


def _cells(doc: dict) -> dict[tuple[str, str], dict]:
    return {(c["from"], c["to"]): c for c in doc["cells"]}


def test_a_policy_allows_one_udp_port_and_rejects_another(tmp_path: Path) -> None:
    """dns admits UDP 5353 from anyone, nothing else: 5354/UDP and 5353/TCP are refused at once."""
    lab = tmp_path / "t-udp.yaml"
    lab.write_text(UDP_LAB)
    with lab_up(str(lab)):
        allowed = _cells(_matrix("t-udp", "--protocol", "udp", "--port", "5353"))
        for source in ("client", "neighbour", "node-2"):  # across nodes, bridged, another node
            assert allowed[source, "dns"]["reached"] is True, allowed[source, "dns"]
            assert allowed[source, "dns"]["detail"] == "dns"  # agnhost's hostname answer
        denied = _cells(_matrix("t-udp", "--protocol", "udp", "--port", "5354"))
        for source in ("client", "neighbour", "node-2"):
            cell = denied[source, "dns"]
            assert (cell["expected"], cell["reached"], cell["detail"]) == (False, False, REJECTED["UDP"]), cell
        assert denied["node-1", "dns"]["reached"] is True  # dns's own node
        assert denied["dns", "client"]["reached"] is None  # client listens on 5353 only: not probed on 5354
        tcp = _cells(_matrix("t-udp", "--port", "5353"))
        assert tcp["client", "dns"]["reached"] is False and tcp["client", "dns"]["detail"] == REJECTED["TCP"]


SCTP_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: sctp-only}
spec:
  podSelector: {matchLabels: {role: db}}
  ingress: [{ports: [{protocol: SCTP, port: 5000}, {protocol: SCTP, port: 6000, endPort: 6010}]}]
"""


def _sctp_rules(node: str) -> list[str]:
    saved = netlab("exec", "netpol", node, "--", "iptables-save", "-t", "filter").out
    return [line for line in saved.splitlines() if "-p sctp" in line]


def _sctp_lab(tmp_path: Path) -> Path:
    """The netpol lab with the SCTP policy in its file."""
    doc = yaml.safe_load((MANIFESTS / "network-policy-lab.yaml").read_text())
    lab = tmp_path / "netpol.yaml"
    lab.write_text(yaml.safe_dump({**doc, "objects": [*doc["objects"], yaml.safe_load(SCTP_POLICY)]}))
    return lab


def test_an_sctp_port_without_iptables_sctp_match_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    """Where the kernel lacks xt_sctp this is the kernel's own answer; where it has it,
    NETLAB_FAULT_NO_SCTP_MATCH plays a kernel without it. Exit 3, one line, nothing built or changed."""
    no_sctp = {} if not netpolcheck.kernel_has_sctp_match() else {netpolcheck.FAULT_NO_SCTP: "1"}
    lab = _sctp_lab(tmp_path)
    refused = netlab("up", str(lab), user_env=no_sctp)
    assert refused.code == 3 and refused.err.count("\n") == 1, refused.err
    assert "no SCTP match for iptables (xt_sctp): NetworkPolicy default/sctp-only's SCTP port" in refused.err
    assert leftovers("netpol", list(make_plan(load_lab(lab)).all_netns())) == []  # nothing half-built
    policy = tmp_path / "sctp.yaml"
    policy.write_text(SCTP_POLICY)
    with lab_up(str(MANIFESTS / "network-policy-lab.yaml")):
        refused = netlab("apply", "netpol", "-f", str(policy), user_env=no_sctp)
        assert refused.code == 3 and "xt_sctp" in refused.err, refused.err
        assert "KUBE-ROUTER" not in netlab("exec", "netpol", "node-1", "--", "iptables-save").out  # nothing changed
        assert "sctp-only" not in Path("/run/netlab/netpol/lab.yaml").read_text()  # the lab file as before


@pytest.mark.skipif(
    not netpolcheck.kernel_has_sctp_match(), reason="this kernel has no SCTP match for iptables (xt_sctp)"
)
def test_an_sctp_port_is_enforced_as_kube_router_writes_it(tmp_path: Path) -> None:
    """xt_sctp is what the rules need; the kernel's SCTP sockets are not (no pod listens on SCTP, so
    no SCTP traffic is sent: docs/network-policy.md, "SCTP ports")."""
    with lab_up(str(_sctp_lab(tmp_path))):
        for node in ("node-1", "node-2"):  # every node holds every policy's chain
            ports = sorted(line.split("--dport ")[1].split()[0] for line in _sctp_rules(node))
            assert ports == ["5000", "5000", "6000:6010", "6000:6010"], _sctp_rules(node)  # mark, RETURN
            assert all("-m sctp --dport" in line for line in _sctp_rules(node))  # xt_sctp matches the port
        db = _cells(_matrix("netpol", "--port", "8080"))  # db is isolated: TCP is not among its ports
        assert db["client", "db"]["reached"] is False and db["frontend", "db"]["reached"] is False
        assert "no rule of theirs allows from client on 8080/TCP" in db["client", "db"]["reason"]
        assert db["db", "client"]["reached"] is True  # an Ingress policy: db's egress is open


def _egress_policy(tmp_path: Path, excepted: str) -> Path:
    path = tmp_path / f"egress-{excepted.replace('/', '-')}.yaml"
    path.write_text(f"""\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: client-1-out}}
spec:
  podSelector: {{matchLabels: {{app: client-1}}}}
  policyTypes: [Egress]
  egress:
  - to: [{{ipBlock: {{cidr: 203.0.113.0/24, except: [{excepted}]}}}}]
    ports: [{{protocol: TCP, port: 80}}]
""")
    return path


def test_egress_to_an_outside_host_is_judged_by_its_own_address_before_the_nodes_snat(tmp_path: Path) -> None:
    """The egress lab: client-1 may reach 203.0.113.0/24 on 80 only, but for the except. kube-router's
    chain for client-1 runs in FORWARD, before ip-masq-agent's MASQUERADE and the gateway's 1:1 NAT:
    the ipBlock sees 203.0.113.10 (internet), and the except takes it out."""
    label = tmp_path / "client-1.yaml"
    objects = yaml.safe_load((bundled_labs_dir() / "egress.yaml").read_text())["objects"]
    pod = next(o for o in objects if o["metadata"]["name"] == "client-1")
    with lab_up("egress"):
        before = _cells(_matrix("egress"))
        assert before["client-1", "internet"]["reached"] and before["node-1", "internet"]["reached"]
        label.write_text(json.dumps({**pod, "metadata": {"name": "client-1", "labels": {"app": "client-1"}}}))
        assert netlab("apply", "egress", "-f", str(label)).code == 0

        assert netlab("apply", "egress", "-f", str(_egress_policy(tmp_path, "203.0.113.10/32"))).code == 0
        cells = _cells(_matrix("egress"))
        assert cells["client-1", "internet"]["reached"] is False, cells["client-1", "internet"]
        assert cells["client-1", "internet"]["detail"] == REJECTED["TCP"]
        assert "no rule of theirs allows to host internet on 80/TCP" in cells["client-1", "internet"]["reason"]
        assert cells["client-2", "internet"]["reached"] and cells["node-1", "internet"]["reached"]
        assert cells["client-1", "client-2"]["reached"] is False  # a pod is outside the ipBlock

        assert netlab("apply", "egress", "-f", str(_egress_policy(tmp_path, "203.0.113.128/25"))).code == 0
        cells = _cells(_matrix("egress"))
        assert cells["client-1", "internet"]["reached"] is True
        assert cells["client-1", "internet"]["allowedBy"] == ["default/client-1-out egress rule 1"]
        seen = netlab("exec", "egress", "client-1", "--", "curl", "-s", "-m", "5", "http://203.0.113.10/clientip")
        assert seen.out.startswith("198.51.100.11:"), seen.out  # and still leaves through both NATs


@pytest.mark.parametrize("lab", sorted(p.stem for p in bundled_labs_dir().glob("*.yaml")))
def test_the_matrix_agrees_with_traffic_on_every_bundled_lab(lab: str) -> None:
    """Each bundled lab in its default modes: every pair that traffic can try does what the
    evaluator says (labs without policies: everything allowed); what does not listen is not probed.
    A lab whose controller pods need nginx skips only where the machine has none (as `up` says it)."""
    if lab_has_controllers(make_plan(load_lab(find_lab(lab)))):
        try:
            ingress.require_tools()
        except EnvironmentProblem as missing:
            pytest.skip(str(missing))
    with lab_up(lab):
        for protocol in ("tcp", "udp"):
            doc = _matrix(lab, "--protocol", protocol)
            assert all(c["reached"] == c["expected"] for c in doc["cells"] if c["probed"])


SERVER = """
import socket, sys, threading, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", 7000)); srv.listen(); srv.settimeout(60)
def serve(c):
    c.settimeout(60)
    while data := c.recv(100):
        c.sendall(b"echo " + data)
print("listening", flush=True)
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        threading.Thread(target=serve, args=(srv.accept()[0],), daemon=True).start()
    except socket.timeout:
        break
"""
CLIENT = """
import select, socket, sys
s = socket.create_connection((sys.argv[1], 7000), timeout=5)
s.sendall(b"one\\n"); print("first", s.recv(100).decode().strip(), flush=True)
if not select.select([sys.stdin], [], [], 60)[0]:
    sys.exit("nobody said go")
sys.stdin.readline()
s.sendall(b"two\\n"); print("second", s.recv(100).decode().strip(), flush=True)
try:
    socket.create_connection((sys.argv[1], 7000), timeout=5); print("new connected")
except OSError as e:
    print("new", type(e).__name__)
"""


def test_a_connection_established_before_a_deny_policy_lives_on_new_ones_are_refused() -> None:
    """kube-router's pod chain accepts RELATED,ESTABLISHED first and no sync deletes conntrack entries:
    client's open connection to db keeps its conntrack entry, so the deny (default-deny-ingress)
    judges only new ones (docs/network-policy.md, "Connections made before a policy")."""
    db = "10.244.1.2"
    with lab_up(str(MANIFESTS / "network-policy-lab.yaml")):
        server = subprocess.Popen(
            [NETLAB, "exec", "netpol", "db", "--", "python3", "-c", SERVER],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        client = None
        try:
            assert server.stdout is not None and server.stdout.readline().strip() == "listening"
            client = subprocess.Popen(
                [NETLAB, "exec", "netpol", "client", "--", "python3", "-c", CLIENT, db],
                stdout=subprocess.PIPE,
                stdin=subprocess.PIPE,
                text=True,
            )
            assert client.stdout is not None and client.stdin is not None
            assert client.stdout.readline().strip() == "first echo one"
            assert netlab("apply", "netpol", "-f", str(DENY_INGRESS)).code == 0
            client.stdin.write("go\n")
            client.stdin.flush()
            out, _ = client.communicate(timeout=30)
            assert out.splitlines() == ["second echo two", "new ConnectionRefusedError"], out
            fresh = netlab(
                "exec", "netpol", "client", "--", "curl", "-s", "-o", "/dev/null", "-m", "3", f"http://{db}:8080/"
            )
            assert fresh.code == 7  # refused: a new connection meets the policy
        finally:
            for proc in (client, server):
                if proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=10)
