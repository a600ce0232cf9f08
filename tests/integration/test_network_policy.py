"""NetworkPolicy in a running lab, enforced by kube-router's chains and ipsets on every node, proved
with real traffic: the Kubernetes docs' examples (tests/manifests/k8s-docs/) applied with
`netlab apply -f`; allowed paths answer, denied ones are refused at once (kube-router REJECTs with
icmp-port-unreachable: curl's exit code 7, never a timeout), replies of an allowed connection pass
a pod whose egress is restricted, a Service's ClusterIP to a denied backend is denied too, a pod's
label change moves it between peers, and a deleted policy opens the path again. In the iptables and
nftables proxy modes (IPVS where the kernel has it) and on both pod networks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from harness import PROXY_MODES, REPO, lab_up, netlab

from netlab.model import load_lab
from netlab.model.edit import apply
from netlab.plan import make_plan
from netlab.render.netpol import DEFAULT_CHAIN, SET_PREFIXES

MANIFESTS = REPO / "tests" / "manifests"
DOCS = MANIFESTS / "k8s-docs"
LAB = MANIFESTS / "network-policy-lab.yaml"
# the lab's pods (tests/manifests/network-policy-lab.yaml): node-1 holds db and client, node-2
# frontend and outsider (namespace myproject, labelled project=myproject)
DB, CLIENT, FRONTEND, OUTSIDER = "10.244.1.2", "10.244.1.3", "10.244.2.2", "10.244.2.3"
EXCEPT = MANIFESTS / "network-policy-except.yaml"
OK, REFUSED = 0, 7  # curl's exit codes: answered; could not connect (refused, not 28: timed out)


def _curl(member: str, address: str, port: int) -> int:
    done = netlab(
        "exec", "netpol", member, "--", "curl", "-s", "-o", "/dev/null", "-m", "3", f"http://{address}:{port}/"
    )
    return done.code


def _apply(*paths: Path) -> None:
    for path in paths:
        done = netlab("apply", "netpol", "-f", str(path))
        assert done.code == 0, done.err


def _delete(*refs: str) -> None:
    done = netlab("delete", "netpol", *refs)
    assert done.code == 0, done.err


def _pod(tmp_path: Path, name: str, role: str, node: str = "node-1") -> Path:
    """A pod like the lab's client (`apply` of the client itself with another role: only its labels change)."""
    pod = next(o for o in yaml.safe_load(LAB.read_text())["objects"] if o["metadata"]["name"] == "client")
    pod["metadata"] = {"name": name, "labels": {"role": role}}
    pod["spec"]["nodeName"] = node
    path = tmp_path / f"{name}-{role}.yaml"
    path.write_text(yaml.safe_dump(pod))
    return path


def _namespace(tmp_path: Path, project: str) -> Path:
    """Namespace myproject labelled project=`project`."""
    path = tmp_path / f"namespace-{project}.yaml"
    manifest = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "myproject", "labels": {"project": project}},
    }
    path.write_text(yaml.safe_dump(manifest))
    return path


def _rules(node: str) -> list[str]:
    """The node's filter rules (iptables-save's -A lines)."""
    saved = netlab("exec", "netpol", node, "--", "iptables-save", "-t", "filter").out
    return [line for line in saved.splitlines() if line.startswith("-A ")]


def _first_in_forward(node: str) -> str:
    done = netlab("exec", "netpol", node, "--", "iptables", "-S", "FORWARD")
    return next(line for line in done.out.splitlines() if line.startswith("-A FORWARD"))


@pytest.mark.parametrize("network", ["host-gw", "vxlan"])
@pytest.mark.parametrize("mode", PROXY_MODES)
def test_the_docs_policies_allow_and_deny_as_kube_router_does(tmp_path: Path, mode: str, network: str) -> None:
    cluster_ip = str(make_plan(load_lab(LAB)).known_service("db").cluster_ip)
    with lab_up(str(LAB), "--proxy-mode", mode, network=network):
        assert _curl("client", DB, 8080) == OK  # no policy: every pod reaches every pod
        policy = str(DOCS / "network-policy-default-deny-ingress.yaml")
        failed = netlab("apply", "netpol", "-f", policy, user_env={"NETLAB_FAULT_RULES": "1"})
        assert failed.code != 0 and _curl("client", DB, 8080) == OK  # a change that fails rolls the rules back

        _apply(DOCS / "network-policy-default-deny-ingress.yaml")
        assert _first_in_forward("node-2").endswith("-j KUBE-ROUTER-FORWARD")  # before kube-proxy's jumps
        assert _curl("client", DB, 8080) == REFUSED  # same node, bridged
        assert _curl("frontend", DB, 8080) == REFUSED  # across nodes, routed
        assert _curl("db", OUTSIDER, 8080) == OK  # another namespace: not selected
        assert _curl("node-1", DB, 8080) == OK  # the pod's own node always reaches it
        assert _curl("db", DB, 6379) == OK  # itself, over its lo: no node sees it
        assert _curl("db", cluster_ip, 6379) == OK  # itself through its Service: its default egress chain marks it

        # the docs' test-network-policy (adapted: named port redis, an ipBlock of no lab address)
        _apply(MANIFESTS / "network-policy-lab-policies.yaml")
        assert _curl("frontend", DB, 6379) == OK  # podSelector role=frontend; db's replies pass its egress
        assert _curl("outsider", DB, 6379) == OK  # namespaceSelector project=myproject
        assert _curl("client", DB, 6379) == REFUSED
        assert _curl("frontend", DB, 8080) == REFUSED  # not the policy's port
        assert _curl("frontend", cluster_ip, 6379) == OK  # the Service's ClusterIP: judged after DNAT
        assert _curl("client", cluster_ip, 6379) == REFUSED
        assert _curl("db", OUTSIDER, 8080) == OK  # db's egress: 10.244.0.0/16, ports 5978-8080
        assert _curl("db", FRONTEND, 8080) == REFUSED  # allowed out, but frontend's ingress denies it

        _apply(_namespace(tmp_path, "x"))
        assert _curl("outsider", DB, 6379) == REFUSED  # its namespace's labels no longer match
        _apply(_namespace(tmp_path, "myproject"))
        assert _curl("outsider", DB, 6379) == OK

        _apply(_pod(tmp_path, "client", "frontend"))
        assert _curl("client", DB, 6379) == OK  # now a peer of the policy
        _apply(_pod(tmp_path, "client", "client"))
        assert _curl("client", DB, 6379) == REFUSED
        late = _pod(tmp_path, "db-2", "db", node="node-2")  # a pod made while the policies stand
        db2 = make_plan(load_lab(LAB, apply(LAB.read_text(), late.read_text()))).member("db-2")
        assert db2 is not None
        _apply(late)
        assert _curl("client", str(db2.ip.ip), 8080) == REFUSED
        assert _curl("outsider", str(db2.ip.ip), 8080) == REFUSED  # the policy's port is redis, which db-2 lacks
        assert _curl("frontend", cluster_ip, 6379) == OK  # db's endpoint still; db-2 has no port named redis

        _delete("netpol/test-network-policy", "networkpolicy/default-deny-ingress")
        assert _curl("client", DB, 8080) == OK  # every policy gone: open again
        assert _curl("frontend", DB, 6379) == OK
        for node in ("node-1", "node-2"):  # and nothing of kube-router's is left on the nodes
            assert "KUBE-ROUTER" not in netlab("exec", "netpol", node, "--", "iptables-save").out
            sets = netlab("exec", "netpol", node, "--", "ipset", "list", "-n").out.split()
            assert not [s for s in sets if s.startswith(SET_PREFIXES)], sets  # (IPVS mode: kube-proxy's own stay)

        _apply(EXCEPT)
        assert _curl("client", DB, 8080) == OK  # inside 10.244.0.0/16
        assert _curl("client", FRONTEND, 8080) == REFUSED  # in its except, 10.244.2.0/24
        _delete("netpol/except-node-2")

        _apply(DOCS / "network-policy-default-deny-ingress.yaml", DOCS / "network-policy-allow-all-ingress.yaml")
        assert _curl("frontend", DB, 8080) == OK  # allow-all-ingress: ORed with default deny
        _apply(DOCS / "network-policy-default-deny-egress.yaml")
        assert _curl("client", FRONTEND, 8080) == REFUSED  # its own egress denies it
        assert _curl("outsider", CLIENT, 8080) == OK  # ingress still allowed to all; replies pass
        _delete("netpol/default-deny-egress", "netpol/allow-all-ingress", "netpol/default-deny-ingress")
        assert _curl("client", FRONTEND, 8080) == OK


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_policies_of_the_lab_file_hold_from_up(tmp_path: Path, mode: str) -> None:
    lab = tmp_path / "netpol.yaml"
    lab.write_text(apply(LAB.read_text(), (DOCS / "network-policy-default-deny-ingress.yaml").read_text()))
    with lab_up(str(lab), "--proxy-mode", mode, network="vxlan"):
        assert _first_in_forward("node-1").endswith("-j KUBE-ROUTER-FORWARD")  # after kube-proxy's, first
        assert _curl("client", DB, 8080) == REFUSED
        assert _curl("outsider", DB, 8080) == REFUSED
        assert _curl("db", OUTSIDER, 8080) == OK


def test_a_label_change_loads_only_the_sets_it_moves_between_and_puts_the_jumps_first_again(tmp_path: Path) -> None:
    lab = tmp_path / "netpol.yaml"
    lab.write_text(apply(LAB.read_text(), (MANIFESTS / "network-policy-lab-policies.yaml").read_text()))
    marker = ["-A", DEFAULT_CHAIN, "-p", "udp", "--dport", "9"]  # a rule without a target: it only counts
    with lab_up(str(lab)):
        for node in ("node-1", "node-2"):
            assert netlab("exec", "netpol", node, "--", "iptables", *marker).code == 0
        jump = ["iptables", "-I", "FORWARD", "1", "-p", "udp", "--dport", "9", "-j", "ACCEPT"]
        assert netlab("exec", "netpol", "node-2", "--", *jump).code == 0  # a jump put before kube-router's
        assert _curl("client", DB, 6379) == REFUSED
        _apply(_pod(tmp_path, "client", "frontend"))  # only set members move
        assert _curl("client", DB, 6379) == OK
        assert f"{CLIENT} timeout 0" in netlab("exec", "netpol", "node-2", "--", "ipset", "list").out
        saved = f"-A {DEFAULT_CHAIN} -p udp -m udp --dport 9"  # as iptables-save prints it
        assert saved in _rules("node-1")  # node-1's chains were not loaded again
        assert saved not in _rules("node-2")  # node-2's were: its jumps are first again
        assert _first_in_forward("node-2").endswith("-j KUBE-ROUTER-FORWARD")
