"""netlab trace in a lab with NetworkPolicies (tests/manifests/network-policy-lab.yaml with its
policies from the start): the first packet's walk crosses kube-router's chains among kube-proxy's,
and a line per pod firewall chain names the policy rule that allowed it or the REJECT and the
policies isolating the pod; a refused connection traces cleanly (exit 0: the trace is what explains
it), beside what netlab's evaluator expects. iptables and nftables proxy modes, host-gw and vxlan.
And explain's kube-router section, typed into a lab that has no policy, enforces them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from harness import REPO, lab_up, netlab

from netlab.model.edit import apply
from netlab.model.load import load_lab
from netlab.plan import make_plan
from netlab.render.explain import explain

MANIFESTS = REPO / "tests" / "manifests"
POLICY = "default/test-network-policy"


def _lab(tmp_path: Path) -> Path:
    lab = MANIFESTS / "network-policy-lab.yaml"
    path = tmp_path / "netpol.yaml"
    path.write_text(apply(lab.read_text(), (MANIFESTS / "network-policy-lab-policies.yaml").read_text(), "policies"))
    return path


def _trace(*args: str) -> str:
    done = netlab("trace", "netpol", *args)
    assert done.code == 0, done.err
    return done.out


@pytest.mark.parametrize(("mode", "network"), [("iptables", "host-gw"), ("nftables", "host-gw"), ("iptables", "vxlan")])
def test_the_trace_names_the_policy_rule_that_allowed_or_the_chain_that_refused(
    tmp_path: Path, mode: str, network: str
) -> None:
    with lab_up(str(_lab(tmp_path)), "--proxy-mode", mode, network=network):
        refused = _trace("client", "db")  # the Service: DNAT first, then db's chain judges the pod
        assert "client -> db (" in refused and "connection refused" in refused, refused
        dnat = "KUBE-SEP-" if mode == "iptables" else "ip kube-proxy endpoint-"
        assert refused.index(dnat) < refused.index("ip filter FORWARD: jump KUBE-ROUTER-FORWARD"), refused
        assert re.search(
            r"ip filter KUBE-POD-FW-\w+: .*reject -> drop  # rule to REJECT traffic destined for POD name:db", refused
        )
        assert (
            f"NetworkPolicy: db's ingress (KUBE-POD-FW-PFRZ3ILXL3VWR4AJ): REJECTED: no policy selecting db allows it "
            f"(isolated for ingress by {POLICY})"
        ) in refused, refused
        assert "netlab's evaluator expects: client -> db 6379/TCP: denied" in refused

        allowed = _trace("frontend", "db")  # across nodes: frontend's egress on node-2, db's ingress on node-1
        assert "answered by db" in allowed, allowed
        assert f"db's ingress (KUBE-POD-FW-PFRZ3ILXL3VWR4AJ): allowed by {POLICY} ingress rule 1" in allowed, allowed
        assert (
            "frontend's egress (KUBE-POD-FW-5Z2OJTKQVRAZ4Y64): allowed: no policy selects frontend for egress"
            in allowed
        )
        assert (
            "# rule to ACCEPT traffic from source pods to dest pods selected by policy name test-network-policy"
            in allowed
        )
        assert "netlab's evaluator expects: frontend -> db 6379/TCP: allowed" in allowed

        out = _trace("db", "outsider", "--port", "8080")  # db's egress: the ipBlock and port range rule
        assert f"db's egress (KUBE-POD-FW-PFRZ3ILXL3VWR4AJ): allowed by {POLICY} egress rule 1" in out, out
        assert "outsider's ingress (KUBE-POD-FW-SG5LOSUSFYDQ3M2Z): allowed: no policy selects outsider" in out

        bridged = _trace("client", "10.244.1.2", "--port", "8080")  # pod db by address: not its port
        assert "connection refused" in bridged and "REJECTED" in bridged, bridged
        same = _trace("db", "client", "--port", "8080")
        again = "KUBE-POD-FW-PFRZ3ILXL3VWR4AJ, again: kube-router's jump for bridged traffic"
        assert f"db's egress ({again}): allowed by {POLICY} egress rule 1" in same, same

        for node in ("node-1", "node-2"):
            tables = subprocess.run(
                ["ip", "netns", "exec", f"nl-netpol.{node}", "nft", "list", "tables"],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout
            assert "netlab-trace" not in tables


@pytest.mark.parametrize("mode", ["iptables", "nftables"])
def test_explains_policy_section_typed_by_hand_enforces_the_policies(tmp_path: Path, mode: str) -> None:
    """Section 3b of `netlab explain`, run as a script in a lab brought up without the policies."""
    text = explain(make_plan(load_lab(_lab(tmp_path)), proxy_mode=mode))
    section = text[text.index("# --- 3b.") : text.index("# --- 5.")]
    with lab_up(str(MANIFESTS / "network-policy-lab.yaml"), "--proxy-mode", mode):
        assert _curl("client", "10.244.1.2", 6379) == 0  # no policy yet
        done = subprocess.run(["sh", "-e"], input=section, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert _curl("client", "10.244.1.2", 6379) == 7  # refused by db's chain
        assert _curl("frontend", "10.244.1.2", 6379) == 0  # the policy's ingress rule
        assert _curl("db", "10.244.2.2", 8080) == 0  # its egress rule


def _curl(member: str, address: str, port: int) -> int:
    url = f"http://{address}:{port}/"
    return netlab("exec", "netpol", member, "--", "curl", "-s", "-o", "/dev/null", "-m", "3", url).code
